"""Running the endpoint: uvicorn (httptools when installed) serving kg.serve.app on one socket.

The socket is bound when the server is made, so its URL (and the port picked for `--port 0`)
is known before it serves.  `serve_forever()` blocks (Ctrl-C stops it in the main thread);
`shutdown()` from another thread stops it, as with the standard library's servers, which is
how the tests run one in a thread.  uvicorn's own log lines are kept to one line each.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading

import uvicorn

from .app import build_app
from .base import ServeConfig
from .follow import ServedStore
from .run import QuerySlots

# On every answer, uvicorn's own included: browsers may read errors, and no credentials ever
# go along (no Access-Control-Allow-Credentials).
DEFAULT_HEADERS = [("Access-Control-Allow-Origin", "*"), ("X-Content-Type-Options", "nosniff")]


class _OneLine(logging.Handler):
    """uvicorn's errors as `kg serve: message: exception` on stderr, without the traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        sys.stderr.write("kg serve: " + " ".join(msg.split())[:500] + "\n")


def _quiet_uvicorn_logs() -> None:
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(h, _OneLine) for h in log.handlers):
        log.addHandler(_OneLine())
    log.setLevel(logging.WARNING)
    log.propagate = False


def _http_impl() -> str:
    try:
        import httptools  # noqa: F401  (C parser: lower latency per request than h11)

        return "httptools"
    except ImportError:
        return "h11"


class KGServer:
    """One `kg serve`: store, settings, query slots and the uvicorn server on a bound socket."""

    def __init__(self, store, host: str, port: int, config: ServeConfig) -> None:
        self.store = store
        self.config = config
        self.served = ServedStore(store, follow=config.follow and not config.allow_update)
        self.slots = QuerySlots(config.max_queries, config.queue_wait, config.quiet)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets that say so, and without it
        # an answer written as headers + body waits 40 ms for the client's delayed ACK.
        self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
            self.socket.listen(1024)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        _quiet_uvicorn_logs()
        self._uv = uvicorn.Server(uvicorn.Config(
            build_app(self), log_config=None, access_log=False, lifespan="off", http=_http_impl(),
            proxy_headers=False, server_header=False, limit_concurrency=config.max_connections,
            timeout_keep_alive=30, timeout_graceful_shutdown=2, headers=DEFAULT_HEADERS))
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def serve_forever(self) -> None:
        try:
            self._uv.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._uv.should_exit = True
        self._stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()


def make_server(store, host: str = "127.0.0.1", port: int = 7878, config: ServeConfig | None = None) -> KGServer:
    """A ready (bound, not yet serving) server; call serve_forever() on it, shutdown() to stop."""
    return KGServer(store, host, port, config or ServeConfig())
