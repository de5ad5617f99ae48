//! `gaprisk serve` against a hostile client: deep models, a full queue
//! under large submissions, slow sockets, cross-site requests and DNS
//! rebinding, storage amplification, and the smaller defects of issue 26.
//! Each test first reproduced its defect against 0.1.0.

mod common;
use common::REPO;
#[path = "common/server.rs"]
mod harness;

use harness::Server;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(120);

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn authority(s: &Server) -> String {
    s.url.strip_prefix("http://").unwrap().to_string()
}

/// A raw HTTP/1.1 exchange on a fresh connection: status, head, body.
fn raw(addr: &str, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply).to_string();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {reply:?}"));
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn post_request(host: &str, path: &str, headers: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get_request(host: &str, path: &str, headers: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n")
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit; returns how long it took.
fn exit_within(child: &mut Child, bound: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "a drained server exits 0");
            return start.elapsed();
        }
        assert!(
            start.elapsed() < bound,
            "the server did not exit within {bound:?} of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn healthz_within(addr: &str, bound: Duration) {
    let start = Instant::now();
    let (status, _, body) = raw(addr, &get_request(addr, "/healthz", ""));
    let took = start.elapsed();
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert!(took < bound, "/healthz took {took:?}");
}

#[test]
fn a_long_flat_chain_is_refused_with_its_location_and_the_server_lives() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    for op in ["+", " and ", " or "] {
        // About 16 KB: the request that aborted the server.
        let chain = vec!["x"; 7_000].join(op);
        let model = format!(
            "[model]\nname = \"chain\"\n[inputs]\nx = {{ dist = \"uniform\", min = 0, max = 1 }}\n[outputs]\ny = \"{chain}\"\n"
        );
        for path in ["/v1/check", "/v1/jobs"] {
            let body = json!({"command": "run", "model": "chain.toml",
                "files": {"chain.toml": model}, "options": {"samples": 1000}});
            let body = if path == "/v1/check" {
                json!({"model": "chain.toml", "files": {"chain.toml": body["files"]["chain.toml"]}})
            } else {
                body
            };
            let r = s.post(path, &body);
            assert_eq!(r.status, 422, "{path} {op}: {}", r.text());
            let error = &r.json()["errors"][0];
            assert_eq!(error["file"], "chain.toml", "{}", r.text());
            assert_eq!(error["line"], 6, "{}", r.text());
            assert_eq!(error["key"], "outputs.y", "{}", r.text());
        }
    }
    healthz_within(&authority(&s), Duration::from_secs(1));
}

#[test]
fn a_chain_of_three_thousand_extends_is_refused_and_the_server_lives() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let mut files = serde_json::Map::new();
    files.insert(
        "m0.toml".into(),
        json!("[model]\nname = \"m\"\n[inputs]\nx = { dist = \"uniform\", min = 0, max = 1 }\n[events]\ne = \"x < 0.5\"\n"),
    );
    for i in 1..3_000 {
        files.insert(
            format!("m{i}.toml"),
            json!(format!(
                "[model]\nname = \"m\"\nextends = \"m{}.toml\"\n",
                i - 1
            )),
        );
    }
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "m2999.toml", "files": files,
                "options": {"samples": 1000}}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let error = &r.json()["errors"][0];
    assert_eq!(error["key"], "model.extends", "{}", r.text());
    assert!(
        error["message"].as_str().unwrap().contains("extends"),
        "{}",
        r.text()
    );
    healthz_within(&authority(&s), Duration::from_secs(1));
}

/// A sweep of `points` points of the shipped baseline.
fn big_sweep(points: usize) -> serde_json::Value {
    json!({"command": "sweep", "model": "baseline.toml",
           "options": {"samples": 1000, "set": {"nato_cohesion": format!("0.1:0.9:{points}")}}})
}

#[test]
fn a_full_queue_refuses_large_submissions_at_once_without_building_them() {
    let data = tempdir();
    let s = Server::start(data.path(), &["--max-queue", "1", "--jobs", "1"]);
    // One job runs and one waits: the queue is full.
    let running = s.submit(&json!({"command": "run", "model": "baseline.toml",
                                    "options": {"samples": 4000000000u64}}));
    let start = Instant::now();
    while s.get(&format!("/v1/jobs/{running}")).json()["status"] != "running" {
        assert!(start.elapsed() < LONG);
        std::thread::sleep(Duration::from_millis(20));
    }
    let waiting = s.submit(&json!({"command": "run", "model": "baseline.toml",
                                    "options": {"samples": 1000, "seed": 7}}));
    let mut latencies = Vec::new();
    for _ in 0..6 {
        let start = Instant::now();
        let r = s.post("/v1/jobs", &big_sweep(400));
        latencies.push(start.elapsed());
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.retry_after.as_deref(), Some("30"));
    }
    let slowest = latencies.iter().max().unwrap();
    assert!(
        *slowest < Duration::from_millis(50),
        "429 took up to {slowest:?}: {latencies:?}"
    );
    for id in [waiting, running] {
        s.delete(&format!("/v1/jobs/{id}"));
    }
}

/// Connections that open and send half a request line, then nothing.
fn slow_connections(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| {
            let mut c = TcpStream::connect(addr).ok()?;
            let _ = c.write_all(b"GET /v1/jobs HTTP/1.1\r\nHost: ");
            Some(c)
        })
        .collect()
}

#[test]
fn slow_connections_do_not_stop_healthz_or_shutdown() {
    for extra in [&[][..], &["--max-connections", "100"][..]] {
        let data = tempdir();
        let mut s = Server::start(data.path(), extra);
        let addr = authority(&s);
        let held = slow_connections(&addr, 300);
        assert_eq!(held.len(), 300);
        std::thread::sleep(Duration::from_millis(200));
        healthz_within(&addr, Duration::from_secs(1));
        if !extra.is_empty() {
            // Over the cap, anything but /healthz is told to come back.
            let (status, head, body) = raw(&addr, &get_request(&addr, "/v1/jobs", ""));
            assert_eq!(status, 503, "{head}{body}");
            assert!(body.contains("too many connections"), "{body}");
        }
        sigterm(&s.child);
        let took = exit_within(&mut s.child, Duration::from_secs(10));
        eprintln!("{extra:?}: exited {took:?} after SIGTERM with 300 slow connections");
        drop(held);
    }
}

#[test]
fn a_connection_that_never_finishes_its_headers_is_closed() {
    let data = tempdir();
    let s = Server::start(data.path(), &["--header-timeout", "0.5"]);
    let mut c = slow_connections(&authority(&s), 1).pop().unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 256];
    // Closed (EOF, or a 408 then EOF) well before the read timeout.
    loop {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "a slow connection stayed open {took:?}"
    );
}

#[test]
fn browsers_cannot_be_turned_against_the_server() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let addr = authority(&s);
    let job = r#"{"command": "run", "model": "baseline.toml", "options": {"samples": 1000}}"#;
    // A page elsewhere posting a "simple" cross-site request, and JSON.
    for kind in ["text/plain", "application/json"] {
        let (status, _, body) = raw(
            &addr,
            &post_request(
                &addr,
                "/v1/jobs",
                &format!("Origin: http://evil.example\r\nContent-Type: {kind}\r\n"),
                job,
            ),
        );
        assert_eq!(status, 403, "{kind}: {body}");
        assert!(body.contains("evil.example"), "{body}");
    }
    // Not JSON, even from no page at all.
    let (status, _, body) = raw(
        &addr,
        &post_request(&addr, "/v1/jobs", "Content-Type: text/plain\r\n", job),
    );
    assert_eq!(status, 415, "{body}");
    // DNS rebinding: the attacker's name resolving to loopback.
    let port = addr.rsplit(':').next().unwrap();
    let (status, _, body) = raw(
        &addr,
        &get_request(&format!("attacker.example:{port}"), "/v1/jobs", ""),
    );
    assert_eq!(status, 403, "{body}");
    // The server's own page, by any of its loopback names.
    for host in [format!("localhost:{port}"), addr.clone()] {
        let (status, _, body) = raw(
            &addr,
            &post_request(
                &host,
                "/v1/jobs",
                &format!(
                    "Origin: http://{host}\r\nContent-Type: application/json; charset=utf-8\r\n"
                ),
                job,
            ),
        );
        assert!(status == 202 || status == 200, "{host}: {status} {body}");
    }
    // The page and reports may not be framed by others; the page runs its
    // own script only.
    let (status, head, _) = raw(&addr, &get_request(&addr, "/", ""));
    assert_eq!(status, 200);
    assert!(head.contains("x-frame-options: deny"), "{head}");
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    assert!(head.contains("script-src 'sha256-"), "{head}");
}

#[test]
fn an_allowed_origin_and_host_are_served() {
    let data = tempdir();
    let s = Server::start(
        data.path(),
        &[
            "--allow-origin",
            "https://notebooks.example",
            "--allow-host",
            "gaprisk.internal",
        ],
    );
    let addr = authority(&s);
    let port = addr.rsplit(':').next().unwrap();
    let (status, _, body) = raw(
        &addr,
        &get_request(
            &format!("gaprisk.internal:{port}"),
            "/v1/models",
            "Origin: https://notebooks.example\r\n",
        ),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn the_token_is_asked_for_properly_and_its_scheme_in_any_case() {
    let data = tempdir();
    let token_file = data.path().join("token");
    std::fs::write(&token_file, "a-token-of-enough-length\n").unwrap();
    let s = Server::start_with(
        &data.path().join("data"),
        &["--token-file", token_file.to_str().unwrap()],
        Some("a-token-of-enough-length"),
    );
    let addr = authority(&s);
    let (status, head, _) = raw(&addr, &get_request(&addr, "/v1/jobs", ""));
    assert_eq!(status, 401);
    assert!(head.contains("www-authenticate: bearer"), "{head}");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let (status, _, body) = raw(
            &addr,
            &get_request(
                &addr,
                "/v1/jobs",
                &format!("Authorization: {scheme} a-token-of-enough-length\r\n"),
            ),
        );
        assert_eq!(status, 200, "{scheme}: {body}");
    }
}

/// p99 of `samples`.
fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

#[test]
fn cached_submissions_of_large_files_keep_the_database_small_and_reads_fast() {
    let data = tempdir();
    let s = Server::start(data.path(), &["--rate-limit", "0"]);
    // A request with a 4 MiB file it does not use (a comment).
    let padding = format!("# {}\n", "x".repeat((4 << 20) - 1024));
    let body = json!({"command": "run", "model": "baseline.toml",
                      "files": {"notes.toml": padding},
                      "options": {"samples": 1000}})
    .to_string();
    let first = s.post_raw("/v1/jobs", body.as_bytes());
    assert_eq!(first.status, 202, "{}", first.text());
    let id = first.json()["id"].as_str().unwrap().to_string();
    s.wait(&id, LONG);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (url, id, stop) = (s.url.clone(), id.clone(), stop.clone());
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut latencies = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let start = Instant::now();
                let mut r = agent.get(format!("{url}/v1/jobs/{id}")).call().unwrap();
                let _ = r.body_mut().read_to_vec();
                latencies.push(start.elapsed());
                std::thread::sleep(Duration::from_millis(5));
            }
            latencies
        })
    };
    for _ in 0..200 {
        let r = s.post_raw("/v1/jobs", body.as_bytes());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["cached"], true);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let latencies = reader.join().unwrap();
    let database: u64 = ["jobs.sqlite", "jobs.sqlite-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    // The file once (4 MiB, and its pages once more in the write-ahead
    // log until a checkpoint), the rest a few hundred bytes a job.
    assert!(
        database < 12 << 20,
        "the database grew to {database} bytes for 201 submissions of one 4 MiB file"
    );
    let p99 = p99(latencies.clone());
    eprintln!(
        "201 submissions of a 4 MiB file: database {database} bytes; GET /v1/jobs/ID p99 {p99:?} over {} reads",
        latencies.len()
    );
    assert!(
        p99 < Duration::from_millis(50),
        "GET /v1/jobs/ID p99 {p99:?} over {} reads",
        latencies.len()
    );
    // Listing a thousand jobs reads no request.
    let start = Instant::now();
    let list = s.get("/v1/jobs?limit=1000");
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["jobs"].as_array().unwrap().len(), 201);
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn a_client_over_its_rate_gets_429_even_for_cached_answers() {
    let data = tempdir();
    // 60 a minute: bursts of 10.
    let s = Server::start(data.path(), &["--rate-limit", "60"]);
    let body = json!({"command": "run", "model": "baseline.toml", "options": {"samples": 1000}});
    let id = s.submit(&body);
    s.wait(&id, LONG);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = s.post("/v1/jobs", &body);
        statuses.push(r.status);
        if r.status == 429 {
            assert!(r.text().contains("too many requests"), "{}", r.text());
            assert!(r.retry_after.is_some());
        }
    }
    // The first submission took one of the ten; nine cached answers more,
    // and one a second came back while it ran (at most two here).
    let answered = statuses.iter().take_while(|&&s| s == 200).count();
    assert!((9..=11).contains(&answered), "{statuses:?}");
    assert!(
        statuses[answered..].iter().all(|&s| s == 429),
        "{statuses:?}"
    );
}

#[test]
fn retention_removes_old_finished_jobs_and_their_files() {
    let data = tempdir();
    let id = {
        let s = Server::start(data.path(), &[]);
        let id = s.submit(&json!({"command": "run", "model": "baseline.toml",
                                  "options": {"samples": 1000}}));
        s.wait(&id, LONG);
        id
    };
    assert!(data.path().join("jobs").join(&id).is_dir());
    // Kept 0.1 s: gone at the next start's pass.
    std::thread::sleep(Duration::from_millis(300));
    let s = Server::start(data.path(), &["--keep-days", "0.000001"]);
    let start = Instant::now();
    // The row goes first (the files are then out of reach), then the folder.
    while s.get(&format!("/v1/jobs/{id}")).status != 404
        || data.path().join("jobs").join(&id).exists()
    {
        assert!(start.elapsed() < Duration::from_secs(10), "not removed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A storage limit removes the oldest first, never a queued job.
    let first = s.submit(&json!({"command": "run", "model": "baseline.toml",
                                 "options": {"samples": 1000, "seed": 1}}));
    s.wait(&first, LONG);
    drop(s);
    let s = Server::start(data.path(), &["--max-storage", "1"]);
    let start = Instant::now();
    while s.get(&format!("/v1/jobs/{first}")).status != 404 {
        assert!(start.elapsed() < Duration::from_secs(10), "not removed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_database_of_0_1_is_migrated_and_its_jobs_listed() {
    let data = tempdir();
    let conn = rusqlite::Connection::open(data.path().join("jobs.sqlite")).unwrap();
    conn.execute_batch(
        "CREATE TABLE jobs (
             seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
             command TEXT NOT NULL, request TEXT NOT NULL, cache_key TEXT NOT NULL,
             status TEXT NOT NULL, cached INTEGER NOT NULL DEFAULT 0,
             samples_done INTEGER NOT NULL DEFAULT 0, samples_total INTEGER NOT NULL DEFAULT 0,
             created TEXT NOT NULL, started TEXT, finished TEXT, error TEXT,
             files TEXT NOT NULL DEFAULT '[]', files_of TEXT NOT NULL);
         INSERT INTO jobs (id, command, request, cache_key, status, samples_total, created, files_of)
         VALUES ('0123456789abcdef', 'compare',
                 '{\"command\": \"compare\", \"model\": \"baseline.toml\", \"variants\": [\"permanent_presence.toml\"], \"options\": {\"samples\": 1000}}',
                 'old-key', 'queued', 1000, '2026-01-01T00:00:00.000Z', '0123456789abcdef');",
    )
    .unwrap();
    drop(conn);
    let s = Server::start(data.path(), &[]);
    let job = s.wait("0123456789abcdef", LONG);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["model"], "baseline.toml");
    assert_eq!(job["variants"], json!(["permanent_presence.toml"]));
}

#[test]
fn smaller_defects_stay_fixed() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let addr = authority(&s);
    // A wrong method: 405 with the API's error body and Allow.
    let (status, head, body) = raw(
        &addr,
        &format!(
            "PUT /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        ),
    );
    assert_eq!(status, 405, "{body}");
    assert!(head.contains("allow:"), "{head}");
    assert!(body.contains("\"errors\""), "{body}");
    // Offsets and limits of any size are clamped, not refused or wrapped.
    for query in [
        "offset=9223372036854775808",
        "offset=99999999999999999999999",
        "limit=99999999999999999999999",
    ] {
        let r = s.get(&format!("/v1/jobs?{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
    }
    assert_eq!(s.get("/v1/jobs?limit=-1").status, 400);
    // A JSON array is not a job.
    let r = s.post_raw("/v1/jobs", b"[1, 2]");
    assert!(r.status == 400 || r.status == 422, "{}", r.text());
}

/// `gaprisk serve` on a free port with `args`, and its address.
fn spawn_serve(args: &[&std::ffi::OsStr], stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line
        .trim()
        .strip_prefix("gaprisk: listening on http://")
        .unwrap()
        .to_string();
    (child, addr)
}

#[test]
fn a_symlink_loop_in_the_models_folder_neither_hangs_listing_nor_shutdown() {
    let data = tempdir();
    let models = tempdir();
    std::fs::copy(
        harness::repo_models().join("baseline.toml"),
        models.path().join("baseline.toml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(models.path(), models.path().join("loop")).unwrap();
    let (mut child, addr) = spawn_serve(
        &[
            "--data".as_ref(),
            data.path().as_os_str(),
            "--models".as_ref(),
            models.path().as_os_str(),
        ],
        Stdio::null(),
    );
    let (status, _, body) = raw(&addr, &get_request(&addr, "/v1/models", ""));
    assert_eq!(status, 200, "{body}");
    let models: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(models["models"].as_array().unwrap().len(), 1, "{body}");
    sigterm(&child);
    exit_within(&mut child, Duration::from_secs(10));
}

#[test]
fn logs_are_json_lines_with_a_request_id_when_asked() {
    let data = tempdir();
    let models = harness::repo_models();
    let (mut child, addr) = spawn_serve(
        &[
            "--log-format".as_ref(),
            "json".as_ref(),
            "--data".as_ref(),
            data.path().as_os_str(),
            "--models".as_ref(),
            models.as_os_str(),
        ],
        Stdio::piped(),
    );
    let (status, head, _) = raw(&addr, &get_request(&addr, "/v1/nowhere", ""));
    assert_eq!(status, 404);
    let request_id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("a request id header")
        .to_string();
    sigterm(&child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["fields"]["message"] == "answered")
        .unwrap_or_else(|| panic!("no request line in {stderr}"));
    assert_eq!(answered["level"], "INFO");
    assert_eq!(answered["fields"]["status"], 404);
    assert_eq!(answered["span"]["id"], request_id.as_str(), "{answered}");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "listening"));
}

#[test]
fn a_job_built_again_from_its_stored_request_gives_the_same_bytes() {
    // With no memory for built jobs, every job is built again by the
    // worker from the canonical request and its stored texts.
    let variant = "[model]\nname = \"sent\"\nextends = \"baseline.toml\"\n[inputs]\nbelarus_alignment = { dist = \"beta\", alpha = 7, beta = 2 }\n";
    // Written out: serde_json's map would sort `set`'s keys.
    let sweep = format!(
        r#"{{"command": "sweep", "model": "sent.toml", "files": {{"sent.toml": {}}},
            "options": {{"samples": 2000, "seed": 3,
                         "set": {{"us_commitment": "0.2:0.8:2", "nato_cohesion": "0.1:0.9:2"}}}}}}"#,
        json!(variant)
    );
    let requests = [
        serde_json::from_str::<serde_json::Value>(&sweep)
            .map(|_| sweep.clone())
            .unwrap(),
        json!({"command": "compare", "model": "baseline.toml", "variants": ["sent.toml"],
               "files": {"sent.toml": variant}, "options": {"samples": 2000, "seed": 3}})
        .to_string(),
    ];
    let mut outputs = Vec::new();
    for extra in [&[][..], &["--max-built-memory", "1"][..]] {
        let data = tempdir();
        let s = Server::start(data.path(), extra);
        let mut files = Vec::new();
        for request in &requests {
            let r = s.post_raw("/v1/jobs", request.as_bytes());
            assert_eq!(r.status, 202, "{}", r.text());
            let id = r.json()["id"].as_str().unwrap().to_string();
            let job = s.wait(&id, LONG);
            assert_eq!(job["status"], "done", "{job}");
            let name = format!("{}.csv", job["command"].as_str().unwrap());
            files.push(s.file(&id, &name));
        }
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    let sweep = String::from_utf8(outputs[0][0].clone()).unwrap();
    // The inputs vary in the order sent, not sorted.
    let header = sweep.lines().next().unwrap();
    assert!(
        header.find("us_commitment").unwrap() < header.find("nato_cohesion").unwrap(),
        "{header}"
    );
}

#[test]
fn a_stream_open_during_a_drain_ends_with_the_job_queued_again() {
    let data = tempdir();
    let mut s = Server::start(data.path(), &[]);
    let addr = authority(&s);
    let id = s.submit(&json!({"command": "run", "model": "baseline.toml",
                              "options": {"samples": 4000000000u64}}));
    let start = Instant::now();
    while s.get(&format!("/v1/jobs/{id}")).json()["status"] != "running" {
        assert!(start.elapsed() < LONG);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(get_request(&addr, &format!("/v1/jobs/{id}/events"), "").as_bytes())
        .unwrap();
    // A progress event first, then the drain.
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: progress") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the stream ended before any progress");
        seen.extend_from_slice(&buf[..n]);
    }
    sigterm(&s.child);
    let _ = stream.read_to_end(&mut seen);
    exit_within(&mut s.child, Duration::from_secs(10));
    let text = String::from_utf8_lossy(&seen);
    let last = text
        .split("\n\n")
        .filter(|e| e.contains("event: "))
        .last()
        .unwrap();
    assert!(last.contains("event: status"), "{last}");
    assert!(last.contains("\"status\":\"queued\""), "{last}");
}

#[test]
fn an_over_the_rate_client_is_refused_before_its_body_is_read() {
    let data = tempdir();
    // 6 a minute: a burst of one.
    let s = Server::start(data.path(), &["--rate-limit", "6"]);
    let addr = authority(&s);
    assert_eq!(s.post_raw("/v1/check", b"{}").status, 400);
    // Headers promising 4 MB, and no body: the answer must not wait for it.
    let mut c = TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(
        format!(
            "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .unwrap();
    let start = Instant::now();
    let mut head = [0u8; 64];
    let n = c.read(&mut head).unwrap();
    let took = start.elapsed();
    assert!(
        String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 429"),
        "{}",
        String::from_utf8_lossy(&head[..n])
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn a_submission_in_flight_at_sigterm_is_answered() {
    let data = tempdir();
    let mut s = Server::start(data.path(), &[]);
    let addr = authority(&s);
    let body = r#"{"command": "run", "model": "baseline.toml", "options": {"samples": 1000}}"#;
    let mut c = TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let request = post_request(
        &addr,
        "/v1/jobs",
        "Content-Type: application/json\r\n",
        body,
    );
    let (first, rest) = request.split_at(request.len() - 10);
    c.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    sigterm(&s.child);
    std::thread::sleep(Duration::from_millis(300));
    c.write_all(rest.as_bytes()).unwrap();
    let mut reply = String::new();
    let _ = c.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 202"), "{reply}");
    exit_within(&mut s.child, Duration::from_secs(10));
}
