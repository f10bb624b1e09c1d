"""`posattn serve`: a tagging page with live attention maps, and a JSON API, on uvicorn.

    import posattn
    from posattn.server import serve
    serve(posattn.load("runs/ewt"), port=8000)    # then open http://127.0.0.1:8000

FastAPI and uvicorn are the optional extra `posattn[serve]`, imported only here.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from posattn.errors import PosattnError
from posattn.server.limits import Limits

if TYPE_CHECKING:
    from fastapi import FastAPI

    from posattn.api import PosTagger

MISSING = "posattn serve needs FastAPI and uvicorn: pip install 'posattn[serve]'"


def build_app(tagger: PosTagger, limits: Limits | None = None) -> FastAPI:
    """The ASGI application serving `tagger`, for uvicorn or any other ASGI server."""
    try:
        from posattn.server.app import create_app
    except ImportError:
        raise PosattnError(MISSING) from None
    return create_app(tagger, limits)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: any free one), or a one-line error saying why not."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(info[0], socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
    except OSError as error:
        raise PosattnError(f"{host}:{port}: cannot listen there ({error.strerror})") from None
    return sock


def run_app(app: FastAPI, sock: socket.socket) -> None:
    """Serve `app` on the bound socket until interrupted."""
    try:
        import uvicorn
    except ImportError:
        raise PosattnError(MISSING) from None

    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def serve(
    tagger: PosTagger,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
) -> None:
    """Serve `tagger` until interrupted: the page at `/`, the API under `/api/`, docs at
    `/docs`. Bound to this machine only unless `host` says otherwise."""
    run_app(build_app(tagger, limits), listening_socket(host, port))


__all__ = ["Limits", "build_app", "listening_socket", "run_app", "serve"]
