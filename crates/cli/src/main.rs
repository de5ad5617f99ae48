//! `gaprisk`: the command line (crates/cli/src/lib.rs) as a program.

use clap::Parser;
use gaprisk_cli::args::Cli;

fn main() {
    if let Err(e) = gaprisk_cli::main(Cli::parse()) {
        eprintln!("gaprisk: error: {}", e.message());
        std::process::exit(e.exit_code());
    }
}
