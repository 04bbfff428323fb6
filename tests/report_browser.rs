//! report.html in a real browser (Debian's chromium, driven by chromedriver over WebDriver): the page is
//! not blank, the map and tables are there, and pointing at a network or a school shows its tooltip.
//!
//! Runs wherever `chromium` and `chromedriver` are installed. CI installs them (Debian's chromium and
//! chromium-driver) and sets SCHOOLNETS_REQUIRE_BROWSER=1, so there the test cannot be skipped.

mod common;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Flags for headless Chromium on a machine with no network: no sandbox (CI runs as root), no GPU, no
/// reliance on a large /dev/shm (containers have a small one), and no background connections.
const CHROMIUM_FLAGS: [&str; 9] = [
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

fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// Chromium and chromedriver, or `None` (skip) when they are not installed and not required.
fn browser() -> Option<(PathBuf, PathBuf)> {
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

fn plan_report(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let o = common::schoolnets()
        .args(["plan", "-q", "--date", "2026-11-22", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join("report.html")
}

/// A running chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(chromedriver: &Path) -> Driver {
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

    fn post(&self, path: &str, body: Value) -> Value {
        let mut r = ureq::post(format!("{}{path}", self.base))
            .send_json(&body)
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"));
        r.body_mut().read_json::<Value>().unwrap()["value"].clone()
    }
}

/// A WebDriver session on one page.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn script(&self, body: &str) -> Value {
        self.driver.post(
            &format!("/session/{}/execute/sync", self.id),
            json!({ "script": body, "args": [] }),
        )
    }

    /// Moves the mouse to a point of the viewport, as a user's pointer would.
    fn point_at(&self, x: f64, y: f64) {
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
    fn tooltip(&self) -> (bool, String) {
        let v = self.script(
            "var t = document.getElementById('tooltip'); \
             return [!t.hidden && getComputedStyle(t).display !== 'none', t.textContent];",
        );
        (v[0] == true, v[1].as_str().unwrap_or("").to_string())
    }

    /// Scrolls `selector`'s first match to the middle of the window and returns its centre.
    fn centre_of(&self, selector: &str) -> (f64, f64) {
        let v = self.script(&format!(
            "var e = document.querySelector({selector:?}); e.scrollIntoView({{block: 'center', inline: 'center'}}); \
             var r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];"
        ));
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    }
}

#[test]
fn the_report_renders_in_chromium_and_shows_tooltips_on_hover() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = plan_report(dir.path());
    let url = format!("file://{}", report.display());

    // A screenshot of the page as opened: not blank, and the map's colours are there.
    let shot = dir.path().join("shot.png");
    let o = Command::new(&chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .args(["--window-size=1400,1800", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let png = resvg::tiny_skia::Pixmap::load_png(&shot).unwrap();
    let pixels = png.pixels();
    let background = pixels
        .iter()
        .filter(|p| p.red() > 245 && p.green() > 245 && p.blue() > 245)
        .count();
    let drawn = 1.0 - background as f64 / pixels.len() as f64;
    let blue = pixels
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) == (0x77, 0xAA, 0xDD))
        .count();
    eprintln!(
        "screenshot: {:.0}% drawn, {blue} pixels of the first network colour",
        drawn * 100.0
    );
    assert!(
        drawn > 0.2,
        "the page looks blank: {:.0}% drawn",
        drawn * 100.0
    );
    assert!(blue > 5000, "the map is not in the screenshot");

    // The page's content, and its tooltips, through WebDriver.
    let driver = Driver::start(&chromedriver);
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!(
        "--user-data-dir={}",
        dir.path().join("profile2").display()
    ));
    args.push("--window-size=1400,1000".into());
    let created = driver.post(
        "/session",
        json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args }
        }}}),
    );
    let session = Session {
        driver: &driver,
        id: created["sessionId"].as_str().unwrap().to_string(),
    };
    driver.post(
        &format!("/session/{}/url", session.id),
        json!({ "url": url }),
    );

    let counts = session.script(
        "return [document.querySelectorAll('svg.network-map path.network').length, \
                 document.querySelectorAll('table.balance tbody tr').length, \
                 document.querySelectorAll('table.rules tbody tr').length, \
                 document.querySelectorAll('svg [data-tip] > title').length];",
    );
    assert_eq!(counts[0], 32, "network shapes on the map");
    assert_eq!(counts[1], 32, "rows of the balance table");
    assert!(counts[2].as_u64().unwrap() >= 7, "rules listed");
    assert_eq!(
        counts[3], 0,
        "the script replaced the SVG titles by its own tooltip"
    );
    assert!(
        !session.tooltip().0,
        "no tooltip before pointing at anything"
    );

    // Point at network N05 where no school symbol covers it.
    let spot = session.script(
        "var p = document.querySelector('svg.network-map path.network[data-network=\"N05\"]'); \
         p.scrollIntoView({block: 'center', inline: 'center'}); var r = p.getBoundingClientRect(); \
         for (var i = 1; i < 20; i++) { for (var j = 1; j < 20; j++) { \
           var x = r.left + r.width * i / 20, y = r.top + r.height * j / 20; \
           if (document.elementFromPoint(x, y) === p) { return [x, y]; } } } return null;",
    );
    assert!(spot.is_array(), "N05 is not visible anywhere on the map");
    session.point_at(spot[0].as_f64().unwrap(), spot[1].as_f64().unwrap());
    let (shown, text) = session.tooltip();
    assert!(shown, "no tooltip over network N05");
    assert!(
        text.starts_with("N05 ") && text.contains(" schools (") && text.contains("students"),
        "tooltip over N05: {text}"
    );

    // Point at a school.
    let (x, y) = session.centre_of("svg.network-map g.schools circle");
    session.point_at(x, y);
    let (shown, text) = session.tooltip();
    assert!(
        shown && text.contains("students, network N"),
        "school tooltip: {text}"
    );

    // Away from the map, the tooltip goes.
    let (x, y) = session.centre_of("table.rules");
    session.point_at(x, y);
    assert!(
        !session.tooltip().0,
        "the tooltip stays after leaving the map"
    );

    let _ = ureq::delete(format!("{}/session/{}", driver.base, session.id)).call();
}
