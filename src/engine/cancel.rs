//! Stopping a run from outside: a token per job, not a switch per process,
//! so that cancelling one job on a server leaves the others running.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shared by a job and whoever may cancel it (a signal handler, an HTTP
/// request, a notebook's interrupt). Cloning gives another handle to the
/// same token.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the job to stop at its next chunk boundary.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a piece of work ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Completed(T),
    /// Stopped by its token after `samples_done` samples; `partial` holds
    /// what those samples give, where a partial result means something.
    Cancelled {
        samples_done: u64,
        partial: Option<T>,
    },
}

impl<T> Outcome<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Completed(t) => Outcome::Completed(f(t)),
            Outcome::Cancelled {
                samples_done,
                partial,
            } => Outcome::Cancelled {
                samples_done,
                partial: partial.map(f),
            },
        }
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, Outcome::Cancelled { .. })
    }

    /// The result, or else this outcome without its partial result, for a
    /// caller that keeps nothing of stopped work to return as its own:
    /// `let r = match outcome.or_stopped() { Ok(r) => r, Err(s) => return Ok(s) };`
    pub fn or_stopped<U>(self) -> Result<T, Outcome<U>> {
        match self {
            Outcome::Completed(t) => Ok(t),
            Outcome::Cancelled { samples_done, .. } => Err(Outcome::Cancelled {
                samples_done,
                partial: None,
            }),
        }
    }

    /// As `map`, with a function that may fail.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Outcome<U>, E> {
        Ok(match self {
            Outcome::Completed(t) => Outcome::Completed(f(t)?),
            Outcome::Cancelled {
                samples_done,
                partial,
            } => Outcome::Cancelled {
                samples_done,
                partial: partial.map(f).transpose()?,
            },
        })
    }

    /// The result, if the work completed.
    pub fn completed(self) -> Option<T> {
        match self {
            Outcome::Completed(t) => Some(t),
            Outcome::Cancelled { .. } => None,
        }
    }
}
