//! `mgp fit`.

/// Arguments of `mgp fit`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> u8 {
    super::not_yet("fit")
}
