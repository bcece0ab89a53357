"""A small, bounded HTTP load generator for 127.0.0.1 (threads + http.client)."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    name: str
    requests: int = 0
    concurrency: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500 or status == 0)


def request(base_url: str, method: str, path: str, body: bytes | None = None, headers=None):
    parts = urlsplit(base_url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError("benchmarks only target this machine")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        return response.status, payload
    finally:
        connection.close()


def run(
    name: str,
    base_url: str,
    make_request: Callable[[int], tuple[str, str]] | str,
    *,
    total: int,
    concurrency: int,
    time_limit: float = 120.0,
) -> Result:
    """Send `total` requests from `concurrency` threads (stops early after `time_limit`)."""
    result = Result(name=name, concurrency=concurrency)
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def one(index: int) -> None:
        if time.monotonic() > deadline:
            return
        method, path = (
            ("GET", make_request) if isinstance(make_request, str) else make_request(index)
        )
        started = time.perf_counter()
        try:
            status, _body = request(base_url, method, path)
        except OSError:
            status = 0
        elapsed = time.perf_counter() - started
        with lock:
            result.requests += 1
            result.latencies.append(elapsed)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(total)))
    result.seconds = time.perf_counter() - started
    return result


def table(rows: list[Result]) -> str:
    header = f"{'benchmark':<34} {'requests':>8} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'5xx/err':>7}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<34} {row.requests:>8} {row.concurrency:>7} {row.per_second:>8.1f} "
            f"{row.percentile(50):>8.1f} {row.percentile(95):>8.1f} {row.server_errors:>7}"
        )
    return "\n".join(lines)
