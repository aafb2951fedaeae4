//! `mgp devices`.

/// Arguments of `mgp devices`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> u8 {
    super::not_yet("devices")
}
