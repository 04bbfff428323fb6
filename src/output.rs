//! Writing outputs safely: an output folder holds exactly one run's complete set of files.
//!
//! A run writes its whole set into a fresh hidden sibling folder (`.NAME.new-PID` beside `NAME`), flushed to
//! disk, with a manifest (`.schoolnets-outputs`, the files of the set). Only then does the new folder take
//! the old one's place, in one step: on Linux an atomic exchange of the two folders (`renameat2` with
//! `RENAME_EXCHANGE`), after which the old set is deleted; into a new folder, one rename. So a failed run
//! leaves the previous complete set (or nothing, in a new folder), a run killed at any point leaves either the
//! previous set or the new one, never a mix, and files an earlier run wrote but this one does not are gone
//! with the old set. Where the exchange is not available, the old folder is first renamed aside
//! (`.NAME.old-PID`) and the next run puts it back if a kill fell between the two renames.
//!
//! The folder is the tool's: a folder holding files schoolnets did not write (not in its manifest, or, for
//! folders of earlier versions, not named as an output) is refused, so the swap never deletes the user's
//! own files. Outputs are never written over, into or around an input (see [`check_out`]).
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

    /// Replaces the folder `dir` (created if needed) by exactly this set of files, refusing to write over,
    /// into or around any of `inputs`: the whole set is replaced, or nothing is.
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
        check_out(dir, inputs)?;
        // The set is listed under the name the planner gave; it is written where that name leads.
        let targets: Vec<PathBuf> = self.files.iter().map(|(n, _)| dir.join(n)).collect();
        let dir = &through_link(dir, "--out")?;
        if self.get("plan.json").is_none() {
            check_keeps_plan(dir)?;
        }
        let (parent, name) = split(dir)?;
        recover(&parent, &name);
        // Ancestors this run creates, removed again if it fails (deepest last).
        let created: Vec<PathBuf> = parent
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let staging = parent.join(format!(".{name}{NEW}{}", std::process::id()));
        let fail = |what: String, staging_made: bool| {
            if staging_made {
                let _ = std::fs::remove_dir_all(&staging);
            }
            for d in created.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            Error::Output(format!("{what}; the folder is as it was"))
        };
        if let Err(e) = std::fs::create_dir_all(&parent) {
            return Err(fail(
                format!(
                    "cannot create the folder {}: {e}; choose a folder you can write to with --out",
                    parent.display()
                ),
                false,
            ));
        }
        let _ = std::fs::remove_dir_all(&staging);
        if let Err(e) = std::fs::create_dir(&staging) {
            return Err(fail(
                format!(
                    "cannot write beside {} (in {}): {e}; choose a folder you can write to with --out",
                    dir.display(),
                    parent.display()
                ),
                false,
            ));
        }
        let mut manifest = format!("{MANIFEST_HEAD} {}\n", env!("CARGO_PKG_VERSION"));
        for (file, bytes) in &self.files {
            let path = staging.join(file);
            let written = if faults.fail_write.as_deref() == Some(file) {
                Err(Faults::injected("write", file))
            } else {
                path.parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|_| write_synced(&path, bytes))
            };
            if let Err(e) = written {
                return Err(fail(
                    format!("cannot write {file} for {}: {e}", dir.display()),
                    true,
                ));
            }
            manifest.push_str(file);
            manifest.push('\n');
            if faults.pause_ms > 0 {
                std::thread::sleep(std::time::Duration::from_millis(faults.pause_ms));
            }
        }
        if let Err(e) = write_synced(&staging.join(MANIFEST), manifest.as_bytes()) {
            return Err(fail(
                format!("cannot write the manifest for {}: {e}", dir.display()),
                true,
            ));
        }
        let swapped = match &faults.fail_rename {
            Some(file) => Err(Faults::injected("rename", file)),
            None => swap(&staging, dir, &parent, &name),
        };
        if let Err(e) = swapped {
            return Err(fail(
                format!(
                    "cannot put the new files in place in {}: {e}",
                    dir.display()
                ),
                true,
            ));
        }
        // `staging` now holds the previous set (or nothing).
        let _ = std::fs::remove_dir_all(&staging);
        Ok(targets)
    }
}

/// Checks, before any work, that `dir` can take a run's outputs: not a file, not an input nor inside one,
/// holding no input, and holding only files schoolnets wrote. Commands call it first, so a bad `--out` is
/// refused before a long solve; [`OutputSet::commit`] checks again.
pub fn check_out(dir: &Path, inputs: &[PathBuf]) -> Result<()> {
    let dir = &through_link(dir, "--out")?;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output(format!(
            "{} is a file, not a folder: give --out the name of a folder (it is created if needed)",
            dir.display()
        )));
    }
    split(dir)?;
    let out = absolute(dir);
    for input in inputs {
        let input = absolute(input);
        let what = if input == out {
            Some("is")
        } else if out.starts_with(&input) {
            Some("is inside")
        } else if input.starts_with(&out) {
            Some("holds")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::Output(format!(
                "the output folder {} {what} an input of this run ({}); the new set of files would replace it: choose another folder with --out",
                dir.display(),
                input.display()
            )));
        }
    }
    check_writable(dir)?;
    if dir.is_dir() {
        let foreign = foreign_files(dir);
        if !foreign.is_empty() {
            let shown: Vec<String> = foreign
                .iter()
                .take(5)
                .map(|p| p.display().to_string())
                .collect();
            return Err(Error::Output(format!(
                "{} holds files schoolnets did not write ({}{}); a run replaces its output folder as a whole, so give --out a new or empty folder, or one an earlier run wrote",
                dir.display(),
                shown.join(", "),
                if foreign.len() > 5 {
                    format!(" and {} more", foreign.len() - 5)
                } else {
                    String::new()
                }
            )));
        }
    }
    Ok(())
}

/// Where an output named `path` is written: `path` itself, or, when it is a symbolic link, what the link
/// leads to, so a link (`--out current`, pointing at this year's folder) is written through and stays a
/// link; replacing the link by a folder would leave its target stale. A link that leads nowhere (its target
/// missing, or a loop of links) is refused before any work. `option` names what gave the path (`--out`).
pub fn through_link(path: &Path, option: &str) -> Result<PathBuf> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(path.to_path_buf());
    };
    if !meta.file_type().is_symlink() {
        return Ok(path.to_path_buf());
    }
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_default();
    path.canonicalize().map_err(|e| {
        Error::Output(format!(
            "{} is a symbolic link to {target}, which cannot be followed ({e}): give {option} a folder, or point the link at an existing one (checked before any work)",
            path.display()
        ))
    })
}

/// Whether the run's set can be built where it will go, found before any work (`--out /proc/x`,
/// a read-only disk, a folder of another user's) by making and removing an empty folder there: in the
/// output folder's parent, or the nearest folder above it that exists (the rest is created at commit).
fn check_writable(dir: &Path) -> Result<()> {
    let (parent, name) = split(dir)?;
    let mut base = parent.as_path();
    while !base.is_dir() {
        match base.parent() {
            Some(p) => base = p,
            None => break,
        }
    }
    let probe = base.join(format!(".{name}.probe-{}", std::process::id()));
    match std::fs::create_dir(&probe) {
        Ok(()) => {
            let _ = std::fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) => Err(Error::Output(format!(
            "cannot write in {} (where {} would be made): {e}; choose a folder you can write to with --out (checked before any work)",
            base.display(),
            dir.display()
        ))),
    }
}

/// Refuses, before any work, an output folder that holds a plan (a plan.json schoolnets wrote) for a run
/// that writes no plan: its set would replace the plan as a whole. Commands that write something other
/// than a plan (`ensemble`, `compare`, `forecast`) call it first; [`OutputSet::commit`] checks again.
pub fn check_keeps_plan(dir: &Path) -> Result<()> {
    let listed = std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .filter(|m| m.starts_with(MANIFEST_HEAD))
        .is_some_and(|m| m.lines().skip(1).any(|l| l == "plan.json"));
    if listed && dir.join("plan.json").is_file() {
        return Err(Error::Output(format!(
            "{} holds a plan (plan.json); this command writes no plan, and its files would replace the plan's as a whole: give --out another folder",
            dir.display()
        )));
    }
    Ok(())
}

/// The folder's parent and name; a folder must have a name (not `/`, `.` or `..`).
fn split(dir: &Path) -> Result<(PathBuf, String)> {
    let abs = absolute(dir);
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => {
            Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
        }
        _ => Err(Error::Output(format!(
            "{} cannot be an output folder: give --out a folder by name (for example out)",
            dir.display()
        ))),
    }
}

/// `path` made absolute and cleaned of `.` and `..` without touching the file system beyond the
/// current folder and existing links (so that `out/../out` and `./out` are `out`): how outputs are
/// compared with inputs, here and by `import cde`.
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // The longest existing ancestor canonicalised, the rest appended.
    let mut rest = Vec::new();
    let mut at = joined.as_path();
    loop {
        if let Ok(c) = at.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    p => out.push(p),
                }
            }
            return out;
        }
        match (at.parent(), at.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                at = parent;
            }
            _ => return joined,
        }
    }
}

/// Files in `dir` (relative paths) that no schoolnets run wrote: not in its manifest, or, in a folder of
/// an earlier version without one, not named as any output.
fn foreign_files(dir: &Path) -> Vec<PathBuf> {
    let listed: Option<Vec<String>> = std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .filter(|m| m.starts_with(MANIFEST_HEAD))
        .map(|m| m.lines().skip(1).map(str::to_string).collect());
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files);
    files
        .into_iter()
        .filter(|rel| {
            let text = rel.to_string_lossy().replace('\\', "/");
            let file = rel
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            if text == MANIFEST {
                return false;
            }
            match &listed {
                Some(list) => !list.contains(&text),
                // Earlier versions: their outputs, and the hidden files of runs they did not finish.
                None => {
                    !(KNOWN_OUTPUTS.contains(&file.as_str())
                        || (file.starts_with('.')
                            && (file.contains(".tmp-") || file.contains(".old-"))))
                }
            }
        })
        .collect()
}

/// Every file under `root/rel`, relative to `root` (folders descended, not listed).
fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &r, out);
        } else {
            out.push(r);
        }
    }
}

/// Puts a run's leftovers in order before the next one: a previous set moved aside by a run killed before
/// it put the new one in place goes back; new sets of killed runs are removed (those of a process still
/// running are kept, where the system says which are).
fn recover(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let dir = parent.join(name);
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        for kind in [NEW, OLD] {
            let Some(pid) = file
                .strip_prefix(&format!(".{name}{kind}"))
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == std::process::id() || process_running(pid) {
                continue;
            }
            if kind == OLD && !dir.exists() {
                let _ = std::fs::rename(e.path(), &dir);
            } else {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Puts the folder `staging` in the place of `dir`; afterwards `staging` holds the old set (or nothing).
fn swap(staging: &Path, dir: &Path, parent: &Path, name: &str) -> std::io::Result<()> {
    if !dir.exists() {
        return std::fs::rename(staging, dir);
    }
    #[cfg(target_os = "linux")]
    {
        if exchange(staging, dir).is_ok() {
            return Ok(());
        }
    }
    // Two renames; a kill between them is undone by the next run (`recover`).
    let aside = parent.join(format!(".{name}{OLD}{}", std::process::id()));
    std::fs::rename(dir, &aside)?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&aside, dir);
        return Err(e);
    }
    std::fs::rename(&aside, staging)
}

/// Exchanges two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call; AT_FDCWD resolves them as given.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
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

/// The manifest of an output folder: its first line names the tool, then one file per line.
pub const MANIFEST: &str = ".schoolnets-outputs";
const MANIFEST_HEAD: &str = "schoolnets outputs";

/// Names of the hidden siblings: `.NAME.new-PID` (a set being written), `.NAME.old-PID` (a previous set
/// moved aside), and `.FILE.tmp-PID` (one file being written by [`write_atomic`]).
const NEW: &str = ".new-";
const OLD: &str = ".old-";
const TEMP: &str = ".tmp-";

/// Every file name an output folder of any command has held, for folders written before the manifest.
const KNOWN_OUTPUTS: [&str; 18] = [
    "plan.json",
    "networks.geojson",
    "regions.geojson",
    "affiliations.csv",
    "map.png",
    "map.svg",
    "report.html",
    "report.md",
    "report.csv",
    "schools.csv",
    "changes.md",
    "changes.csv",
    "compare.md",
    "compare.csv",
    "moves.csv",
    "frontier.csv",
    "frontier.md",
    "frontier.svg",
];

/// The hidden file beside `target` that this process writes first: `.NAME.tmp-PID`.
fn hidden_path(target: &Path, kind: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{kind}{}", std::process::id()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes one file atomically, refusing nothing (for single-file commands such as `import`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = &through_link(path, "--out")?;
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

    /// Every file under `dir` (hidden ones and the manifest too), with its bytes.
    fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        walk(dir, Path::new(""), &mut files);
        files
            .into_iter()
            .map(|r| {
                (
                    r.display().to_string(),
                    std::fs::read(dir.join(&r)).unwrap(),
                )
            })
            .collect()
    }

    fn set(names: &[&str], tag: &str) -> OutputSet {
        let mut s = OutputSet::new();
        for n in names {
            s.add(n, format!("{tag} {n}").into_bytes());
        }
        s
    }

    #[test]
    fn a_commit_replaces_the_whole_set_and_refuses_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        set(&["a.txt", "b.txt", "sub/c.txt"], "one")
            .commit(&out, &[])
            .unwrap();
        // A second run without b.txt: the folder holds exactly its files (and the manifest).
        set(&["a.txt", "sub/d.txt"], "two")
            .commit(&out, &[])
            .unwrap();
        let names: Vec<String> = contents(&out).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [MANIFEST, "a.txt", "sub/d.txt"]);
        // Nothing is left beside the folder either.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Inputs: the folder itself, a file in it, a folder around it.
        for input in [out.clone(), out.join("a.txt"), dir.path().to_path_buf()] {
            let err = set(&["a.txt"], "three")
                .commit(&out, std::slice::from_ref(&input))
                .unwrap_err()
                .to_string();
            assert!(err.contains("an input of this run"), "{input:?}: {err}");
        }
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"two a.txt");
    }

    #[test]
    fn a_folder_holding_the_users_own_files_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let err = set(&["a.txt"], "one")
            .commit(dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("did not write") && err.contains("notes.txt"),
            "{err}"
        );
        assert_eq!(contents(dir.path()).len(), 1);
        // A folder of an earlier version (outputs by name, no manifest) is taken over.
        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("plan.json"), b"{}").unwrap();
        std::fs::write(old.join("regions.geojson"), b"{}").unwrap();
        set(&["plan.json"], "new").commit(&old, &[]).unwrap();
        let names: Vec<String> = contents(&old).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [MANIFEST, "plan.json"],
            "the stale regions.geojson is gone"
        );
    }

    #[test]
    fn a_link_is_written_through_and_a_link_to_nowhere_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        set(&["a.txt"], "one").commit(&target, &[]).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("target", &link).unwrap();
        set(&["b.txt"], "two").commit(&link, &[]).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        let names: Vec<String> = contents(&target).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [MANIFEST, "b.txt"]);
        // A link over an input is the input.
        let err = check_out(&link, std::slice::from_ref(&target))
            .unwrap_err()
            .to_string();
        assert!(err.contains("an input of this run"), "{err}");
        let nowhere = dir.path().join("nowhere");
        std::os::unix::fs::symlink("missing", &nowhere).unwrap();
        for e in [
            check_out(&nowhere, &[]).unwrap_err(),
            write_atomic(&nowhere, b"x").unwrap_err(),
        ] {
            assert!(e.to_string().contains("symbolic link to missing"), "{e}");
        }
        assert!(!dir.path().join("missing").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_previous_set() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        set(&["a.txt", "b.txt", "c.txt"], "first")
            .commit_with(&out, &[], &Faults::default())
            .unwrap();
        let before = contents(&out);
        let second = set(&["a.txt", "b.txt", "c.txt", "d.txt"], "second");
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
                    .commit_with(&out, &[], &faults)
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.contains("injected") && err.contains("as it was"),
                    "{err}"
                );
                assert_eq!(contents(&out), before, "{faults:?}");
                assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
            }
        }
        second.commit_with(&out, &[], &Faults::default()).unwrap();
        assert_eq!(contents(&out).len(), 5);
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"second a.txt");
    }

    #[test]
    fn a_failed_first_run_leaves_no_folder_and_killed_runs_are_undone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/deeper");
        let one = set(&["a.txt", "sub/b.txt"], "one");
        let faults = Faults {
            fail_rename: Some("sub/b.txt".into()),
            ..Faults::default()
        };
        assert!(one.commit_with(&out, &[], &faults).is_err());
        assert!(!dir.path().join("new").exists());

        // A run killed between moving the old set aside and putting the new one in place (a process id
        // that cannot be running): the old set comes back, the half-written new one goes.
        one.commit(&out, &[]).unwrap();
        let parent = dir.path().join("new");
        std::fs::rename(&out, parent.join(".deeper.old-4294967295")).unwrap();
        std::fs::create_dir(parent.join(".deeper.new-4294967295")).unwrap();
        std::fs::write(parent.join(".deeper.new-4294967295/a.txt"), b"partial").unwrap();
        recover(&parent, "deeper");
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"one a.txt");
        assert_eq!(std::fs::read_dir(&parent).unwrap().count(), 1);
    }
}
