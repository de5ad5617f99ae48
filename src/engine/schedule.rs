//! Chunks evaluated in parallel and absorbed in order. Whatever the absorber
//! merges is then independent of the number of threads and of scheduling;
//! where a run stops (a stopping rule, a cancel) is always after a prefix of
//! the chunks.

use super::cancel::{CancelToken, Outcome};
use super::chunk::samples_in;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;

/// Threads to work on and a token to stop: what a run needs from whoever
/// started it. A server shares one pool between jobs, each with its own
/// token.
#[derive(Clone)]
pub struct Workers {
    pool: Arc<rayon::ThreadPool>,
    cancel: CancelToken,
}

impl Workers {
    /// A pool of `threads` threads (0: one per core) and a fresh token.
    pub fn new(threads: usize) -> Result<Workers> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::ThreadPool {
                threads,
                reason: e.to_string(),
            })?;
        Ok(Workers::with_pool(Arc::new(pool)))
    }

    pub fn with_pool(pool: Arc<rayon::ThreadPool>) -> Workers {
        Workers {
            pool,
            cancel: CancelToken::new(),
        }
    }

    /// The same threads with another token.
    pub fn with_cancel(&self, cancel: CancelToken) -> Workers {
        Workers {
            pool: self.pool.clone(),
            cancel,
        }
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Runs `f` on the pool (for work that is not chunked, a bootstrap say).
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }
}

/// Whether to go on after a chunk was absorbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// What a pass over chunks did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Chunks absorbed, from the start of the range.
    pub chunks: u64,
    /// Samples in those chunks.
    pub samples: u64,
    /// True if the token stopped the pass before the range was done (or
    /// the absorber asked to stop).
    pub cancelled: bool,
}

impl Pass {
    /// The outcome of work that keeps nothing when stopped early: `None`
    /// if the pass went to the end.
    pub fn stopped<T>(&self) -> Option<Outcome<T>> {
        self.cancelled.then_some(Outcome::Cancelled {
            samples_done: self.samples,
            partial: None,
        })
    }
}

/// Evaluates the chunks of `range` with `eval`, in parallel waves, and
/// hands the results to `absorb` in chunk order. `absorb` may stop the pass
/// after any chunk; the chunks evaluated after it are discarded, so where a
/// pass stops depends on the chunks' results only. A cancel is seen between
/// chunks: chunks not yet started are skipped and the pass ends after the
/// last chunk absorbed before it.
///
/// Two waves are in flight: while this thread absorbs one (merging,
/// writing draws, reporting progress), the pool evaluates the next, so the
/// workers do not wait for the absorber between waves. Each wave is two
/// chunks per thread, which keeps the results held at once (four chunks per
/// thread) what one wave of four held before.
pub fn for_chunks_in<T: Send>(
    workers: &Workers,
    samples: u64,
    range: Range<u64>,
    eval: impl Fn(u64) -> T + Sync,
    mut absorb: impl FnMut(T) -> Result<Flow>,
    progress: &mut dyn FnMut(u64),
) -> Result<Pass> {
    let wave = (workers.threads() * 2) as u64;
    let cancel = &workers.cancel;
    let pass = |end: u64, cancelled: bool| Pass {
        chunks: end - range.start,
        samples: samples_in(&(range.start..end), samples),
        cancelled,
    };
    let eval_wave = |chunks: Range<u64>| -> Vec<Option<T>> {
        chunks
            .into_par_iter()
            .map(|c| (!cancel.is_cancelled()).then(|| eval(c)))
            .collect()
    };
    if range.start >= range.end {
        return Ok(pass(range.end, false));
    }
    if cancel.is_cancelled() {
        return Ok(pass(range.start, true));
    }
    let (mut start, mut end) = (range.start, (range.start + wave).min(range.end));
    let mut current = workers.pool.install(|| eval_wave(start..end));
    loop {
        let following = end..(end + wave).min(range.end);
        let launch = !following.is_empty() && !cancel.is_cancelled();
        let mut evaluated = None;
        let finished: Result<Option<Pass>> = workers.pool.in_place_scope(|s| {
            if launch {
                let (slot, eval_wave, chunks) = (&mut evaluated, &eval_wave, following.clone());
                s.spawn(move |_| *slot = Some(eval_wave(chunks)));
            }
            for (k, r) in current.into_iter().enumerate() {
                let Some(r) = r else {
                    let absorbed = start + k as u64;
                    progress(samples_in(&(range.start..absorbed), samples));
                    return Ok(Some(pass(absorbed, true)));
                };
                if absorb(r)? == Flow::Stop {
                    let absorbed = start + k as u64 + 1;
                    progress(samples_in(&(range.start..absorbed), samples));
                    return Ok(Some(pass(absorbed, false)));
                }
            }
            progress(samples_in(&(range.start..end), samples));
            Ok(None)
        });
        if let Some(done) = finished? {
            return Ok(done);
        }
        if following.is_empty() {
            return Ok(pass(range.end, false));
        }
        // A cancel seen after this wave ends the pass at its boundary, as
        // it did when waves ran one at a time: the next wave's results,
        // evaluated meanwhile (or not launched), are discarded.
        let Some(results) = evaluated.filter(|_| !cancel.is_cancelled()) else {
            return Ok(pass(end, true));
        };
        (start, end, current) = (following.start, following.end, results);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::chunk::CHUNK_SIZE;

    #[test]
    fn chunks_are_absorbed_in_order_at_any_thread_count() {
        for threads in [1, 2, 3] {
            let workers = Workers::new(threads).unwrap();
            let mut seen = Vec::new();
            let pass = for_chunks_in(
                &workers,
                40 * CHUNK_SIZE,
                3..40,
                |c| c * 10,
                |v| {
                    seen.push(v);
                    Ok(Flow::Continue)
                },
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(seen, (3..40).map(|c| c * 10).collect::<Vec<_>>());
            assert_eq!((pass.chunks, pass.cancelled), (37, false));
            assert_eq!(pass.samples, 37 * CHUNK_SIZE);
        }
    }

    #[test]
    fn a_cancel_ends_the_pass_after_a_prefix() {
        let workers = Workers::new(2).unwrap();
        let token = workers.cancel_token().clone();
        let mut seen = Vec::new();
        let pass = for_chunks_in(
            &workers,
            100 * CHUNK_SIZE,
            0..100,
            |c| c,
            |v| {
                seen.push(v);
                if v == 20 {
                    token.cancel();
                }
                Ok(Flow::Continue)
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(pass.cancelled);
        assert_eq!(seen, (0..pass.chunks).collect::<Vec<_>>());
        assert!((21..=100).contains(&pass.chunks), "{}", pass.chunks);
        assert!(pass.chunks < 100);
    }

    #[test]
    fn a_token_cancelled_before_the_start_runs_nothing() {
        let workers = Workers::new(1).unwrap();
        workers.cancel_token().cancel();
        let pass = for_chunks_in(
            &workers,
            10,
            0..1,
            |c| c,
            |_| panic!("nothing is evaluated"),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!((pass.chunks, pass.samples, pass.cancelled), (0, 0, true));
    }
}
