#!/usr/bin/env bash
# Runs aiohttp_throughput.py against ferry-testserver, the server on core 0 (one worker
# thread) and Python on core 1, the pinning `cargo xtask bench` uses for its HTTP workloads.
# Needs python3 with aiohttp (`python3 -m pip install aiohttp`); it is not part of CI.
#
#   bash benches/python/run_aiohttp.sh [requests] [in_flight] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p ferry-testserver
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
taskset -c 0 target/release/ferry-testserver --http-only --workers 1 --port "$port" >/dev/null &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
taskset -c 1 python3 benches/python/aiohttp_throughput.py "http://127.0.0.1:$port" "$@"
