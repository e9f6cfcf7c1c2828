//! [`MemFs`]: an in-memory [`FileSystem`](ferry_fs::FileSystem) that is deterministic,
//! waits in virtual time, fails on request and can crash.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ferry_core::Timer;
use ferry_fs::is_atomic_temp_name;

use crate::{MockRng, MockRuntime};

mod durability;
mod faults;
mod file;
mod ops;
mod tree;

pub use faults::InjectedFault;

use faults::Prefix;
use file::Pause;
use tree::State;

/// An in-memory file system for tests: ferry's [`FileSystem`](ferry_fs::FileSystem)
/// over a tree of directories and files held in memory, deterministic, with latency in
/// virtual time, fault injection, and a simulated power loss.
///
/// Cloning gives another handle to the same files. Made with [`MemFs::new`] on a
/// [`MockRuntime`] (operations are traced, take the optional latency on its virtual clock, and
/// stamp modification times from it), or with [`MemFs::standalone`] for any executor (no
/// trace, no latency, every modification time is the Unix epoch).
///
/// # Semantics
///
/// POSIX, as the tokio backend shows them on Linux, with the same [`io::ErrorKind`]s: a
/// missing path is `NotFound`; an existing one where a new one is asked for is
/// `AlreadyExists`; a file used as a directory is `NotADirectory` and a directory used as a
/// file `IsADirectory`; a file made read-only with `set_readonly` refuses writes, and a
/// read-only directory refuses new, removed and renamed entries (`PermissionDenied`, as for
/// a user who is not root). `rename` replaces a file (or an empty directory) in one step.
///
/// Paths are resolved lexically from the root `/`: `.` is skipped, `..` goes up, and a
/// relative path is taken from the root. There are no symbolic links. `read_dir` lists entries
/// sorted by name. Modification times are the Unix epoch plus the virtual time of the change,
/// so `modified()` minus `UNIX_EPOCH` reads like [`MockRuntime::elapsed`].
///
/// Every operation first waits (the [latency](Self::with_latency), or one turn given to the
/// other tasks when there is none) and then takes effect all at once, so a dropped operation
/// future has done nothing. A [`FileReader`](ferry_fs::FileReader) reads the content
/// the file had when it was opened; a [`FileWriter`](ferry_fs::FileWriter) writes
/// straight into the file, buffering nothing.
///
/// # Durability and [`crash`](Self::crash)
///
/// Each file and directory has a current state, which every operation sees, and a durable
/// state, which is what a power loss leaves:
///
/// - A file's durable content is its content as of its last
///   [`sync_all`](ferry_fs::FileWriter::sync_all); a file never synced has an empty
///   durable content. `write`, `append` and streaming writes change only the current content.
/// - A directory's durable entries (names and the files or directories they point to) are its
///   entries as of its last [`sync_dir`](ferry_fs::FileSystem::sync_dir); a directory
///   never synced has none. Creating, removing and renaming entries change only the current
///   entries, so a rename is durable once both directories it touches are synced.
/// - [`crash`](Self::crash) rebuilds the tree from the root's durable entries down: every
///   directory gets its durable entries back, every file its durable content, and whatever
///   that does not reach is gone. Unsynced data and unsynced entry changes (creations,
///   removals, renames) are rolled back; synced ones are kept whatever happened later.
///   The root itself always survives. Read-only flags and modification times are not rolled
///   back. Writers opened before the crash fail with [`InjectedFault::Crashed`].
///
/// This is the strict reading of POSIX (nothing is promised without `fsync`).
/// [`crash_with_writeback`](Self::crash_with_writeback) is the other extreme: unsynced state
/// may have partly reached storage, and files can come back torn. Real file systems lie
/// between the two. In particular
/// [`write_atomic`](ferry_fs::FileSystemExt::write_atomic) (sync the temporary file,
/// rename, sync the directory) leaves the old content or the new one after either crash, while
/// a plain `write` can leave the file missing, empty, holding older content, or torn.
///
/// # Faults
///
/// [`fail_write_after`](Self::fail_write_after), [`fail_writes_under`](Self::fail_writes_under),
/// [`limit_space`](Self::limit_space) and [`deny_under`](Self::deny_under) make operations
/// fail with an [`InjectedFault`] inside an ordinary [`FsError`](ferry_fs::FsError) of
/// the kind a real file system would give. A "write" is one `write` or `append` call, or one
/// `poll_write` of a streaming writer (each chunk of a `write_all`).
///
/// # Trace
///
/// On a [`MockRuntime`] each operation adds one event of component `"fs"` to its
/// [trace](crate::TraceEvent) when it takes effect, like `write /work/a.json (12 bytes): ok`
/// or `read /work/b.json: NotFound`. Streaming writes are summed up in one `close` event
/// (failed ones get their own). The random part of `write_atomic`'s temporary file names
/// changes between processes, so the trace shows a counter instead
/// (`.a.json.~tmp1.ferry-tmp`) and traces of two runs with one seed compare equal.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_fs::{FileSystem, FileSystemExt};
/// use ferry_mock::MemFs;
///
/// ferry_mock::run(1, |rt| async move {
///     let fs = MemFs::new(&rt).with_latency(Duration::from_millis(2));
///     fs.create_dir_all("/data".as_ref()).await.unwrap();
///     fs.sync_dir("/".as_ref()).await.unwrap();
///     fs.write_atomic("/data/state.json", b"{\"page\":1}").await.unwrap();
///     fs.write("/data/state.json".as_ref(), b"{\"page\":2}").await.unwrap();
///
///     // The power fails: the plain write was never synced, the atomic one was.
///     fs.crash();
///     assert_eq!(fs.read_to_string("/data/state.json").await.unwrap(), "{\"page\":1}");
///     assert!(rt.trace().iter().any(|event| event.to_string().contains("[fs]")));
/// });
/// ```
#[derive(Clone)]
pub struct MemFs {
    shared: Arc<Shared>,
}

/// What every handle (the file system's and its writers') shares.
struct Shared {
    rt: Option<MockRuntime>,
    state: Mutex<State>,
    /// Counters standing in for temporary names' random parts in the trace.
    aliases: Mutex<TempAliases>,
}

#[derive(Default)]
struct TempAliases {
    by_name: HashMap<OsString, u64>,
    next: u64,
}

impl MemFs {
    /// An empty file system (just the root directory `/`) on `rt`: its operations are traced,
    /// wait on its virtual clock, and stamp modification times from it.
    pub fn new(rt: &MockRuntime) -> Self {
        Self::with(Some(rt.clone()))
    }

    /// An empty file system that needs no runtime, for any executor: no trace, no latency,
    /// and every modification time is the Unix epoch.
    ///
    /// ```
    /// use ferry_fs::FileSystem;
    /// use ferry_mock::MemFs;
    ///
    /// let fs = MemFs::standalone();
    /// futures::executor::block_on(async {
    ///     fs.write("/notes.txt".as_ref(), b"hi").await.unwrap();
    ///     assert_eq!(fs.read("/notes.txt".as_ref()).await.unwrap(), b"hi");
    /// });
    /// ```
    pub fn standalone() -> Self {
        Self::with(None)
    }

    fn with(rt: Option<MockRuntime>) -> Self {
        Self {
            shared: Arc::new(Shared {
                rt,
                state: Mutex::new(State::new()),
                aliases: Mutex::new(TempAliases::default()),
            }),
        }
    }

    /// Makes every operation (each method call, and each `sync_all` of a writer) take
    /// `latency` of virtual time before it takes effect. Streaming reads and writes are memory
    /// copies, like a real system's page cache, and take none.
    ///
    /// # Panics
    ///
    /// If the file system is [standalone](Self::standalone) and `latency` is not zero: it has
    /// no clock to wait on, and ignoring the setting would hide the mistake.
    #[must_use]
    pub fn with_latency(self, latency: Duration) -> Self {
        self.set_latency(latency);
        self
    }

    /// Changes the latency of operations from now on; see [`with_latency`](Self::with_latency).
    ///
    /// # Panics
    ///
    /// As [`with_latency`](Self::with_latency).
    pub fn set_latency(&self, latency: Duration) {
        assert!(
            self.shared.rt.is_some() || latency.is_zero(),
            "MemFs::set_latency: a standalone MemFs has no clock to wait on; build it with \
             MemFs::new(&runtime)"
        );
        self.shared.lock().latency = latency;
    }

    /// The latency of each operation.
    pub fn latency(&self) -> Duration {
        self.shared.lock().latency
    }

    /// Lets `successes` more writes succeed, then fails the one after with
    /// [`InjectedFault::NthWrite`] (kind `Other`), once; later writes succeed again. The failed
    /// write changes nothing. `fail_write_after(0)` fails the next write. Calling it again
    /// re-arms it, counting from then.
    pub fn fail_write_after(&self, successes: u64) {
        self.shared.lock().faults.nth_write = Some((successes, successes.saturating_add(1)));
    }

    /// Fails every write to `path` or to anything below it with
    /// [`InjectedFault::WriteUnder`] (kind `Other`), until [`clear_faults`](Self::clear_faults).
    /// Opening, reading, renaming and removing still work.
    pub fn fail_writes_under(&self, path: impl AsRef<Path>) {
        let prefix = prefix(path.as_ref());
        self.shared.lock().faults.writes_under.push(prefix);
    }

    /// Limits the bytes all files may hold together to `capacity`: a write that would go past
    /// it keeps what fits and fails with [`InjectedFault::StorageFull`] (kind `StorageFull`).
    /// A removed file's bytes are free again once no writer has it open. A capacity below
    /// what is in use already lets no write grow a file.
    pub fn limit_space(&self, capacity: u64) {
        self.shared.lock().faults.capacity = Some(capacity);
    }

    /// The bytes all files hold together, as [`limit_space`](Self::limit_space) counts them.
    pub fn used_space(&self) -> u64 {
        self.shared.lock().used
    }

    /// Fails every operation on `path` or below it with [`InjectedFault::Denied`] (kind
    /// `PermissionDenied`), until [`clear_faults`](Self::clear_faults); a rename fails if
    /// either side is under it. Writers already open keep working.
    pub fn deny_under(&self, path: impl AsRef<Path>) {
        let prefix = prefix(path.as_ref());
        self.shared.lock().faults.denied.push(prefix);
    }

    /// Disarms every injected fault (the latency stays).
    pub fn clear_faults(&self) {
        self.shared.lock().faults = Default::default();
    }

    /// Simulates a power loss now: keeps only what was durable, as the
    /// [type's docs](Self#durability-and-crash) say. The file system stays usable, as after
    /// a reboot; writers opened before fail with [`InjectedFault::Crashed`].
    pub fn crash(&self) {
        self.shared.lock().crash(None);
        self.shared.record(format_args!("crash"), Ok(()));
    }

    /// Simulates a power loss after which some unsynced state turns out to have reached
    /// storage anyway, as on real disks, drawn from `rng`:
    ///
    /// - each file whose content is not durable comes back with its durable content, its
    ///   current content, or its current content cut at a random length (a write caught
    ///   mid-way: a torn file);
    /// - each directory whose entries are not durable comes back with its durable entries or
    ///   its current ones, as a whole (so a rename within one directory stays one step, while
    ///   one between two directories may show in both or in neither).
    ///
    /// Everything else is as for [`crash`](Self::crash): durable state always survives, and
    /// what the chosen entries do not reach is gone. Code that survives both crashes survives
    /// the file systems in between. Pass [`MockRuntime::fork_rng`] for a draw that replays
    /// with the seed.
    ///
    /// ```
    /// use ferry_fs::{FileSystem, FileSystemExt};
    /// use ferry_mock::MemFs;
    ///
    /// ferry_mock::run(3, |rt| async move {
    ///     let fs = MemFs::new(&rt);
    ///     fs.write_atomic("/state", b"old").await.unwrap();
    ///     fs.write_atomic("/state", b"new").await.unwrap();
    ///     fs.write("/state".as_ref(), b"unsynced").await.unwrap();
    ///     fs.crash_with_writeback(&mut rt.fork_rng());
    ///     // "new", or any prefix of "unsynced": never "old", which a synced write replaced.
    ///     let content = fs.read("/state".as_ref()).await.unwrap();
    ///     assert!(content == b"new" || b"unsynced".starts_with(&content));
    /// });
    /// ```
    pub fn crash_with_writeback(&self, rng: &mut MockRng) {
        self.shared.lock().crash(Some(rng));
        self.shared
            .record(format_args!("crash with writeback"), Ok(()));
    }

    /// Makes everything durable as it is now, as if every file and every directory were
    /// synced: a baseline for a test that crashes later.
    pub fn sync_everything(&self) {
        self.shared.lock().sync_everything();
        self.shared.record(format_args!("sync everything"), Ok(()));
    }
}

impl Default for MemFs {
    /// A [standalone](Self::standalone) file system.
    fn default() -> Self {
        Self::standalone()
    }
}

impl fmt::Debug for MemFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("MemFs")
            .field("nodes", &state.nodes.len())
            .field("used", &state.used)
            .field("latency", &state.latency)
            .field("faults", &state.faults)
            .field("on_runtime", &self.shared.rt.is_some())
            .finish()
    }
}

fn prefix(path: &Path) -> Prefix {
    Prefix {
        given: path.to_path_buf(),
        // The empty path resolves to nothing; as a prefix it means "everything".
        parts: tree::parts(path).unwrap_or_default(),
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the tree consistent (every change is made
        // before the lock is released or not at all), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The virtual time since the runtime's zero (always zero standalone).
    fn now(&self) -> Duration {
        self.rt
            .as_ref()
            .map_or(Duration::ZERO, MockRuntime::elapsed)
    }

    /// The wait an operation takes before it acts.
    fn pause(&self) -> Pause {
        let latency = self.lock().latency;
        match &self.rt {
            Some(rt) if !latency.is_zero() => Pause::Sleep(rt.sleep(latency)),
            _ => Pause::Yield { yielded: false },
        }
    }

    /// `path` as the trace shows it: a temporary file's random part replaced by a counter.
    fn show(&self, path: &Path) -> String {
        let shown = path.display().to_string();
        let Some(name) = path.file_name().filter(|name| is_atomic_temp_name(name)) else {
            return shown;
        };
        let mut aliases = self.aliases.lock().unwrap_or_else(PoisonError::into_inner);
        let aliases = &mut *aliases;
        let number = *aliases
            .by_name
            .entry(name.to_os_string())
            .or_insert_with(|| {
                aliases.next += 1;
                aliases.next
            });
        let name = name.to_string_lossy();
        // `.{target}.{random}.ferry-tmp`: keep the target's name, replace the random part.
        let target = name
            .strip_suffix(".ferry-tmp")
            .and_then(|rest| rest.rsplit_once('.'))
            .map_or("", |(target, _random)| target);
        let parent = path.parent().map(|p| p.display().to_string());
        let shown_name = format!("{target}.~tmp{number}.ferry-tmp");
        match parent {
            Some(parent) if !parent.is_empty() => {
                format!("{}/{shown_name}", parent.trim_end_matches('/'))
            }
            _ => shown_name,
        }
    }

    /// Forgets the counter of a temporary file that is gone.
    fn forget(&self, path: &Path) {
        if let Some(name) = path.file_name().filter(|name| is_atomic_temp_name(name)) {
            let mut aliases = self.aliases.lock().unwrap_or_else(PoisonError::into_inner);
            aliases.by_name.remove(name);
        }
    }

    /// Adds "`what`: ok" or "`what`: `ErrorKind`" to the runtime's trace.
    fn record(&self, what: fmt::Arguments<'_>, outcome: Result<(), &io::Error>) {
        let Some(rt) = &self.rt else {
            return;
        };
        match outcome {
            Ok(()) => rt.record("fs", format_args!("{what}: ok")),
            Err(error) => match InjectedFault::in_io(error) {
                Some(fault) => {
                    rt.record("fs", format_args!("{what}: {:?} ({fault})", error.kind()))
                }
                None => rt.record("fs", format_args!("{what}: {:?}", error.kind())),
            },
        }
    }
}

#[cfg(test)]
mod tests;
