//! Headless Chromium driven by chromedriver over WebDriver, for the tests of pages: report.html and the
//! editor of `schoolnets serve`.
//!
//! Runs wherever `chromium` and `chromedriver` are installed. CI installs them (Debian's chromium and
//! chromium-driver) and sets SCHOOLNETS_REQUIRE_BROWSER=1, so there the tests cannot be skipped.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Flags for headless Chromium on a machine with no network: no sandbox (CI runs as root), no GPU, no
/// reliance on a large /dev/shm (containers have a small one), and no background connections.
pub const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

pub fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// Chromium and chromedriver, or `None` (skip) when they are not installed and not required.
pub fn browser() -> Option<(PathBuf, PathBuf)> {
    match (find("chromium"), find("chromedriver")) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var_os("SCHOOLNETS_REQUIRE_BROWSER").is_none(),
                "SCHOOLNETS_REQUIRE_BROWSER is set but chromium or chromedriver is missing; install Debian's chromium and chromium-driver"
            );
            eprintln!("chromium or chromedriver not installed: browser test skipped (CI runs it)");
            None
        }
    }
}

/// A running chromedriver, stopped when dropped.
pub struct Driver {
    child: Child,
    pub base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub fn start(chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        loop {
            let ready = ureq::get(format!("{}/status", driver.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return driver;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        let mut r = ureq::post(format!("{}{path}", self.base))
            .send_json(&body)
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"));
        r.body_mut().read_json::<Value>().unwrap()["value"].clone()
    }
}

/// A WebDriver session on one page, closed when dropped.
pub struct Session<'a> {
    pub driver: &'a Driver,
    pub id: String,
}

impl<'a> Session<'a> {
    /// A new browser window (its profile in `profile`, 1400 × 1000) showing `url`.
    pub fn open(driver: &'a Driver, chromium: &Path, profile: &Path, url: &str) -> Session<'a> {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push("--window-size=1400,1000".into());
        let created = driver.post(
            "/session",
            json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chromium, "args": args }
            }}}),
        );
        let session = Session {
            driver,
            id: created["sessionId"].as_str().unwrap().to_string(),
        };
        driver.post(
            &format!("/session/{}/url", session.id),
            json!({ "url": url }),
        );
        session
    }

    /// Waits (up to 60 s) until `condition`, a script returning true or false, returns true.
    pub fn wait_for(&self, condition: &str) {
        let start = Instant::now();
        loop {
            if self.script(condition) == true {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited 60 s for: {condition}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    pub fn script(&self, body: &str) -> Value {
        self.driver.post(
            &format!("/session/{}/execute/sync", self.id),
            json!({ "script": body, "args": [] }),
        )
    }

    /// Moves the mouse to a point of the viewport, as a user's pointer would.
    pub fn point_at(&self, x: f64, y: f64) {
        self.driver.post(
            &format!("/session/{}/actions", self.id),
            json!({ "actions": [{
                "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" },
                "actions": [{ "type": "pointerMove", "duration": 0, "origin": "viewport",
                              "x": x.round() as i64, "y": y.round() as i64 }]
            }]}),
        );
    }

    /// The tooltip: (shown, text).
    pub fn tooltip(&self) -> (bool, String) {
        let v = self.script(
            "var t = document.getElementById('tooltip'); \
             return [!t.hidden && getComputedStyle(t).display !== 'none', t.textContent];",
        );
        (v[0] == true, v[1].as_str().unwrap_or("").to_string())
    }

    /// Scrolls `selector`'s first match to the middle of the window and returns its centre.
    pub fn centre_of(&self, selector: &str) -> (f64, f64) {
        let v = self.script(&format!(
            "var e = document.querySelector({selector:?}); e.scrollIntoView({{block: 'center', inline: 'center'}}); \
             var r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];"
        ));
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = ureq::delete(format!("{}/session/{}", self.driver.base, self.id)).call();
    }
}
