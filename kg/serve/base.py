"""The endpoint's settings and its one error type, shared by every part of kg.serve."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServeConfig:
    """Limits and switches of one `kg serve` (each settable from the command line)."""

    timeout: float = 10.0
    max_rows: int = 100_000
    max_body: int = 1 << 20
    max_queries: int = 4
    queue_wait: float = 2.0  # seconds a request waits for a free query slot before 503
    max_connections: int = 256  # open client connections; more get 503 at once (uvicorn's limit)
    # bytes of path + query string: 414 beyond (POST the query instead); httptools cannot parse
    # URLs past 65,535 bytes at all (uvicorn answers those 400 itself), so the limit stays below.
    max_url: int = 60 << 10
    allow_update: bool = False
    token: str | None = None
    allow_service: bool = False
    quiet: bool = False
    follow: bool = True  # reopen a read-only store when a build has changed it


class HTTPFail(Exception):
    """An error answer: status and a one-line message (sent as text/plain, with CORS headers)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def one_line(msg: object) -> str:
    return " ".join(str(msg).split())
