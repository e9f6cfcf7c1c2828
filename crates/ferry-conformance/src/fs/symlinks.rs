//! Symbolic links, as every file system shows them: followed to read and write, never to
//! remove or rename, and reported as links by a listing.

use std::io::ErrorKind;
use std::path::Path;

use ferry_fs::{FileSystem, FileType, WriteMode};

use super::{FsEnv, TestFs};
use crate::runtime::TestRuntime;

async fn kind_in_listing(fs: &impl FileSystem, dir: &Path, name: &str) -> Option<FileType> {
    fs.read_dir(dir)
        .await
        .expect("list")
        .iter()
        .find(|entry| entry.name() == name)
        .map(|entry| entry.metadata().file_type())
}

/// Reading, `metadata` and writing follow a link (writing through a dangling one creates its
/// target); `CreateNew` refuses it; `rename` onto it, `remove_file` and `remove_dir_all`
/// act on the link alone; a relative target is taken from the link's directory.
pub async fn symlinks_are_followed_to_read_and_write_never_to_remove_or_rename<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let Some(symlinks) = &env.symlinks else {
        println!("skipped: this file system has no symbolic links");
        return;
    };
    let (fs, root) = (&env.fs, &env.root);
    let target = root.join("t.txt");
    let link = root.join("l.txt");
    fs.write(&target, b"target").await.expect("write target");
    symlinks.make(&target, &link);
    assert_eq!(fs.read(&link).await.expect("read through"), b"target");
    assert!(fs.metadata(&link).await.expect("metadata").is_file());
    assert_eq!(
        kind_in_listing(fs, root, "l.txt").await,
        Some(FileType::Symlink)
    );
    fs.write(&link, b"via link").await.expect("write through");
    assert_eq!(fs.read(&target).await.expect("read target"), b"via link");
    let error = fs
        .open_write(&link, WriteMode::CreateNew)
        .await
        .expect_err("a link takes the name");
    assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");

    let dangling = root.join("dangling.txt");
    let missing = root.join("missing.txt");
    symlinks.make(&missing, &dangling);
    let error = fs.metadata(&dangling).await.expect_err("nothing behind it");
    assert!(error.is_not_found(), "{error}");
    fs.write(&dangling, b"made").await.expect("write through");
    assert_eq!(fs.read(&missing).await.expect("target made"), b"made");
    fs.remove_file(&dangling).await.expect("remove the link");
    assert_eq!(kind_in_listing(fs, root, "dangling.txt").await, None);
    assert_eq!(fs.read(&missing).await.expect("target stays"), b"made");

    let relative = root.join("relative.txt");
    symlinks.make(Path::new("t.txt"), &relative);
    assert_eq!(fs.read(&relative).await.expect("relative"), b"via link");

    let other = root.join("other.txt");
    fs.write(&other, b"other").await.expect("write other");
    fs.rename(&other, &link)
        .await
        .expect("rename onto the link");
    assert_eq!(
        kind_in_listing(fs, root, "l.txt").await,
        Some(FileType::File)
    );
    assert_eq!(fs.read(&link).await.expect("the moved file"), b"other");
    assert_eq!(fs.read(&target).await.expect("target stays"), b"via link");

    let sub = root.join("sub");
    let dir_link = root.join("sub-link");
    fs.create_dir(&sub).await.expect("create sub");
    fs.write(&sub.join("f"), b"f").await.expect("write sub/f");
    symlinks.make(&sub, &dir_link);
    let listed: Vec<_> = fs
        .read_dir(&dir_link)
        .await
        .expect("list through the link")
        .iter()
        .map(|entry| entry.name().to_owned())
        .collect();
    assert_eq!(listed, ["f"]);
    assert_eq!(
        fs.read(&dir_link.join("f")).await.expect("read below"),
        b"f"
    );
    fs.remove_dir_all(&dir_link)
        .await
        .expect("remove the link to a directory");
    assert_eq!(kind_in_listing(fs, root, "sub-link").await, None);
    assert_eq!(
        fs.read(&sub.join("f")).await.expect("the directory stays"),
        b"f"
    );
}
