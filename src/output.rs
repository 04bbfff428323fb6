//! Writing outputs safely.
//!
//! A set of output files is first written in full to hidden temporary files in the destination folder and
//! flushed to disk. Only then is each renamed over its target (an atomic replacement on POSIX file systems),
//! keeping a hard link to the file it replaces; if any rename fails, the files already replaced are put
//! back. So a failed run leaves the previous complete outputs (or nothing, in a new folder), and a run
//! killed while writing leaves the previous outputs plus hidden temporary files, which the next run into
//! that folder removes. Outputs are never written over an input.
//!
//! Tests inject failures with the environment variable `SCHOOLNETS_TEST_FAULT` (see [`Faults`]).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Files to be written together into one folder.
#[derive(Debug, Default)]
pub struct OutputSet {
    files: Vec<(String, Vec<u8>)>,
}

/// Failures to inject while committing, for the tests of atomic writing. Read from the environment variable
/// `SCHOOLNETS_TEST_FAULT`: `write:NAME` fails writing that output, `rename:NAME` fails moving it into place,
/// `pause:MS` sleeps after writing each temporary file (so a test can kill the process mid-write).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Faults {
    pub fail_write: Option<String>,
    pub fail_rename: Option<String>,
    pub pause_ms: u64,
}

impl Faults {
    /// The faults `SCHOOLNETS_TEST_FAULT` asks for (none when it is unset).
    pub(crate) fn from_env() -> Faults {
        let mut f = Faults::default();
        if let Ok(spec) = std::env::var("SCHOOLNETS_TEST_FAULT") {
            for part in spec.split(',') {
                match part.split_once(':') {
                    Some(("write", name)) => f.fail_write = Some(name.to_string()),
                    Some(("rename", name)) => f.fail_rename = Some(name.to_string()),
                    Some(("pause", ms)) => f.pause_ms = ms.parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        f
    }

    fn injected(which: &str, name: &str) -> std::io::Error {
        std::io::Error::other(format!(
            "injected {which} failure on {name} (SCHOOLNETS_TEST_FAULT)"
        ))
    }
}

impl OutputSet {
    pub fn new() -> OutputSet {
        OutputSet::default()
    }

    /// Adds a file (name relative to the output folder).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    /// Adds every file of `other`, after those already here.
    pub fn append(&mut self, other: OutputSet) {
        self.files.extend(other.files);
    }

    /// Names of the files, in the order added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// The bytes of a file, if present.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// Writes every file into `dir` (created if needed), refusing to overwrite any of `inputs`: all files
    /// are replaced, or none is.
    pub fn commit(&self, dir: &Path, inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
        self.commit_with(dir, inputs, &Faults::from_env())
    }

    /// [`commit`](Self::commit) with the given injected faults.
    pub(crate) fn commit_with(
        &self,
        dir: &Path,
        inputs: &[PathBuf],
        faults: &Faults,
    ) -> Result<Vec<PathBuf>> {
        let targets: Vec<PathBuf> = self.files.iter().map(|(n, _)| dir.join(n)).collect();
        for t in &targets {
            if let Some(input) = inputs.iter().find(|i| same_file(i, t)) {
                return Err(Error::Output(format!(
                    "{} is an input of this run ({}); choose another output folder with --out",
                    t.display(),
                    input.display()
                )));
            }
        }
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Output(format!(
                "{} is a file, not a folder: give --out the name of a folder (it is created if needed)",
                dir.display()
            )));
        }
        // Folders this run creates, removed again if it fails (deepest last).
        let mut created: Vec<PathBuf> = Vec::new();
        for t in &targets {
            let parent = t.parent().unwrap_or(dir);
            for a in parent.ancestors().collect::<Vec<_>>().into_iter().rev() {
                if !a.as_os_str().is_empty() && !a.exists() && !created.iter().any(|c| c == a) {
                    created.push(a.to_path_buf());
                }
            }
        }
        let mut tx = Transaction {
            temps: Vec::new(),
            replaced: Vec::new(),
            created,
        };
        for t in &targets {
            remove_stale_temps(t);
        }
        for ((name, bytes), target) in self.files.iter().zip(&targets) {
            // Names may hold a subfolder ("feeder/plan.json").
            if let Some(parent) = target.parent() {
                if let Err(e) = std::fs::create_dir_all(parent) {
                    tx.roll_back();
                    return Err(Error::Output(format!(
                        "cannot create the folder {}: {e}; choose a folder you can write to with --out",
                        parent.display()
                    )));
                }
            }
            let tmp = hidden_path(target, TEMP);
            tx.temps.push(tmp.clone());
            let written = if faults.fail_write.as_deref() == Some(name) {
                Err(Faults::injected("write", name))
            } else {
                write_synced(&tmp, bytes)
            };
            if let Err(e) = written {
                tx.roll_back();
                return Err(Error::Output(format!(
                    "cannot write {name} in {}: {e}; the folder is as it was",
                    dir.display()
                )));
            }
            if faults.pause_ms > 0 {
                std::thread::sleep(std::time::Duration::from_millis(faults.pause_ms));
            }
        }
        for (((name, _), tmp), target) in self.files.iter().zip(tx.temps.clone()).zip(&targets) {
            let backup = if target.exists() {
                let b = hidden_path(target, OLD);
                let _ = std::fs::remove_file(&b);
                if let Err(e) = std::fs::hard_link(target, &b)
                    .or_else(|_| std::fs::copy(target, &b).map(|_| ()))
                {
                    tx.roll_back();
                    return Err(Error::Output(format!(
                        "cannot keep a copy of {} while replacing it: {e}; the folder is as it was",
                        target.display()
                    )));
                }
                Some(b)
            } else {
                None
            };
            let moved = if faults.fail_rename.as_deref() == Some(name) {
                Err(Faults::injected("rename", name))
            } else {
                std::fs::rename(&tmp, target)
            };
            tx.replaced.push((target.clone(), backup));
            if let Err(e) = moved {
                tx.roll_back();
                return Err(Error::Output(format!(
                    "cannot move {} into place: {e}; the folder is as it was",
                    target.display()
                )));
            }
        }
        tx.commit();
        Ok(targets)
    }
}

/// What a commit has done so far, to undo it on failure.
struct Transaction {
    /// Temporary files written (some may since have been renamed).
    temps: Vec<PathBuf>,
    /// Targets replaced or created, each with the hard link to the file it replaced.
    replaced: Vec<(PathBuf, Option<PathBuf>)>,
    /// Folders this commit creates.
    created: Vec<PathBuf>,
}

impl Transaction {
    /// Puts every replaced file back, removes new ones, temporary files and created folders.
    fn roll_back(&self) {
        for (target, backup) in self.replaced.iter().rev() {
            match backup {
                Some(b) => {
                    // When the target was never replaced, both names are links to one file: POSIX rename
                    // then does nothing, so the backup name is removed after.
                    if std::fs::rename(b, target).is_ok() {
                        let _ = std::fs::remove_file(b);
                    }
                }
                None => {
                    let _ = std::fs::remove_file(target);
                }
            }
        }
        for t in &self.temps {
            let _ = std::fs::remove_file(t);
        }
        for d in self.created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }

    /// Drops the copies of replaced files.
    fn commit(&self) {
        for b in self.replaced.iter().filter_map(|(_, b)| b.as_ref()) {
            let _ = std::fs::remove_file(b);
        }
    }
}

/// Removes hidden temporary and backup files left for `target` by an earlier run that was killed (those of
/// a process still running are kept, where the system says which are).
fn remove_stale_temps(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let name = name.to_string_lossy();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = [TEMP, OLD].iter().find_map(|kind| {
            file.strip_prefix(&format!(".{name}{kind}"))
                .and_then(|p| p.parse::<u32>().ok())
        });
        if let Some(pid) = pid {
            if pid != std::process::id() && !process_running(pid) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Whether process `pid` is running; on systems without `/proc`, assumed so (its files are kept).
fn process_running(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// The hidden file beside `target` that this process uses while writing it: `.NAME.tmp-PID` for the new
/// contents ([`TEMP`]), `.NAME.old-PID` for the link to the file it replaces ([`OLD`]).
fn hidden_path(target: &Path, kind: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{kind}{}", std::process::id()))
}

/// Kinds of [`hidden_path`].
const TEMP: &str = ".tmp-";
const OLD: &str = ".old-";

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Whether two paths name the same file (by canonical path when both exist, else by spelling).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Writes one file atomically, refusing nothing (for single-file commands such as `import`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::Output(format!(
                "cannot create the folder {}: {e}",
                parent.display()
            ))
        })?;
    }
    let tmp = hidden_path(path, TEMP);
    write_synced(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::Output(format!("cannot write {}: {e}", path.display()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_all_files_and_refuses_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = OutputSet::new();
        set.add("a.txt", b"one".to_vec());
        set.add("b.txt", b"two".to_vec());
        set.commit(dir.path(), &[]).unwrap();
        assert_eq!(std::fs::read(dir.path().join("b.txt")).unwrap(), b"two");
        let input = dir.path().join("a.txt");
        let err = set.commit(dir.path(), &[input]).unwrap_err().to_string();
        assert!(err.contains("is an input"), "{err}");
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"one");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        });
        assert_eq!(leftovers.count(), 0);
    }

    /// Every file in `dir` (hidden ones too), with its bytes.
    fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let bytes = if e.path().is_dir() {
                    Vec::new()
                } else {
                    std::fs::read(e.path()).unwrap()
                };
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_previous_set() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = OutputSet::new();
        for n in ["a.txt", "b.txt", "c.txt"] {
            first.add(n, format!("first {n}").into_bytes());
        }
        first
            .commit_with(dir.path(), &[], &Faults::default())
            .unwrap();
        let before = contents(dir.path());
        let mut second = OutputSet::new();
        for n in ["a.txt", "b.txt", "c.txt", "d.txt"] {
            second.add(n, format!("second {n}").into_bytes());
        }
        for n in ["a.txt", "b.txt", "c.txt", "d.txt"] {
            for faults in [
                Faults {
                    fail_write: Some(n.into()),
                    ..Faults::default()
                },
                Faults {
                    fail_rename: Some(n.into()),
                    ..Faults::default()
                },
            ] {
                let err = second
                    .commit_with(dir.path(), &[], &faults)
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.contains("injected") && err.contains("as it was"),
                    "{err}"
                );
                assert_eq!(contents(dir.path()), before, "{faults:?}");
            }
        }
        second
            .commit_with(dir.path(), &[], &Faults::default())
            .unwrap();
        assert_eq!(contents(dir.path()).len(), 4);
        assert_eq!(
            std::fs::read(dir.path().join("a.txt")).unwrap(),
            b"second a.txt"
        );
    }

    #[test]
    fn a_failed_first_run_leaves_no_folder_and_stale_temps_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/deeper");
        let mut set = OutputSet::new();
        set.add("a.txt", b"one".to_vec());
        set.add("sub/b.txt", b"two".to_vec());
        let faults = Faults {
            fail_rename: Some("sub/b.txt".into()),
            ..Faults::default()
        };
        assert!(set.commit_with(&out, &[], &faults).is_err());
        assert!(!dir.path().join("new").exists());

        // A killed run's leftovers (a process id that cannot be running) go at the next commit.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".a.txt.tmp-4294967295"), b"partial").unwrap();
        std::fs::write(out.join(".a.txt.old-4294967295"), b"old").unwrap();
        std::fs::write(out.join(".unrelated"), b"kept").unwrap();
        set.commit_with(&out, &[], &Faults::default()).unwrap();
        let names: Vec<String> = contents(&out).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [".unrelated", "a.txt", "sub"]);
    }
}
