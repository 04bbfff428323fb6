//! The catalogue of bad inputs: one small file per case, each beside a `.expected` file saying what every
//! command given it must do.
//!
//! - `tests/bad-tables/NAME.csv`: run through `validate` and `plan --schools`.
//! - `tests/bad-scenarios/NAME.toml`: `plan --scenario`.
//! - `tests/bad-outlines/NAME.geojson`: `plan --boundary`.
//! - `tests/bad-pins/NAME.csv`: `plan --pins` and `briefing --pins`.
//! - `tests/bad-barriers/NAME.geojson`: `plan --barriers`.
//! - `tests/bad-history/NAME.csv`: `forecast --history` and `plan --horizon 2 --history`.
//! - `tests/bad-plans/NAME` (a plan folder, or a `.json` named as a plan): `rebalance --plan` onto the
//!   2019-20 LAUSD table, and `forecast --plan` with the default table.
//!
//! `.expected` format, one statement per line (`#` starts a comment):
//! - `3`: every command exits with 3; `validate 0` / `plan 4`: that command's exit code;
//! - `text`: every command's output (stdout and stderr) contains `text`; `plan: text`: only `plan`'s does.
//!
//! Every command that fails must also name the file, write no output and never panic.

mod common;

use common::{manifest, schoolnets};

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What a `.expected` file asks of each command.
struct Expected {
    /// Exit code for all commands, and per command.
    code: Option<i32>,
    codes: Vec<(String, i32)>,
    /// (command or "" for all, text).
    texts: Vec<(String, String)>,
}

impl Expected {
    fn read(path: &Path) -> Expected {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{}: {e} (every case needs its .expected)", path.display()));
        let mut e = Expected {
            code: None,
            codes: Vec::new(),
            texts: Vec::new(),
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Ok(c) = line.parse() {
                e.code = Some(c);
            } else if let Some((cmd, c)) = line
                .split_once(' ')
                .filter(|(cmd, c)| !cmd.ends_with(':') && c.parse::<i32>().is_ok())
            {
                e.codes.push((cmd.to_string(), c.parse().unwrap()));
            } else if let Some((cmd, t)) = line
                .split_once(": ")
                .filter(|(cmd, _)| ["validate", "plan", "rebalance", "forecast"].contains(cmd))
            {
                e.texts.push((cmd.to_string(), t.to_string()));
            } else {
                e.texts.push((String::new(), line.to_string()));
            }
        }
        e
    }

    fn code_for(&self, cmd: &str) -> i32 {
        self.codes
            .iter()
            .find(|(c, _)| c == cmd)
            .map(|(_, code)| *code)
            .or(self.code)
            .unwrap_or_else(|| panic!("no exit code for {cmd}"))
    }
}

/// The commands to run on one case: (command name, arguments).
type Runs = Vec<(&'static str, Vec<OsString>)>;

/// Runs every case in `dir` whose name ends with `ext` through the commands `runs` builds (command name,
/// arguments; the second argument of `runs` is an empty output folder), and returns what went wrong.
fn run_catalogue(dir: &str, ext: &str, min_cases: usize, runs: &dyn Fn(&Path, &Path) -> Runs) {
    let dir = manifest(dir);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            if ext.is_empty() {
                !name.ends_with(".expected") && !name.ends_with(".md")
            } else {
                name.ends_with(ext)
            }
        })
        .collect();
    cases.sort();
    assert!(
        cases.len() >= min_cases,
        "{}: the catalogue lost cases: {}",
        dir.display(),
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let stem = case.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = Expected::read(&dir.join(format!("{stem}.expected")));
        let before = std::fs::read(case).ok();
        let out_dir = tempfile::tempdir().unwrap();
        for (cmd, args) in runs(case, out_dir.path()) {
            let out = schoolnets().args(&args).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let all = format!("{stdout}{stderr}");
            let code = expected.code_for(cmd);
            if out.status.code() != Some(code) {
                failures.push(format!(
                    "{stem} ({cmd}): exit {:?}, wanted {code}\n{all}",
                    out.status.code()
                ));
            }
            if stderr.contains("panicked") {
                failures.push(format!("{stem} ({cmd}): panicked\n{stderr}"));
            }
            for (only, text) in &expected.texts {
                if (only.is_empty() || only == cmd) && !all.contains(text.as_str()) {
                    failures.push(format!("{stem} ({cmd}): output lacks {text:?}:\n{all}"));
                }
            }
            let file_name = case.file_name().unwrap().to_string_lossy();
            if code == 3 && !stderr.contains(&*file_name) {
                failures.push(format!(
                    "{stem} ({cmd}): the error does not name the file:\n{stderr}"
                ));
            }
        }
        let written = std::fs::read_dir(out_dir.path()).unwrap().count();
        if written != 0 {
            failures.push(format!("{stem}: a failed command wrote {written} outputs"));
        }
        if before.is_some() && std::fs::read(case).ok() != before {
            failures.push(format!("{stem}: the input file changed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn os(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

#[test]
fn every_bad_table_gets_a_clear_error() {
    run_catalogue("tests/bad-tables", ".csv", 27, &|case, out| {
        vec![
            ("validate", os(&[&"validate", &case])),
            (
                "plan",
                os(&[&"plan", &"--schools", &case, &"--out", &out, &"-q"]),
            ),
        ]
    });
}

#[test]
fn every_bad_scenario_gets_a_clear_error() {
    run_catalogue("tests/bad-scenarios", ".toml", 10, &|case, out| {
        vec![(
            "plan",
            os(&[&"plan", &"--scenario", &case, &"--out", &out, &"-q"]),
        )]
    });
}

#[test]
fn every_bad_outline_gets_a_clear_error() {
    run_catalogue("tests/bad-outlines", ".geojson", 7, &|case, out| {
        vec![(
            "plan",
            os(&[&"plan", &"--boundary", &case, &"--out", &out, &"-q"]),
        )]
    });
}

#[test]
fn every_bad_pins_file_gets_a_clear_error() {
    run_catalogue("tests/bad-pins", ".csv", 9, &|case, out| {
        vec![
            (
                "plan",
                os(&[&"plan", &"--pins", &case, &"--out", &out, &"-q"]),
            ),
            (
                "briefing",
                os(&[&"briefing", &"--pins", &case, &"--out", &out, &"-q"]),
            ),
        ]
    });
}

#[test]
fn every_bad_barriers_file_gets_a_clear_error() {
    run_catalogue("tests/bad-barriers", ".geojson", 6, &|case, out| {
        vec![(
            "plan",
            os(&[&"plan", &"--barriers", &case, &"--out", &out, &"-q"]),
        )]
    });
}

#[test]
fn every_bad_history_gets_a_clear_error() {
    run_catalogue("tests/bad-history", ".csv", 14, &|case, out| {
        vec![
            (
                "forecast",
                os(&[&"forecast", &"--history", &case, &"--out", &out, &"-q"]),
            ),
            (
                "plan",
                os(&[
                    &"plan",
                    &"--horizon",
                    &"2",
                    &"--history",
                    &case,
                    &"--out",
                    &out,
                    &"-q",
                ]),
            ),
        ]
    });
}

#[test]
fn every_bad_adopted_plan_gets_a_clear_error() {
    let next_year = manifest("data/lausd-2019-20.csv");
    run_catalogue("tests/bad-plans", "", 5, &|case, out| {
        vec![
            (
                "rebalance",
                os(&[
                    &"rebalance",
                    &"--plan",
                    &case,
                    &"--schools",
                    &next_year,
                    &"--out",
                    &out,
                    &"-q",
                ]),
            ),
            // forecast reads `--plan` with its own table (the default 2018 one): the same checks.
            (
                "forecast",
                os(&[&"forecast", &"--plan", &case, &"--out", &out, &"-q"]),
            ),
        ]
    });
}

#[test]
fn a_missing_file_and_a_bad_scenario_are_input_errors() {
    let out = schoolnets()
        .args(["plan", "--schools", "no/such/file.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.csv: cannot read"));

    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "networks = 32\n[size]\nmax_school = 40\n").unwrap();
    let out = schoolnets()
        .args(["plan", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("line 3") && stderr.contains("max_school"),
        "{stderr}"
    );
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out_csv = dir.path().join("never.csv");
    let out_csv = out_csv.to_str().unwrap();
    let out = dir.path().join("never");
    let out = out.to_str().unwrap();
    // (arguments, what the message must say)
    for (args, says) in [
        (vec!["plan", "--tolerance", "0"], "--tolerance"),
        (vec!["plan", "--networks", "0"], "networks"),
        (vec!["plan", "--no-such-flag"], "--no-such-flag"),
        (vec!["plan", "--threads", "0"], "1 to 256 worker threads"),
        // Numbers out of range, impossible dates, names that do not exist: usage errors, before any work.
        (
            vec!["plan", "--threads", "100000"],
            "1 to 256 worker threads",
        ),
        (vec!["plan", "--date", "2026-02-30"], "calendar date"),
        (vec!["plan", "--date", "2026-02-29"], "calendar date"),
        (
            vec!["plan", "--date", "0000-01-01"],
            "in the years 1900 to 2199",
        ),
        (
            vec!["plan", "--date", "9999-12-31"],
            "in the years 1900 to 2199",
        ),
        (
            vec!["plan", "--min-model", "magent=1"],
            "did you mean 'magnet'?",
        ),
        // The option at fault is named, with its range: not --min-schools for --max-schools 0, not
        // clap's "unexpected argument '-0'" for a negative number.
        (
            vec!["plan", "--max-schools", "0"],
            "--max-schools: 0 is out of range: it must be a whole number from 1",
        ),
        (
            vec!["plan", "--tolerance", "-0.1"],
            "--tolerance: -0.1 is out of range: it must be a number above 0 and below 1",
        ),
        (
            vec!["plan", "--dfs-band", "-5"],
            "--dfs-band: -5 is out of range",
        ),
        // A count that is negative, a fraction or a word: what is wanted, not "invalid digit found".
        (
            vec!["plan", "--networks", "-3"],
            "-3 is negative: give a whole number",
        ),
        (vec!["plan", "--seed", "1.5"], "1.5 is not a whole number"),
        (
            vec!["plan", "--restarts", "1e3"],
            "write 1e3 as a plain whole number: 1000",
        ),
        (
            vec!["serve", "--port", "70000"],
            "70000 is too large: at most 65535",
        ),
        (
            vec!["ensemble", "--chains", "four"],
            "four is not a number: give a whole number",
        ),
        // A band that holds no whole number of students.
        (
            vec!["plan", "--tolerance", "1e-300"],
            "a band that holds no whole number of students",
        ),
        // Five digits cut across districts (19647 is the start of several): refused, not merged.
        (
            vec!["import", "cde", "--district", "19647", "--out", out_csv],
            "--district '19647' is not a CDS code prefix",
        ),
        (
            vec![
                "import",
                "cde",
                "--district",
                "9999999",
                "--cde-dir",
                "data/cde-lausd",
                "--out",
                out_csv,
            ],
            "no school in",
        ),
    ] {
        let mut args = args;
        if args[0] == "plan" {
            args.extend(["--out", out, "-q"]);
        }
        let o = schoolnets().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!Path::new(out).exists() && !Path::new(out_csv).exists());
}

#[test]
fn infeasible_scenarios_explain_the_arithmetic() {
    let out = schoolnets()
        .args([
            "plan",
            "--networks",
            "40",
            "--min-schools",
            "30",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("40 networks × at least 30 schools = 1200 schools, but the table has 1007"),
        "{stderr}"
    );
    assert!(
        stderr.contains("networks = 33") && stderr.contains("min_schools = 25"),
        "{stderr}"
    );

    // A campus bigger than the whole enrollment band allows.
    let out = schoolnets()
        .args([
            "plan",
            "--networks",
            "200",
            "--min-schools",
            "1",
            "--tolerance",
            "0.1",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("students, more than any network may hold")
            && stderr.contains("enrollment_tolerance ="),
        "{stderr}"
    );
}

#[test]
fn equity_rules_the_district_itself_cannot_meet_are_explained() {
    let out = schoolnets()
        .args([
            "plan",
            "--max-low-share",
            "0.2",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("240 low-performing schools among 957 rated (25.1%)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("max_low_performing_share = 0.251 or more"),
        "{stderr}"
    );

    let out = schoolnets()
        .args([
            "plan",
            "--min-model",
            "opportunity=1",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(
            "32 networks × at least 1 opportunity school = 32 schools, but the table has 4"
        ),
        "{stderr}"
    );
}

#[test]
fn an_output_folder_that_is_a_file_is_an_output_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "the planner's notes").unwrap();
    let out = schoolnets()
        .args(["plan", "-q", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("notes.txt is a file, not a folder"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "the planner's notes"
    );
}

/// An output folder where nothing can be written (`/proc`, a folder without write permission) is refused
/// before any work, not after the plan is drawn; a folder named like a built-in scenario does not hide it.
#[cfg(unix)]
#[test]
fn an_output_folder_that_cannot_be_written_is_refused_before_any_work() {
    use std::os::unix::fs::PermissionsExt;
    let o = common::run(&["plan", "-q", "--out", "/proc/schoolnets-out"]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(5), "{said}");
    assert!(said.contains("checked before any work"), "{said}");
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = locked.join("probe");
    let root = std::fs::create_dir(&probe).is_ok(); // root writes anywhere: nothing to check then
    if !root {
        let o = common::run(&[
            "plan",
            "-q",
            "--out",
            locked.join("out/deeper").to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(5),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            std::fs::read_dir(&locked).unwrap().count(),
            0,
            "nothing left behind"
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    // `--scenario feeder` beside a folder named feeder: the built-in scenario.
    std::fs::create_dir(dir.path().join("feeder")).unwrap();
    let o = schoolnets()
        .current_dir(dir.path())
        .args(["plan", "-q", "--scenario", "feeder", "--out", "out"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A named pipe given as an input would block the command (or a whole editor) until something wrote to
/// it: every reader refuses it at once, as it does a device.
#[cfg(unix)]
#[test]
fn a_named_pipe_or_device_as_input_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("table.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = dir.path().join("out");
    for args in [
        os(&[&"plan", &"--schools", &fifo, &"--out", &out, &"-q"]),
        os(&[&"plan", &"--scenario", &fifo, &"--out", &out, &"-q"]),
        os(&[&"plan", &"--schools", &"/dev/zero", &"--out", &out, &"-q"]),
    ] {
        let mut child = schoolnets()
            .args(&args)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("{args:?} blocked on a pipe or device");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
    }
}

/// An adopted plan opened with a table it was not drawn from is an input error (exit 3) naming the plan
/// and the school, in the editor as in `rebalance` and `compare`.
#[test]
fn the_editor_refuses_a_plan_with_another_table_as_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    common::plan_into(&plan, &[]);
    let o = schoolnets()
        .args(["serve", "--port", "0", "-q", "--plan"])
        .arg(&plan)
        .arg("--schools")
        .arg(manifest("data/lausd-2019-20.csv"))
        .arg("--out")
        .arg(dir.path().join("edited"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("plan.json") && stderr.contains("is not in the plan"),
        "{stderr}"
    );
}

/// A barrier layer with many features that change nothing (a county's freeway ramps) is summarised on the
/// terminal, a few lines and a count, and listed whole in the report.
#[test]
fn many_barriers_that_change_nothing_are_summarised_and_listed_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let features: Vec<String> = (0..12)
        .map(|i| {
            let lon = -117.0 + f64::from(i) * 0.01;
            format!(
                r#"{{"type":"Feature","properties":{{"name":"ramp {i}"}},"geometry":{{"type":"LineString","coordinates":[[{lon},33.0],[{lon},33.001]]}}}}"#
            )
        })
        .collect();
    let layer = dir.path().join("ramps.geojson");
    std::fs::write(
        &layer,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = schoolnets()
        .args(["plan", "--barriers"])
        .arg(&layer)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(stderr.matches("changes nothing").count(), 5, "{stderr}");
    assert!(
        stderr.contains("and 7 more barrier features that change nothing"),
        "{stderr}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(report.matches("changes nothing").count(), 12);
}

/// When the search finds no plan and the planner's pins may be why, the message names the pins file first
/// (not only a wider --tolerance): here one label on the district's northernmost and southernmost schools.
#[test]
fn a_search_that_fails_under_pins_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let table = std::fs::read_to_string(manifest("data/lausd-2018.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(table.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, lat) = (col("id"), col("lat"));
    let mut rows: Vec<(f64, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[lat].parse().unwrap(), r[id].to_string())
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pins = dir.path().join("stretch.csv");
    std::fs::write(
        &pins,
        format!(
            "id,network\n{},Stretch\n{},Stretch\n",
            rows[0].1,
            rows[rows.len() - 1].1
        ),
    )
    .unwrap();
    let o = schoolnets()
        .args(["plan", "-q", "--pins"])
        .arg(&pins)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("The pins of")
            && stderr.contains("stretch.csv")
            && stderr.contains("without --pins"),
        "{stderr}"
    );
}
