//! `schoolnets serve`: the plan editor in a browser.
//!
//! A small HTTP server (tiny_http parses HTTP; nothing here does) on 127.0.0.1 unless `--host` says
//! otherwise. Requests are handled one at a time on one [`Editor`], so two tabs see one plan and no two
//! edits interleave. The page (`serve.html`) is compiled into the binary with every script and style in
//! it, so it works offline. After every change the steps and locks are written to a draft beside the
//! output folder (`.NAME.draft.json`), so a server killed at any moment loses nothing it had been told;
//! on start it says when a draft exists, and the page offers to restore it. The JSON API the page uses is
//! listed in the README ("Editing a plan").

use super::*;
use clap::Args;
use schoolnets::editor::{Draft, Editor, Refused};
use schoolnets::error::Result;
use schoolnets::folder::{self, PlanFolder};
use schoolnets::inputs::Inputs;
use schoolnets::output::OutputSet;
use schoolnets::plan_file::PlanFile;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The page, with its script and style.
const PAGE: &str = include_str!("serve.html");

/// Largest request body accepted (a move is under 100 bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Args)]
pub struct ServeArgs {
    /// The plan to edit: a folder written by `plan` (or its plan.json). Default: the plan `plan` draws from
    /// the inputs below (the built-in LAUSD table and default scenario unless given).
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, value_name = "N", default_value_t = 8321, value_parser = super::whole::<u16>)]
    pub port: u16,
    /// Address to listen on. Default 127.0.0.1: only this computer can open the editor. Give 0.0.0.0 to let
    /// others on the network edit the plan (anyone who can reach the port can).
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub host: String,
    /// Where Save writes the edited plan folder (the same files `plan` writes, plan.json recording the
    /// moves and locks). Checked before the server starts.
    #[arg(long, value_name = "DIR", default_value = "out-edited")]
    pub out: PathBuf,
    /// Drop the autosaved draft beside --out (`.NAME.draft.json`) at start, whatever plan it was made on,
    /// instead of offering to restore it (or refusing to start when it was made on another plan).
    #[arg(long)]
    pub discard_draft: bool,
    /// An ensemble of the plan (`schoolnets ensemble --out DIR`): the page then shows where the plan as
    /// edited falls among its valid plans (each figure's percentile, after every move) and the firmness
    /// map of the plan it was drawn around.
    #[arg(long, value_name = "DIR")]
    pub ensemble: Option<PathBuf>,
    #[command(flatten)]
    pub map: MapArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: ServeArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let options = a.map.options()?;
    let mut input_files = a.input.paths().files();
    if let Some(p) = &a.plan {
        input_files.extend([p.clone(), PlanFolder::json_of(p)]);
    }
    input_files.extend(a.ensemble.iter().cloned());
    schoolnets::output::check_out(&a.out, &input_files)?;
    // The draft is written beside --out after every change: with no folder to write it into, a server
    // killed later would lose every edit.
    let parent = match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Output(format!(
            "the folder {} that --out {} is in does not exist: the editor's draft (written there after every change) and the saved plan would have nowhere to go. Create it first (mkdir -p {}), or give --out a folder in an existing one",
            parent.display(),
            a.out.display(),
            parent.display()
        )));
    }
    // One server per --out: two would overwrite each other's drafts and saves.
    let _lock = OutLock::take(&lock_path(&a.out), &a.out, a.run.quiet)?;
    let (inputs, start, from) = open_plan(a.plan.as_deref(), &a.input, a.run.quiet, "edit")?;
    let input_files = inputs.files(&input_files);
    schoolnets::output::check_out(&a.out, &input_files)?;
    let ensemble = match &a.ensemble {
        Some(dir) => {
            let e = folder::read_ensemble(dir)?;
            e.check_table(&start, &from)?;
            let sha = a
                .plan
                .as_ref()
                .and_then(|p| std::fs::read(PlanFolder::json_of(p)).ok())
                .map(|b| plans::sha256_hex(&b));
            if !a.run.quiet && (sha.is_none() || sha != e.plan_sha256) {
                eprintln!(
                    "note: the ensemble in {} was drawn around {}, not the plan edited here; its percentiles still place this plan among its valid plans",
                    dir.display(),
                    e.from
                );
            }
            let start_place = e.place(&start.networks, &start.dissimilarity_index);
            Some((e, start_place))
        }
        None => None,
    };
    let editor = Editor::new(inputs.plan_inputs(Vec::new(), true), &start, &from)?;
    let (start_fills, start_labels, start_outlines) = start_map(&editor, &inputs, &options);
    // Networks keep the colours of the starting plan's map, whatever the edits do to which networks border
    // which: on the page, in the snapshot and in the folder Save writes.
    let options = maps::MapOptions {
        kept_fills: start_fills,
        ..options
    };
    let draft_path = draft_path(&a.out);
    let (pending, versions) = pending_draft(&draft_path, &editor, &a, &from)?;
    let server = tiny_http::Server::http((a.host.as_str(), a.port)).map_err(|e| {
        let in_use = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::AddrInUse);
        let fix = if in_use {
            "give another --port (or --port 0 for any free one)"
        } else {
            "give --host an address of this machine, such as 127.0.0.1 (the default) or ::1"
        };
        Error::Usage(format!(
            "cannot listen on {}:{}: {e}; {fix}",
            a.host, a.port
        ))
    })?;
    let address = server
        .server_addr()
        .to_ip()
        .map_or_else(|| format!("{}:{}", a.host, a.port), |s| s.to_string());
    // The address comes last: a script (or a test) reads up to it.
    println!("schoolnets serve: editing {from}");
    if let Some(d) = &pending {
        println!(
            "an autosaved draft of {} from an earlier session exists ({}): the page offers to restore it",
            schoolnets::text::count(d.steps.len() as f64, "steps"),
            draft_path.display()
        );
    }
    if !versions.is_empty() {
        println!(
            "{} kept from an earlier session ({}): the page lists them",
            schoolnets::text::count(versions.len() as f64, "named versions"),
            draft_path.display()
        );
    }
    let loopback = is_loopback(&a.host);
    if loopback {
        println!(
            "listening on this computer only ({address}); --host 0.0.0.0 shares it on the network"
        );
    } else {
        println!("listening on {address}: anyone who can reach this port can edit the plan");
    }
    println!(
        "open http://{address}/ in a browser (Ctrl-C stops; Save writes {})",
        a.out.display()
    );
    let mut state = State {
        editor,
        inputs: &inputs,
        options,
        out: a.out.clone(),
        input_files,
        draft_path,
        pending,
        second: None,
        quiet: a.run.quiet,
        loopback,
        version: 0,
        ensemble,
        start_labels,
        start_outlines,
        maps: std::collections::VecDeque::new(),
        outline_for_maps: None,
        drawn: Drawn::default(),
        shapes: maps::svg::ShapeCache::default(),
        versions,
        start_assignment: start.assignment.clone(),
    };
    for (request, body) in bodies_read_apart(server) {
        state.handle(request, body);
    }
    Ok(schoolnets::error::exit::OK)
}

/// Whether `host` is this computer only: `localhost`, or any loopback address (127.0.0.0/8, `::1`).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Most request bodies being read at once. A client that declares a body and sends it slowly holds one
/// reader, not the editor; past this many, new requests with a body are turned away (503) at once.
const MAX_READERS: usize = 16;

/// What a request's body came to.
enum Body {
    /// A GET (or another method without a body read).
    None,
    /// The bytes, at most [`MAX_BODY_BYTES`] + 1.
    Read(Vec<u8>),
    /// The connection failed while it was read.
    Unreadable,
}

/// The server's requests, each with its body read on a thread of its own, in the order the bodies
/// complete: the editor handles one request at a time, and tiny_http has no read timeout, so a slow or
/// stalled client must never be the one the editor waits on.
fn bodies_read_apart(
    server: tiny_http::Server,
) -> std::sync::mpsc::Receiver<(tiny_http::Request, Body)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (tx, rx) = std::sync::mpsc::channel();
    let reading = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            if *request.method() != tiny_http::Method::Post {
                if tx.send((request, Body::None)).is_err() {
                    return;
                }
                continue;
            }
            if reading.fetch_add(1, Ordering::SeqCst) >= MAX_READERS {
                reading.fetch_sub(1, Ordering::SeqCst);
                let reply = Reply::error(
                    503,
                    "too many requests are still sending their bodies; try again",
                );
                let _ = request.respond(
                    tiny_http::Response::from_data(reply.body).with_status_code(reply.status),
                );
                continue;
            }
            let (tx, reading) = (tx.clone(), Arc::clone(&reading));
            std::thread::spawn(move || {
                let mut body = Vec::new();
                let read = request
                    .as_reader()
                    .take(MAX_BODY_BYTES as u64 + 1)
                    .read_to_end(&mut body);
                reading.fetch_sub(1, Ordering::SeqCst);
                let body = if read.is_ok() {
                    Body::Read(body)
                } else {
                    Body::Unreadable
                };
                let _ = tx.send((request, body));
            });
        }
    });
    rx
}

/// The draft beside the output folder: `.NAME.draft.json` in its parent.
fn draft_path(out: &Path) -> PathBuf {
    beside(out, "draft.json")
}

/// The lock that keeps a second server off one --out: `.NAME.lock` beside the draft.
fn lock_path(out: &Path) -> PathBuf {
    beside(out, "lock")
}

/// `.NAME.SUFFIX` in the output folder's parent.
fn beside(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or("out-edited".into(), |n| n.to_string_lossy().to_string());
    out.parent()
        .unwrap_or(Path::new(""))
        .join(format!(".{name}.{suffix}"))
}

/// A lock file held while a server edits into one --out: created only when absent (`create_new`), holding
/// the server's process id, removed when the server stops (on return, on Ctrl-C and on SIGTERM). A lock
/// whose process is gone (a server killed with SIGKILL) is taken over, with a note.
struct OutLock {
    path: PathBuf,
}

impl OutLock {
    fn take(path: &Path, out: &Path, quiet: bool) -> Result<OutLock> {
        use std::io::Write;
        for attempt in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    remove_on_signal(path);
                    return Ok(OutLock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt == 0 => {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    let pid: Option<u32> = text.trim().parse().ok();
                    if let Some(pid) = pid.filter(|&p| alive(p)) {
                        return Err(Error::Output(format!(
                            "another `schoolnets serve` (process {pid}) is editing with --out {}: the two would overwrite each other's drafts and saves. Give this one another --out, or stop that one first (if no such server runs, delete {})",
                            out.display(),
                            path.display()
                        )));
                    }
                    if !quiet {
                        eprintln!(
                            "note: {} was left by a server that is no longer running ({}); taken over",
                            path.display(),
                            pid.map_or("no process id in it".to_string(), |p| format!(
                                "process {p}"
                            ))
                        );
                    }
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => {
                    return Err(Error::Output(format!(
                        "cannot create the lock {} that keeps a second server off --out {}: {e}",
                        path.display(),
                        out.display()
                    )))
                }
            }
        }
        Err(Error::Output(format!(
            "another `schoolnets serve` took the lock {} for --out {} as this one started: give this one another --out",
            path.display(),
            out.display()
        )))
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` is running (a zombie is not); where that cannot be told, it is taken as running.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            // The state follows the command name in parentheses: Z (zombie) and X (dead) are gone.
            let state = stat.rsplit_once(") ").and_then(|(_, r)| r.chars().next());
            !matches!(state, Some('Z' | 'X'))
        })
    } else {
        true
    }
}

/// The lock file to remove when the server is stopped by Ctrl-C or SIGTERM (it never returns otherwise).
#[cfg(target_os = "linux")]
static LOCK_TO_REMOVE: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();

#[cfg(target_os = "linux")]
extern "C" fn remove_lock_and_exit(signal: libc::c_int) {
    // Only async-signal-safe calls here: unlink and _exit.
    if let Some(path) = LOCK_TO_REMOVE.get() {
        unsafe { libc::unlink(path.as_ptr()) };
    }
    unsafe { libc::_exit(128 + signal) };
}

#[cfg(target_os = "linux")]
fn remove_on_signal(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(c) = std::ffi::CString::new(absolute.as_os_str().as_bytes()) {
        if LOCK_TO_REMOVE.set(c).is_ok() {
            let handler = remove_lock_and_exit as extern "C" fn(libc::c_int);
            unsafe {
                libc::signal(libc::SIGINT, handler as libc::sighandler_t);
                libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn remove_on_signal(_path: &Path) {}

/// The draft of an earlier session to offer, if there is one made on this plan. A draft that cannot be
/// read is kept aside (renamed `.corrupt`) and said; a draft made on another plan stops the server before
/// its first move would overwrite it, unless `--discard-draft`.
fn pending_draft(
    path: &Path,
    editor: &Editor,
    a: &ServeArgs,
    from: &str,
) -> Result<(Option<Draft>, Versions)> {
    if a.discard_draft {
        if path.exists() {
            std::fs::remove_file(path).map_err(|e| {
                Error::Output(format!("cannot delete the draft {}: {e}", path.display()))
            })?;
            if !a.run.quiet {
                eprintln!(
                    "note: the draft {} was discarded (--discard-draft)",
                    path.display()
                );
            }
        }
        return Ok((None, Versions::new()));
    }
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, Versions::new())),
        Err(e) => {
            return Err(Error::Output(format!(
                "cannot read the draft {}: {e}; the editor would overwrite it at its first change. Give another --out, or --discard-draft to drop it",
                path.display()
            )))
        }
    };
    let DraftFile { draft, versions }: DraftFile = match serde_json::from_slice(&text) {
        Ok(d) => d,
        Err(e) => {
            let aside = (0..)
                .map(|n| {
                    let suffix = if n == 0 {
                        String::new()
                    } else {
                        format!(".{n}")
                    };
                    PathBuf::from(format!("{}.corrupt{suffix}", path.display()))
                })
                .find(|p| !p.exists())
                .expect("a free name");
            std::fs::rename(path, &aside).map_err(|e| {
                Error::Output(format!(
                    "the draft {} cannot be read and cannot be kept aside ({e}): move it away, or give another --out",
                    path.display()
                ))
            })?;
            // Said even with -q: an earlier session's edits are not where they were.
            println!(
                "the autosaved draft {} cannot be read ({e}): it is kept as {}, and editing starts from the plan",
                path.display(),
                aside.display()
            );
            return Ok((None, Versions::new()));
        }
    };
    if !editor.made_here(&draft) {
        if draft.steps.is_empty() && draft.locked_schools.is_empty() && versions.is_empty() {
            return Ok((None, Versions::new()));
        }
        return Err(Error::Output(format!(
            "the draft {} holds {}{} of editing made on another plan ({}), not on {from}: a change here would overwrite it. Open that plan to restore it, give this server another --out, or start it with --discard-draft to drop the draft",
            path.display(),
            steps(draft.steps.len()),
            if versions.is_empty() {
                String::new()
            } else {
                format!(" and {}", schoolnets::text::count(versions.len() as f64, "named versions"))
            },
            draft.from
        )));
    }
    // The named versions come back at once (each was made on this plan, as the draft was); the steps are
    // offered, to restore or discard.
    Ok((Some(draft).filter(|d| !d.steps.is_empty()), versions))
}

/// Named versions kept while editing: each one's steps and locks, and where each school is in it.
type Versions = BTreeMap<String, (Draft, BTreeMap<String, String>)>;

/// The draft file: the steps and locks (as [`Draft`]), and the named versions, so that a server restarted
/// on the same --out offers them again. A draft written before versions were kept has none.
#[derive(serde::Serialize, serde::Deserialize)]
struct DraftFile {
    #[serde(flatten)]
    draft: Draft,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    versions: Versions,
}

/// A reply: status, content type, body, and a file name when it is a download.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    download: Option<&'static str>,
}

impl Reply {
    fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
            download: None,
        }
    }

    /// The same JSON object with one field more.
    fn with_field(mut self, key: &str, value: &Value) -> Reply {
        let mut v: Value = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert(key.to_string(), value.clone());
            self.body = serde_json::to_vec(&v).unwrap_or_default();
        }
        self
    }

    fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "error": message.into() }))
    }
}

impl From<Refused> for Reply {
    fn from(r: Refused) -> Reply {
        match r {
            Refused::Unknown(m) => Reply::error(404, m),
            Refused::Conflict(m) => Reply::error(409, m),
            Refused::Invalid(m) => Reply::error(400, m),
        }
    }
}

/// The server's one editing state.
struct State<'a> {
    editor: Editor<'a>,
    inputs: &'a Inputs,
    options: maps::MapOptions,
    out: PathBuf,
    input_files: Vec<PathBuf>,
    draft_path: PathBuf,
    /// A draft from an earlier session, until restored or discarded.
    pending: Option<Draft>,
    /// A second plan side by side: its label and plan file.
    second: Option<(String, PlanFile)>,
    quiet: bool,
    /// Listening on this computer only.
    loopback: bool,
    /// Counts the changes, so that every open page can tell when another changed the plan.
    version: u64,
    /// An ensemble of the plan, with where the starting plan falls among it.
    ensemble: Option<(schoolnets::ensemble::Summary, schoolnets::ensemble::Placed)>,
    /// Each network's label point on the starting plan's map: kept while it stays well inside the
    /// network's territory.
    start_labels: Labels,
    /// Each network's territory on the starting plan's map (SVG path data, by network id): the page draws
    /// them over the plan as edited to compare with the start.
    start_outlines: BTreeMap<String, String>,
    /// The maps last drawn, by the version they show (the newest last, at most [`MAPS_KEPT`]): a page
    /// showing one of them is sent only what changed since (`/api/map-delta`).
    maps: std::collections::VecDeque<(u64, Vec<(String, String)>)>,
    /// The district outline simplified for maps, made once.
    outline_for_maps: Option<Option<schoolnets::geography::Outline>>,
    /// The territories of the last map drawn, so that the next draws only what changed.
    drawn: Drawn,
    /// The territories of the maps drawn (path data and label point), so that one a move left as it was
    /// is not drawn again.
    shapes: maps::svg::ShapeCache,
    /// Named versions saved while editing ("draft A"): each one's steps and locks, and where each school
    /// was in it; kept in the draft file.
    versions: Versions,
    /// Where each school is in the starting plan.
    start_assignment: BTreeMap<String, String>,
}

/// Longest name of a version, in characters.
const MAX_VERSION_NAME: usize = 60;

/// The territories of the last map drawn: the networks' with each school's network, and the regions' with
/// each school's region (a move within a region leaves them as they were); and the campuses' cells they are
/// merged from, made once (the schools do not move on the map).
#[derive(Default)]
struct Drawn {
    cells: Option<schoolnets::territories::Cells>,
    networks: Option<(Vec<usize>, schoolnets::territories::Territories)>,
    regions: Option<(Vec<usize>, schoolnets::territories::Territories)>,
}

/// The map of a plan, as `maps::Map::new` makes it, drawing again only the territories of networks whose
/// schools changed since the map in `cache` (and of regions whose schools changed); the territories drawn
/// are kept there for the next map. The neighbours of networks are those of the first map (they only choose
/// colours, which the editor keeps from the starting plan).
fn quick_map<'p>(
    plan: &'p schoolnets::plans::Plan,
    table: &'p schoolnets::schools::SchoolTable,
    outline: Option<&schoolnets::geography::Outline>,
    options: maps::MapOptions,
    cache: &mut Drawn,
) -> maps::Map<'p> {
    use schoolnets::territories::{Cells, Site, Territories};
    let sites = maps::Map::sites(plan, table);
    let cells = cache
        .cells
        .get_or_insert_with(|| Cells::new(&sites, outline));
    // Drawn again: only the territories whose sites changed since the last map.
    let draw = |kept: &Option<(Vec<usize>, Territories)>, sites: &[Site], k: usize| {
        let now: Vec<usize> = sites.iter().map(|s| s.network).collect();
        let t = match kept {
            Some((drawn, old)) if drawn.len() == now.len() && old.networks.len() == k => {
                let changed = drawn
                    .iter()
                    .zip(&now)
                    .filter(|(a, b)| a != b)
                    .flat_map(|(&a, &b)| [a, b])
                    .collect();
                cells.redraw(old, sites, &changed)
            }
            _ => cells.territories(sites, k),
        };
        (now, t)
    };
    // The networks' and the regions' territories side by side.
    let region_sites = maps::Map::region_of(plan).map(|of| {
        let count = plan.file.regions.as_ref().map_or(0, |r| r.regions.len());
        (maps::Map::region_sites(&sites, &of), count)
    });
    let ((now, networks), regions) = rayon::join(
        || draw(&cache.networks, &sites, plan.file.networks.len()),
        || {
            region_sites
                .as_ref()
                .map(|(sites, count)| draw(&cache.regions, sites, *count))
        },
    );
    cache.networks = Some((now, networks.clone()));
    let regions = regions.map(|(now, t)| {
        cache.regions = Some((now, t.clone()));
        t
    });
    maps::Map::with_territories(plan, table, networks, regions, options)
}

/// How many drawn maps are kept for `/api/map-delta`.
const MAPS_KEPT: usize = 8;

/// A map's SVG as keyed pieces, in order: each network's territory (`n:ID`), region's territory (`r:ID`),
/// school (`s:ID`) and label (`l:ID`, its name `ln:ID`) on a line of its own; every other group whole
/// (`g:CLASS`); any other element by its place among them (`t:N`); the lines that open and close the keyed
/// groups as they are (`open:…`, `close:…`). Two maps with the same keys in the same order differ only in pieces the page can replace.
fn pieces(svg: &str) -> Vec<(String, String)> {
    const KEYED: [&str; 4] = ["territories", "regions", "schools", "labels"];
    let mut out: Vec<(String, String)> = Vec::new();
    let mut group: Option<(String, String, usize)> = None; // (class, text, depth) of a group taken whole
    let mut keyed: Option<String> = None;
    let mut top = 0;
    for line in svg.lines() {
        if line.starts_with("<svg") || line == "</svg>" {
            out.push((format!("root:{}", out.len()), line.to_string()));
            continue;
        }
        if let Some((class, text, depth)) = &mut group {
            text.push('\n');
            text.push_str(line);
            if line.starts_with("<g") && !line.ends_with("</g>") {
                *depth += 1;
            } else if line.starts_with("</g>") {
                *depth -= 1;
                if *depth == 0 {
                    out.push((format!("g:{class}"), std::mem::take(text)));
                    group = None;
                }
            }
            continue;
        }
        if let Some(class) = &keyed {
            if line.starts_with("</g>") {
                out.push((format!("close:{class}"), line.to_string()));
                keyed = None;
                continue;
            }
            let key = match class.as_str() {
                "schools" => attr(line, "data-school").map(|id| format!("s:{id}")),
                "territories" if line.starts_with("<path class=\"network\"") => {
                    attr(line, "data-network").map(|id| format!("n:{id}"))
                }
                "regions" => attr(line, "data-region").map(|id| format!("r:{id}")),
                "labels" => attr(line, "data-network").map(|id| {
                    if line.starts_with("<text class=\"name\"") {
                        format!("ln:{id}")
                    } else {
                        format!("l:{id}")
                    }
                }),
                _ => None,
            };
            out.push((
                key.unwrap_or_else(|| format!("x:{}", out.len())),
                line.to_string(),
            ));
            continue;
        }
        let class = line
            .starts_with("<g ")
            .then(|| attr(line, "class"))
            .flatten()
            .map(str::to_string);
        match class {
            Some(c) if KEYED.contains(&c.as_str()) && !line.ends_with("</g>") => {
                out.push((format!("open:{c}"), line.to_string()));
                keyed = Some(c);
            }
            Some(c) if line.ends_with("</g>") => out.push((format!("g:{c}"), line.to_string())),
            Some(c) => group = Some((c, line.to_string(), 1)),
            None => {
                out.push((format!("t:{top}"), line.to_string()));
                top += 1;
            }
        }
    }
    out
}

/// What changed between two maps cut into [`pieces`]: the pieces that differ, or `None` when the maps
/// differ in their shape (a group added or gone) and the page must load the map whole.
fn map_delta(old: &[(String, String)], new: &[(String, String)]) -> Option<Vec<Value>> {
    if old.len() != new.len() || old.iter().zip(new).any(|(a, b)| a.0 != b.0) {
        return None;
    }
    let mut out = Vec::new();
    for ((key, a), (_, b)) in old.iter().zip(new) {
        if a != b {
            if !["n:", "r:", "s:", "l:", "ln:", "g:", "t:"]
                .iter()
                .any(|p| key.starts_with(p))
            {
                return None;
            }
            out.push(json!({ "key": key, "svg": b }));
        }
    }
    Some(out)
}

/// The starting plan's map: each network's fill (when the map colours networks apart, not by a figure)
/// and label point, which the maps of the edited plan keep, and each network's territory.
fn start_map(
    editor: &Editor,
    inputs: &Inputs,
    options: &maps::MapOptions,
) -> (Option<Vec<&'static str>>, Labels, BTreeMap<String, String>) {
    let map = maps::Map::new(
        editor.plan(),
        inputs.table(),
        inputs.outline(),
        options.clone(),
    );
    let fills = (options.colour_by == maps::ColourBy::Networks).then(|| map.fills.fills.clone());
    let svg = maps::svg::svg(&map);
    let labels = label_points(&svg);
    let outlines = svg
        .lines()
        .filter(|l| l.starts_with("<path class=\"network\""))
        .filter_map(|l| {
            Some((
                attr(l, "data-network")?.to_string(),
                attr(l, "d")?.to_string(),
            ))
        })
        .collect();
    (fills, labels, outlines)
}

/// Each network's label point on a map (px), by network id as the map writes it.
type Labels = BTreeMap<String, (f64, f64)>;

/// How far inside its territory (px) a network's label point from the starting plan must still be for the
/// label to stay there: nearer an edge, the label would cross into a neighbour and is placed anew.
const LABEL_CLEARANCE_PX: f64 = 10.0;

/// The value of attribute `name` in one line of SVG.
fn attr<'s>(line: &'s str, name: &str) -> Option<&'s str> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

/// Each network's label point on a map `maps::svg` drew: where its id's text is anchored (as written,
/// the id HTML-escaped, as in `data-network`).
fn label_points(svg: &str) -> Labels {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in svg.lines() {
        if line.starts_with("<g class=\"labels\"") {
            inside = true;
        } else if inside && line.starts_with("</g>") {
            break;
        } else if inside && line.starts_with("<text x=") {
            let x = attr(line, "x").and_then(|v| v.parse().ok());
            let y = attr(line, "y").and_then(|v| v.parse().ok());
            let id = line
                .split_once('>')
                .and_then(|(_, r)| r.strip_suffix("</text>"));
            if let (Some(x), Some(y), Some(id)) = (x, y, id) {
                out.insert(id.to_string(), (x, y));
            }
        }
    }
    out
}

/// The rings of an SVG path's data as `maps::svg` writes it (`M x yL x y…Z`, absolute, one ring per `Z`).
fn rings(d: &str) -> Vec<Vec<(f64, f64)>> {
    d.split('Z')
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            r.split(['M', 'L'])
                .filter_map(|p| {
                    let (x, y) = p.trim().split_once(' ')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect()
        })
        .collect()
}

/// How far (px) point (x, y) lies inside the rings (even-odd, as the map fills them); `None` outside.
fn depth(rings: &[Vec<(f64, f64)>], x: f64, y: f64) -> Option<f64> {
    let mut inside = false;
    let mut nearest = f64::INFINITY;
    for ring in rings {
        for (i, &(x1, y1)) in ring.iter().enumerate() {
            let (x0, y0) = ring[(i + ring.len() - 1) % ring.len()];
            if (y0 > y) != (y1 > y) && x < x0 + (y - y0) / (y1 - y0) * (x1 - x0) {
                inside = !inside;
            }
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((x - x0) * dx + (y - y0) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (px, py) = (x0 + t * dx - x, y0 + t * dy - y);
            nearest = nearest.min((px * px + py * py).sqrt());
        }
    }
    inside.then_some(nearest)
}

/// The map with each network's label where the starting plan's map put it, while that point is still
/// [`LABEL_CLEARANCE_PX`] inside the network's territory (a network whose shape changed so much that it
/// is not gets the label the map gives it now); every label carries `data-network`.
fn labels_kept(svg: &str, start: &Labels) -> String {
    let mut shapes: BTreeMap<&str, Vec<Vec<(f64, f64)>>> = BTreeMap::new();
    for line in svg.lines() {
        if line.starts_with("<path class=\"network\"") {
            if let (Some(id), Some(d)) = (attr(line, "data-network"), attr(line, "d")) {
                shapes.insert(id, rings(d));
            }
        }
    }
    let mut out = String::with_capacity(svg.len() + 4096);
    let mut inside = false;
    // The network of the last id label and how far its label moves.
    let mut last: Option<(String, f64, f64)> = None;
    let number = |line: &str, name: &str| attr(line, name).and_then(|v| v.parse::<f64>().ok());
    for line in svg.lines() {
        if line.starts_with("<g class=\"labels\"") {
            inside = true;
        } else if inside && line.starts_with("</g>") {
            inside = false;
        }
        let label = inside && line.starts_with("<text ");
        let (Some(x), Some(y)) = (number(line, "x"), number(line, "y")) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        if !label {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let rest = &line[line.find('>').unwrap_or(line.len())..];
        let is_name = line.starts_with("<text class=\"name\"");
        if !is_name {
            let id = rest
                .strip_prefix('>')
                .and_then(|r| r.strip_suffix("</text>"))
                .unwrap_or("")
                .to_string();
            let (dx, dy) = match (start.get(&id), shapes.get(id.as_str())) {
                (Some(&(sx, sy)), Some(r))
                    if depth(r, sx, sy).is_some_and(|d| d >= LABEL_CLEARANCE_PX) =>
                {
                    (sx - x, sy - y)
                }
                _ => (0.0, 0.0),
            };
            last = Some((id, dx, dy));
        }
        let Some((id, dx, dy)) = &last else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        // The attributes after x and y (the name's size and weight) are kept as they are.
        let after_y = {
            let key = " y=\"";
            let start = line.find(key).map_or(0, |i| i + key.len());
            let end = line[start..]
                .find('"')
                .map_or(line.len(), |e| start + e + 1);
            &line[end..]
        };
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "<text{} data-network=\"{id}\" x=\"{:.1}\" y=\"{:.1}\"{after_y}\n",
                if is_name { " class=\"name\"" } else { "" },
                x + dx,
                y + dy
            ),
        );
    }
    out
}

/// The paths the page reads (GET) and those that change the plan (POST). A path asked for with the other
/// method is answered 405 with the method it takes, not 404 as if it did not exist. `get` and `post` answer
/// only the paths listed, so a route left off its list does not work at all; a listed path their
/// `match` lacks answers "no page" / "no action", which the test of every route (tests/serve.rs, its own
/// copy of these lists, to add a route to) refuses.
const GET_ROUTES: [&str; 14] = [
    "/",
    "/index.html",
    "/api/state",
    "/api/version",
    "/api/snapshot.html",
    "/api/versions/compare",
    "/api/start-outlines",
    "/api/map.svg",
    "/api/map-delta",
    "/api/ensemble/firmness.svg",
    "/api/schools",
    "/api/school",
    "/api/plan.json",
    "/api/moves.csv",
];
const POST_ROUTES: [&str; 17] = [
    "/api/move",
    "/api/move-selected",
    "/api/versions/save",
    "/api/versions/open",
    "/api/barrier",
    "/api/undo",
    "/api/redo",
    "/api/lock",
    "/api/unlock",
    "/api/reoptimise",
    "/api/proposal/accept",
    "/api/proposal/discard",
    "/api/save",
    "/api/draft/restore",
    "/api/draft/discard",
    "/api/compare",
    "/api/compare/close",
];

impl State<'_> {
    fn handle(&mut self, request: tiny_http::Request, body: Body) {
        let method = request.method().clone();
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        // On this computer only, a page of another site must not reach the editor through a name that
        // resolves here (DNS rebinding): the Host must be this computer.
        let host_ok = !self.loopback
            || request.headers().iter().any(|h| {
                h.field.equiv("Host") && {
                    let v = h.value.as_str();
                    // A port follows the last ':' unless the name is a bracketed IPv6 address.
                    let name = match v.rsplit_once(':') {
                        Some((n, port)) if !port.ends_with(']') => n,
                        _ => v,
                    };
                    is_loopback(name)
                }
            });
        // The method the path takes, when it was asked for with the other one.
        let takes = match method {
            tiny_http::Method::Get => {
                (!GET_ROUTES.contains(&path) && POST_ROUTES.contains(&path)).then_some("POST")
            }
            tiny_http::Method::Post => {
                (!POST_ROUTES.contains(&path) && GET_ROUTES.contains(&path)).then_some("GET")
            }
            _ => None,
        };
        let reply = if !host_ok {
            Reply::error(
                403,
                "the editor answers only to http://127.0.0.1 or http://localhost",
            )
        } else if let Some(takes) = takes {
            Reply::error(
                405,
                format!("{path} takes {takes}, not {method}: GET reads, POST changes"),
            )
        } else if method == tiny_http::Method::Post {
            let json_body = request.headers().iter().any(|h| {
                h.field.equiv("Content-Type") && h.value.as_str().starts_with("application/json")
            });
            match body {
                Body::None | Body::Unreadable => {
                    Reply::error(400, "the request body could not be read")
                }
                Body::Read(body) if body.len() > MAX_BODY_BYTES => Reply::error(
                    413,
                    format!("the request body is over {MAX_BODY_BYTES} bytes"),
                ),
                Body::Read(_) if !json_body => Reply::error(
                    415,
                    "send the request body as JSON, with Content-Type: application/json",
                ),
                Body::Read(body) => {
                    let text = if body.iter().all(u8::is_ascii_whitespace) {
                        b"{}".to_vec()
                    } else {
                        body
                    };
                    match serde_json::from_slice::<Value>(&text) {
                        Ok(v) if v.is_object() => {
                            // Counted before the reply is built, so that the reply carries it; taken
                            // back when the request changed nothing.
                            self.version += 1;
                            let mut reply = self.post(path, &v);
                            if reply.status != 200 {
                                self.version -= 1;
                            } else if let Some(since) = v.get("since").and_then(Value::as_u64) {
                                // The page says which map it shows: the reply carries what changed
                                // in it, so a move is one round trip.
                                let delta = self.map_delta_since(since);
                                reply = reply.with_field("map", &delta);
                            }
                            reply
                        }
                        Ok(_) => Reply::error(400, "the request body must be a JSON object"),
                        Err(e) => {
                            Reply::error(400, format!("the request body is not valid JSON: {e}"))
                        }
                    }
                }
            }
        } else if method == tiny_http::Method::Get {
            self.get(path, query)
        } else {
            Reply::error(
                405,
                format!("{method} is not used here: GET reads, POST changes"),
            )
        };
        if !self.quiet && reply.status >= 400 {
            eprintln!("{method} {path}: {}", String::from_utf8_lossy(&reply.body));
        }
        let status = reply.status;
        let mut response = tiny_http::Response::from_data(reply.body)
            // Every reply is whole in memory: sent with its length, in one piece, not in chunks.
            .with_chunked_threshold(usize::MAX)
            .with_status_code(reply.status)
            .with_header(header("Content-Type", reply.content_type))
            .with_header(header("Cache-Control", "no-store"))
            // No other site may frame the editor and trick a click on Save (clickjacking), or sniff a
            // reply into another type.
            .with_header(header("X-Frame-Options", "DENY"))
            .with_header(header("Content-Security-Policy", "frame-ancestors 'none'"))
            .with_header(header("X-Content-Type-Options", "nosniff"))
            .with_header(header("Referrer-Policy", "no-referrer"));
        if status == 405 {
            response = response.with_header(header("Allow", takes.unwrap_or("GET, POST")));
        }
        if let Some(name) = reply.download {
            response = response.with_header(header(
                "Content-Disposition",
                &format!("attachment; filename=\"{name}\""),
            ));
        }
        let _ = request.respond(response);
        // A change answered, the map of the plan as it stands is drawn at once, while the page reads the
        // reply: its request for the map's delta then finds it drawn.
        if method == tiny_http::Method::Post && status == 200 {
            self.map_svg();
        }
    }

    fn get(&mut self, path: &str, query: &str) -> Reply {
        if !GET_ROUTES.contains(&path) {
            return Reply::error(404, format!("no page {path}"));
        }
        match path {
            "/" | "/index.html" => Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: PAGE.as_bytes().to_vec(),
                download: None,
            },
            "/api/state" => Reply::json(200, &self.state()),
            "/api/version" => Reply::json(200, &json!({ "version": self.version })),
            "/api/snapshot.html" => Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: self.snapshot().into_bytes(),
                download: Some("snapshot.html"),
            },
            "/api/versions/compare" => {
                let get = |k: &str| {
                    query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                        .map(percent_decode)
                };
                match (get("a"), get("b")) {
                    (Some(a), Some(b)) => self.compare_versions(&a, &b),
                    _ => Reply::error(
                        400,
                        "give two versions as /api/versions/compare?a=NAME&b=NAME (\"now\": the plan as it stands)",
                    ),
                }
            }
            "/api/start-outlines" => Reply::json(200, &json!(self.start_outlines)),
            "/api/map.svg" => Reply {
                status: 200,
                content_type: "image/svg+xml",
                // ?fresh: drawn whole from the plan, nothing kept from earlier maps (to check them by).
                body: if query.split('&').any(|kv| kv == "fresh") {
                    self.fresh_svg()
                } else {
                    self.map_svg()
                }
                .into_bytes(),
                download: None,
            },
            "/api/map-delta" => {
                let since = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("since="))
                    .and_then(|v| v.parse::<u64>().ok());
                let Some(since) = since else {
                    return Reply::error(
                        400,
                        "give the version the page shows as /api/map-delta?since=N",
                    );
                };
                Reply::json(200, &self.map_delta_since(since))
            }
            "/api/ensemble/firmness.svg" => match self
                .ensemble
                .as_ref()
                .and_then(|(e, _)| e.firmness_svg.clone())
            {
                Some(svg) => Reply {
                    status: 200,
                    content_type: "image/svg+xml",
                    body: svg.into_bytes(),
                    download: None,
                },
                None => Reply::error(
                    404,
                    "no ensemble with a firmness map was given (serve --ensemble DIR)",
                ),
            },
            "/api/schools" => Reply::json(
                200,
                &Value::Array(
                    self.inputs
                        .table()
                        .schools
                        .iter()
                        .map(|sc| {
                            json!({
                                "id": sc.id,
                                "name": sc.name,
                                "level": sc.level.as_str(),
                                "lat": sc.lat,
                                "lon": sc.lon,
                            })
                        })
                        .collect(),
                ),
            ),
            "/api/school" => {
                let id = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("id="))
                    .map(percent_decode);
                match id {
                    Some(id) => match self.editor.school_view(&id) {
                        Ok(v) => Reply::json(200, &json!(v)),
                        Err(e) => e.into(),
                    },
                    None => Reply::error(400, "give the school as /api/school?id=ID"),
                }
            }
            "/api/plan.json" => Reply {
                status: 200,
                content_type: "application/json",
                body: serde_json::to_vec_pretty(&self.editor.plan_file()).unwrap_or_default(),
                download: Some("plan.json"),
            },
            "/api/moves.csv" => Reply {
                status: 200,
                content_type: "text/csv; charset=utf-8",
                body: self.editor.moves_csv(),
                download: Some("moves.csv"),
            },
            _ => Reply::error(404, format!("no page {path}")),
        }
    }

    fn post(&mut self, path: &str, body: &Value) -> Reply {
        if !POST_ROUTES.contains(&path) {
            return Reply::error(404, format!("no action {path}"));
        }
        // An earlier session's draft is overwritten by the next change's autosave (and deleted by Save):
        // it is restored or discarded first.
        const WRITE_DRAFT: [&str; 12] = [
            "/api/move",
            "/api/versions/save",
            "/api/barrier",
            "/api/versions/open",
            "/api/move-selected",
            "/api/undo",
            "/api/redo",
            "/api/lock",
            "/api/unlock",
            "/api/proposal/accept",
            "/api/proposal/discard",
            "/api/save",
        ];
        if let (Some(d), true) = (&self.pending, WRITE_DRAFT.contains(&path)) {
            return Reply::error(
                409,
                format!(
                    "an autosaved draft of {} from an earlier session is waiting ({}): restore or discard it first, or this change would overwrite it",
                    steps(d.steps.len()),
                    self.draft_path.display()
                ),
            );
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        let done = |r: std::result::Result<(), Refused>, s: &mut Self| match r {
            Ok(()) => {
                s.autosave();
                Reply::json(200, &s.state())
            }
            Err(e) => e.into(),
        };
        match path {
            "/api/move" => match (text("school"), text("to")) {
                (Some(school), Some(to)) => {
                    let confirmed = body.get("confirmed").and_then(Value::as_bool) == Some(true);
                    if let Some(why) = self.not_bordering(&school, &to).filter(|_| !confirmed) {
                        return Reply::error(409, why);
                    }
                    let r = self.editor.move_school(&school, &to);
                    done(r, self)
                }
                _ => Reply::error(400, r#"give {"school": ID, "to": NETWORK}"#),
            },
            "/api/move-selected" => {
                let ids: Option<Vec<String>> =
                    body.get("schools").and_then(Value::as_array).map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    });
                let n = body
                    .get("schools")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                match (ids, text("to")) {
                    (Some(ids), Some(to)) if !ids.is_empty() && ids.len() == n => {
                        let confirmed =
                            body.get("confirmed").and_then(Value::as_bool) == Some(true);
                        match self.editor.cut_off_from(&ids, &to) {
                            Err(e) => e.into(),
                            Ok(cut) if !cut.is_empty() && !confirmed => Reply::error(
                                409,
                                format!(
                                    "{} {} not border {} (nor {} it through the other schools selected): moved there, {to} would be in separate pieces. Send {{\"confirmed\": true}} once the planner has confirmed the move.",
                                    schoolnets::text::first_of(&cut, 5),
                                    if cut.len() == 1 { "does" } else { "do" },
                                    self.editor.network_title(&to),
                                    if cut.len() == 1 { "reaches" } else { "reach" },
                                ),
                            ),
                            Ok(_) => {
                                let r = self.editor.move_schools(&ids, &to);
                                done(r, self)
                            }
                        }
                    }
                    _ => Reply::error(
                        400,
                        r#"give {"schools": [ID, ...], "to": NETWORK}: at least one school id, each as text"#,
                    ),
                }
            }
            "/api/versions/save" => match text("name").map(|n| n.trim().to_string()) {
                Some(name)
                    if !name.is_empty()
                        && name.chars().count() <= MAX_VERSION_NAME
                        && name != "now" =>
                {
                    let assignment = self.editor.plan().file.assignment.clone();
                    let replaced = self
                        .versions
                        .insert(name.clone(), (self.editor.draft(), assignment))
                        .is_some();
                    self.editor.say(format!(
                        "{} the plan as it stands as the version \u{201c}{name}\u{201d}",
                        if replaced { "Saved again" } else { "Saved" }
                    ));
                    self.autosave();
                    Reply::json(200, &self.state())
                }
                _ => Reply::error(
                    400,
                    format!(
                        r#"give {{"name": NAME}}: a name of 1 to {MAX_VERSION_NAME} characters (not "now", which means the plan as it stands)"#
                    ),
                ),
            },
            "/api/versions/open" => match text("name") {
                Some(name) => match self.versions.get(&name).cloned() {
                    Some((draft, _)) => {
                        while self.editor.undo().is_ok() {}
                        let r = self.editor.restore(&draft);
                        if r.is_ok() {
                            self.editor.say(format!(
                                "Opened the version \u{201c}{name}\u{201d} ({})",
                                steps(draft.steps.len())
                            ));
                        }
                        done(r, self)
                    }
                    None => Reply::error(
                        404,
                        format!("no version {name:?}: {}", self.version_names()),
                    ),
                },
                None => Reply::error(400, r#"give {"name": NAME}"#),
            },
            "/api/barrier" => match drawn_barriers(body) {
                Ok(lines) => {
                    let r = self.editor.draw_barriers(lines, text("from").as_deref());
                    done(r, self)
                }
                Err(why) => Reply::error(400, why),
            },
            "/api/undo" => {
                let r = self.editor.undo();
                done(r, self)
            }
            "/api/redo" => {
                let r = self.editor.redo();
                done(r, self)
            }
            "/api/lock" | "/api/unlock" => {
                let on = path == "/api/lock";
                let r = match (text("school"), text("network")) {
                    (Some(s), None) => self.editor.lock_school(&s, on),
                    (None, Some(n)) => self.editor.lock_network(&n, on),
                    _ => return Reply::error(400, r#"give {"school": ID} or {"network": ID}"#),
                };
                done(r, self)
            }
            "/api/reoptimise" => {
                let started = std::time::Instant::now();
                let changes = self.editor.reoptimise(&|| {}).changes.len();
                if !self.quiet {
                    eprintln!(
                        "re-optimised around the locks in {:.1} s: {changes} schools would change network",
                        started.elapsed().as_secs_f64()
                    );
                }
                Reply::json(200, &self.state())
            }
            "/api/proposal/accept" => {
                let r = self.editor.accept();
                done(r, self)
            }
            "/api/proposal/discard" => {
                let r = self.editor.discard();
                done(r, self)
            }
            "/api/save" => {
                let confirmed = body.get("confirmed").and_then(Value::as_bool) == Some(true);
                self.save(confirmed)
            }
            "/api/draft/restore" => match self.pending.take() {
                Some(d) => {
                    let r = self.editor.restore(&d);
                    done(r, self)
                }
                None => Reply::error(409, "there is no draft to restore"),
            },
            "/api/draft/discard" => match self.pending.take() {
                Some(_) => {
                    self.drop_draft_steps();
                    self.editor.say("Discarded the draft");
                    Reply::json(200, &self.state())
                }
                None => Reply::error(409, "there is no draft to discard"),
            },
            "/api/compare" => match (text("scenario"), text("plan")) {
                (Some(name), None) => self.compare_scenario(&name),
                (None, Some(folder)) => match PlanFolder::read(Path::new(&folder)) {
                    // A plan of another district (or table) would show "0 schools differ": the same
                    // check as `compare` and `rebalance`.
                    Ok(f) => match schoolnets::rebalance::check_same_district(
                        &f.file,
                        &folder,
                        self.inputs.table(),
                    ) {
                        Err(e) => Reply::error(409, e.to_string()),
                        Ok(()) => {
                            self.editor.say(format!("Opened {} side by side", f.label));
                            self.second = Some((f.label, f.file));
                            Reply::json(200, &self.state())
                        }
                    },
                    Err(e) => Reply::error(404, e.to_string()),
                },
                _ => Reply::error(
                    400,
                    r#"give {"scenario": "feeder"} (a built-in design, drawn now) or {"plan": FOLDER}"#,
                ),
            },
            "/api/compare/close" => {
                self.second = None;
                self.editor.say("Closed the second plan");
                Reply::json(200, &self.state())
            }
            _ => Reply::error(404, format!("no action {path}")),
        }
    }

    /// Why moving `school` to network `to` asks first: its campus (or pathway) does not border `to`, so the
    /// network would be in separate pieces. `None` when it borders it, or when the school or network is
    /// unknown or the school is already there (the move itself says so).
    fn not_bordering(&self, school: &str, to: &str) -> Option<String> {
        let v = self.editor.school_view(school).ok()?;
        let known = self
            .editor
            .plan()
            .file
            .networks
            .iter()
            .any(|n| n.network == to);
        if !known || v.network == to || v.neighbouring_networks.iter().any(|n| n == to) {
            return None;
        }
        let near: Vec<String> = v
            .neighbouring_networks
            .iter()
            .map(|n| self.editor.network_title(n))
            .collect();
        Some(format!(
            "{}'s campus does not border {} (it borders {}): moved there, {to} would be in separate pieces. Drop it on a network it borders, or send {{\"confirmed\": true}} once the planner has confirmed the move.",
            v.name,
            self.editor.network_title(to),
            if near.is_empty() {
                "no other network".to_string()
            } else {
                near.join(", ")
            }
        ))
    }

    /// What changed in the map of the plan as it stands since the map of version `since` (drawing it when
    /// it is not drawn yet): `{"version", "full": false, "changes"}`, or `"full": true` when the page must
    /// load it whole (that version is no longer kept, or the map changed shape).
    fn map_delta_since(&mut self, since: u64) -> Value {
        self.map_svg();
        let (version, new) = self.maps.back().expect("drawn above");
        let delta = self
            .maps
            .iter()
            .find(|(v, _)| *v == since)
            .and_then(|(_, old)| map_delta(old, new));
        match delta {
            Some(changes) => json!({ "version": version, "full": false, "changes": changes }),
            None => json!({ "version": version, "full": true }),
        }
    }

    /// The map of the plan as it stands (drawn once per version, and kept for `/api/map-delta`).
    fn map_svg(&mut self) -> String {
        if let Some((v, pieces)) = self.maps.back() {
            if *v == self.version {
                return pieces
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n";
            }
        }
        let mut options = self.options.clone();
        options.highlight = self.differing();
        let plan = self.editor.plan();
        let outline = self
            .outline_for_maps
            .get_or_insert_with(|| self.inputs.outline().map(|o| o.for_maps().into_owned()));
        let map = quick_map(
            plan,
            self.inputs.table(),
            outline.as_ref(),
            options,
            &mut self.drawn,
        );
        let svg = labels_kept(
            &maps::svg::svg_with(&map, &mut self.shapes),
            &self.start_labels,
        );
        if self.maps.len() == MAPS_KEPT {
            self.maps.pop_front();
        }
        self.maps.push_back((self.version, pieces(&svg)));
        svg
    }

    /// The map of the plan as it stands drawn whole by `maps::Map::new`, nothing kept from earlier maps.
    fn fresh_svg(&self) -> String {
        let mut options = self.options.clone();
        options.highlight = self.differing();
        let map = maps::Map::new(
            self.editor.plan(),
            self.inputs.table(),
            self.inputs.outline(),
            options,
        );
        labels_kept(&maps::svg::svg(&map), &self.start_labels)
    }

    /// The versions' names, for a message.
    fn version_names(&self) -> String {
        if self.versions.is_empty() {
            "no version has been saved".to_string()
        } else {
            format!(
                "the versions are {}",
                self.versions
                    .keys()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// The schools in another network in version `b` than in version `a` ("now": the plan as it stands;
    /// "start": the starting plan).
    fn compare_versions(&self, a: &str, b: &str) -> Reply {
        let now = &self.editor.plan().file.assignment;
        let of = |name: &str| match name {
            "now" => Some(now),
            "start" => Some(&self.start_assignment),
            _ => self.versions.get(name).map(|(_, a)| a),
        };
        let (Some(x), Some(y)) = (of(a), of(b)) else {
            let missing = if of(a).is_none() { a } else { b };
            return Reply::error(
                404,
                format!(
                    "no version {missing:?}: {} (and \"now\", \"start\")",
                    self.version_names()
                ),
            );
        };
        let names: BTreeMap<&str, &str> = self
            .inputs
            .table()
            .schools
            .iter()
            .map(|s| (s.id.as_str(), s.name.as_str()))
            .collect();
        let differ: Vec<Value> = x
            .iter()
            .filter(|(id, n)| y.get(*id).is_some_and(|m| m != *n))
            .map(|(id, n)| {
                json!({
                    "school_id": id,
                    "school_name": names.get(id.as_str()).copied().unwrap_or(""),
                    "a": n,
                    "b": y[id],
                })
            })
            .collect();
        Reply::json(200, &json!({ "a": a, "b": b, "differ": differ }))
    }

    /// The plan as it stands as ONE self-contained HTML file to send to a board: what the snapshot is and
    /// every school moved since the start, then the plan's report as `report.html` gives it (the map inline,
    /// every rule in words, every network's figures) through the same content model. Nothing from outside
    /// the file (the one inline script only moves the map's tooltip): it opens anywhere, without the server.
    fn snapshot(&mut self) -> String {
        use schoolnets::reports::{html, model};
        let svg = self.map_svg();
        let view = self.editor.view();
        let title_of: BTreeMap<&str, String> = view
            .networks
            .iter()
            .map(|n| (n.network.as_str(), n.title()))
            .collect();
        let t = |id: &str| title_of.get(id).cloned().unwrap_or_else(|| id.to_string());
        // First what the page is and what changed; then the plan as report.html says it, map inline.
        let mut front = model::Section::new("A read-only snapshot of the plan as edited");
        front.blocks.push(model::Block::Paragraph(format!(
            "Taken in schoolnets serve, the editor. The start: {}.",
            view.start
        )));
        front.blocks.push(model::Block::Verdict(
            view.all_hold,
            if view.all_hold {
                "Every rule holds".to_string()
            } else {
                format!("Rules broken: {}", view.broken.join("; "))
            },
        ));
        if view.since_start.is_empty() {
            front.blocks.push(model::Block::Paragraph(
                "No school is in another network than at the start.".into(),
            ));
        } else {
            let mut changes = model::Table::new(
                format!(
                    "Changes since the start: {} in another network",
                    schoolnets::text::count(view.since_start.len() as f64, "schools")
                ),
                &["School", "From", "To"],
            );
            for c in &view.since_start {
                changes.row(vec![
                    model::Cell::text(c.school_name.clone()),
                    model::Cell::text(t(&c.from)),
                    model::Cell::text(t(&c.to)),
                ]);
            }
            front.table(changes);
        }
        // The plan with its edits recorded, as Save writes it (the report then says where it comes from);
        // barriers drawn are named as such, there being no file of them beside a snapshot.
        let (plan, _) = self
            .editor
            .saved("drawn in the editor (not written to a file)");
        let part = html::Part {
            label: String::new(),
            file: &plan.file,
            map_svg: Some(&svg),
            table: Some(self.inputs.table()),
        };
        html::page_with_front(
            &format!("{} (snapshot)", view.title),
            &self.options.date,
            Some(&model::html(&[front], 2)),
            &[part],
            None,
        )
    }

    /// Everything the page shows.
    fn state(&self) -> Value {
        let mut v = json!(self.editor.view());
        v["draft"] = match &self.pending {
            Some(d) => {
                json!({ "steps": d.steps.len(), "file": self.draft_path.display().to_string() })
            }
            None => Value::Null,
        };
        v["second"] = match &self.second {
            Some((label, _)) => {
                let (differing, shared) = self.second_changes();
                json!({ "label": label, "differing": differing, "shared": shared })
            }
            None => Value::Null,
        };
        v["versions"] = json!(self
            .versions
            .iter()
            .map(|(name, (d, a))| {
                let start = &self.start_assignment;
                json!({
                    "name": name,
                    "steps": d.steps.len(),
                    "moved": a.iter().filter(|(id, n)| start.get(*id) != Some(n)).count(),
                })
            })
            .collect::<Vec<_>>());
        v["out"] = json!(self.out.display().to_string());
        v["version"] = json!(self.version);
        v["ensemble"] = match &self.ensemble {
            Some((e, start)) => {
                let f = &self.editor.plan().file;
                let now = e.place(&f.networks, &f.dissimilarity_index);
                let round = |x: Option<f64>| x.map(|x| schoolnets::text::round(x, 1));
                json!({
                    "folder": e.folder,
                    "from": e.from,
                    "draws": e.draws(),
                    "slack_pct": e.slack_pct,
                    "firmness": e.firmness_svg.is_some(),
                    "figures": e.figures.iter().zip(&now).zip(start).map(|((fig, (v, p)), (v0, p0))| json!({
                        "title": fig.short,
                        "unit": fig.unit,
                        "value": round(*v),
                        "percentile": round(*p),
                        "start_value": round(*v0),
                        "start_percentile": round(*p0),
                    })).collect::<Vec<_>>(),
                })
            }
            None => Value::Null,
        };
        v
    }

    /// Schools in another network in the second plan (after matching networks), or none.
    fn differing(&self) -> Vec<String> {
        self.second_changes().0
    }

    /// Schools in another network in the second plan (after matching networks), and how many schools the
    /// two plans share (none: no second plan).
    fn second_changes(&self) -> (Vec<String>, usize) {
        let Some((label, file)) = &self.second else {
            return (Vec::new(), 0);
        };
        let current = self.editor.plan();
        let plans = [
            schoolnets::compare::Compared {
                label: "edited".into(),
                file: &current.file,
            },
            schoolnets::compare::Compared {
                label: label.clone(),
                file,
            },
        ];
        let c = schoolnets::compare::compare(&plans, Some(self.inputs.table()));
        c.changes
            .first()
            .map(|ch| {
                (
                    ch.moves.iter().map(|m| m.school_id.clone()).collect(),
                    ch.compared,
                )
            })
            .unwrap_or_default()
    }

    /// Draws a built-in design on the same table and outline, as the second plan.
    fn compare_scenario(&mut self, name: &str) -> Reply {
        let Some((scenario, source)) = schoolnets::scenarios::Scenario::built_in(name) else {
            return Reply::error(
                404,
                format!("no built-in scenario {name:?}: neighborhood, feeder or geography-only"),
            );
        };
        let mut scenario = scenario;
        let notes = schoolnets::scenarios::Overrides::default().apply(
            &mut scenario,
            &source,
            self.inputs.table(),
        );
        if let Err(e) = notes {
            return Reply::error(400, e.to_string());
        }
        let plan = schoolnets::plans::make_plan(
            &schoolnets::plans::PlanInputs {
                scenario: &scenario,
                scenario_source: source,
                ..self.inputs.plan_inputs(Vec::new(), true)
            },
            &|| {},
        );
        match plan {
            Ok(p) => {
                self.editor
                    .say(format!("Drew the {name} design to compare side by side"));
                self.second = Some((format!("{name} design"), p.file));
                Reply::json(200, &self.state())
            }
            Err(e) => Reply::error(409, e.to_string()),
        }
    }

    /// Writes the edited plan folder, all at once, into --out; the draft is then no longer needed. A plan
    /// that breaks a rule is written only when the planner `confirmed` it (409 otherwise, listing the rules).
    fn save(&mut self, confirmed: bool) -> Reply {
        let broken = self.editor.broken_in_words();
        if !broken.is_empty() && !confirmed {
            return Reply::error(
                409,
                format!(
                    "The plan breaks {}: {}. Saved, it would be written with {} broken, so Save asks first: send {{\"confirmed\": true}} once the planner has confirmed.",
                    schoolnets::text::count(broken.len() as f64, "rules"),
                    broken.join("; "),
                    if broken.len() == 1 { "that rule" } else { "those rules" }
                ),
            );
        }
        let file = self.out.join(BARRIERS_FILE);
        let (plan, barriers) = self.editor.saved(&file.display().to_string());
        let mut set = OutputSet::new();
        if let Some(text) = barriers {
            set.add(BARRIERS_FILE, text.into_bytes());
        }
        let written = folder::add_plan_files(
            &mut set,
            "",
            &plan,
            self.inputs.table(),
            self.inputs.outline(),
            &self.options,
        )
        .and_then(|_| {
            set.add("moves.csv", self.editor.moves_csv());
            set.commit(&self.out, &self.input_files)
        });
        match written {
            Ok(files) => {
                self.drop_draft_steps();
                if !self.quiet {
                    eprintln!("saved {} files into {}", files.len(), self.out.display());
                }
                self.editor.say(format!(
                    "Saved {} into {}{}",
                    schoolnets::text::count(files.len() as f64, "files"),
                    self.out.display(),
                    if broken.is_empty() {
                        ""
                    } else {
                        ", as the planner confirmed"
                    }
                ));
                let mut v = self.state();
                v["saved"] = json!(files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>());
                Reply::json(200, &v)
            }
            Err(e) => Reply::error(409, e.to_string()),
        }
    }

    /// Writes the steps and locks beside the output folder (replaced in one rename), so that a server
    /// killed now loses nothing.
    fn autosave(&self) {
        self.write_draft(self.editor.draft());
    }

    /// The draft's steps are no longer needed (saved, or discarded): the draft file is deleted, or, when
    /// named versions are kept, holds them alone.
    fn drop_draft_steps(&self) {
        if self.versions.is_empty() {
            let _ = std::fs::remove_file(&self.draft_path);
        } else {
            self.write_draft(Draft {
                steps: Vec::new(),
                locked_schools: Vec::new(),
                ..self.editor.draft()
            });
        }
    }

    /// Writes `draft` and the named versions into the draft file, replaced in one rename.
    fn write_draft(&self, draft: Draft) {
        let draft = DraftFile {
            draft,
            versions: self.versions.clone(),
        };
        let tmp = self.draft_path.with_extension("json.tmp");
        let written = serde_json::to_vec_pretty(&draft).ok().map(|bytes| {
            std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, &self.draft_path))
        });
        if !matches!(written, Some(Ok(()))) && !self.quiet {
            eprintln!(
                "warning: could not write the draft {}",
                self.draft_path.display()
            );
        }
    }
}

/// The file Save writes the barriers into when some were drawn in the editor (plan.json names it).
const BARRIERS_FILE: &str = "barriers.geojson";

/// The barriers of a `/api/barrier` request: `{"line": [[lon, lat], ...], "name": NAME}` (one line, the
/// name optional) or `{"lines": [{"name": NAME, "line": [[lon, lat], ...]}, ...], "from": FILE}` (a
/// reference layer's lines). Each position must be two numbers; what they are worth the editor checks.
fn drawn_barriers(
    body: &Value,
) -> std::result::Result<Vec<schoolnets::editor::DrawnBarrier>, String> {
    const USE: &str = r#"give {"line": [[LONGITUDE, LATITUDE], ...], "name": NAME} or {"lines": [{"name": NAME, "line": [[LONGITUDE, LATITUDE], ...]}, ...], "from": FILE}"#;
    let one =
        |v: &Value, name: &str| -> std::result::Result<schoolnets::editor::DrawnBarrier, String> {
            let line = v
                .as_array()
                .ok_or_else(|| format!("a barrier's line is a list of positions: {USE}"))?
                .iter()
                .enumerate()
                .map(|(i, p)| match p.as_array().map(Vec::as_slice) {
                    Some([lon, lat]) => match (lon.as_f64(), lat.as_f64()) {
                        (Some(lon), Some(lat)) => Ok([lon, lat]),
                        _ => Err(format!(
                            "position {} of the barrier {name:?} is not two numbers: {p}",
                            i + 1
                        )),
                    },
                    _ => Err(format!(
                        "position {} of the barrier {name:?} is not [longitude, latitude]: {p}",
                        i + 1
                    )),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(schoolnets::editor::DrawnBarrier {
                name: name.to_string(),
                line,
            })
        };
    let name_of = |v: &Value| {
        v.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match (
        body.get("line"),
        body.get("lines").and_then(Value::as_array),
    ) {
        (Some(line), None) => Ok(vec![one(line, &name_of(body))?]),
        (None, Some(lines)) => lines
            .iter()
            .map(|l| one(l.get("line").unwrap_or(&Value::Null), &name_of(l)))
            .collect(),
        _ => Err(USE.to_string()),
    }
}

/// "1 step", "2 steps".
fn steps(n: usize) -> String {
    if n == 1 {
        "1 step".into()
    } else {
        format!("{n} steps")
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// `%XX` and `+` in a query value.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
