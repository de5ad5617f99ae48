//! A real `gaprisk serve` on an ephemeral port, and a small HTTP client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
    pub token: Option<String>,
    agent: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers we look at, body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub content_security_policy: Option<String>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

pub fn repo_models() -> PathBuf {
    Path::new(super::REPO).join("models")
}

impl Server {
    /// Starts a server on `data` (created if need be) with `extra` options.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with(data, extra, None)
    }

    pub fn start_with(data: &Path, extra: &[&str], token: Option<&str>) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--models")
            .arg(repo_models())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("gaprisk: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server {
            child,
            url,
            data: data.to_path_buf(),
            token: token.map(str::to_string),
            agent,
        }
    }

    fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut r = r.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let retry_after = header("retry-after");
        let content_type = header("content-type");
        let content_security_policy = header("content-security-policy");
        Reply {
            status: r.status().as_u16(),
            body: r
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .unwrap(),
            retry_after,
            content_type,
            content_security_policy,
        }
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        Self::reply(
            self.auth(self.agent.get(format!("{}{path}", self.url)))
                .call(),
        )
    }

    pub fn delete(&self, path: &str) -> Reply {
        Self::reply(
            self.auth(self.agent.delete(format!("{}{path}", self.url)))
                .call(),
        )
    }

    pub fn post_raw(&self, path: &str, body: &[u8]) -> Reply {
        Self::reply(
            self.auth(self.agent.post(format!("{}{path}", self.url)))
                .header("Content-Type", "application/json")
                .send(body),
        )
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.post_raw(path, body.to_string().as_bytes())
    }

    /// Submits a job and returns its id (202 or, cached, 200).
    pub fn submit(&self, body: &serde_json::Value) -> String {
        let r = self.post("/v1/jobs", body);
        assert!(
            r.status == 202 || r.status == 200,
            "submit answered {}: {}",
            r.status,
            r.text()
        );
        r.json()["id"].as_str().unwrap().to_string()
    }

    /// Waits until the job is no longer queued or running.
    pub fn wait(&self, id: &str, timeout: Duration) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let job = self.get(&format!("/v1/jobs/{id}")).json();
            let status = job["status"].as_str().unwrap().to_string();
            if status != "queued" && status != "running" {
                return job;
            }
            assert!(
                start.elapsed() < timeout,
                "job {id} still {status} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn file(&self, id: &str, name: &str) -> Vec<u8> {
        let r = self.get(&format!("/v1/jobs/{id}/files/{name}"));
        assert_eq!(r.status, 200, "{name} of {id}: {}", r.text());
        r.body
    }
}
