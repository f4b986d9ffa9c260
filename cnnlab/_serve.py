"""A classroom mirror: serve an offline data folder to the room, laid out as ``HOST/PATH``.

``python -m cnnlab serve DATA_DIR`` answers ``GET /HOST/PATH`` with the file of
``DATA_DIR`` that the course would otherwise download from ``https://HOST/PATH``
(:func:`cnnlab._store.mirror_layout`), and 404 for anything else: nothing outside
the registry is ever served, and only copies that pass their checksum. Learners
set ``CNNLAB_MIRROR_URL`` to the address it prints. Python's ``http.server``
serves it (no dependency to install on a teacher's laptop); any static file
server with the same layout works too.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import _store
from ._validation import check_folder

__all__ = ["mirror_server", "serve"]


def _handler(layout: dict[str, Path]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            path = layout.get(self.path.split("?")[0])
            if path is None:
                self.send_error(404, "not a file of the cnnlab course")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            with open(path, "rb") as f:
                shutil.copyfileobj(f, self.wfile)

        def log_message(self, *args):
            pass

    return Handler


def _data_folder(data_dir, name: str) -> Path:
    """``data_dir`` as a Path if it is a folder; else one ValueError naming ``name``, what is wrong and the fix.

    Examples
    --------
    >>> _data_folder(8765, "DATA_DIR")
    Traceback (most recent call last):
    ...
    ValueError: DATA_DIR must be a path (str or pathlib.Path), received DATA_DIR=8765. It must be the course's offline data folder (the one that holds mnist/, pretrained/, images/ ...).
    """
    try:  # missing, a file, a name too long, inside a file: check_folder words each
        return check_folder(data_dir, name)
    except ValueError as error:
        raise ValueError(f"{error} It must be the course's offline data folder (the one that holds mnist/, "
                         "pretrained/, images/ ...).") from None


def mirror_server(data_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A (not yet started) HTTP server of ``data_dir``'s files at their ``/HOST/PATH``; ``server.layout`` lists them.

    Examples
    --------
    >>> import tempfile
    >>> server = mirror_server(tempfile.mkdtemp())
    >>> len(server.layout), server.server_address[0]
    (0, '127.0.0.1')
    >>> server.server_close()
    """
    _data_folder(data_dir, "data_dir")
    layout = _store.mirror_layout(data_dir)
    server = ThreadingHTTPServer((host, port), _handler(layout))
    server.layout = layout
    return server


def _address_for_learners(host: str, port: int) -> str:
    """The address learners set: the host listened on, or, on every interface, this machine's outward one."""
    if host in ("0.0.0.0", "", "::"):
        try:  # the interface that routes outward (connect on UDP sends no packet)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("192.0.2.1", 9))
                host = probe.getsockname()[0]
        except OSError:
            host = socket.gethostname()
    # Plain HTTP on the room's network: every file is verified by its checksum on the learner's side.
    return urllib.parse.urlunsplit(("http", f"{host}:{port}", "", "", ""))


def serve(data_dir: str | os.PathLike, host: str = "0.0.0.0", port: int = 8765, *, out=print,
          ready: threading.Event | None = None) -> None:
    """Serve ``data_dir`` to the room until Ctrl-C, saying which address the learners set."""
    _data_folder(data_dir, "DATA_DIR")
    server = mirror_server(data_dir, host, port)
    if not server.layout:
        server.server_close()
        raise ValueError(f"DATA_DIR={str(data_dir)!r} holds none of the course's files; give the course's "
                         "offline data folder (mnist/, fashion-mnist/, pretrained/, images/ ...).")
    address = _address_for_learners(host, server.server_address[1])
    files = len(set(server.layout.values()))
    out(f"serving {files} files of the course on {address}")
    out(f"learners set: export CNNLAB_MIRROR_URL={address}   (Ctrl-C stops the mirror)")
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out("mirror stopped")
    finally:
        server.server_close()
