//! What the PostgreSQL tests share: one server per test binary, a fresh database per case,
//! and the socket connectors for tokio and smol.

#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use ferry_db::postgres::{Connect, connector};
use ferry_testserver::external::postgres::PostgresServer;

/// The port of this process's server, started on first use on a thread that lives as long as
/// the process (the server is killed when that thread ends). A server that cannot start
/// fails the test with the launcher's message.
pub fn server_port() -> u16 {
    static PORT: OnceLock<Result<u16, String>> = OnceLock::new();
    PORT.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || match PostgresServer::start() {
            Ok(server) => {
                let _ = sender.send(Ok(server.port()));
                loop {
                    std::thread::park();
                }
            }
            Err(error) => {
                let _ = sender.send(Err(error.to_string()));
            }
        });
        receiver
            .recv()
            .unwrap_or_else(|_| Err("the server thread ended".to_owned()))
    })
    .clone()
    .unwrap_or_else(|error| panic!("cannot start PostgreSQL: {error}"))
}

/// A URL for database `name` on this process's server.
pub fn url(name: &str) -> String {
    format!("postgresql://postgres@127.0.0.1:{}/{name}", server_port())
}

/// Makes a new, empty database and returns its name.
pub fn fresh_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "case_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let port = server_port().to_string();
    let psql = ferry_testserver::external::find_binary(
        "psql",
        "postgresql-client",
        &["/usr/lib/postgresql/15/bin"],
    )
    .expect("psql");
    ferry_testserver::external::run_to_completion(
        std::process::Command::new(psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
            ])
            .args(["-c", &format!("CREATE DATABASE {name}")]),
    )
    .expect("create database");
    name
}

/// Sockets from tokio's reactor.
pub fn tokio_connector() -> impl Connect {
    connector(|host: String, port: u16| async move {
        tokio::net::TcpStream::connect((host.as_str(), port)).await
    })
}

/// Sockets from smol's reactor (async-io), adapted to tokio's I/O traits with tokio-util's
/// `compat`, which runs no tokio runtime.
pub fn smol_connector() -> impl Connect {
    use tokio_util::compat::FuturesAsyncReadCompatExt;
    connector(|host: String, port: u16| async move {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?
            .next()
            .ok_or_else(|| std::io::Error::other("the host has no address"))?;
        Ok(async_io::Async::<std::net::TcpStream>::connect(addr)
            .await?
            .compat())
    })
}
