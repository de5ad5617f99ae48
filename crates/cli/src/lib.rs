//! The command line, a thin shell over the gaprisk library: arguments are
//! parsed by clap into the library's specs (`args`), the job is built (the
//! model loaded, the options checked), run with a progress bar and a Ctrl-C
//! that cancels its token, and its files written and its table printed
//! (`commands`). `serve` hands over to crates/server.

pub mod args;
mod commands;
mod progress;
mod signals;

use args::{Cli, CliCommand};
use gaprisk::Error;

/// Why a command failed, and its exit status.
#[derive(Debug)]
pub enum Failure {
    Job(Error),
    /// Stopped by Ctrl-C or SIGTERM after `samples` samples; `run` wrote
    /// its partial results.
    Interrupted {
        samples: u64,
    },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Job(e)
    }
}

impl From<gaprisk::ModelError> for Failure {
    fn from(e: gaprisk::ModelError) -> Self {
        Failure::Job(e.into())
    }
}

/// An option as the command line spells it: `relative_precision` is
/// `--relative-precision`.
pub fn flag(option: &str) -> String {
    format!("--{}", option.replace('_', "-"))
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Job(e) => e.render(&flag),
            Failure::Interrupted { samples } if *samples > 0 => {
                format!("interrupted after {samples} samples: partial results written")
            }
            Failure::Interrupted { .. } => "interrupted: nothing written".into(),
        }
    }

    /// 2 for anything the user must fix in the input or the command line
    /// (as ripgrep and clap do), 1 for failures while working.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Job(e) if e.is_input_error() => 2,
            _ => 1,
        }
    }
}

pub fn main(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        // The server handles its own signals: SIGTERM drains it.
        #[cfg(feature = "server")]
        CliCommand::Serve(spec) => commands::serve(spec),
        CliCommand::Library(command) => commands::execute(command, signals::install()),
    }
}
