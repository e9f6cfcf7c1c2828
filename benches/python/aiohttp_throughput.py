"""Scenario T of the benchmarks in Python, for the "an order of magnitude faster than aiohttp"
comparison: GETs of a small JSON item with a fixed number in flight over keep-alive, written
the way asyncio users write it (one ClientSession, asyncio.Semaphore + gather).

It talks to a running ferry-testserver; run_aiohttp.sh starts one pinned to the other core.
Prints one line per run: requests, seconds, requests per second.

    python3 aiohttp_throughput.py http://127.0.0.1:PORT [requests] [in_flight] [runs]
"""

import asyncio
import sys
import time

import aiohttp


async def one_run(base: str, requests: int, in_flight: int) -> float:
    limit = asyncio.Semaphore(in_flight)
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(n: int) -> int:
            async with limit:
                async with session.get(f"{base}/items/{n % 1000}") as response:
                    response.raise_for_status()
                    return len(await response.read())

        started = time.perf_counter()
        sizes = await asyncio.gather(*(get(n) for n in range(requests)))
        elapsed = time.perf_counter() - started
    # Every body arrived: a failed request would have raised above.
    assert len(sizes) == requests and all(size > 0 for size in sizes)
    return elapsed


def main() -> None:
    base = sys.argv[1].rstrip("/")
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    in_flight = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    for _ in range(runs):
        elapsed = asyncio.run(one_run(base, requests, in_flight))
        print(f"aiohttp {aiohttp.__version__}: {requests} requests in {elapsed:.3f} s = "
              f"{requests / elapsed:,.0f} req/s")


if __name__ == "__main__":
    main()
