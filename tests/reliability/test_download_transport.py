"""The downloader's transport: an overall deadline, what counts as transient, and size bounds.

A server that trickles a byte every fraction of a second beats any per-read
time-out; only an overall deadline per try stops it. Only network failures are
worth another try against the same address: bytes that ``verify`` refuses, a
full disk or a destination that is a folder are not. And a store entry's
download is bounded by the size its content can have. The misbehaving local
server and the back-off recorder are those of test_download_faults.py.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import http.client
import os
import socket
import ssl
import time
import urllib.error

import pytest

from cnnlab import _download, _store
from cnnlab._download import ChecksumError, DownloadError, download
from tests.reliability.test_download_faults import (  # noqa: F401 - sleeps is a fixture
    BODY, endless, expect_body, hits, listing, ok, serve, sleeps)

pytestmark = pytest.mark.reliability("download-faults")


def trickle(n_bytes=600, every=0.2):
    """Announce ``n_bytes``, then send one byte every ``every`` seconds: each read beats any time-out."""
    def route(h, hit):
        h.send_response(200)
        h.send_header("Content-Length", str(n_bytes))
        h.end_headers()
        h.wfile.flush()
        for _ in range(n_bytes):
            if h.server.stopping.wait(every):
                return
            h.wfile.write(b"x")
            h.wfile.flush()
    return route


# ----------------------------------------------------------------------------- the overall deadline


def test_a_trickling_server_is_stopped_by_the_deadline(tmp_path, online, sleeps):
    with serve({"/f": trickle()}) as (server, base):
        start = time.monotonic()
        with pytest.raises(DownloadError) as raised:
            download([base + "/f"], tmp_path / "f.bin", timeout=5, deadline=1, retries=1, progress=False)
        elapsed = time.monotonic() - start
    assert elapsed < 10, f"deadline=1 s, but the download went on for {elapsed:.1f} s"
    assert f"no complete download within 1 s from {base}/f" in str(raised.value)
    assert listing(tmp_path) == []


def test_a_missed_deadline_is_transient_and_retried(tmp_path, online, sleeps):
    with serve({"/f": trickle()}) as (server, base):
        with pytest.raises(DownloadError, match="no complete download within 0.5 s"):
            download([base + "/f"], tmp_path / "f.bin", deadline=0.5, retries=2, backoff=0.25, progress=False)
    assert len(hits(server)) == 2 and sleeps == [0.25]


def test_without_a_deadline_the_default_for_the_size_applies(tmp_path, online, sleeps, monkeypatch):
    monkeypatch.setattr(_download, "_MIN_DEADLINE", 0.5)
    with serve({"/f": trickle()}) as (server, base):
        start = time.monotonic()
        with pytest.raises(DownloadError, match="no complete download within 0.5 s"):
            download([base + "/f"], tmp_path / "f.bin", max_bytes=600, retries=1, progress=False)
    assert time.monotonic() - start < 10


def test_the_default_deadline_has_a_floor_and_grows_with_the_size():
    default_deadline = _download.default_deadline
    assert default_deadline(1) == default_deadline(10**6) == 300.0
    assert default_deadline(10**9) == 10**9 / 50_000
    assert default_deadline(None) == 3600.0


@pytest.mark.parametrize("deadline", [0, -1, float("inf"), float("nan"), True, "60"])
def test_a_deadline_out_of_range_is_refused(tmp_path, online, deadline):
    with pytest.raises(ValueError, match=r"deadline must be a positive number of seconds or None.*received "
                                         rf"deadline={deadline!r}"):
        download(["https://example.org/f"], tmp_path / "f.bin", deadline=deadline)


def test_a_fast_download_is_not_disturbed_by_a_short_deadline(tmp_path, online, sleeps):
    with serve({"/f": ok()}) as (server, base):
        download([base + "/f"], tmp_path / "f.bin", verify=expect_body, deadline=5, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == BODY and hits(server) == ["/f"]


# ----------------------------------------------------------------------------- transient means the network


@pytest.mark.parametrize("error, transient", [
    (urllib.error.URLError(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), True),
    (urllib.error.URLError(socket.timeout("timed out")), True),
    (urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")), True),
    (urllib.error.URLError("unknown url type: ftp"), False),
    (urllib.error.URLError(ssl.SSLCertVerificationError(1, "certificate verify failed")), False),
    (urllib.error.HTTPError("https://x", 503, "busy", {}, None), True),
    (urllib.error.HTTPError("https://x", 429, "slow down", {}, None), True),
    (urllib.error.HTTPError("https://x", 404, "missing", {}, None), False),
    (TimeoutError("no complete download within 1 s"), True),
    (ConnectionResetError(errno.ECONNRESET, "reset"), True),
    (http.client.IncompleteRead(b"", 10), True),
    (http.client.BadStatusLine("SSH-2.0"), True),
    (OSError(errno.ENOSPC, "No space left on device"), False),
    (PermissionError(errno.EACCES, "Permission denied"), False),
    (IsADirectoryError(errno.EISDIR, "Is a directory"), False),
    (ValueError("the server redirected"), False),
    (ChecksumError("wrong bytes"), False),
], ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value))
def test_only_network_failures_are_transient(error, transient):
    assert _download._transient(error) is transient


@pytest.mark.parametrize("error", [ChecksumError("wrong bytes"), ValueError("not a gzip file"),
                                   DownloadError("not an image"), OSError(errno.EIO, "unreadable")],
                         ids=["ChecksumError", "ValueError", "DownloadError", "OSError"])
def test_a_verify_failure_is_not_retried_against_the_same_address(tmp_path, online, sleeps, error):
    def verify(path):
        raise error

    with serve({"/a/f": ok(), "/b/f": ok()}) as (server, base):
        with pytest.raises(DownloadError) as raised:
            download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=verify, retries=3, progress=False)
    assert hits(server) == ["/a/f", "/b/f"], "one try per address: the same address sends the same bytes"
    assert sleeps == []
    assert str(raised.value).count("wrong content") == 2
    assert listing(tmp_path) == []


def test_a_full_disk_is_not_retried(tmp_path, online, sleeps, monkeypatch):
    class FullDisk:
        def __init__(self, target):
            self.target = target

        def write(self, chunk):
            raise OSError(errno.ENOSPC, "No space left on device")

    real = _download._fetch_once
    monkeypatch.setattr(_download, "_fetch_once", lambda url, target, *a, **k: real(url, FullDisk(target), *a, **k))
    with serve({"/a/f": ok(), "/b/f": ok()}) as (server, base):
        with pytest.raises(DownloadError, match="No space left on device"):
            download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", retries=3, progress=False)
    assert hits(server) == ["/a/f", "/b/f"] and sleeps == []
    assert listing(tmp_path) == []


def test_a_destination_that_is_a_folder_is_refused_before_any_request(tmp_path, online, sleeps):
    folder = tmp_path / "data"
    (folder / "inside").mkdir(parents=True)
    with serve({"/f": ok()}) as (server, base):
        with pytest.raises(ValueError, match=rf"dest='{folder}' is a folder; give the name of the file"):
            download([base + "/f"], folder, retries=3, progress=False)
    assert hits(server) == [] and sleeps == []
    assert listing(folder) == ["inside"]


# ----------------------------------------------------------------------------- store entries are size-bound


def _entry(base, content, *, gzipped=False, size=None, name="blob.bin"):
    return _store.Entry(
        key=f"test/{name}", title="a test file", offline=(f"test/{name}",), cache=f"test/{name}",
        urls=(f"{base}/{name}",), size=len(content) if size is None else size,
        sha256=hashlib.sha256(content).hexdigest(), content_size=len(content), gzipped=gzipped,
    )


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzipped"])
def test_a_store_download_is_cut_off_beyond_the_size_of_its_entry(empty_env, online, sleeps, monkeypatch, gzipped):
    monkeypatch.delenv("CNNLAB_MIRROR_URL", raising=False)
    content = os.urandom(100_000)
    with serve({"/blob.bin": endless()}) as (server, base):  # zeros without end, no Content-Length
        entry = _entry(base, content, gzipped=gzipped)
        with pytest.raises(_store.DataUnavailableError) as raised:
            _store.find(entry, progress=False)
    assert "the server sent more than max_bytes=" in str(raised.value)
    assert hits(server) == ["/blob.bin"], "too many bytes is not transient: not retried"
    cache = empty_env / "cache" / "test"
    assert not cache.exists() or [p for p in listing(cache) if not p.endswith(".lock")] == []


def test_a_gzipped_copy_larger_than_the_listed_size_is_still_accepted(empty_env, online, sleeps, monkeypatch):
    """Mirrors gzip the same content differently: the bound comes from the content, not the listed size."""
    monkeypatch.delenv("CNNLAB_MIRROR_URL", raising=False)
    content = os.urandom(50_000)  # random bytes: the gzip is larger than the content
    packed = gzip.compress(content)
    with serve({"/blob.gz": ok(packed)}) as (server, base):
        entry = _entry(base, content, gzipped=True, size=len(packed) - 100, name="blob.gz")
        found = _store.find(entry, progress=False)
    assert found.path.read_bytes() == packed and hits(server) == ["/blob.gz"]
