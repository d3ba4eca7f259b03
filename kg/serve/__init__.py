"""serve: `kg serve`, a SPARQL 1.1 Protocol endpoint over the store (docs/endpoint.md).

Starlette on uvicorn (issue 14): the HTTP layer is the ecosystem's, with keep-alive, streaming
and proper method and error handling; kg adds the protocol, the limits and the store handling.

- `text`: what is read from SPARQL text before Oxigraph parses it (SERVICE/LOAD, FROM, USING);
- `negotiate`: result formats; `run`: worker threads, time limit, row cap, streaming;
- `follow`: a read-only store reopened when a build has changed it;
- `describe`: service description, query page, saved questions;
- `app`: the routes and the protocol rules; `server`: uvicorn on a bound socket.

This module loads none of them until asked, so `kg query` (which uses `text`) starts fast.
"""

from __future__ import annotations

from .text import blank_sparql, uses_keyword

__all__ = ["HTTPFail", "ServeConfig", "blank_sparql", "make_server", "uses_keyword"]


def __getattr__(name: str):
    if name in ("ServeConfig", "HTTPFail"):
        from . import base

        return getattr(base, name)
    if name in ("make_server", "KGServer"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module 'kg.serve' has no attribute {name!r}")
