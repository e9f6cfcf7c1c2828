//! The in-memory tree: nodes (files and directories), path resolution, and each operation's
//! POSIX semantics, with no waiting and no tracing (those are in `ops`).
//!
//! Every node keeps two views: the current one, which operations see and change, and the
//! durable one, which a crash falls back to (see `durability`). A node lives as long as a
//! current entry, a durable entry or an open writer refers to it.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{self, ErrorKind};
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::Duration;

use ferry_fs::{FileType, Metadata, WriteMode};

use super::faults::{Faults, InjectedFault};

/// A node's number; the root is 0.
pub(super) type NodeId = u64;

pub(super) const ROOT: NodeId = 0;

/// A file's bytes. Shared, so a reader's snapshot and the durable copy cost no copying until
/// the file is written again.
pub(super) type Bytes = Arc<Vec<u8>>;

#[derive(Debug)]
pub(super) enum Kind {
    File {
        data: Bytes,
        /// The content as of the last `sync_all` (empty if never synced).
        durable: Bytes,
    },
    Dir {
        entries: BTreeMap<OsString, NodeId>,
        /// The entries as of the last `sync_dir` (none if never synced).
        durable: BTreeMap<OsString, NodeId>,
    },
}

#[derive(Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    pub(super) readonly: bool,
    pub(super) modified: Duration,
    /// Current entries naming this node.
    pub(super) links: u32,
    /// Durable entries naming this node.
    pub(super) durable_links: u32,
    /// Open writers of this node.
    pub(super) open: u32,
}

impl Node {
    fn new(kind: Kind, now: Duration) -> Self {
        Self {
            kind,
            readonly: false,
            modified: now,
            links: 0,
            durable_links: 0,
            open: 0,
        }
    }

    pub(super) fn metadata(&self) -> Metadata {
        let (file_type, len) = match &self.kind {
            Kind::File { data, .. } => (FileType::File, data.len() as u64),
            Kind::Dir { entries, .. } => (FileType::Dir, entries.len() as u64),
        };
        let metadata = Metadata::new(file_type, len).with_readonly(self.readonly);
        // A virtual time beyond what `SystemTime` can hold (a clock moved by hand to the far
        // future) has no modification time rather than a panic.
        match std::time::SystemTime::UNIX_EPOCH.checked_add(self.modified) {
            Some(modified) => metadata.with_modified(modified),
            None => metadata,
        }
    }

    /// The bytes this node takes from the capacity: its current content while something
    /// (an entry or an open writer) still reaches it, like blocks a real file system frees
    /// only when the last name and the last handle are gone.
    fn used(&self) -> u64 {
        match &self.kind {
            Kind::File { data, .. } if self.links > 0 || self.open > 0 => data.len() as u64,
            _ => 0,
        }
    }
}

/// An error of `kind` with no further detail, as the operating system gives.
pub(super) fn err(kind: ErrorKind) -> io::Error {
    kind.into()
}

/// A path's components, resolved lexically against the root: `.` is skipped, `..` goes up
/// (staying at the root), and a relative path starts at the root. The empty path names
/// nothing.
pub(super) fn parts(path: &Path) -> io::Result<Vec<OsString>> {
    if path.as_os_str().is_empty() {
        return Err(err(ErrorKind::NotFound));
    }
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => parts.push(name.to_os_string()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::Prefix(_) | Component::RootDir | Component::CurDir => {}
        }
    }
    Ok(parts)
}

/// The whole file system's state, behind the `MemFs` mutex.
#[derive(Debug)]
pub(super) struct State {
    pub(super) nodes: BTreeMap<NodeId, Node>,
    next_id: NodeId,
    /// Bytes in use, counted as `Node::used`.
    pub(super) used: u64,
    /// Counts crashes; handles opened before the last crash are dead.
    pub(super) generation: u64,
    pub(super) faults: Faults,
    pub(super) latency: Duration,
}

impl State {
    pub(super) fn new() -> Self {
        let mut root = Node::new(
            Kind::Dir {
                entries: BTreeMap::new(),
                durable: BTreeMap::new(),
            },
            Duration::ZERO,
        );
        // The root is always there, before and after any crash.
        root.links = 1;
        root.durable_links = 1;
        Self {
            nodes: BTreeMap::from([(ROOT, root)]),
            next_id: ROOT + 1,
            used: 0,
            generation: 0,
            faults: Faults::default(),
            latency: Duration::ZERO,
        }
    }

    pub(super) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[&id]
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes.get_mut(&id).expect("live node")
    }

    /// Changes node `id` with `change`, keeping the space count right, and frees it if
    /// nothing refers to it any more.
    pub(super) fn adjust<T>(&mut self, id: NodeId, change: impl FnOnce(&mut Node) -> T) -> T {
        let node = self.node_mut(id);
        let before = node.used();
        let out = change(node);
        let after = node.used();
        self.used = self.used - before + after;
        self.free_if_unreferenced(id);
        out
    }

    /// Removes nodes that no entry, durable entry or writer refers to, and what only they
    /// referred to.
    fn free_if_unreferenced(&mut self, id: NodeId) {
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        if node.links > 0 || node.durable_links > 0 || node.open > 0 {
            return;
        }
        let node = self.nodes.remove(&id).expect("checked above");
        // An unreferenced node uses no space (`Node::used`), so the count is already right.
        if let Kind::Dir { entries, durable } = node.kind {
            for child in entries.into_values() {
                self.adjust(child, |child| child.links -= 1);
            }
            for child in durable.into_values() {
                self.adjust(child, |child| child.durable_links -= 1);
            }
        }
    }

    /// The node at `parts`.
    pub(super) fn lookup(&self, parts: &[OsString]) -> io::Result<NodeId> {
        let mut id = ROOT;
        for name in parts {
            match &self.node(id).kind {
                Kind::Dir { entries, .. } => {
                    id = *entries.get(name).ok_or_else(|| err(ErrorKind::NotFound))?;
                }
                Kind::File { .. } => return Err(err(ErrorKind::NotADirectory)),
            }
        }
        Ok(id)
    }

    /// The directory holding `parts` and the name in it; `None` for the root itself.
    pub(super) fn lookup_parent<'p>(
        &self,
        parts: &'p [OsString],
    ) -> io::Result<Option<(NodeId, &'p OsStr)>> {
        let Some((name, dir_parts)) = parts.split_last() else {
            return Ok(None);
        };
        let dir = self.lookup(dir_parts)?;
        match self.node(dir).kind {
            Kind::Dir { .. } => Ok(Some((dir, name))),
            Kind::File { .. } => Err(err(ErrorKind::NotADirectory)),
        }
    }

    pub(super) fn entries(&self, dir: NodeId) -> &BTreeMap<OsString, NodeId> {
        match &self.node(dir).kind {
            Kind::Dir { entries, .. } => entries,
            Kind::File { .. } => unreachable!("callers check for a directory"),
        }
    }

    pub(super) fn entry(&self, dir: NodeId, name: &OsStr) -> Option<NodeId> {
        self.entries(dir).get(name).copied()
    }

    pub(super) fn is_dir(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, Kind::Dir { .. })
    }

    /// Fails unless entries may be added to or removed from `dir`.
    fn check_dir_writable(&self, dir: NodeId) -> io::Result<()> {
        if self.node(dir).readonly {
            Err(err(ErrorKind::PermissionDenied))
        } else {
            Ok(())
        }
    }

    /// Makes a new node and names it `name` in `dir`.
    fn create(&mut self, dir: NodeId, name: &OsStr, kind: Kind, now: Duration) -> NodeId {
        let id = self.next_id;
        self.next_id += 1;
        self.nodes.insert(id, Node::new(kind, now));
        self.link(dir, name, id, now);
        id
    }

    /// Names node `id` as `name` in `dir`, replacing (and unlinking) whatever had the name.
    fn link(&mut self, dir: NodeId, name: &OsStr, id: NodeId, now: Duration) {
        self.adjust(id, |node| node.links += 1);
        let dir_node = self.node_mut(dir);
        dir_node.modified = now;
        let Kind::Dir { entries, .. } = &mut dir_node.kind else {
            unreachable!("callers check for a directory")
        };
        if let Some(old) = entries.insert(name.to_os_string(), id) {
            self.adjust(old, |node| node.links -= 1);
        }
    }

    /// Removes the entry `name` from `dir`.
    fn unlink(&mut self, dir: NodeId, name: &OsStr, now: Duration) {
        let dir_node = self.node_mut(dir);
        dir_node.modified = now;
        let Kind::Dir { entries, .. } = &mut dir_node.kind else {
            unreachable!("callers check for a directory")
        };
        if let Some(id) = entries.remove(name) {
            self.adjust(id, |node| node.links -= 1);
        }
    }

    /// The content of the file at `parts`.
    pub(super) fn read(&self, parts: &[OsString]) -> io::Result<Bytes> {
        match &self.node(self.lookup(parts)?).kind {
            Kind::File { data, .. } => Ok(Arc::clone(data)),
            Kind::Dir { .. } => Err(err(ErrorKind::IsADirectory)),
        }
    }

    /// Opens the file at `parts` for writing as `mode` says (creating or truncating it) and
    /// returns its node, like `open(2)` with `O_WRONLY` and `mode`'s flags.
    pub(super) fn open_write(
        &mut self,
        parts: &[OsString],
        mode: WriteMode,
        now: Duration,
    ) -> io::Result<NodeId> {
        let Some((dir, name)) = self.lookup_parent(parts)? else {
            return Err(err(ErrorKind::IsADirectory));
        };
        match self.entry(dir, name) {
            Some(_) if mode == WriteMode::CreateNew => Err(err(ErrorKind::AlreadyExists)),
            Some(id) if self.is_dir(id) => Err(err(ErrorKind::IsADirectory)),
            Some(id) if self.node(id).readonly => Err(err(ErrorKind::PermissionDenied)),
            Some(id) => {
                if mode == WriteMode::Truncate {
                    self.set_len(id, 0, now);
                }
                Ok(id)
            }
            None => {
                self.check_dir_writable(dir)?;
                let empty = Bytes::default();
                let kind = Kind::File {
                    data: Arc::clone(&empty),
                    durable: empty,
                };
                Ok(self.create(dir, name, kind, now))
            }
        }
    }

    /// Truncates (or zero-extends) the file `id` to `len` bytes.
    fn set_len(&mut self, id: NodeId, len: usize, now: Duration) {
        self.adjust(id, |node| {
            if let Kind::File { data, .. } = &mut node.kind {
                if data.len() != len {
                    Arc::make_mut(data).resize(len, 0);
                    node.modified = now;
                }
            }
        });
    }

    /// Writes `bytes` into file `id` at `offset` (its end when `None`), as much as the
    /// capacity allows, and returns how many were written.
    pub(super) fn write_at(
        &mut self,
        id: NodeId,
        offset: Option<u64>,
        bytes: &[u8],
        now: Duration,
    ) -> io::Result<usize> {
        let Kind::File { data, .. } = &self.node(id).kind else {
            return Err(err(ErrorKind::IsADirectory));
        };
        let len = data.len() as u64;
        let start = offset.unwrap_or(len);
        let mut room = u64::MAX;
        if let Some(capacity) = self.faults.capacity {
            // Only the growth of the file (a gap before `start` included) takes space;
            // overwriting in place does not.
            let free = capacity.saturating_sub(self.used);
            room = free.saturating_add(len).saturating_sub(start);
            if room == 0 && !bytes.is_empty() {
                return Err(InjectedFault::StorageFull { capacity }.into_io());
            }
        }
        let count = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let Some((start, end)) = usize::try_from(start)
            .ok()
            .and_then(|start| Some((start, start.checked_add(count)?)))
        else {
            return Err(err(ErrorKind::FileTooLarge));
        };
        self.adjust(id, |node| {
            if let Kind::File { data, .. } = &mut node.kind {
                let data = Arc::make_mut(data);
                if data.len() < end {
                    data.resize(end, 0);
                }
                data[start..end].copy_from_slice(&bytes[..count]);
                node.modified = now;
            }
        });
        Ok(count)
    }

    /// Writes all of `bytes` at the end of file `id`: what fits is kept even when the space
    /// runs out, as with a real `write_all`.
    pub(super) fn write_all_at_end(
        &mut self,
        id: NodeId,
        bytes: &[u8],
        now: Duration,
    ) -> io::Result<()> {
        let written = self.write_at(id, None, bytes, now)?;
        if written < bytes.len() {
            let capacity = self.faults.capacity.unwrap_or(u64::MAX);
            return Err(InjectedFault::StorageFull { capacity }.into_io());
        }
        Ok(())
    }

    pub(super) fn create_dir(&mut self, parts: &[OsString], now: Duration) -> io::Result<()> {
        let Some((dir, name)) = self.lookup_parent(parts)? else {
            return Err(err(ErrorKind::AlreadyExists));
        };
        if self.entry(dir, name).is_some() {
            return Err(err(ErrorKind::AlreadyExists));
        }
        self.check_dir_writable(dir)?;
        let kind = Kind::Dir {
            entries: BTreeMap::new(),
            durable: BTreeMap::new(),
        };
        self.create(dir, name, kind, now);
        Ok(())
    }

    pub(super) fn create_dir_all(&mut self, parts: &[OsString], now: Duration) -> io::Result<()> {
        let mut dir = ROOT;
        for (depth, name) in parts.iter().enumerate() {
            match self.entry(dir, name) {
                Some(id) if self.is_dir(id) => dir = id,
                Some(_) if depth + 1 == parts.len() => return Err(err(ErrorKind::AlreadyExists)),
                Some(_) => return Err(err(ErrorKind::NotADirectory)),
                None => {
                    self.check_dir_writable(dir)?;
                    let kind = Kind::Dir {
                        entries: BTreeMap::new(),
                        durable: BTreeMap::new(),
                    };
                    dir = self.create(dir, name, kind, now);
                }
            }
        }
        Ok(())
    }

    /// The entries of the directory at `parts`, sorted by name, with their metadata.
    pub(super) fn read_dir(&self, parts: &[OsString]) -> io::Result<Vec<(OsString, Metadata)>> {
        let dir = self.lookup(parts)?;
        if !self.is_dir(dir) {
            return Err(err(ErrorKind::NotADirectory));
        }
        Ok(self
            .entries(dir)
            .iter()
            .map(|(name, &id)| (name.clone(), self.node(id).metadata()))
            .collect())
    }

    pub(super) fn remove_file(&mut self, parts: &[OsString], now: Duration) -> io::Result<()> {
        let Some((dir, name)) = self.lookup_parent(parts)? else {
            return Err(err(ErrorKind::IsADirectory));
        };
        let id = self
            .entry(dir, name)
            .ok_or_else(|| err(ErrorKind::NotFound))?;
        if self.is_dir(id) {
            return Err(err(ErrorKind::IsADirectory));
        }
        self.check_dir_writable(dir)?;
        self.unlink(dir, name, now);
        Ok(())
    }

    /// Removes the directory at `parts` and everything below it, or nothing: every
    /// directory involved must be writable.
    pub(super) fn remove_dir_all(&mut self, parts: &[OsString], now: Duration) -> io::Result<()> {
        let Some((dir, name)) = self.lookup_parent(parts)? else {
            // Nobody removes the root of a file system.
            return Err(err(ErrorKind::ResourceBusy));
        };
        let id = self
            .entry(dir, name)
            .ok_or_else(|| err(ErrorKind::NotFound))?;
        if !self.is_dir(id) {
            return Err(err(ErrorKind::NotADirectory));
        }
        self.check_dir_writable(dir)?;
        let mut subtree = vec![id];
        let mut index = 0;
        while let Some(&current) = subtree.get(index) {
            self.check_dir_writable(current)?;
            subtree.extend(
                self.entries(current)
                    .values()
                    .copied()
                    .filter(|&child| self.is_dir(child)),
            );
            index += 1;
        }
        // Deepest first, so each directory is empty when its parent lets go of it.
        for &current in subtree.iter().rev() {
            let names: Vec<OsString> = self.entries(current).keys().cloned().collect();
            for child in names {
                self.unlink(current, &child, now);
            }
        }
        self.unlink(dir, name, now);
        Ok(())
    }

    /// Renames like `rename(2)`: a file replaces a file, a directory replaces an empty
    /// directory, and the move is one step.
    pub(super) fn rename(
        &mut self,
        from: &[OsString],
        to: &[OsString],
        now: Duration,
    ) -> io::Result<()> {
        let Some((from_dir, from_name)) = self.lookup_parent(from)? else {
            return Err(err(ErrorKind::ResourceBusy));
        };
        let id = self
            .entry(from_dir, from_name)
            .ok_or_else(|| err(ErrorKind::NotFound))?;
        let Some((to_dir, to_name)) = self.lookup_parent(to)? else {
            return Err(err(ErrorKind::ResourceBusy));
        };
        if from == to {
            return Ok(());
        }
        if self.is_dir(id) && to.starts_with(from) {
            // A directory cannot move into itself.
            return Err(err(ErrorKind::InvalidInput));
        }
        if let Some(existing) = self.entry(to_dir, to_name) {
            match (self.is_dir(id), self.is_dir(existing)) {
                (false, true) => return Err(err(ErrorKind::IsADirectory)),
                (true, false) => return Err(err(ErrorKind::NotADirectory)),
                (true, true) if !self.entries(existing).is_empty() => {
                    return Err(err(ErrorKind::DirectoryNotEmpty));
                }
                _ => {}
            }
        }
        self.check_dir_writable(from_dir)?;
        self.check_dir_writable(to_dir)?;
        // Linking first keeps the node alive between the two steps.
        self.link(to_dir, to_name, id, now);
        self.unlink(from_dir, from_name, now);
        Ok(())
    }

    pub(super) fn set_readonly(&mut self, parts: &[OsString], readonly: bool) -> io::Result<()> {
        let id = self.lookup(parts)?;
        self.node_mut(id).readonly = readonly;
        Ok(())
    }

    /// Registers an open writer of `id`, which keeps the node alive until it is dropped.
    pub(super) fn open_handle(&mut self, id: NodeId) {
        self.adjust(id, |node| node.open += 1);
    }

    /// Lets go of a writer opened in `generation`; handles from before a crash hold nothing.
    pub(super) fn close_handle(&mut self, id: NodeId, generation: u64) {
        if generation == self.generation && self.nodes.contains_key(&id) {
            self.adjust(id, |node| node.open -= 1);
        }
    }

    /// Fails if a writer opened in `generation` outlived a crash.
    pub(super) fn check_generation(&self, generation: u64) -> io::Result<()> {
        if generation == self.generation {
            Ok(())
        } else {
            Err(InjectedFault::Crashed.into_io())
        }
    }
}
