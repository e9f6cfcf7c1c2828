//! The [`FileSystem`] implementation: wait, resolve, act on the tree, trace.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ferry_fs::{DirEntry, FileReader, FileSystem, FileWriter, FsError, FsOp, Metadata, WriteMode};

use super::MemFs;
use super::faults::InjectedFault;
use super::file::{MemReader, MemWriter};
use super::tree::{self, State};

impl MemFs {
    /// Runs one operation on `path`: waits, resolves the path, checks the denied prefixes,
    /// runs `act` on the tree, and traces "`name` `path``extra`: outcome".
    async fn run<T>(
        &self,
        op: FsOp,
        name: &str,
        path: &Path,
        extra: String,
        act: impl FnOnce(&mut State, &[OsString], Duration) -> io::Result<T>,
    ) -> Result<T, FsError> {
        self.shared.pause().await;
        let now = self.shared.now();
        let result = tree::parts(path).and_then(|parts| {
            let mut state = self.shared.lock();
            state
                .faults
                .check_access(&parts)
                .map_err(InjectedFault::into_io)?;
            act(&mut state, &parts, now)
        });
        self.shared.record(
            format_args!("{name} {}{extra}", self.shared.show(path)),
            result.as_ref().map(|_| ()),
        );
        result.map_err(|error| FsError::new(op, path, error))
    }
}

#[async_trait::async_trait]
impl FileSystem for MemFs {
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        let data = self
            .run(
                FsOp::Read,
                "read",
                path,
                String::new(),
                |state, parts, _| state.read(parts),
            )
            .await?;
        Ok(data.as_ref().clone())
    }

    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        let extra = format!(" ({} bytes)", contents.len());
        self.run(FsOp::Write, "write", path, extra, |state, parts, now| {
            // Checked before the file is opened and truncated: the failed write changes
            // nothing.
            state
                .faults
                .check_write(parts)
                .map_err(InjectedFault::into_io)?;
            let id = state.open_write(parts, WriteMode::Truncate, now)?;
            state.write_all_at_end(id, contents, now)
        })
        .await
    }

    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        let extra = format!(" ({} bytes)", contents.len());
        self.run(FsOp::Append, "append", path, extra, |state, parts, now| {
            state
                .faults
                .check_write(parts)
                .map_err(InjectedFault::into_io)?;
            let id = state.open_write(parts, WriteMode::Append, now)?;
            state.write_all_at_end(id, contents, now)
        })
        .await
    }

    async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
        let act = |state: &mut State, parts: &[OsString], now| state.create_dir(parts, now);
        self.run(FsOp::CreateDir, "create_dir", path, String::new(), act)
            .await
    }

    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
        let act = |state: &mut State, parts: &[OsString], now| state.create_dir_all(parts, now);
        self.run(FsOp::CreateDir, "create_dir_all", path, String::new(), act)
            .await
    }

    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let listing = self
            .run(
                FsOp::ReadDir,
                "read_dir",
                path,
                String::new(),
                |state, parts, _| state.read_dir(parts),
            )
            .await?;
        Ok(listing
            .into_iter()
            .map(|(name, metadata)| DirEntry::new(path.join(name), metadata))
            .collect())
    }

    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        let act = |state: &mut State, parts: &[OsString], now| state.remove_file(parts, now);
        let result = self
            .run(FsOp::RemoveFile, "remove_file", path, String::new(), act)
            .await;
        if result.is_ok() {
            self.shared.forget(path);
        }
        result
    }

    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
        let act = |state: &mut State, parts: &[OsString], now| state.remove_dir_all(parts, now);
        self.run(FsOp::RemoveDir, "remove_dir_all", path, String::new(), act)
            .await
    }

    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        self.shared.pause().await;
        let now = self.shared.now();
        let result = tree::parts(from).and_then(|from_parts| {
            let to_parts = tree::parts(to)?;
            let mut state = self.shared.lock();
            for parts in [&from_parts, &to_parts] {
                state
                    .faults
                    .check_access(parts)
                    .map_err(InjectedFault::into_io)?;
            }
            state.rename(&from_parts, &to_parts, now)
        });
        self.shared.record(
            format_args!(
                "rename {} to {}",
                self.shared.show(from),
                self.shared.show(to)
            ),
            result.as_ref().map(|_| ()),
        );
        if result.is_ok() {
            self.shared.forget(from);
        }
        result.map_err(|error| FsError::rename(from, to, error))
    }

    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.run(
            FsOp::Metadata,
            "metadata",
            path,
            String::new(),
            |state, parts, _| Ok(state.node(state.lookup(parts)?).metadata()),
        )
        .await
    }

    async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError> {
        let extra = format!(" {readonly}");
        self.run(
            FsOp::SetPermissions,
            "set_readonly",
            path,
            extra,
            |state, parts, _| state.set_readonly(parts, readonly),
        )
        .await
    }

    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        let data = self
            .run(
                FsOp::Open,
                "open_read",
                path,
                String::new(),
                |state, parts, _| state.read(parts),
            )
            .await?;
        Ok(FileReader::new(path, Box::new(MemReader { data, pos: 0 })))
    }

    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        let extra = format!(" {mode:?}");
        let (id, generation, parts) = self
            .run(
                FsOp::Open,
                "open_write",
                path,
                extra,
                |state, parts, now| {
                    let id = state.open_write(parts, mode, now)?;
                    state.open_handle(id);
                    Ok((id, state.generation, parts.to_vec()))
                },
            )
            .await?;
        let writer = MemWriter {
            fs: Arc::clone(&self.shared),
            id,
            generation,
            path: path.to_path_buf(),
            parts,
            offset: (mode != WriteMode::Append).then_some(0),
            written: 0,
            sync: None,
            closed: false,
        };
        Ok(FileWriter::new(path, Box::new(writer)))
    }

    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.run(
            FsOp::SyncDir,
            "sync_dir",
            path,
            String::new(),
            |state, parts, _| {
                // Like fsync on an open file: a directory's entries, or a file's data.
                let id = state.lookup(parts)?;
                state.sync_node(id);
                Ok(())
            },
        )
        .await
    }

    fn remove_file_in_background(&self, path: PathBuf) {
        // Memory needs no background: remove at once, without the latency, and ignore errors.
        let now = self.shared.now();
        let result = tree::parts(&path).and_then(|parts| {
            let mut state = self.shared.lock();
            state
                .faults
                .check_access(&parts)
                .map_err(InjectedFault::into_io)?;
            state.remove_file(&parts, now)
        });
        self.shared.record(
            format_args!("remove_file_in_background {}", self.shared.show(&path)),
            result.as_ref().map(|_| ()),
        );
        if result.is_ok() {
            self.shared.forget(&path);
        }
    }
}
