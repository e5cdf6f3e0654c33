"""Serve a written site on 127.0.0.1 (the site needs no server; this is a convenience)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def site_server(directory: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server of ``directory`` bound to 127.0.0.1 (port 0: a free one); call
    ``serve_forever()`` on it, ``shutdown()`` to stop. Only loopback: the site is for this machine."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:  # "Address already in use" names no address: say which
        error.filename = error.filename or f"127.0.0.1:{port}"
        raise
