//! report.html in a real browser (Debian's chromium, driven by chromedriver over WebDriver): the page is
//! not blank, the map and tables are there, and pointing at a network or a school shows its tooltip.
//!
//! Runs wherever `chromium` and `chromedriver` are installed. CI installs them (Debian's chromium and
//! chromium-driver) and sets SCHOOLNETS_REQUIRE_BROWSER=1, so there the test cannot be skipped.

mod common;

use common::browser::{browser, Driver, Session, CHROMIUM_FLAGS};

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let session = Session::open(&driver, &chromium, &dir.path().join("profile2"), &url);

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
}
