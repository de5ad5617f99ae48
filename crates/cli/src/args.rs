//! The command line as clap parses it: the library's commands, each its
//! spec (`gaprisk::jobs::spec`), and `serve`, the server's own options.
//! Nothing here restates an option.

use clap::{Parser, Subcommand};
use gaprisk::spec::Command;

#[derive(Debug, Parser)]
#[command(
    name = "gaprisk",
    version,
    about = "Monte Carlo risk estimation from model files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
// Parsed once per process: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum CliCommand {
    #[command(flatten)]
    Library(Command),
    /// Serve the HTTP job API and its web page (README, "The service").
    #[cfg(feature = "server")]
    Serve(gaprisk_server::ServeSpec),
}
