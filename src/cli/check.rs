//! `mgp check`.

/// Arguments of `mgp check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> u8 {
    super::not_yet("check")
}
