//! The command line: arguments are parsed and validated into typed options
//! before any work starts.

pub mod args;
pub mod check;
pub mod run;

use crate::error::Result;
use args::{Cli, Command};

pub fn main(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(a) => run::execute(run::RunOptions::try_from(a)?),
        Command::Check(a) => check::execute(&a.model),
    }
}
