//! `mgp report`.

/// Arguments of `mgp report`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> u8 {
    super::not_yet("report")
}
