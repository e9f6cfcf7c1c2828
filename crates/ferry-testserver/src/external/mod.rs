//! Real servers from Debian's packages (nginx, redis-server, PostgreSQL), started by tests on
//! 127.0.0.1, each on a free port in a temporary directory of its own, and stopped when the
//! handle drops.
//!
//! The pieces every launcher shares live here: finding the server's binary (with an error that
//! says how to install it, never a silent skip), a free port, waiting until the server accepts
//! connections, and a child process that is killed and reaped on drop. Each server's own
//! launcher is a submodule.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub mod postgres;

/// Why an external server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// None of the places the server's binary is looked for has it.
    #[error(
        "{binary} not found (looked in {looked_in}); install the Debian package {package} \
         (`cargo xtask packages` installs every package the tests need)"
    )]
    NotInstalled {
        /// The binary's name.
        binary: String,
        /// The Debian package that ships it.
        package: String,
        /// Where it was looked for.
        looked_in: String,
    },
    /// A file or directory the server needs could not be made.
    #[error("cannot prepare {what} at {path}: {source}")]
    Prepare {
        /// What was being made.
        what: String,
        /// Where.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The process could not be started, or a setup command failed.
    #[error("cannot run {command}: {detail}")]
    Spawn {
        /// The command line.
        command: String,
        /// What went wrong (the exit status and its stderr, or the spawn error).
        detail: String,
    },
    /// The server did not accept connections in time.
    #[error("{name} did not listen on {addr} within {waited:?}{log}")]
    NotListening {
        /// The server's name.
        name: String,
        /// The address it should listen on.
        addr: SocketAddr,
        /// How long it was waited for.
        waited: Duration,
        /// The tail of its log, when there is one (starts with a newline).
        log: String,
    },
}

/// Finds `binary` on `PATH` or in one of `extra_dirs`; the error names `package`.
pub fn find_binary(
    binary: &str,
    package: &str,
    extra_dirs: &[&str],
) -> Result<PathBuf, ExternalError> {
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    let dirs: Vec<PathBuf> = path_dirs
        .into_iter()
        .chain(extra_dirs.iter().map(PathBuf::from))
        .chain(["/usr/sbin", "/sbin"].iter().map(PathBuf::from))
        .collect();
    for dir in &dirs {
        let candidate = dir.join(binary);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(ExternalError::NotInstalled {
        binary: binary.to_owned(),
        package: package.to_owned(),
        looked_in: dirs
            .iter()
            .map(|dir| dir.display().to_string())
            .collect::<Vec<_>>()
            .join(":"),
    })
}

/// A port on 127.0.0.1 that nothing listens on right now.
///
/// Ports come from 20000-32767, below Linux's ephemeral range (32768-60999), so that the
/// OS-assigned ports of other servers in the same test run (port 0) never collide with one a
/// launcher picked but has not bound yet. Each call in a process starts from a different
/// place; the port is free when this returns, and a server that loses it to another process
/// anyway is reported as [`ExternalError::NotListening`] with its log.
pub fn free_port() -> io::Result<u16> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_768;
    let start = std::process::id().wrapping_mul(7919);
    for _ in 0..COUNT {
        let offset = start.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % COUNT;
        let port = u16::try_from(FIRST + offset).expect("below 32768");
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "every port in 20000-32767 on 127.0.0.1 is taken",
    ))
}

/// Waits until something accepts TCP connections on `addr`, or `child` exits, or `limit`
/// passes; `log` (if any) is quoted in the error.
pub fn wait_for_listen(
    name: &str,
    addr: SocketAddr,
    child: &mut Child,
    limit: Duration,
    log: Option<&Path>,
) -> Result<(), ExternalError> {
    let started = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        let exited = matches!(child.try_wait(), Ok(Some(_)));
        if exited || started.elapsed() > limit {
            return Err(ExternalError::NotListening {
                name: name.to_owned(),
                addr,
                waited: started.elapsed(),
                log: log.map(log_tail).unwrap_or_default(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last lines of a log file, prefixed with a newline, for an error message.
pub fn log_tail(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(20)..];
            format!("\n--- {} ---\n{}", path.display(), tail.join("\n"))
        }
        Err(_) => String::new(),
    }
}

/// Runs a setup command to completion; a non-zero exit is an error with its stderr.
pub fn run_to_completion(command: &mut Command) -> Result<(), ExternalError> {
    let described = format!("{command:?}");
    let output = command.output().map_err(|error| ExternalError::Spawn {
        command: described.clone(),
        detail: error.to_string(),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ExternalError::Spawn {
            command: described,
            detail: format!(
                "{}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }
}

/// Starts `command` as a child process that is killed and reaped when the guard drops.
pub fn spawn_guarded(command: &mut Command) -> Result<ChildGuard, ExternalError> {
    let described = format!("{command:?}");
    command
        .spawn()
        .map(|child| ChildGuard { child })
        .map_err(|error| ExternalError::Spawn {
            command: described,
            detail: error.to_string(),
        })
}

/// A server process that is killed (SIGKILL) and reaped when this drops, so a failing test
/// leaves no server behind.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

impl ChildGuard {
    /// The process, for waiting on it or reading its id.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Killing a process that already exited fails harmlessly; reaping it either way keeps
        // no zombie behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_its_package() {
        let error = find_binary("ferry-no-such-server", "ferry-no-such-package", &[])
            .expect_err("the binary does not exist");
        let message = error.to_string();
        assert!(message.contains("ferry-no-such-package"), "{message}");
        assert!(message.contains("cargo xtask packages"), "{message}");
    }

    #[test]
    fn free_ports_are_below_the_ephemeral_range_and_differ() {
        let first = free_port().expect("a free port");
        let second = free_port().expect("another free port");
        assert!((20_000..32_768).contains(&first), "{first}");
        assert_ne!(first, second);
        TcpListener::bind((Ipv4Addr::LOCALHOST, first)).expect("the port is free");
    }

    #[test]
    fn a_guarded_child_is_killed_on_drop() {
        let mut guard = spawn_guarded(Command::new("sleep").arg("30")).expect("sleep runs");
        let pid = guard.id();
        assert!(guard.child_mut().try_wait().expect("wait").is_none());
        drop(guard);
        // After the drop the process is reaped: /proc has no entry for it any more.
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }
}
