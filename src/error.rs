//! Errors a user can cause, and how the process reports them.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a model file, located by file, line and key.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is the file as a whole (unreadable, say).
    pub line: usize,
    /// The dotted key, e.g. `inputs.withdrawn_share.alpha`; empty for the file.
    pub key: String,
    pub message: String,
}

impl ModelError {
    pub fn new(
        file: &Path,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ModelError {
            file: file.to_path_buf(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ModelError {}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Model(#[from] ModelError),
    /// Options that are wrong in themselves or for this model.
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Stopped by Ctrl-C or SIGTERM; `samples` were completed (and written,
    /// marked partial, by `run`).
    #[error("interrupted{}", if *samples > 0 { format!(" after {samples} samples: partial results written") } else { ": nothing written".to_string() })]
    Interrupted { samples: u64 },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Exit status: 2 for anything the user must fix in the input or the
    /// command line (as ripgrep and clap do), 1 for failures while working.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Model(_) | Error::Usage(_) => 2,
            Error::Io { .. } | Error::Interrupted { .. } => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
