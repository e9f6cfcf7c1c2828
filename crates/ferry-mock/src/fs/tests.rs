//! Bookkeeping that the public API cannot see: nodes are freed once nothing refers to them,
//! and the space count matches the files.

use std::path::Path;

use ferry_fs::{FileSystem, FileSystemExt, WriteMode};
use futures::executor::block_on;

use super::MemFs;
use super::tree::Kind;

fn node_count(fs: &MemFs) -> usize {
    fs.shared.lock().nodes.len()
}

/// The space count recomputed from scratch: the content of every file still named or open.
fn recount(fs: &MemFs) -> u64 {
    let state = fs.shared.lock();
    state
        .nodes
        .values()
        .filter(|node| node.links > 0 || node.open > 0)
        .map(|node| match &node.kind {
            Kind::File { data, .. } => data.len() as u64,
            Kind::Dir { .. } => 0,
        })
        .sum()
}

#[test]
fn replaced_and_removed_files_are_freed_once_no_durable_entry_names_them() {
    block_on(async {
        let fs = MemFs::standalone();
        for round in 0..100u32 {
            fs.write_atomic("/state", round.to_be_bytes())
                .await
                .unwrap();
        }
        // The root and the one file: every replaced version and temporary file is gone.
        assert_eq!(node_count(&fs), 2);

        fs.write(Path::new("/tmp-a"), b"a").await.unwrap();
        fs.sync_dir(Path::new("/")).await.unwrap();
        fs.remove_file(Path::new("/tmp-a")).await.unwrap();
        assert_eq!(node_count(&fs), 3, "a crash would bring /tmp-a back");
        fs.sync_dir(Path::new("/")).await.unwrap();
        assert_eq!(node_count(&fs), 2);

        fs.create_dir_all(Path::new("/x/y/z")).await.unwrap();
        fs.write(Path::new("/x/y/z/f"), b"f").await.unwrap();
        fs.remove_dir_all(Path::new("/x")).await.unwrap();
        assert_eq!(node_count(&fs), 2);
    });
}

#[test]
fn space_count_matches_the_files_through_every_kind_of_change() {
    block_on(async {
        let fs = MemFs::standalone();
        fs.create_dir_all(Path::new("/a/b")).await.unwrap();
        fs.write(Path::new("/a/b/one"), &[1; 100]).await.unwrap();
        fs.write(Path::new("/a/two"), &[2; 50]).await.unwrap();
        fs.sync_everything();
        fs.rename(Path::new("/a/two"), Path::new("/a/b/one"))
            .await
            .unwrap();
        assert_eq!((fs.used_space(), recount(&fs)), (50, 50));
        let mut writer = fs
            .open_write(Path::new("/a/w"), WriteMode::CreateNew)
            .await
            .unwrap();
        futures::io::AsyncWriteExt::write_all(&mut writer, &[3; 30])
            .await
            .unwrap();
        fs.remove_dir_all(Path::new("/a")).await.unwrap();
        assert_eq!((fs.used_space(), recount(&fs)), (30, 30));
        drop(writer);
        assert_eq!((fs.used_space(), recount(&fs)), (0, 0));
        fs.crash();
        assert_eq!((fs.used_space(), recount(&fs)), (150, 150));
    });
}
