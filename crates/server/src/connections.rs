//! The accept loop: HTTP/1.1 connections with a header-read (and idle)
//! timeout, a cap on how many are open at once, and a shutdown that closes
//! idle and slow connections at once and gives requests in flight a
//! bounded grace.
//! axum's own `serve` has none of these, so connections are driven by
//! hyper directly, with the router as their service.

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Requests being answered, their bodies included (an event stream counts
/// until it ends): at shutdown, once none is left, the connections still
/// open are idle or slow and are dropped without waiting for the grace.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Counts a request from its start; the count ends when the guard is
    /// dropped (the handler dropped, or the response body done).
    pub fn enter(&self) -> Leaving {
        self.0.fetch_add(1, Ordering::SeqCst);
        Leaving(self.0.clone())
    }

    /// Keeps the request counted until its response body has been sent or
    /// dropped.
    pub fn until_sent(
        response: axum::response::Response,
        guard: Leaving,
    ) -> axum::response::Response {
        response.map(|inner| {
            axum::body::Body::new(Tracked {
                inner,
                _guard: guard,
            })
        })
    }

    fn none(&self) -> bool {
        self.0.load(Ordering::SeqCst) == 0
    }
}

pub struct Leaving(Arc<AtomicUsize>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its request counted while it lives.
struct Tracked {
    inner: axum::body::Body,
    _guard: Leaving,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The peer of a request's connection, for per-client limits.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once; beyond them a connection gets one
    /// answer (`/healthz` 200, anything else 503) and is closed.
    pub max_connections: usize,
    /// Connections over the cap being answered at once; beyond them a new
    /// connection is closed unanswered.
    pub max_overflow: usize,
    /// A request's headers must arrive within this, counted from the
    /// connection's start or, on a kept-alive one, from the last response.
    pub header_timeout: Duration,
    /// At shutdown, how long requests in flight may take to finish.
    pub grace: Duration,
}

/// How long a connection over the cap may take to send its request line.
const OVERFLOW_READ: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves, then closes
/// connections as described above and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    in_flight: InFlight,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let overflow = Arc::new(Semaphore::new(limits.max_overflow));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, most often: wait for some to close
                    // rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let service = router
                    .clone()
                    .map_request(move |mut req: Request<Incoming>| {
                        req.extensions_mut().insert(Peer(peer));
                        req
                    });
                let connection =
                    http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                    drop(slot);
                });
            }
            Err(_) => match overflow.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(async move {
                        answer_over_the_cap(stream).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    tracing::warn!(%peer, "connection closed unanswered: too many open");
                    drop(stream);
                }
            },
        }
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        tracing::info!(open, "closing connections");
    }
    let answered = async {
        while !in_flight.none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = answered => {
            tracing::debug!("every request answered; idle and slow connections dropped");
        }
        _ = tokio::time::sleep(limits.grace) => {
            tracing::warn!(grace_s = limits.grace.as_secs_f64(), "connections still open after the grace; dropped");
        }
    }
}

/// One answer on a connection beyond the cap: `GET /healthz` is still
/// answered (the server is alive), anything else is told to come back.
async fn answer_over_the_cap(mut stream: TcpStream) {
    let mut head = [0u8; 1024];
    let mut len = 0;
    let _ = tokio::time::timeout(OVERFLOW_READ, async {
        while len < head.len() {
            match stream.read(&mut head[len..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if head[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    if len == 0 {
        return;
    }
    let response: &[u8] = if head[..len].starts_with(b"GET /healthz ") {
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n"
    } else {
        OVER_THE_CAP
    };
    let _ = tokio::time::timeout(OVERFLOW_READ, stream.write_all(response)).await;
    let _ = stream.shutdown().await;
}

const OVER_THE_CAP: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 110\r\n\r\n{\"errors\":[{\"file\":null,\"line\":null,\"key\":null,\"message\":\"too many connections are open; try again shortly\"}]}";

/// The connection cap the process's descriptor limit allows: the soft
/// limit is raised to the hard one, and a share is kept for the database,
/// jobs' files and connections over the cap.
pub fn fit_to_descriptors(wanted: ConnectionLimits) -> ConnectionLimits {
    let Some(descriptors) = raise_descriptor_limit() else {
        return wanted;
    };
    // The database, its journal, jobs' files, the listener, stdio.
    const RESERVED: usize = 64;
    let room = descriptors.saturating_sub(RESERVED).max(2);
    let max_overflow = wanted.max_overflow.min(room / 4).max(1);
    let max_connections = wanted.max_connections.min(room - max_overflow).max(1);
    ConnectionLimits {
        max_connections,
        max_overflow,
        ..wanted
    }
}

#[cfg(unix)]
fn raise_descriptor_limit() -> Option<usize> {
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        Some(usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX))
    }
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_states_its_length_right() {
        let text = std::str::from_utf8(OVER_THE_CAP).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["errors"][0]["key"], serde_json::Value::Null);
    }
}
