//! Chunks evaluated in parallel and absorbed in order. Whatever the absorber
//! merges is then independent of the number of threads and of scheduling;
//! where a run stops (a stopping rule, a cancel) is always after a prefix of
//! the chunks.

use super::cancel::{CancelToken, Outcome};
use super::chunk::samples_in;
use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

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

/// Evaluates the chunks of `range` with `eval` on the workers' pool and
/// hands the results to `absorb` in chunk order, on this thread. `absorb`
/// may stop the pass after any chunk; the chunks evaluated after it are
/// discarded, so where a pass stops depends on the chunks' results only. A
/// cancel is seen between chunks: chunks not yet started are skipped and
/// the pass ends after the last chunk absorbed before it.
///
/// Chunks stream: each is its own task, and when the absorber takes chunk
/// c it launches chunk c + window, so a worker that finishes early starts
/// the next chunk at once instead of waiting for a wave's slowest chunk.
/// The window (four chunks per thread) bounds the results held at once.
/// Each task is one chunk, so a pool shared between jobs (the server's)
/// interleaves them chunk by chunk, and no pool thread ever blocks.
pub fn for_chunks_in<T: Send>(
    workers: &Workers,
    samples: u64,
    range: Range<u64>,
    eval: impl Fn(u64) -> T + Sync,
    mut absorb: impl FnMut(T) -> Result<Flow>,
    progress: &mut dyn FnMut(u64),
) -> Result<Pass> {
    let threads = workers.threads() as u64;
    let window = threads * 4;
    let report_every = threads * 2;
    let cancel = &workers.cancel;
    let pass = |end: u64, cancelled: bool| Pass {
        chunks: end - range.start,
        samples: samples_in(&(range.start..end), samples),
        cancelled,
    };
    if range.start >= range.end {
        return Ok(pass(range.end, false));
    }
    if cancel.is_cancelled() {
        return Ok(pass(range.start, true));
    }
    // Set when the absorber stops early, so that chunks not yet started
    // are skipped rather than evaluated for nothing.
    let stopped = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<Evaluated<T>>();
    // Called from one of the pool's own threads, the absorber must help
    // run the tasks it waits for rather than block the thread.
    let on_pool = workers.pool.current_thread_index().is_some();
    workers.pool.in_place_scope(|scope| {
        let launch = |c: u64| {
            let (sender, eval, stopped) = (sender.clone(), &eval, &stopped);
            scope.spawn(move |_| {
                let skip = cancel.is_cancelled() || stopped.load(Ordering::Relaxed);
                let result = if skip {
                    Ok(None)
                } else {
                    panic::catch_unwind(AssertUnwindSafe(|| Some(eval(c))))
                };
                // The absorber has stopped listening only after an early
                // end, when results are discarded anyway.
                let _ = sender.send((c, result));
            });
        };
        let mut next = range.start;
        while next < range.end && next < range.start + window {
            launch(next);
            next += 1;
        }
        // held[k] is chunk absorbed + k's result, once its task has sent it.
        let mut held: VecDeque<Option<thread::Result<Option<T>>>> = VecDeque::new();
        let mut absorbed = range.start;
        let end_early = |absorbed: u64, cancelled: bool, progress: &mut dyn FnMut(u64)| {
            stopped.store(true, Ordering::Relaxed);
            progress(samples_in(&(range.start..absorbed), samples));
            Ok(pass(absorbed, cancelled))
        };
        while absorbed < range.end {
            let result = loop {
                if let Some(ready) = held.front_mut().and_then(Option::take) {
                    held.pop_front();
                    break ready;
                }
                let (c, result) = receive(&receiver, on_pool);
                let k = (c - absorbed) as usize;
                if held.len() <= k {
                    held.resize_with(k + 1, || None);
                }
                held[k] = Some(result);
            };
            let result = match result {
                Ok(result) => result,
                Err(payload) => {
                    stopped.store(true, Ordering::Relaxed);
                    panic::resume_unwind(payload);
                }
            };
            let Some(result) = result.filter(|_| !cancel.is_cancelled()) else {
                return end_early(absorbed, true, progress);
            };
            if next < range.end {
                launch(next);
                next += 1;
            }
            let flow = absorb(result);
            absorbed += 1;
            match flow {
                Ok(Flow::Continue) => {}
                Ok(Flow::Stop) => return end_early(absorbed, false, progress),
                Err(e) => {
                    stopped.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            if (absorbed - range.start).is_multiple_of(report_every) || absorbed == range.end {
                progress(samples_in(&(range.start..absorbed), samples));
            }
        }
        Ok(pass(range.end, false))
    })
}

/// A chunk's number and its result: `None` if it was skipped, `Err` if its
/// evaluation panicked (the panic goes on in the absorber's thread).
type Evaluated<T> = (u64, thread::Result<Option<T>>);

/// The next result any task sent. On a pool thread, runs the pool's other
/// work while waiting (the tasks waited for may be queued on this thread).
fn receive<T>(receiver: &mpsc::Receiver<Evaluated<T>>, on_pool: bool) -> Evaluated<T> {
    loop {
        let received = if on_pool {
            match receiver.try_recv() {
                Err(mpsc::TryRecvError::Empty) => {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        thread::yield_now();
                    }
                    continue;
                }
                other => other.ok(),
            }
        } else {
            receiver.recv().ok()
        };
        // The absorber keeps a sender alive (it launches more chunks),
        // so the channel cannot close while it waits.
        return received.expect("a sender outlives the absorber's wait");
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
    fn a_slow_chunk_does_not_hold_up_the_chunks_after_it() {
        // Chunk 0 waits until chunk 5 has been evaluated: with waves (or
        // any scheduler that waits for a chunk before launching the ones
        // after it) chunk 5 cannot start first, and the wait times out.
        let workers = Workers::new(2).unwrap();
        let five_done = AtomicBool::new(false);
        let mut seen = Vec::new();
        let waited = std::sync::Mutex::new(None);
        for_chunks_in(
            &workers,
            20 * CHUNK_SIZE,
            0..20,
            |c| {
                if c == 0 {
                    let start = std::time::Instant::now();
                    while !five_done.load(Ordering::SeqCst)
                        && start.elapsed() < std::time::Duration::from_secs(10)
                    {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    *waited.lock().unwrap() = Some(five_done.load(Ordering::SeqCst));
                }
                if c == 5 {
                    five_done.store(true, Ordering::SeqCst);
                }
                c
            },
            |v| {
                seen.push(v);
                Ok(Flow::Continue)
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(*waited.lock().unwrap(), Some(true));
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn a_stop_skips_the_chunks_not_yet_started() {
        let workers = Workers::new(2).unwrap();
        let evaluated = std::sync::atomic::AtomicU64::new(0);
        let pass = for_chunks_in(
            &workers,
            1000 * CHUNK_SIZE,
            0..1000,
            |c| {
                evaluated.fetch_add(1, Ordering::SeqCst);
                c
            },
            |v| Ok(if v == 3 { Flow::Stop } else { Flow::Continue }),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!((pass.chunks, pass.cancelled), (4, false));
        // At most the window (4 chunks per thread) past the stop.
        let evaluated = evaluated.load(Ordering::SeqCst);
        assert!(evaluated <= 4 + 8, "{evaluated} chunks evaluated");
    }

    #[test]
    fn a_panic_in_a_chunk_reaches_the_caller() {
        let workers = Workers::new(2).unwrap();
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
            for_chunks_in(
                &workers,
                50 * CHUNK_SIZE,
                0..50,
                |c| if c == 7 { panic!("chunk 7") } else { c },
                |_| Ok(Flow::Continue),
                &mut |_| {},
            )
        }));
        let payload = caught.expect_err("the panic is not swallowed");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"chunk 7"));
    }

    #[test]
    fn a_pass_started_on_the_pools_own_thread_finishes() {
        // The absorber then runs on the pool's only thread, so it must run
        // the chunks it waits for itself.
        let workers = Workers::new(1).unwrap();
        let seen = workers.install(|| {
            let mut seen = Vec::new();
            for_chunks_in(
                &workers,
                30 * CHUNK_SIZE,
                0..30,
                |c| c + 1,
                |v| {
                    seen.push(v);
                    Ok(Flow::Continue)
                },
                &mut |_| {},
            )
            .unwrap();
            seen
        });
        assert_eq!(seen, (1..31).collect::<Vec<_>>());
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
