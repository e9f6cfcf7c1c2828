//! A throwaway PostgreSQL server: `initdb` in a temporary directory, `postgres` on
//! 127.0.0.1 on a free port with trust authentication, stopped (fast shutdown) and removed on
//! drop.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then both commands run as the
//! `postgres` user (which Debian's package creates) through `setpriv`, which `exec`s, so the
//! process this holds is the postmaster itself and a signal to it reaches the server. The
//! server is also killed when the thread that started it ends (`--pdeathsig`): start a
//! server shared by many tests on a thread that lives as long as the process.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    ChildGuard, ExternalError, find_binary, free_port, run_to_completion, spawn_guarded,
    wait_for_listen,
};

/// Where Debian puts the server's binaries, newest first.
const BIN_DIRS: &[&str] = &[
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
];

/// The superuser `initdb` creates; trust authentication lets it in without a password.
pub const SUPERUSER: &str = "postgres";

/// A running PostgreSQL server; stopped and deleted when dropped.
#[derive(Debug)]
pub struct PostgresServer {
    server: ChildGuard,
    port: u16,
    log: PathBuf,
    // Dropped last: the server must be stopped before its directory goes.
    dir: tempfile::TempDir,
}

fn as_postgres_user(binary: &Path, run_as: bool) -> Command {
    // setpriv `exec`s the binary: the child is the server itself. `--pdeathsig KILL` ends it
    // when the thread that started it ends, so a server held in a static (shared by a test
    // binary's tests) does not outlive the process.
    let mut command = Command::new("setpriv");
    command.args(["--pdeathsig", "KILL"]);
    if run_as {
        command.args(["--reuid", SUPERUSER, "--regid", SUPERUSER, "--init-groups"]);
    }
    command.arg("--").arg(binary);
    command
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl PostgresServer {
    /// Makes a cluster in a new temporary directory and starts the server on a free port of
    /// 127.0.0.1 (fsync off: the data is thrown away).
    ///
    /// # Errors
    ///
    /// [`ExternalError::NotInstalled`] naming the `postgresql` package if the binaries are
    /// missing; the failing command's stderr, or the server's log, otherwise.
    pub fn start() -> Result<Self, ExternalError> {
        let initdb = find_binary("initdb", "postgresql", BIN_DIRS)?;
        let postgres = find_binary("postgres", "postgresql", BIN_DIRS)?;
        let run_as = is_root();
        let prepare = |what: &str, path: &Path, source: std::io::Error| ExternalError::Prepare {
            what: what.to_owned(),
            path: path.to_owned(),
            source,
        };
        let dir = tempfile::Builder::new()
            .prefix("ferry-postgres-")
            .tempdir()
            .map_err(|error| prepare("a temporary directory", Path::new("/tmp"), error))?;
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        if run_as {
            run_to_completion(
                Command::new("chown")
                    .arg(format!("{SUPERUSER}:{SUPERUSER}"))
                    .arg(dir.path()),
            )?;
        }
        run_to_completion(
            as_postgres_user(&initdb, run_as)
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ])
                .stdout(Stdio::null()),
        )?;
        let port = free_port().map_err(|error| prepare("a free port", dir.path(), error))?;
        let log_file =
            std::fs::File::create(&log).map_err(|error| prepare("the log", &log, error))?;
        let log_err = log_file
            .try_clone()
            .map_err(|error| prepare("the log", &log, error))?;
        let mut server = spawn_guarded(
            as_postgres_user(&postgres, run_as)
                .arg("-D")
                .arg(&data)
                .args(["-p", &port.to_string(), "-k"])
                .arg(dir.path())
                .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
                .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
                .args(["-c", "max_connections=50"])
                .stdout(log_file)
                .stderr(log_err),
        )?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        wait_for_listen(
            "postgres",
            addr,
            server.child_mut(),
            Duration::from_secs(30),
            Some(&log),
        )?;
        Ok(Self {
            server,
            port,
            log,
            dir,
        })
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for database `dbname` as the superuser (`postgres` always exists).
    pub fn url(&self, dbname: &str) -> String {
        format!("postgresql://{SUPERUSER}@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The server's log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown: backends end, the postmaster exits. SIGKILL
        // (the guard's, after this) would orphan the backends.
        let pid = self.server.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if matches!(self.server.child_mut().try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
