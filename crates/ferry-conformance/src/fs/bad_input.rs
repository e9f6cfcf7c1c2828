//! Cases for bad input: each gives its typed error, no panic, nothing half-written.

use std::collections::BTreeMap;
use std::io::ErrorKind;

use ferry_fs::{FileSystemExt, FsOp};

use super::{FsEnv, TestFs, assert_names_path, names};
use crate::runtime::TestRuntime;

/// Reading a missing file is "not found", and the message names the operation and the path.
pub async fn missing_file_is_not_found_with_operation_and_path_in_message<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let path = env.root.join("absent.json");
    let error = env.fs.read(&path).await.expect_err("missing");
    assert!(error.is_not_found() && error.is_io(), "got {error}");
    assert_eq!(error.op(), FsOp::Read);
    assert_eq!(error.path(), path);
    assert!(
        error
            .to_string()
            .starts_with(&format!("failed to read {}: ", path.display())),
        "message: {error}"
    );
    let via_json = env.fs.read_json::<u32>(&path).await.expect_err("missing");
    assert!(via_json.is_not_found(), "got {via_json}");
    let via_stream = env.fs.open_read(&path).await.expect_err("missing");
    assert!(
        via_stream.is_not_found() && via_stream.op() == FsOp::Open,
        "got {via_stream}"
    );
    let via_listing = env.fs.read_dir(&path).await.expect_err("missing");
    assert!(via_listing.is_not_found() && via_listing.op() == FsOp::ReadDir);
}

/// JSON that does not parse, or does not fit the type, is a JSON error naming the file.
pub async fn invalid_json_is_a_json_error_with_path_and_no_value<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let broken = env.root.join("broken.json");
    env.fs.write(&broken, b"{\"id\": 1,").await.expect("write");
    let error = env
        .fs
        .read_json::<serde_json::Value>(&broken)
        .await
        .expect_err("broken");
    assert!(error.is_json() && !error.is_io(), "got {error}");
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert_names_path(&error, &broken);
    assert!(error.json_error().is_some_and(|json| json.line() == 1));

    let wrong_shape = env.root.join("shape.json");
    env.fs.write(&wrong_shape, b"[1, 2]").await.expect("write");
    let error = env
        .fs
        .read_json::<BTreeMap<String, u32>>(&wrong_shape)
        .await
        .expect_err("shape");
    assert!(error.is_json(), "got {error}");
}

/// Bytes that are not UTF-8 read as text give a UTF-8 error naming the file; as bytes they
/// read fine.
pub async fn non_utf8_text_is_an_invalid_utf8_error<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let path = env.root.join("latin1.txt");
    env.fs.write(&path, b"caf\xe9").await.expect("write");
    let error = env.fs.read_to_string(&path).await.expect_err("not UTF-8");
    assert!(error.is_invalid_utf8() && !error.is_io(), "got {error}");
    assert_eq!(error.utf8_error().map(|utf8| utf8.valid_up_to()), Some(3));
    assert_names_path(&error, &path);
    let json = env
        .fs
        .read_json::<String>(&path)
        .await
        .expect_err("not JSON");
    assert!(json.is_json(), "got {json}");
    assert_eq!(
        env.fs.read(&path).await.expect("bytes are fine"),
        b"caf\xe9"
    );
}

/// A value JSON cannot express fails before the file is touched.
pub async fn unserializable_value_is_a_json_error_and_writes_nothing<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    // JSON object keys must be strings; a tuple key cannot be written.
    let value = BTreeMap::from([((1u8, 2u8), "pair")]);
    let path = env.root.join("never.json");
    let error = env
        .fs
        .write_json(&path, &value)
        .await
        .expect_err("tuple keys");
    assert!(error.is_json() && error.op() == FsOp::Write, "got {error}");
    assert_names_path(&error, &path);
    let error = env
        .fs
        .write_json_atomic(&path, &value)
        .await
        .expect_err("tuple keys");
    assert!(error.is_json(), "got {error}");
    assert_eq!(names(&env.fs, &env.root).await, Vec::<String>::new());
}

/// Writing a read-only file, or creating a file in a read-only directory, is "permission
/// denied" and changes nothing. Skipped, with a note, where permissions are not enforced
/// (root on Unix).
pub async fn writing_into_read_only_file_or_directory_is_permission_denied<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    if !env.enforces_permissions {
        println!("skipped: read-only permissions are not enforced here (running as root?)");
        return;
    }
    let file = env.root.join("locked.txt");
    env.fs.write(&file, b"original").await.expect("write");
    env.fs.set_readonly(&file, true).await.expect("lock file");
    let error = env
        .fs
        .write(&file, b"changed")
        .await
        .expect_err("file is read-only");
    assert!(error.is_permission_denied(), "got {error}");
    assert_names_path(&error, &file);
    let error = env.fs.write_atomic(&file, b"changed").await;
    // Replacing a read-only file by rename is allowed on Unix (the directory is writable), so
    // only the plain write must fail; either way the content is whole.
    let expected: &[u8] = if error.is_ok() {
        b"changed"
    } else {
        b"original"
    };
    assert_eq!(env.fs.read(&file).await.expect("read"), expected);
    env.fs.set_readonly(&file, false).await.ok();

    let dir = env.root.join("locked-dir");
    env.fs.create_dir(&dir).await.expect("create dir");
    env.fs.set_readonly(&dir, true).await.expect("lock dir");
    let inside = dir.join("new.txt");
    let error = env
        .fs
        .write(&inside, b"x")
        .await
        .expect_err("dir is read-only");
    let atomic = env
        .fs
        .write_atomic(&inside, b"x")
        .await
        .expect_err("dir is read-only");
    env.fs.set_readonly(&dir, false).await.expect("unlock dir");
    assert!(error.is_permission_denied(), "got {error}");
    assert!(atomic.is_permission_denied(), "got {atomic}");
    assert_eq!(names(&env.fs, &dir).await, Vec::<String>::new());
}

/// A path below a regular file cannot be written, even by root: the error is typed, names the
/// path, and nothing is created.
pub async fn writing_below_a_regular_file_fails_and_creates_nothing<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let plain = env.root.join("plain.txt");
    env.fs.write(&plain, b"just a file").await.expect("write");
    let below = plain.join("child.txt");

    let error = env
        .fs
        .write(&below, b"x")
        .await
        .expect_err("parent is a file");
    // NotADirectory on Unix; Windows says the path is not found.
    assert!(
        matches!(error.kind(), ErrorKind::NotADirectory | ErrorKind::NotFound),
        "got {error}"
    );
    assert_eq!(error.op(), FsOp::Write);
    assert_names_path(&error, &below);
    let error = env
        .fs
        .write_atomic(&below, b"x")
        .await
        .expect_err("parent is a file");
    assert!(error.is_io(), "got {error}");
    let error = env
        .fs
        .create_dir_all(&below)
        .await
        .expect_err("parent is a file");
    assert!(error.is_io(), "got {error}");

    assert_eq!(env.fs.read(&plain).await.expect("read"), b"just a file");
    assert_eq!(names(&env.fs, &env.root).await, ["plain.txt"]);
}
