//! `ferry-testserver`: starts the test server and prints its URLs, for wrk, curl and the
//! benchmarks. Runs until killed (Ctrl-C).
//!
//! ```text
//! ferry-testserver [--port P] [--https-port P] [--workers N] [--http-only] [--ca-out FILE]
//! ```

use std::process::ExitCode;

use ferry_testserver::TestServer;

const USAGE: &str = "usage: ferry-testserver [--port P] [--https-port P] [--workers N] \
                     [--http-only] [--ca-out FILE]

  --port P        HTTP port on 127.0.0.1 (default: a free port)
  --https-port P  HTTPS port on 127.0.0.1 (default: a free port)
  --workers N     server worker threads (default 1)
  --http-only     no HTTPS listener
  --ca-out FILE   write the CA certificate (PEM) to FILE, for curl --cacert";

/// The parsed command line.
#[derive(Debug, Default)]
struct Options {
    port: u16,
    https_port: u16,
    workers: Option<usize>,
    http_only: bool,
    ca_out: Option<String>,
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => options.port = parse(&value("--port")?, "--port")?,
            "--https-port" => options.https_port = parse(&value("--https-port")?, "--https-port")?,
            "--workers" => options.workers = Some(parse(&value("--workers")?, "--workers")?),
            "--http-only" => options.http_only = true,
            "--ca-out" => options.ca_out = Some(value("--ca-out")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn parse<T: std::str::FromStr>(value: &str, name: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a valid number"))
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ferry-testserver: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let mut builder = TestServer::builder()
        .bind_port(options.port)
        .bind_https_port(options.https_port);
    if let Some(workers) = options.workers {
        builder = builder.worker_threads(workers);
    }
    if options.http_only {
        builder = builder.http_only();
    }
    let server = match builder.try_start() {
        Ok(server) => server,
        Err(error) => {
            eprintln!("ferry-testserver: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &options.ca_out {
        if let Err(error) = std::fs::write(path, server.ca_cert_pem()) {
            eprintln!("ferry-testserver: cannot write the CA certificate to {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    println!("http  {}", server.url("/"));
    if server.https_addr().is_some() {
        println!("https {}", server.https_url("/"));
    }
    if let Some(path) = &options.ca_out {
        println!("ca    {path}");
    }
    println!("try   {}", server.url("/items/1"));
    // The server runs on its own thread; this one only keeps the process (and the server) alive.
    loop {
        std::thread::park();
    }
}
