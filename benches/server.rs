//! The job service (`gaprisk serve`) measured from outside, as a client
//! sees it. Not a criterion bench: a plain program that starts the real
//! binary on a free port with a temporary data folder.
//!
//! Part 1, load: one large run keeps the worker busy while 8 client threads
//! submit 200 small runs (20,000 samples each, distinct seeds so nothing is
//! cached) and poll GET /v1/jobs/{id} for each until it is done. Reports
//! small jobs per second and the p50/p99 latency of those GETs. Two
//! configurations: `--jobs 1` (the large run goes first, the small ones
//! queue behind it, so every poll while it runs is answered under full
//! CPU load) and `--jobs 2` (the large run runs throughout, beside them;
//! it is cancelled at the end).
//!
//! Part 2, overhead: `gaprisk run models/baseline.toml -n 1e7 -q` as a
//! process against the same run submitted to a server and polled every
//! 20 ms until done; 5 seeds, the same on both sides (distinct from each
//! other, so the server's cache never answers), alternating which goes
//! first. Reports the medians and their ratio, and checks that both wrote
//! the same summary.csv.
//!
//!     cargo build --release && cargo bench --bench server
//!     cargo bench --bench server -- overhead     # one part: load or overhead

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const CLIENTS: usize = 8;
const SMALL_JOBS: usize = 200;
const SMALL_SAMPLES: u64 = 20_000;
/// Between two polls of one job by one client.
const POLL: Duration = Duration::from_millis(10);
const OVERHEAD_RUNS: usize = 5;
const OVERHEAD_SAMPLES: u64 = 10_000_000;
const OVERHEAD_POLL: Duration = Duration::from_millis(20);

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `GAPRISK_BIN` (to measure another build side by side), else the binary
/// cargo built for this bench, else target/release/gaprisk.
fn binary() -> PathBuf {
    let path = std::env::var_os("GAPRISK_BIN")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_BIN_EXE_gaprisk").map(PathBuf::from))
        .unwrap_or_else(|| root().join("target/release/gaprisk"));
    assert!(
        path.is_file(),
        "{} is missing: cargo build --release first",
        path.display()
    );
    path
}

/// A running `gaprisk serve`, stopped with SIGTERM (a drain) when dropped.
struct Server {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Server {
    fn start(jobs: usize) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        // The load comes from one address: not the per-client limit's to
        // refuse (builds before 0.2.0 have none).
        let help = Command::new(binary())
            .args(["serve", "--help"])
            .output()
            .expect("gaprisk serve --help");
        let unlimited: &[&str] = if String::from_utf8_lossy(&help.stdout).contains("--rate-limit") {
            &["--rate-limit", "0"]
        } else {
            &[]
        };
        let mut child = Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--jobs"])
            .arg(jobs.to_string())
            .args(unlimited)
            .arg("--data")
            .arg(data.path())
            .arg("--models")
            .arg(root().join("models"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gaprisk serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        // "gaprisk: listening on http://127.0.0.1:PORT"
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server {
            child,
            base,
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("server did not drain within 20 s: killed");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// GET, returning the status and the body as JSON.
fn get_json(agent: &ureq::Agent, url: &str) -> (u16, serde_json::Value) {
    let mut r = agent.get(url).call().expect("GET");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).expect("JSON"))
}

fn get_text(agent: &ureq::Agent, url: &str) -> String {
    let mut r = agent.get(url).call().expect("GET");
    assert_eq!(r.status().as_u16(), 200, "GET {url}");
    r.body_mut().read_to_string().expect("body")
}

/// POST /v1/jobs to the server at `base`; returns the job's id (202
/// expected: nothing is cached).
fn submit(agent: &ureq::Agent, base: &str, samples: u64, seed: u64) -> String {
    let body = serde_json::json!({
        "command": "run",
        "model": "baseline.toml",
        "options": { "samples": samples, "seed": seed },
    })
    .to_string();
    let mut r = agent
        .post(format!("{base}/v1/jobs"))
        .header("Content-Type", "application/json")
        .send(body.as_str())
        .expect("POST /v1/jobs");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().expect("body");
    assert_eq!(status, 202, "submit: {text}");
    let job: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    job["id"].as_str().expect("id").to_string()
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// CPU seconds from /proc/PID/stat: (this process's own, its waited-for
/// children's), user + system.
fn cpu_seconds(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, from the state (field 3) on.
    let rest: Vec<f64> = stat
        .rsplit_once(')')
        .map(|(_, r)| {
            r.split_whitespace()
                .map(|f| f.parse().unwrap_or(0.0))
                .collect()
        })
        .unwrap_or_default();
    let field = |n: usize| rest.get(n - 3).copied().unwrap_or(0.0);
    let tick = *CLOCK_TICK;
    (
        (field(14) + field(15)) / tick,
        (field(16) + field(17)) / tick,
    )
}

static CLOCK_TICK: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
});

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn timestamp(job: &serde_json::Value, field: &str) -> SystemTime {
    humantime::parse_rfc3339(job[field].as_str().expect(field)).expect("RFC 3339")
}

/// Part 1 with `--jobs jobs` and a large run of `big` samples.
fn load(jobs: usize, big: u64) {
    let server = Server::start(jobs);
    let main_agent = agent();
    let big_id = submit(&main_agent, &server.base, big, 1);
    // Let the large run start before the small ones arrive.
    loop {
        let (_, job) = get_json(&main_agent, &server.url(&format!("/v1/jobs/{big_id}")));
        if job["status"] == "running" {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let small_ids = Arc::new(Mutex::new(Vec::<String>::new()));
    let t0 = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, latencies, small_ids) =
                (server.base.clone(), latencies.clone(), small_ids.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut mine = Vec::new();
                let mut done_at = t0;
                for k in (c..SMALL_JOBS).step_by(CLIENTS) {
                    let id = submit(&agent, &base, SMALL_SAMPLES, 1000 + k as u64);
                    loop {
                        std::thread::sleep(POLL);
                        let t = Instant::now();
                        let (status, job) = get_json(&agent, &format!("{base}/v1/jobs/{id}"));
                        mine.push(t.elapsed());
                        assert_eq!(status, 200);
                        match job["status"].as_str() {
                            Some("done") => break,
                            Some("queued" | "running") => {}
                            other => panic!("job {id}: {other:?}: {job}"),
                        }
                    }
                    done_at = Instant::now();
                    small_ids.lock().unwrap().push(id);
                }
                latencies.lock().unwrap().extend(mine);
                done_at
            })
        })
        .collect();
    let last_done = clients
        .into_iter()
        .map(|h| h.join().expect("client"))
        .max()
        .unwrap();
    let wall = last_done - t0;

    // The server's own clock: from the first small job's start to the last
    // one's end (with --jobs 1, after the large run has finished).
    let ids = small_ids.lock().unwrap().clone();
    let (mut first_start, mut last_end) = (None::<SystemTime>, None::<SystemTime>);
    for id in &ids {
        let (_, job) = get_json(&main_agent, &server.url(&format!("/v1/jobs/{id}")));
        assert_eq!(job["cached"], false, "a small job was cached");
        let (s, f) = (timestamp(&job, "started"), timestamp(&job, "finished"));
        first_start = Some(first_start.map_or(s, |x| x.min(s)));
        last_end = Some(last_end.map_or(f, |x| x.max(f)));
    }
    let busy = last_end
        .unwrap()
        .duration_since(first_start.unwrap())
        .unwrap_or_default();
    let (_, big_job) = get_json(&main_agent, &server.url(&format!("/v1/jobs/{big_id}")));
    let big_status = big_job["status"].as_str().unwrap_or("").to_string();
    let big_note = if big_status == "running" {
        // Cancel it: a run keeps what it computed, marked partial.
        let mut r = main_agent
            .delete(server.url(&format!("/v1/jobs/{big_id}")))
            .call()
            .expect("DELETE");
        assert_eq!(r.status().as_u16(), 202);
        let _ = r.body_mut().read_to_string();
        let job = loop {
            let (_, job) = get_json(&main_agent, &server.url(&format!("/v1/jobs/{big_id}")));
            if job["status"] != "running" {
                break job;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let manifest = get_text(
            &main_agent,
            &server.url(&format!("/v1/jobs/{big_id}/files/manifest.json")),
        );
        format!(
            "still running at the end ({} of {} samples); cancelled: status {}, partial manifest: {}",
            job["progress"]["samples_done"],
            job["progress"]["samples_total"],
            job["status"],
            manifest.contains("\"partial\": true")
        )
    } else {
        let took = timestamp(&big_job, "finished")
            .duration_since(timestamp(&big_job, "started"))
            .unwrap_or_default();
        format!("{big_status} after {:.2} s", took.as_secs_f64())
    };

    let mut lat = latencies.lock().unwrap().clone();
    lat.sort();
    println!(
        "load, --jobs {jobs}: large run of {big} samples, {SMALL_JOBS} small runs of {SMALL_SAMPLES} samples from {CLIENTS} clients"
    );
    println!("  large run: {big_note}");
    println!(
        "  small jobs: {:.2} s wall from the first submit to the last done: {:.1} jobs/s",
        wall.as_secs_f64(),
        SMALL_JOBS as f64 / wall.as_secs_f64()
    );
    println!(
        "  small jobs by the server's clock (first started to last finished): {:.2} s: {:.1} jobs/s",
        busy.as_secs_f64(),
        SMALL_JOBS as f64 / busy.as_secs_f64()
    );
    println!(
        "  GET /v1/jobs/{{id}}: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 < 50 ms: {})",
        lat.len(),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().unwrap()),
        if percentile(&lat, 0.99) < Duration::from_millis(50) {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// One CLI run: its wall time, its CPU time and its summary.csv.
fn cli_run(seed: u64, out: &Path) -> (f64, f64, Vec<u8>) {
    let cpu0 = cpu_seconds("self").1;
    let t = Instant::now();
    let status = Command::new(binary())
        .arg("run")
        .arg(root().join("models/baseline.toml"))
        .args(["-n", "1e7", "-q", "-s", &seed.to_string(), "-o"])
        .arg(out)
        .status()
        .expect("gaprisk run");
    let took = t.elapsed().as_secs_f64();
    assert!(status.success());
    let cpu = cpu_seconds("self").1 - cpu0;
    (
        took,
        cpu,
        std::fs::read(out.join("summary.csv")).expect("summary.csv"),
    )
}

/// One run through the server: submit, poll every 20 ms until done. Its
/// time as the client saw it, as the server's clock saw it (started to
/// finished), the server's CPU time meanwhile and its summary.csv.
fn server_run(agent: &ureq::Agent, server: &Server, seed: u64) -> ServerRun {
    let pid = server.child.id().to_string();
    let cpu0 = cpu_seconds(&pid).0;
    let t = Instant::now();
    let id = submit(agent, &server.base, OVERHEAD_SAMPLES, seed);
    let job = loop {
        std::thread::sleep(OVERHEAD_POLL);
        let (_, job) = get_json(agent, &server.url(&format!("/v1/jobs/{id}")));
        match job["status"].as_str() {
            Some("done") => break job,
            Some("queued" | "running") => {}
            other => panic!("job {id}: {other:?}"),
        }
    };
    let took = t.elapsed().as_secs_f64();
    let seen = SystemTime::now();
    let cpu = cpu_seconds(&pid).0 - cpu0;
    let between =
        |a: SystemTime, b: SystemTime| b.duration_since(a).unwrap_or_default().as_secs_f64();
    let (created, started, finished) = (
        timestamp(&job, "created"),
        timestamp(&job, "started"),
        timestamp(&job, "finished"),
    );
    let mut r = agent
        .get(server.url(&format!("/v1/jobs/{id}/files/summary.csv")))
        .call()
        .expect("GET summary.csv");
    let bytes = r.body_mut().read_to_vec().expect("body");
    ServerRun {
        took,
        inside: between(started, finished),
        waited: between(created, started),
        unseen: between(finished, seen),
        cpu,
        summary: bytes,
    }
}

/// One run through the server, as `server_run` measured it.
struct ServerRun {
    /// Submit to done, as the client saw it.
    took: f64,
    /// Started to finished, on the server's clock.
    inside: f64,
    /// Created to started: the submission and the queue.
    waited: f64,
    /// Finished to the client seeing it: the polling.
    unseen: f64,
    /// The server's CPU time.
    cpu: f64,
    summary: Vec<u8>,
}

fn overhead() {
    let server = Server::start(1);
    let agent = agent();
    let out = tempfile::tempdir().expect("temp dir");
    let (mut cli, mut cli_cpu) = (Vec::new(), Vec::new());
    let mut runs = Vec::new();
    let mut same = true;
    // A warm-up of each (page cache, the server's first connection).
    cli_run(99, &out.path().join("warm"));
    server_run(&agent, &server, 99);
    for i in 0..OVERHEAD_RUNS {
        let seed = 101 + i as u64;
        let dir = out.path().join(format!("cli-{seed}"));
        let (c, s) = if i % 2 == 0 {
            let c = cli_run(seed, &dir);
            (c, server_run(&agent, &server, seed))
        } else {
            let s = server_run(&agent, &server, seed);
            (cli_run(seed, &dir), s)
        };
        same &= c.2 == s.summary;
        println!(
            "  seed {seed}: CLI {:.3} s ({:.2} s CPU); server {:.3} s = {:.1} ms submit and queue + {:.3} s running + {:.1} ms until polled ({:.2} s CPU)",
            c.0,
            c.1,
            s.took,
            s.waited * 1e3,
            s.inside,
            s.unseen * 1e3,
            s.cpu
        );
        cli.push(c.0);
        cli_cpu.push(c.1);
        runs.push(s);
    }
    let of = |f: fn(&ServerRun) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let (mc, mcc) = (median(&cli), median(&cli_cpu));
    let (ms_, mi, msc) = (of(|r| r.took), of(|r| r.inside), of(|r| r.cpu));
    println!(
        "overhead, 10^7 samples, {OVERHEAD_RUNS} seeds: CLI median {mc:.3} s, server median {ms_:.3} s (polled every 20 ms), ratio {:.3} (target < 1.05: {}); started to finished {mi:.3} s, ratio {:.3}; submit and queue {:.1} ms, finished to polled {:.1} ms (medians); CPU time CLI {mcc:.2} s, server {msc:.2} s, ratio {:.3}; summary.csv identical: {same}",
        ms_ / mc,
        if ms_ / mc < 1.05 { "met" } else { "NOT met" },
        mi / mc,
        of(|r| r.waited) * 1e3,
        of(|r| r.unseen) * 1e3,
        msc / mcc,
    );
}

fn main() {
    // `cargo bench --bench server -- load` (or `overhead`) runs one part;
    // cargo's own --bench flag is ignored.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |p: &str| parts.is_empty() || parts.iter().any(|a| a == p);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "gaprisk serve bench: {cpu}, {cores} cores, {}",
        binary().display()
    );
    if wants("load") {
        load(1, 100_000_000);
        load(2, 1_000_000_000);
    }
    if wants("overhead") {
        overhead();
    }
}
