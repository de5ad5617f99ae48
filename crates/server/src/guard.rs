//! What a request must show before any handler sees it: a Host the server
//! answers to (DNS rebinding), an Origin that is its own or allowed
//! (cross-site requests from a page the user visits), a JSON body on
//! `/v1` posts, and the bearer token when one is configured.

use super::AppState;
use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The Hosts and Origins a server accepts, fixed at start-up.
#[derive(Debug, Clone)]
pub struct Origins {
    /// `host:port` values (lower case) a request's Host may take; `None`:
    /// any (a wildcard listen without `--allow-host`).
    hosts: Option<Vec<String>>,
    /// Origins allowed besides the server's own, as given (lower case).
    extra_origins: Vec<String>,
}

impl Origins {
    /// The loopback names with the bound port always; on an address beyond
    /// loopback (which needs a token) any Host unless `allow_hosts` names
    /// them, and then those too.
    pub fn new(bound: SocketAddr, allow_hosts: &[String], allow_origins: &[String]) -> Origins {
        let port = bound.port();
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        let hosts = if bound.ip().is_loopback() || !allow_hosts.is_empty() {
            let mut hosts: Vec<String> = Vec::new();
            for h in ["127.0.0.1", "localhost", "[::1]"] {
                hosts.push(format!("{h}:{port}"));
                // Browsers leave out the port when it is HTTP's own.
                if port == 80 {
                    hosts.push(h.to_string());
                }
            }
            for h in lower(allow_hosts) {
                // An IPv6 address is written in brackets in a Host.
                let h = if h.matches(':').count() > 1 && !h.starts_with('[') {
                    format!("[{h}]")
                } else {
                    h
                };
                if has_port(&h) {
                    hosts.push(h);
                } else {
                    // Without a port: as a proxy in front sends it, and
                    // with the server's own.
                    hosts.push(format!("{h}:{port}"));
                    hosts.push(h);
                }
            }
            Some(hosts)
        } else {
            None
        };
        Origins {
            hosts,
            extra_origins: lower(allow_origins),
        }
    }

    fn host_accepted(&self, host: &str) -> bool {
        match &self.hosts {
            None => true,
            Some(hosts) => hosts.contains(&host.to_ascii_lowercase()),
        }
    }

    /// An Origin is the server's own when it is `http://` and an accepted
    /// Host (the one the request came with, or any accepted).
    fn origin_accepted(&self, origin: &str, host: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        if self.extra_origins.contains(&origin) {
            return true;
        }
        match origin.strip_prefix("http://") {
            // Answering any Host (a wildcard listen) is no reason to take
            // any Origin: then only the request's own Host is its own.
            Some(authority) => {
                authority == host.to_ascii_lowercase()
                    || (self.hosts.is_some() && self.host_accepted(authority))
            }
            None => false,
        }
    }
}

fn has_port(host: &str) -> bool {
    match host.rsplit_once(':') {
        Some((name, port)) => {
            !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!name.starts_with('[') || name.ends_with(']'))
        }
        None => false,
    }
}

/// Host and Origin, on every route.
pub async fn check_origin(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !state.origins.host_accepted(host) {
        return ApiError::Forbidden(format!(
            "this server does not answer to Host {} (see --allow-host)",
            gaprisk::error::literal(host)
        ))
        .into_response();
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !state.origins.origin_accepted(origin, host) {
            return ApiError::Forbidden(format!(
                "requests from origin {} are refused (see --allow-origin)",
                gaprisk::error::literal(origin)
            ))
            .into_response();
        }
    }
    next.run(req).await
}

/// Bodies of `/v1` requests are JSON, and the token is checked when there
/// is one.
pub async fn check_v1(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return ApiError::Unauthorized.into_response();
        }
    }
    if matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) {
        let kind = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(kind) {
            return ApiError::UnsupportedMediaType(kind.to_string()).into_response();
        }
    }
    next.run(req).await
}

/// The credentials of `Bearer TOKEN` (the scheme in any case, RFC 9110).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start())
}

/// `application/json`, with parameters (`; charset=utf-8`) or without.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Compares without an early exit, so the time taken does not tell how
/// much of a guess was right (only whether its length was).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> Origins {
        Origins::new("127.0.0.1:8787".parse().unwrap(), &[], &[])
    }

    #[test]
    fn loopback_answers_only_to_loopback_names_with_the_port() {
        let o = loopback();
        for host in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST:8787",
            "[::1]:8787",
        ] {
            assert!(o.host_accepted(host), "{host}");
        }
        for host in ["attacker.example:8787", "localhost", "127.0.0.1:80", ""] {
            assert!(!o.host_accepted(host), "{host}");
        }
    }

    #[test]
    fn a_wildcard_listen_answers_any_host_unless_told_which() {
        let any = Origins::new("0.0.0.0:8787".parse().unwrap(), &[], &[]);
        assert!(any.host_accepted("gaprisk.internal:8787"));
        let some = Origins::new(
            "0.0.0.0:8787".parse().unwrap(),
            &["gaprisk.internal".into()],
            &[],
        );
        assert!(some.host_accepted("gaprisk.internal:8787"));
        // As a reverse proxy in front sends it.
        assert!(some.host_accepted("gaprisk.internal"));
        assert!(some.host_accepted("localhost:8787"));
        assert!(!some.host_accepted("attacker.example:8787"));
        // Any Host does not mean any Origin.
        assert!(any.origin_accepted("http://gaprisk.internal:8787", "gaprisk.internal:8787"));
        assert!(!any.origin_accepted("http://evil.example", "gaprisk.internal:8787"));
        let v6 = Origins::new("[::]:8787".parse().unwrap(), &["fe80::1".into()], &[]);
        assert!(v6.host_accepted("[fe80::1]:8787"));
        let port80 = Origins::new("127.0.0.1:80".parse().unwrap(), &[], &[]);
        assert!(port80.host_accepted("localhost"));
    }

    #[test]
    fn only_the_servers_own_origin_or_an_allowed_one() {
        let o = Origins::new(
            "127.0.0.1:8787".parse().unwrap(),
            &[],
            &["https://notebooks.example".into()],
        );
        assert!(o.origin_accepted("http://localhost:8787", "localhost:8787"));
        assert!(o.origin_accepted("http://127.0.0.1:8787", "localhost:8787"));
        assert!(o.origin_accepted("https://notebooks.example", "localhost:8787"));
        for origin in ["http://evil.example", "null", "https://localhost:8787", ""] {
            assert!(!o.origin_accepted(origin, "localhost:8787"), "{origin}");
        }
    }

    #[test]
    fn bearer_in_any_case_and_json_with_parameters() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER  abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/JSON;charset=UTF-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonx"));
        assert!(!is_json(""));
    }
}
