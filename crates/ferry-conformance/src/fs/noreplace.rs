//! `rename_noreplace`: a move that never replaces anything, and of which exactly one of two
//! racing callers wins.

use ferry_core::SpawnExt;
use ferry_fs::{FileSystemExt, FsOp};

use super::{FsEnv, TestFs, names};
use crate::runtime::TestRuntime;

/// To a free name, `rename_noreplace` moves the file like `rename`.
pub async fn rename_noreplace_moves_to_a_free_name<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let from = env.root.join(".part");
    let to = env.root.join("done.txt");
    env.fs.write(&from, b"body").await.expect("write source");
    env.fs
        .rename_noreplace(&from, &to)
        .await
        .expect("rename to a free name");
    assert_eq!(env.fs.read(&to).await.expect("read target"), b"body");
    assert_eq!(names(&env.fs, &env.root).await, ["done.txt"]);
}

/// A file or a directory at the new name makes `rename_noreplace` fail with "already
/// exists", naming both paths, and both entries stay as they were.
pub async fn rename_noreplace_refuses_a_file_or_a_directory_and_changes_nothing<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let from = env.root.join(".part");
    let file = env.root.join("file.txt");
    let dir = env.root.join("dir.txt");
    env.fs.write(&from, b"new").await.expect("write source");
    env.fs.write(&file, b"old").await.expect("write target");
    env.fs.create_dir(&dir).await.expect("create dir");
    env.fs
        .write(&dir.join("inside"), b"kept")
        .await
        .expect("write inside");
    for to in [&file, &dir] {
        let error = env
            .fs
            .rename_noreplace(&from, to)
            .await
            .expect_err("the name is taken");
        assert!(
            error.is_already_exists(),
            "onto {}: got {error}",
            to.display()
        );
        assert_eq!(error.op(), FsOp::Rename);
        assert_eq!(error.target(), Some(to.as_path()));
    }
    assert_eq!(env.fs.read(&from).await.expect("source stays"), b"new");
    assert_eq!(env.fs.read(&file).await.expect("file stays"), b"old");
    assert_eq!(
        env.fs.read(&dir.join("inside")).await.expect("dir stays"),
        b"kept"
    );
    assert_eq!(
        names(&env.fs, &env.root).await,
        [".part", "dir.txt", "file.txt"]
    );
}

/// A symbolic link at the new name, to a file or to nothing, is taken too: neither the link
/// nor what it points to changes.
pub async fn rename_noreplace_refuses_a_symlink_dangling_or_not<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let Some(symlinks) = &env.symlinks else {
        println!("skipped: this file system has no symbolic links");
        return;
    };
    let from = env.root.join(".part");
    let secret = env.root.join("secret.txt");
    let link = env.root.join("link.txt");
    let dangling = env.root.join("dangling.txt");
    let nowhere = env.root.join("nowhere.txt");
    env.fs.write(&from, b"new").await.expect("write source");
    env.fs
        .write(&secret, b"secret")
        .await
        .expect("write secret");
    symlinks.make(&secret, &link);
    symlinks.make(&nowhere, &dangling);
    for to in [&link, &dangling] {
        let error = env
            .fs
            .rename_noreplace(&from, to)
            .await
            .expect_err("a link takes the name");
        assert!(
            error.is_already_exists(),
            "onto {}: got {error}",
            to.display()
        );
    }
    assert_eq!(
        env.fs.read(&link).await.expect("read through link"),
        b"secret"
    );
    assert!(
        !env.fs.exists(&nowhere).await.expect("exists"),
        "nothing was created through the dangling link"
    );
    let listing = env.fs.read_dir(&env.root).await.expect("list");
    let links = listing
        .iter()
        .filter(|entry| entry.metadata().is_symlink())
        .count();
    assert_eq!(links, 2, "both links are still links: {listing:?}");
}

/// Two tasks moving two files to one free name at once: exactly one succeeds, the other gets
/// "already exists", and the name holds the winner's content whole.
pub async fn racing_rename_noreplace_to_one_name_has_one_winner<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    const ROUNDS: usize = 20;
    for round in 0..ROUNDS {
        let to = env.root.join(format!("race-{round}.txt"));
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|who| {
                let (fs, to) = (env.fs.clone(), to.clone());
                let from = env.root.join(format!(".{who}-{round}"));
                env.rt.spawn(async move {
                    fs.write(&from, who.as_bytes()).await.expect("write source");
                    (who, fs.rename_noreplace(&from, &to).await)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (who, outcome) = task.await.expect("task");
            match outcome {
                Ok(()) => winners.push(who),
                Err(error) => assert!(error.is_already_exists(), "round {round}: {error}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let content = env.fs.read(&to).await.expect("read the name");
        assert_eq!(content, winners[0].as_bytes(), "round {round}");
    }
}
