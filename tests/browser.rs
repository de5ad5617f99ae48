//! The web page of `gaprisk serve`, driven in headless Chromium over the W3C
//! WebDriver protocol (chromedriver): a run submitted from the form shows,
//! as its headline, the very number the job wrote to summary.csv, formatted
//! as `gaprisk run` prints it. A compare job, a rare job, a refused (422)
//! request and a stepped model's run (horizon.csv and the charts over time)
//! are driven too. Screenshots go to target/browser-screenshot*.png.
//!
//! Needs /usr/bin/chromium and chromedriver: `apt-get install -y chromium
//! chromium-driver`. Without them the test fails; it never skips.

mod common;
use common::REPO;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str = "install them with `apt-get install -y chromium chromium-driver`";
/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build(),
    )
}

/// The server, chromedriver and the browser session: whatever happens,
/// the session is closed and the processes are killed.
struct Guard {
    server: Option<Child>,
    driver: Option<Child>,
    session: Option<String>,
    logs: PathBuf,
    // Dropped last: the data folder, the browser profile, the logs.
    _dir: tempfile::TempDir,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = agent().delete(&session).call();
        }
        if let Some(mut driver) = self.driver.take() {
            let pid = driver.id();
            let _ = driver.kill();
            let _ = driver.wait();
            // Chromium, should it outlive the session: chromedriver leads
            // its own process group.
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
            #[cfg(not(unix))]
            let _ = pid;
        }
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        if std::thread::panicking() {
            for name in ["server.log", "chromedriver.log"] {
                let text = std::fs::read_to_string(self.logs.join(name)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                eprintln!("--- last lines of {name} ---");
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `gaprisk serve` on any free port; returns it and its base URL.
fn start_server(dir: &Path) -> (Child, String) {
    let models = Path::new(REPO).join("models");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.join("data"))
        .arg("--models")
        .arg(&models)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .expect("cannot start gaprisk serve");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // Keep reading, so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    let url = line
        .trim()
        .strip_prefix("gaprisk: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from gaprisk serve: {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, url)
}

fn start_chromedriver(program: &Path, logs: &Path) -> (Child, String) {
    let port = free_port();
    let mut command = Command::new(program);
    command
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(logs.join("chromedriver.log")).unwrap());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL}", program.display()));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut r) = agent().get(format!("{url}/status")).call()
            && r.status() == 200
        {
            let body: serde_json::Value =
                serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
            if body["value"]["ready"] == true {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("chromedriver exited at start ({status}); see its log above");
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on port {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, url)
}

/// A WebDriver session: `base` is DRIVER/session/ID.
struct Browser {
    base: String,
    agent: ureq::Agent,
}

impl Browser {
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{path}", self.base);
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| serde_json::json!({})).to_string()),
        }
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}: {text}"));
        assert!(
            status == 200,
            "WebDriver {method} {path} answered {status}: {}",
            value["value"]
        );
        value["value"].clone()
    }

    fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        self.request("POST", path, Some(body))
    }

    fn find(&self, css: &str) -> Option<String> {
        let url = format!("{}/element", self.base);
        let mut r = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(serde_json::json!({"using": "css selector", "value": css}).to_string())
            .unwrap();
        let ok = r.status() == 200;
        let v: serde_json::Value =
            serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        ok.then(|| v["value"][ELEMENT].as_str().unwrap().to_string())
    }

    /// The element, waiting for the page's scripts to make it.
    fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(id) = self.find(css) {
                return id;
            }
            assert!(Instant::now() < deadline, "no element '{css}' after 10 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let id = self.wait_for(css);
        self.post(&format!("/element/{id}/click"), serde_json::json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.wait_for(css);
        self.post(&format!("/element/{id}/clear"), serde_json::json!({}));
        self.post(
            &format!("/element/{id}/value"),
            serde_json::json!({ "text": text }),
        );
    }

    /// The rendered text: empty while the element is hidden. The page may
    /// replace the element between finding it and reading it (a stale
    /// reference): then it is found again.
    fn text(&self, css: &str) -> String {
        for _ in 0..20 {
            let Some(id) = self.find(css) else {
                return String::new();
            };
            let url = format!("{}/element/{id}/text", self.base);
            let mut r = self
                .agent
                .get(&url)
                .call()
                .unwrap_or_else(|e| panic!("WebDriver GET {url}: {e}"));
            let status = r.status().as_u16();
            let v: serde_json::Value =
                serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
            if status == 200 {
                return v["value"].as_str().unwrap_or("").to_string();
            }
            assert!(
                v["value"]["error"] == "stale element reference",
                "WebDriver GET {url} answered {status}: {}",
                v["value"]
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("'{css}' went stale 20 times in a row");
    }

    /// Waits until `ready` holds for the texts of `selectors`.
    fn wait_until(
        &self,
        what: &str,
        seconds: u64,
        selectors: &[&str],
        ready: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let texts: Vec<String> = selectors.iter().map(|s| self.text(s)).collect();
            if ready(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {seconds} s; the page shows {texts:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs `script` in the page and returns what it returns.
    fn execute(&self, script: &str) -> serde_json::Value {
        self.post(
            "/execute/sync",
            serde_json::json!({"script": script, "args": []}),
        )
    }

    /// Every chart in `document` (a JavaScript expression): its kind, its
    /// drawn width and height, and how many shapes it holds.
    fn charts(&self, document: &str) -> Vec<(String, f64, f64, u64)> {
        let script = format!(
            "const d = {document}; if (!d) return [];
             return Array.from(d.querySelectorAll('svg.chart')).map(s => {{
               const r = s.getBoundingClientRect();
               return [s.getAttribute('class'), r.width, r.height,
                       s.querySelectorAll('rect, path, line, circle, polyline, polygon').length];
             }});"
        );
        self.execute(&script)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c[0].as_str().unwrap().to_string(),
                    c[1].as_f64().unwrap(),
                    c[2].as_f64().unwrap(),
                    c[3].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// Waits until `document` has drawn charts of each kind in `kinds`,
    /// each at least 200 x 100 pixels with shapes in it; returns them.
    fn wait_for_charts(&self, document: &str, kinds: &[&str]) -> Vec<(String, f64, f64, u64)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let charts = self.charts(document);
            let drawn = |kind: &str| {
                charts.iter().any(|(class, w, h, shapes)| {
                    class.split(' ').any(|c| c == format!("chart-{kind}"))
                        && *w >= 200.0
                        && *h >= 100.0
                        && *shapes >= 5
                })
            };
            if kinds.iter().all(|k| drawn(k)) {
                return charts;
            }
            assert!(
                Instant::now() < deadline,
                "charts {kinds:?} not drawn in {document}; found {charts:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&self, path: &Path) {
        let png = base64(self.request("GET", "/screenshot", None).as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        std::fs::write(path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(value)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

fn http_get(url: &str) -> String {
    let mut r = agent().get(url).call().unwrap();
    assert_eq!(r.status(), 200, "GET {url}");
    r.body_mut().read_to_string().unwrap()
}

/// A stepped model of one event and one output, pasted into the form.
const STEPPED: &str = "[model]
name = \"walk\"
steps = 8
step_unit = \"week\"

[inputs]
h = { dist = \"beta\", alpha = 2, beta = 30 }

[derived]
z = { dist = \"normal\", mean = 0, sd = 1 }
hit = { dist = \"bernoulli\", p = \"h\" }

[state]
x = { start = 0, next = \"x + z\" }

[events]
hit = \"hit\"

[outputs]
x = \"x\"
";

/// The closure row of a summary.csv, as `gaprisk run` prints its headline.
fn headline_from_csv(csv_text: &str) -> String {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let head = reader.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let row = reader
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[col("kind")] == "event")
        .expect("summary.csv has an event");
    let num =
        |name: &str| gaprisk::output::format::number::fmt(row[col(name)].parse::<f64>().unwrap());
    format!(
        "P({}) = {} [{}, {}]",
        &row[col("quantity")],
        num("mean"),
        num("ci_low"),
        num("ci_high")
    )
}

#[test]
fn the_page_runs_a_job_and_shows_its_numbers() {
    let started = Instant::now();
    let chromedriver = find_in_path("chromedriver");
    assert!(
        Path::new(CHROMIUM).is_file() && chromedriver.is_some(),
        "this test drives headless Chromium: {} is {}, chromedriver is {} on PATH; {INSTALL}",
        CHROMIUM,
        if Path::new(CHROMIUM).is_file() {
            "there"
        } else {
            "missing"
        },
        if chromedriver.is_some() {
            "there"
        } else {
            "missing"
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_path_buf();
    let mut guard = Guard {
        server: None,
        driver: None,
        session: None,
        logs: logs.clone(),
        _dir: dir,
    };
    let (server, url) = start_server(&logs);
    guard.server = Some(server);
    let (driver, driver_url) = start_chromedriver(&chromedriver.unwrap(), &logs);
    guard.driver = Some(driver);

    let profile = logs.join("chrome-profile");
    let capabilities = serde_json::json!({
        "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}
    });
    let mut r = agent()
        .post(format!("{driver_url}/session"))
        .header("Content-Type", "application/json")
        .send(capabilities.to_string())
        .unwrap();
    let status = r.status();
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        status, 200,
        "chromedriver could not start Chromium: {}",
        body["value"]
    );
    let session = format!(
        "{driver_url}/session/{}",
        body["value"]["sessionId"].as_str().unwrap()
    );
    guard.session = Some(session.clone());
    let browser = Browser {
        base: session,
        agent: agent(),
    };
    browser.post(
        "/window/rect",
        serde_json::json!({"width": 1400, "height": 1050}),
    );
    browser.post("/url", serde_json::json!({ "url": format!("{url}/") }));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();

    // A run of the baseline model.
    browser.click("#model-select option[value='baseline.toml']");
    browser.type_into("#samples", "200000");
    browser.click("#submit");
    let texts = browser.wait_until(
        "the run done, with its headline",
        30,
        &["#job-status", "#headline"],
        |t| t[0] == "done" && t[1].contains("P(closure)"),
    );
    let headline = texts[1].clone();
    let id = browser.text("#job-id");
    let jobs: serde_json::Value =
        serde_json::from_str(&http_get(&format!("{url}/v1/jobs"))).unwrap();
    assert_eq!(
        jobs["jobs"][0]["id"],
        id.as_str(),
        "the page shows the job it submitted"
    );
    assert_eq!(jobs["jobs"][0]["progress"]["samples_total"], 200000);
    let csv = http_get(&format!("{url}/v1/jobs/{id}/files/summary.csv"));
    assert_eq!(
        headline,
        headline_from_csv(&csv),
        "the headline is the summary.csv's closure row, as `gaprisk run` formats it"
    );
    let summary = browser.text("#summary");
    for quantity in ["closure", "belarus_consents", "force_ratio", "attack_force"] {
        assert!(
            summary.contains(quantity),
            "#summary lacks {quantity}: {summary}"
        );
    }
    assert!(
        browser.text("#jobs").contains(&id[..8]),
        "the jobs table lists the job"
    );
    browser.screenshot(&target.join("browser-screenshot.png"));
    // Its report, in the page's frame: every chart drawn.
    let frame = "document.getElementById('report-frame').contentDocument";
    let charts = browser.wait_for_charts(frame, &["events", "convergence", "histogram"]);
    assert!(charts.len() >= 8, "{charts:?}");

    // A long run: its convergence chart is drawn live, then it is cancelled.
    browser.type_into("#samples", "5000000000");
    browser.click("#submit");
    browser.wait_for_charts("document.getElementById('live-chart')", &["convergence"]);
    browser.screenshot(&target.join("browser-screenshot-live.png"));
    browser.click("#job-cancel");
    browser.wait_until("the long run cancelled", 30, &["#job-status"], |t| {
        t[0] == "cancelled"
    });

    // A compare job: the base and two variants.
    browser.click("#command option[value='compare']");
    browser.click("#variants option[value='full_withdrawal.toml']");
    browser.click("#variants option[value='no_us_rotation.toml']");
    browser.type_into("#samples", "50000");
    browser.click("#submit");
    let texts = browser.wait_until(
        "the compare job done, its table shown",
        30,
        &["#job-status", "#result-table"],
        |t| t[0] == "done" && t[1].contains("suwalki-no-us-rotation"),
    );
    for expected in [
        "suwalki-baseline",
        "suwalki-full-withdrawal",
        "diff",
        "ratio",
    ] {
        assert!(
            texts[1].contains(expected),
            "the compare table lacks {expected}: {}",
            texts[1]
        );
    }
    browser.screenshot(&target.join("browser-screenshot-compare.png"));
    browser.wait_for_charts(frame, &["forest-diff", "forest-ratio"]);

    // A rare job: its method and event come from the form.
    browser.click("#command option[value='rare']");
    browser.click("#method option[value='is']");
    browser.type_into("#quantity", "closure");
    browser.type_into("#samples", "10000");
    browser.click("#submit");
    let texts = browser.wait_until(
        "the rare job done, its table shown",
        30,
        &["#job-status", "#result-table"],
        |t| t[0] == "done" && t[1].contains("importance sampling"),
    );
    let id = browser.text("#job-id");
    let csv = http_get(&format!("{url}/v1/jobs/{id}/files/rare.csv"));
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        (row[1], row[2], row[3]),
        ("closure", "is", "40000"),
        "the form's event and method: {csv}"
    );
    assert!(
        texts[1].contains("closure") && texts[1].contains("40,000"),
        "the rare table: {}",
        texts[1]
    );
    browser.screenshot(&target.join("browser-screenshot-rare.png"));

    // Filtering from rare's samples: the sampler shows for filter only.
    browser.click("#command option[value='sensitivity']");
    browser.click("#method option[value='filter']");
    browser.click("#sampler option[value='subset']");
    browser.type_into("#quantity", "closure");
    browser.type_into("#samples", "2000");
    browser.click("#submit");
    browser.wait_until(
        "the filter job done, its table shown",
        30,
        &["#job-status", "#result-table"],
        |t| t[0] == "done" && t[1].contains("attempt"),
    );
    let id = browser.text("#job-id");
    let manifest = http_get(&format!("{url}/v1/jobs/{id}/files/manifest.json"));
    assert!(
        manifest.contains("come from subset simulation"),
        "the form's sampler: {manifest}"
    );

    // A model with a mistake: refused with 422, shown where it is.
    browser.click("#command option[value='run']");
    browser.click("#source-pasted");
    browser.type_into(
        "#model-text",
        "[model]\nname = \"broken\"\nextends = \"baseline.toml\"\n\n[inputs]\nus_commitment = { dist = \"betta\", alpha = 8, beta = 2 }\n",
    );
    browser.click("#submit");
    let texts = browser.wait_until("the 422 shown", 10, &["#errors"], |t| !t[0].is_empty());
    assert!(
        texts[0].contains("(422)") && texts[0].contains("pasted.toml:6"),
        "the error names the file and line: {}",
        texts[0]
    );
    browser.screenshot(&target.join("browser-screenshot-error.png"));

    // A stepped model (language 1.2): horizon.csv among the files, the
    // headline and table at the last step, the report's charts over time.
    browser.type_into("#model-text", STEPPED);
    browser.type_into("#samples", "20000");
    browser.click("#submit");
    let texts = browser.wait_until(
        "the stepped run done, with its headline",
        30,
        &["#job-status", "#headline", "#files"],
        |t| t[0] == "done" && t[1].contains("P(hit by week 8)") && !t[2].is_empty(),
    );
    assert!(
        texts[2].contains("horizon.csv"),
        "the files list horizon.csv: {}",
        texts[2]
    );
    let id = browser.text("#job-id");
    let horizon = http_get(&format!("{url}/v1/jobs/{id}/files/horizon.csv"));
    assert!(horizon.starts_with("model,quantity,step,measure,value,ci_low,ci_high,confidence\n"));
    let last = horizon
        .lines()
        .find(|l| l.starts_with("walk,hit,8,by_step,"))
        .expect("hit's by_step at week 8");
    let summary = http_get(&format!("{url}/v1/jobs/{id}/files/summary.csv"));
    assert_eq!(
        texts[1],
        headline_from_csv(&summary).replace("P(hit)", "P(hit by week 8)"),
        "the headline is the last week's"
    );
    assert!(
        summary.contains(&format!(
            ",hit,event,20000,{},",
            last.split(',').nth(4).unwrap()
        )),
        "summary.csv's hit is the last week's by_step: {last}"
    );
    assert!(
        browser
            .text("#summary")
            .contains("Events: probability by week 8")
    );
    let charts = browser.wait_for_charts(frame, &["horizon", "fan", "events", "histogram"]);
    let kinds = |kind: &str| {
        charts
            .iter()
            .filter(|c| c.0.split(' ').any(|k| k == format!("chart-{kind}")))
            .count()
    };
    assert_eq!((kinds("horizon"), kinds("fan")), (1, 1), "{charts:?}");
    let in_frame = browser.execute(
        "const d = document.getElementById('report-frame').contentDocument;
         return [d.getElementById('f1-horizon-hit').textContent,
                 d.getElementById('f1-fan-x').textContent];",
    );
    assert!(
        in_frame[0].as_str().unwrap().contains("week")
            && in_frame[1].as_str().unwrap().contains("median (p50)"),
        "{in_frame}"
    );
    browser.screenshot(&target.join("browser-screenshot-stepped.png"));

    // Each kind of report, opened from disk as a user would.
    let reports = logs.join("reports");
    let cli = |name: &str, args: &[&str]| {
        let out = reports.join(name);
        let status = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
            .current_dir(REPO)
            .args(args)
            .args(["--quiet", "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "gaprisk {args:?}");
        format!("file://{}", out.join("report.html").display())
    };
    let kinds: [(&str, Vec<&str>, &[&str]); 6] = [
        (
            "run",
            vec!["run", "models/baseline.toml", "-n", "1000000"],
            &["events", "convergence", "histogram"],
        ),
        (
            "compare",
            vec![
                "compare",
                "models/baseline.toml",
                "models/full_withdrawal.toml",
                "models/weak_us_commitment.toml",
                "-n",
                "100000",
            ],
            &["forest-diff", "forest-ratio"],
        ),
        (
            "sweep",
            vec![
                "sweep",
                "models/baseline.toml",
                "--set",
                "us_commitment=0.1:0.9:5",
                "--set",
                "nato_cohesion=0.3,0.8",
                "-n",
                "30000",
            ],
            &["sweep"],
        ),
        (
            "sobol",
            vec!["sensitivity", "models/baseline.toml", "-n", "16384"],
            &["sobol"],
        ),
        (
            "tornado",
            vec![
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "tornado",
                "-n",
                "20000",
            ],
            &["tornado"],
        ),
        (
            "rank",
            vec![
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "rank",
                "-n",
                "20000",
            ],
            &["rank"],
        ),
    ];
    browser.post(
        "/window/rect",
        serde_json::json!({"width": 1100, "height": 1400}),
    );
    for (name, args, expected) in &kinds {
        let url = cli(name, args);
        browser.post("/url", serde_json::json!({ "url": url }));
        browser.wait_for_charts("document", expected);
        browser.screenshot(&target.join(format!("report-{name}.png")));
    }
    eprintln!("browser test: {:.1} s", started.elapsed().as_secs_f64());
}
