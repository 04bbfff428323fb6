//! Every command the README shows runs as written: the fenced `sh` blocks after the set-up block at the
//! top (which builds and tests, so cannot run inside a test), in order, in one fresh folder, as a new user
//! would type them (with `schoolnets` on the PATH). A command that fails fails the test with its output,
//! so the README cannot drift from the tool.
//!
//! The folder has `data/` and `scenarios/` from this checkout and nothing else: `import cde` reads the state
//! files built into the binary, as on a fresh clone.

mod common;
use std::path::Path;

/// The README's fenced `sh` blocks, each as its command lines (comments and blank lines dropped).
fn shell_blocks(readme: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => current = Some(Vec::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(b), l) => {
                // A comment starts at a `#` that begins the line or follows a space.
                let command = match l.find(" #") {
                    Some(i) => &l[..i],
                    None if l.starts_with('#') => "",
                    None => l,
                };
                if !command.trim().is_empty() {
                    b.push(command.trim().to_string());
                }
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn every_command_in_the_readme_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = shell_blocks(&readme);
    assert!(blocks.len() >= 3, "{blocks:?}");
    assert_eq!(
        blocks[0],
        ["cargo run --release -- plan", "cargo test --release"],
        "the README opens with the two set-up commands"
    );
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("data"), here.join("data")).unwrap();
        std::os::unix::fs::symlink(root.join("scenarios"), here.join("scenarios")).unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_schoolnets"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for command in blocks.iter().skip(1).flatten() {
        assert!(
            command.starts_with("schoolnets "),
            "a README command that is not schoolnets: {command}"
        );
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(here)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "README command failed ({:?}): {command}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 10, "only {ran} commands ran");
}
