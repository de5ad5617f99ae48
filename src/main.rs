use clap::Parser;
use gaprisk::cli::{self, args::Cli};

fn main() {
    let args = Cli::parse();
    if let Err(e) = cli::main(args) {
        eprintln!("gaprisk: error: {}", e.message());
        std::process::exit(e.exit_code());
    }
}
