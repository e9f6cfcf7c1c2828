//! Symbolic links in the in-memory tree: making and reading them, resolving paths through
//! them, and the rename that never replaces anything.

use std::ffi::OsString;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tree::{Kind, NodeId, ROOT, State, err, parts};

/// How many links one resolution may follow before it gives up, as Linux's `ELOOP` limit.
pub(super) const MAX_LINK_HOPS: u32 = 40;

/// The error of a path that goes through more than [`MAX_LINK_HOPS`] links (a loop).
fn too_many_links() -> io::Error {
    io::Error::other(format!(
        "too many levels of symbolic links (more than {MAX_LINK_HOPS})"
    ))
}

/// The components `target` names when a link to it sits in the directory `dir_parts`: an
/// absolute target from the root, a relative one from that directory, followed by `rest`.
fn through_link(
    dir_parts: &[OsString],
    target: &Path,
    rest: &[OsString],
) -> io::Result<Vec<OsString>> {
    let mut path = PathBuf::from("/");
    if !target.is_absolute() {
        path.extend(dir_parts);
    }
    path.push(target);
    path.extend(rest);
    parts(&path)
}

impl State {
    /// The node at `parts`, following every symbolic link on the way, and the last one too
    /// if `follow_last`. `..` is resolved lexically before any link is followed.
    pub(super) fn resolve(&self, parts: &[OsString], follow_last: bool) -> io::Result<NodeId> {
        let mut current: Vec<OsString> = parts.to_vec();
        let mut hops = 0;
        'restart: loop {
            let mut id = ROOT;
            for (index, name) in current.iter().enumerate() {
                let child = match &self.node(id).kind {
                    Kind::Dir { entries, .. } => {
                        *entries.get(name).ok_or_else(|| err(ErrorKind::NotFound))?
                    }
                    Kind::File { .. } | Kind::Symlink { .. } => {
                        return Err(err(ErrorKind::NotADirectory));
                    }
                };
                let is_last = index + 1 == current.len();
                if let Kind::Symlink { target } = &self.node(child).kind {
                    if !is_last || follow_last {
                        hops += 1;
                        if hops > MAX_LINK_HOPS {
                            return Err(too_many_links());
                        }
                        current = through_link(&current[..index], target, &current[index + 1..])?;
                        continue 'restart;
                    }
                }
                id = child;
            }
            return Ok(id);
        }
    }

    /// `parts`, or, while a symbolic link sits at it, the path the link points to; with
    /// `keep_link`, `parts` as it is.
    pub(super) fn follow_final_links(
        &self,
        parts: &[OsString],
        keep_link: bool,
    ) -> io::Result<Vec<OsString>> {
        let mut current = parts.to_vec();
        if keep_link {
            return Ok(current);
        }
        for _ in 0..MAX_LINK_HOPS {
            let Some((dir, name)) = self.lookup_parent(&current)? else {
                return Ok(current);
            };
            let Some(id) = self.entry(dir, name) else {
                return Ok(current);
            };
            let Kind::Symlink { target } = &self.node(id).kind else {
                return Ok(current);
            };
            let (_, dir_parts) = current.split_last().expect("a name was found above");
            current = through_link(dir_parts, target, &[])?;
        }
        Err(too_many_links())
    }

    /// Makes a symbolic link at `link` pointing to `target`, like `symlink(2)`: the link's
    /// directory must exist and the name be free; the target need not exist.
    pub(super) fn symlink(
        &mut self,
        target: &Path,
        link: &[OsString],
        now: Duration,
    ) -> io::Result<()> {
        if target.as_os_str().is_empty() {
            return Err(err(ErrorKind::NotFound));
        }
        let Some((dir, name)) = self.lookup_parent(link)? else {
            return Err(err(ErrorKind::AlreadyExists));
        };
        if self.entry(dir, name).is_some() {
            return Err(err(ErrorKind::AlreadyExists));
        }
        self.check_dir_writable(dir)?;
        let kind = Kind::Symlink {
            target: target.to_path_buf(),
        };
        self.create(dir, name, kind, now);
        Ok(())
    }

    /// What the symbolic link at `link` points to, like `readlink(2)`.
    pub(super) fn read_link(&self, link: &[OsString]) -> io::Result<PathBuf> {
        match &self.node(self.resolve(link, false)?).kind {
            Kind::Symlink { target } => Ok(target.clone()),
            Kind::File { .. } | Kind::Dir { .. } => Err(err(ErrorKind::InvalidInput)),
        }
    }

    /// Renames like `renameat2(2)` with `RENAME_NOREPLACE`: as [`rename`](Self::rename), but
    /// fails with `AlreadyExists` if anything (a file, a directory, a link, dangling or not)
    /// has the new name, in the same step as the check.
    pub(super) fn rename_noreplace(
        &mut self,
        from: &[OsString],
        to: &[OsString],
        now: Duration,
    ) -> io::Result<()> {
        if let Some((to_dir, to_name)) = self.lookup_parent(to)? {
            if self.entry(to_dir, to_name).is_some() {
                return Err(err(ErrorKind::AlreadyExists));
            }
        }
        self.rename(from, to, now)
    }
}
