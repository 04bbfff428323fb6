//! Writing outputs safely.
//!
//! A set of output files is first written in full to temporary files in the destination folder, flushed to
//! disk, and only then renamed into place, so an interrupted run leaves either the previous complete outputs
//! or nothing new (each rename is atomic on POSIX file systems). Outputs are never written over an input.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Files to be written together into one folder.
#[derive(Debug, Default)]
pub struct OutputSet {
    files: Vec<(String, Vec<u8>)>,
}

impl OutputSet {
    pub fn new() -> OutputSet {
        OutputSet::default()
    }

    /// Adds a file (name relative to the output folder).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
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

    /// Writes every file into `dir` (created if needed), refusing to overwrite any of `inputs`.
    pub fn commit(&self, dir: &Path, inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Output(format!(
                "cannot create the output folder {}: {e}",
                dir.display()
            ))
        })?;
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
        let mut temps: Vec<PathBuf> = Vec::new();
        let cleanup = |temps: &[PathBuf]| {
            for t in temps {
                let _ = std::fs::remove_file(t);
            }
        };
        for ((name, bytes), target) in self.files.iter().zip(&targets) {
            // Names may hold a subfolder ("feeder/plan.json").
            if let Some(parent) = target.parent() {
                if let Err(e) = std::fs::create_dir_all(parent) {
                    cleanup(&temps);
                    return Err(Error::Output(format!(
                        "cannot create the folder {}: {e}",
                        parent.display()
                    )));
                }
            }
            let tmp = temp_path(target);
            temps.push(tmp.clone());
            if let Err(e) = write_synced(&tmp, bytes) {
                cleanup(&temps);
                return Err(Error::Output(format!(
                    "cannot write {name} in {}: {e}",
                    dir.display()
                )));
            }
        }
        for (tmp, target) in temps.iter().zip(&targets) {
            if let Err(e) = std::fs::rename(tmp, target) {
                cleanup(&temps);
                return Err(Error::Output(format!(
                    "cannot move {} into place: {e}",
                    target.display()
                )));
            }
        }
        Ok(targets)
    }
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

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
    let tmp = temp_path(path);
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
}
