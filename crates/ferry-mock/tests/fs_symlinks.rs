//! What only the in-memory file system's symbolic links can show: loops end in an error,
//! `read_link` gives the target as made, links survive a crash once their directory is
//! synced, and their making is traced. (How links behave in every operation is checked on
//! every backend by the conformance suite.)

use std::path::Path;

use ferry_fs::{FileSystem, FileSystemExt};
use ferry_mock::MemFs;
use futures::executor::block_on;

fn p(path: &str) -> &Path {
    Path::new(path)
}

#[test]
fn a_loop_of_links_is_an_error_not_a_hang() {
    block_on(async {
        let fs = MemFs::standalone();
        fs.symlink("/b", "/a").unwrap();
        fs.symlink("/a", "/b").unwrap();
        fs.symlink("/self/x", "/self").unwrap();
        for path in ["/a", "/self/x/y"] {
            let error = fs.read(p(path)).await.expect_err("a loop");
            assert!(
                error
                    .to_string()
                    .contains("too many levels of symbolic links"),
                "{path}: {error}"
            );
        }
        // The links themselves can still be removed.
        fs.remove_file(p("/a")).await.unwrap();
        assert!(fs.read(p("/b")).await.unwrap_err().is_not_found());
    });
}

#[test]
fn read_link_gives_the_target_as_made_and_refuses_what_is_no_link() {
    block_on(async {
        let fs = MemFs::standalone();
        fs.create_dir(p("/d")).await.unwrap();
        fs.symlink("../elsewhere/f", "/d/rel").unwrap();
        assert_eq!(fs.read_link("/d/rel").unwrap(), p("../elsewhere/f"));
        fs.write(p("/d/file"), b"x").await.unwrap();
        let error = fs.read_link("/d/file").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(fs.read_link("/d/none").unwrap_err().is_not_found());
        let taken = fs.symlink("/x", "/d/file").unwrap_err();
        assert!(taken.is_already_exists(), "{taken}");
        assert!(
            fs.symlink("/x", "/missing/link")
                .unwrap_err()
                .is_not_found()
        );
    });
}

#[test]
fn a_link_survives_a_crash_once_its_directory_is_synced() {
    ferry_mock::run(1, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.write_atomic("/target", b"t").await.unwrap();
        fs.symlink("/target", "/synced").unwrap();
        fs.sync_dir(p("/")).await.unwrap();
        fs.symlink("/target", "/unsynced").unwrap();
        fs.crash();
        assert_eq!(fs.read_link("/synced").unwrap(), p("/target"));
        assert_eq!(fs.read(p("/synced")).await.unwrap(), b"t");
        assert!(fs.read_link("/unsynced").unwrap_err().is_not_found());
        let trace: Vec<String> = rt.trace().iter().map(ToString::to_string).collect();
        assert!(
            trace
                .iter()
                .any(|event| event.contains("symlink /synced -> /target: ok")),
            "{trace:#?}"
        );
    });
}
