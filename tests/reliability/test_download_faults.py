"""Download faults against a local server on 127.0.0.1 that misbehaves on purpose.

tests/test_download.py checks the downloader's happy paths and simple failures with
the shared server of tests/conftest.py (which answers every request at once and in
full). The server here can also stay silent, stall half-way, cut the connection,
talk nonsense, redirect, send without end or speak TLS with a certificate nobody
trusts. Every test also checks that nothing is left under the final name and no
``.part`` file stays behind. ``time.sleep`` inside cnnlab._download is replaced by
a recorder, so the back-off delays are asserted, not waited for.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import http.server
import io
import os
import ssl
import threading
import time
import types
from contextlib import contextmanager
from pathlib import Path

import pytest

from cnnlab import _download, datasets, images
from cnnlab._download import ChecksumError, DownloadError, check_url, download

pytestmark = pytest.mark.reliability("download-faults")

ROOT = Path(__file__).resolve().parents[2]
BODY = os.urandom(1 << 20)  # 1 MiB: many chunks of the downloader's 64 KiB reads
BODY_SHA = hashlib.sha256(BODY).hexdigest()


def expect_body(path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != BODY_SHA:
        raise ChecksumError(f"{path.name} has SHA-256 {digest}, expected {BODY_SHA}")


# ----------------------------------------------------------------------------- a server that misbehaves


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping must not hold up the end of the test


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: a cut connection is a cut response
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server
        with server.lock:
            server.requests.append((self.path, dict(self.headers)))
            hit = sum(1 for path, _ in server.requests if path == self.path)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        try:
            route(self, hit)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (time-out, max_bytes): that is the point of the test

    def log_message(self, *args):
        pass

    # helpers for the routes
    def reply(self, status=200, body=b"", headers=None, length=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def wait(self, seconds):
        self.server.stopping.wait(seconds)


@contextmanager
def serve(routes, tls=None):
    """Serve ``routes`` ({path: callable(handler, hit)}) on 127.0.0.1; yield (server, base URL)."""
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = _Server(("127.0.0.1", 0), handler)
    server.requests, server.lock, server.stopping = [], threading.Lock(), threading.Event()
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def hits(server, path=None):
    return [p for p, _ in server.requests if path is None or p == path]


def ok(body=BODY, headers=None):
    return lambda h, hit: h.reply(200, body, headers)


def status(code, body=b"error"):
    return lambda h, hit: h.reply(code, body)


def sequence(*routes):
    """The n-th request gets the n-th route (the last one repeats)."""
    return lambda h, hit: routes[min(hit, len(routes)) - 1](h, hit)


def silent(seconds=5.0):
    """Accept the connection, then say nothing (the client must time out)."""
    return lambda h, hit: h.wait(seconds)


def _send_part(h, n_bytes, body):
    """Announce the whole body in Content-Length, but send only its first ``n_bytes``."""
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[:n_bytes])
    h.wfile.flush()


def cut_after(n_bytes, body=BODY):
    """Announce the whole body, send ``n_bytes`` of it, close the connection."""
    def route(h, hit):
        _send_part(h, n_bytes, body)
        h.close_connection = True
    return route


def stall_after(n_bytes, seconds=5.0, body=BODY):
    """Announce the whole body, send ``n_bytes``, then stall with the connection open."""
    def route(h, hit):
        _send_part(h, n_bytes, body)
        h.wait(seconds)
    return route


def endless(announce=None):
    """Send zeros until the client hangs up (at most 256 MiB), with or without a Content-Length."""
    def route(h, hit):
        h.send_response(200)
        if announce is not None:
            h.send_header("Content-Length", str(announce))
        h.end_headers()
        block = bytes(1 << 16)
        for _ in range(4096):
            if h.server.stopping.is_set():
                return
            h.wfile.write(block)
    return route


def nonsense(h, hit):
    h.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")  # not HTTP at all
    h.wfile.flush()


def redirect(location, code=302):
    return lambda h, hit: h.reply(code, b"", {"Location": location})


@pytest.fixture
def sleeps(monkeypatch):
    """Record the back-off delays of cnnlab._download instead of waiting for them."""
    recorded = []
    monkeypatch.setattr(_download, "time", types.SimpleNamespace(sleep=recorded.append))
    return recorded


def listing(folder):
    return sorted(p.name for p in Path(folder).iterdir())


# ----------------------------------------------------------------------------- time-outs


def test_a_silent_server_times_out_is_retried_with_backoff_and_reported(tmp_path, online, sleeps):
    with serve({"/f": silent(5.0)}) as (server, base):
        start = time.monotonic()
        with pytest.raises(DownloadError) as raised:
            download([base + "/f"], tmp_path / "f.bin", timeout=0.3, retries=3, backoff=0.25, progress=False)
        elapsed = time.monotonic() - start
    assert len(hits(server)) == 3, "a time-out is transient: every try is used"
    assert sleeps == [0.25, 0.5], "back-off doubles after each failure, no sleep after the last try"
    assert elapsed < 4.0, f"each try must give up after timeout=0.3 s, took {elapsed:.1f} s for three"
    message = str(raised.value)
    assert message.count(f"{base}/f: ") == 3 and "timed out" in message
    assert listing(tmp_path) == []


def test_a_server_stalling_mid_body_times_out_then_the_retry_completes(tmp_path, online, sleeps):
    with serve({"/f": sequence(stall_after(200_000), ok())}) as (server, base):
        path = download([base + "/f"], tmp_path / "f.bin", verify=expect_body, timeout=0.3, backoff=1.0,
                        progress=False)
    assert path.read_bytes() == BODY and len(hits(server)) == 2 and sleeps == [1.0]
    assert listing(tmp_path) == ["f.bin"]


# ----------------------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize("code", [500, 502, 503, 408, 429])
def test_transient_http_errors_are_retried_with_exponential_backoff(tmp_path, online, sleeps, code):
    with serve({"/f": sequence(status(code), status(code), status(code), ok())}) as (server, base):
        download([base + "/f"], tmp_path / "f.bin", verify=expect_body, retries=4, backoff=0.5, progress=False)
    assert len(hits(server)) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert (tmp_path / "f.bin").read_bytes() == BODY and listing(tmp_path) == ["f.bin"]


def test_after_the_last_retry_the_next_mirror_is_tried_without_waiting(tmp_path, online, sleeps):
    with serve({"/a/f": status(500), "/b/f": ok()}) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", retries=3, backoff=2.0, progress=False)
    assert hits(server) == ["/a/f"] * 3 + ["/b/f"]
    assert sleeps == [2.0, 4.0]


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410])
def test_permanent_http_errors_move_to_the_next_mirror_at_once(tmp_path, online, sleeps, code):
    with serve({"/a/f": status(code), "/b/f": ok()}) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", retries=5, progress=False)
    assert hits(server) == ["/a/f", "/b/f"] and sleeps == []


# ----------------------------------------------------------------------------- cut connections


def test_a_cut_connection_restarts_from_zero_and_yields_the_complete_verified_file(tmp_path, online, sleeps):
    checked = []

    def verify(path):
        checked.append(path.read_bytes())
        expect_body(path)

    with serve({"/f": sequence(cut_after(300_000), ok())}) as (server, base):
        path = download([base + "/f"], tmp_path / "f.bin", verify=verify, backoff=0.5, progress=False)
    assert len(server.requests) == 2
    assert "Range" not in server.requests[1][1], "the downloader restarts from zero (no resumption)"
    assert checked == [BODY], "verify sees only the complete second copy, never the cut one"
    assert path.read_bytes() == BODY and sleeps == [0.5] and listing(tmp_path) == ["f.bin"]


def test_a_connection_cut_on_every_try_leaves_nothing(tmp_path, online, sleeps):
    (tmp_path / "keep.txt").write_text("unrelated")
    with serve({"/f": cut_after(100_000)}) as (server, base):
        with pytest.raises(DownloadError, match="IncompleteRead") as raised:
            download([base + "/f"], tmp_path / "f.bin", retries=2, progress=False)
    assert len(hits(server)) == 2 and "f.bin" in str(raised.value)
    assert listing(tmp_path) == ["keep.txt"]


def test_a_server_that_does_not_speak_http_is_a_failure_like_any_other(tmp_path, online, sleeps):
    with serve({"/a/f": nonsense, "/b/f": ok()}) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", retries=2, progress=False)
    assert hits(server) == ["/a/f", "/a/f", "/b/f"] and listing(tmp_path) == ["f.bin"]


# ----------------------------------------------------------------------------- wrong bytes


def test_wrong_bytes_are_not_retried_on_the_same_mirror_and_the_next_one_is_used(tmp_path, online, sleeps):
    with serve({"/a/f": ok(b"tampered" * 1000), "/b/f": ok()}) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body, retries=3,
                 progress=False)
    assert hits(server) == ["/a/f", "/b/f"] and sleeps == []
    assert listing(tmp_path) == ["f.bin"]


def test_wrong_bytes_from_every_mnist_mirror_name_the_file_and_both_sha256(tmp_path, online, sleeps, monkeypatch):
    """Through the real caller: the message names the file, the expected and the received SHA-256."""
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    file = datasets.IDX_DATASETS["mnist"].train_labels
    # a well-formed IDX file of the right size, with the wrong labels
    content = bytes([0, 0, 8, 1]) + (60_000).to_bytes(4, "big") + bytes(60_000)
    assert len(content) == file.size
    received = hashlib.sha256(content).hexdigest()
    routes = {f"/{m}/{file.name}.gz": ok(gzip.compress(content)) for m in ("a", "b")}
    with serve(routes) as (server, base):
        monkeypatch.setitem(datasets.IDX_DATASETS, "mnist", _replace_urls(datasets.IDX_DATASETS["mnist"],
                                                                          (base + "/a/", base + "/b/")))
        with pytest.raises(datasets.DataUnavailableError) as raised:
            datasets._fetch_idx(datasets.IDX_DATASETS["mnist"], file)
    message = str(raised.value)
    assert len(hits(server)) == 2, "each mirror once: wrong bytes are not retried"
    assert f"{file.name}.gz" in message
    assert file.sha256 in message and received in message, message
    assert "set CNNLAB_DATA_DIR to a folder that holds mnist/train-labels-idx1-ubyte.gz" in message
    assert listing(tmp_path / "cache" / "mnist") == []


def _replace_urls(dataset, urls):
    import dataclasses

    return dataclasses.replace(dataset, urls=urls)


# ----------------------------------------------------------------------------- every mirror fails


def test_when_every_mirror_fails_one_message_lists_each_url_its_error_and_what_to_do(tmp_path, online, sleeps):
    closed = _closed_port()
    with serve({"/missing": status(404), "/broken": status(500), "/slow": silent(5.0),
                "/wrong": ok(b"wrong")}) as (server, base):
        urls = [base + "/missing", base + "/broken", base + "/slow", base + "/wrong", f"http://127.0.0.1:{closed}/f"]
        with pytest.raises(DownloadError) as raised:
            download(urls, tmp_path / "f.bin", verify=expect_body, timeout=0.3, retries=2, backoff=0.1,
                     progress=False)
    lines = str(raised.value).splitlines()
    assert lines[0] == "could not download f.bin; every source failed:"
    expected = {
        urls[0]: "HTTP Error 404", urls[1]: "HTTP Error 500", urls[2]: "timed out",
        urls[3]: "wrong content", urls[4]: "Connection refused",
    }
    for url, error in expected.items():
        assert any(line.strip().startswith(f"{url}: ") and error in line for line in lines), (url, lines)
    assert f"copy it to {tmp_path / 'f.bin'}" in lines[-1], "the message says how to do without a connection"
    assert listing(tmp_path) == []


def _closed_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- Ctrl-C


def _interrupting_writes(monkeypatch, folder, after):
    """Make the transfer raise KeyboardInterrupt once ``after`` bytes have been written to the .part file."""
    real = _download._fetch_once
    seen = {"bytes": 0, "part": None}

    class Target:
        def __init__(self, target):
            self.target = target

        def write(self, chunk):
            self.target.write(chunk)
            self.target.flush()
            seen["bytes"] += len(chunk)
            seen["part"] = [p for p in os.listdir(folder) if p.endswith(".part")]
            if seen["bytes"] >= after:
                raise KeyboardInterrupt

    monkeypatch.setattr(_download, "_fetch_once", lambda url, target, *a, **k: real(url, Target(target), *a, **k))
    return seen


@pytest.mark.parametrize("existing", [False, True], ids=["no-old-copy", "old-copy-kept"])
def test_ctrl_c_mid_transfer_propagates_and_leaves_no_partial_file(tmp_path, online, sleeps, monkeypatch, existing):
    if existing:
        (tmp_path / "f.bin").write_bytes(b"the previous, good copy")
    before = listing(tmp_path)
    seen = _interrupting_writes(monkeypatch, tmp_path, after=300_000)
    with serve({"/a/f": ok(), "/b/f": ok()}) as (server, base):
        with pytest.raises(KeyboardInterrupt):
            download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert seen["part"], "the interruption happened while a .part file was being written"
    assert 300_000 <= seen["bytes"] < len(BODY)
    assert hits(server) == ["/a/f"], "Ctrl-C stops everything: no retry, no next mirror"
    assert sleeps == []
    assert listing(tmp_path) == before
    if existing:
        assert (tmp_path / "f.bin").read_bytes() == b"the previous, good copy"


def test_ctrl_c_during_the_backoff_wait_propagates_and_leaves_nothing(tmp_path, online, monkeypatch):
    def interrupted_sleep(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(_download, "time", types.SimpleNamespace(sleep=interrupted_sleep))
    with serve({"/f": status(503)}) as (server, base):
        with pytest.raises(KeyboardInterrupt):
            download([base + "/f"], tmp_path / "f.bin", retries=3, progress=False)
    assert hits(server) == ["/f"] and listing(tmp_path) == []


# ----------------------------------------------------------------------------- oversized responses


def test_an_endless_response_is_stopped_at_max_bytes_and_the_next_mirror_used(tmp_path, online, sleeps):
    with serve({"/a/f": endless(), "/b/f": ok()}) as (server, base):
        path = download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body,
                        max_bytes=len(BODY), retries=3, progress=False)
    assert path.read_bytes() == BODY
    assert hits(server) == ["/a/f", "/b/f"], "too much data is not a transient error: not retried"
    assert listing(tmp_path) == ["f.bin"]


def test_an_announced_oversize_is_refused_before_reading_the_body(tmp_path, online, sleeps):
    with serve({"/f": endless(announce=10**12)}) as (server, base):
        with pytest.raises(DownloadError, match=r"announces 1,000,000,000,000 bytes, more than max_bytes=1,000"):
            download([base + "/f"], tmp_path / "f.bin", max_bytes=1000, progress=False)
    assert listing(tmp_path) == []
    with pytest.raises(ValueError, match="max_bytes must be a positive integer or None"):
        download(["https://example.org/f"], tmp_path / "f.bin", max_bytes=0)


# ----------------------------------------------------------------------------- images by URL


def test_an_html_page_served_for_an_image_url_is_refused_and_not_cached(empty_env, online, sleeps):
    page = b"<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>"
    with serve({"/cat.jpg": ok(page)}) as (server, base):
        for _ in range(2):
            with pytest.raises(DownloadError, match=r"not an image \(it looks like a web page \(HTML\)"):
                datasets.load_image(base + "/cat.jpg")
    assert len(hits(server)) == 2, "the page was not kept in the cache: the second call asks again"
    images = empty_env / "cache" / "images"
    assert not images.exists() or listing(images) == []


def test_a_web_page_already_in_the_image_cache_is_replaced_by_the_photo(empty_env, online, sleeps):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), (0, 0, 255)).save(buffer, format="PNG")
    with serve({"/cat.png": ok(buffer.getvalue())}) as (server, base):
        url = base + "/cat.png"
        cached = empty_env / "cache" / "images" / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}.png"
        cached.parent.mkdir(parents=True)
        cached.write_bytes(b"<html><body>Service unavailable</body></html>")  # what an older version kept
        image = datasets.load_image(url)
    assert image.shape == (2, 3, 3) and image[0, 0].tolist() == [0.0, 0.0, 1.0]
    assert len(hits(server)) == 1 and cached.read_bytes() == buffer.getvalue()


def test_a_failed_image_download_says_how_to_do_without(empty_env, online, sleeps):
    with serve({}) as (_, base):
        with pytest.raises(DownloadError) as raised:
            datasets.load_image(base + "/missing.jpg")
    assert "HTTP Error 404" in str(raised.value) and "give its path: load_image('photo.jpg')" in str(raised.value)


def test_image_downloads_are_capped_by_max_pixels(empty_env, online, monkeypatch):
    calls = []

    def spy(urls, dest, **kwargs):
        calls.append(kwargs)
        raise DownloadError("stopped by the test")

    monkeypatch.setattr(images, "download", spy)
    with pytest.raises(DownloadError):
        images.load_image("https://example.org/cat.jpg", max_pixels=1000)
    assert calls[0]["max_bytes"] == images._max_file_bytes(1000) and calls[0]["verify"] is not None


# ----------------------------------------------------------------------------- only HTTPS, really


@pytest.mark.parametrize("url", [
    "http://example.org/f",
    "HTTP://EXAMPLE.ORG/f",
    "http://127.0.0.1.example.org/f",        # a name that starts like loopback
    "http://localhost.example.org/f",
    "http://127.0.0.1@example.org/f",        # user info before the real host
    "http://example.org#@127.0.0.1/f",
    "http://0.0.0.0/f",                     # not loopback
    "http://10.0.0.1/f",
    "ftp://127.0.0.1/f",
    "file://localhost/etc/passwd",
    "https:///f",
    "//example.org/f",
])
def test_plain_http_to_anything_but_this_machine_is_refused_before_connecting(tmp_path, online, url, monkeypatch):
    import socket

    def no_connect(self, address):
        raise AssertionError(f"download() connected to {address!r} for {url!r}")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    with pytest.raises(ValueError, match="is not an HTTPS address"):
        check_url(url)
    with pytest.raises(ValueError, match="is not an HTTPS address"):
        download([url], tmp_path / "f.bin", progress=False)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/f", "http://[::1]:8000/f", "http://127.5.6.7/f",
                                 "http://LOCALHOST/f", "https://example.org:8443/a?b=c"])
def test_loopback_http_and_any_https_are_accepted(url):
    assert check_url(url) == url


@pytest.mark.parametrize("target", ["http://example.org/f", "ftp://example.org/f", "http://127.0.0.1.example.org/f"])
def test_a_redirect_to_a_non_https_address_is_not_followed(tmp_path, online, sleeps, target, monkeypatch):
    import socket

    real_connect = socket.socket.connect
    connected = []

    def record(self, address):
        connected.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    with serve({"/a/f": redirect(target), "/b/f": ok()}) as (server, base):
        path = download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", retries=3, progress=False)
    assert path.read_bytes() == BODY
    assert hits(server) == ["/a/f", "/b/f"], "a refused redirect is permanent: no retry"
    assert all(address[0] == "127.0.0.1" for address in connected), connected


def test_a_refused_redirect_is_named_in_the_message(tmp_path, online, sleeps):
    with serve({"/f": redirect("http://example.org/f", 301)}) as (_, base):
        with pytest.raises(DownloadError, match=r"redirected \(HTTP 301\) to 'http://example.org/f', which is not an "
                                                r"HTTPS address; the redirect was not followed"):
            download([base + "/f"], tmp_path / "f.bin", progress=False)
    assert listing(tmp_path) == []


def test_a_redirect_to_an_allowed_address_is_followed(tmp_path, online, sleeps):
    with serve({"/old": redirect("/new"), "/new": ok()}) as (server, base):
        download([base + "/old"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert hits(server) == ["/old", "/new"]


# ----------------------------------------------------------------------------- certificates

# A throwaway self-signed certificate for 127.0.0.1 (valid 2000-2100) and its key: test data that
# nothing trusts, used to show that the downloader refuses a server whose certificate it cannot verify.
_TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+q9olVh38SbsLV0Q
fK6F6Lb6g4TsGuqE7EmVsHBf+1KhRANCAATbfMTgiG4RZLg0cC+O81UNb51Yzcu7
lxbCgX7StLYCppMyUaXZkN7VKEc1EeJ5lfR0JWUc7Ao0Oam2SeAEA8WW
-----END PRIVATE KEY-----
"""
_TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIBazCCARKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNt8xOCIbhFkuDRw
L47zVQ1vnVjNy7uXFsKBftK0tgKmkzJRpdmQ3tUoRzUR4nmV9HQlZRzsCjQ5qbZJ
4AQDxZajUzBRMA8GA1UdEQQIMAaHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAoQwHQYDVR0OBBYEFM51/pk4CGE9yTy7HSUxo6IGEKJ+MAoGCCqG
SM49BAMCA0cAMEQCICIPCyN8E9sV9Lo8A38DutNPbsl44jemsN4uGA2u4TUiAiAl
6csaDNCeHI4KO+uIYPl8yAxiuObvS024gBDbbRM6ug==
-----END CERTIFICATE-----
"""


@pytest.fixture
def tls_server(tmp_path):
    (tmp_path / "key.pem").write_text(_TEST_KEY)
    (tmp_path / "cert.pem").write_text(_TEST_CERT)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with serve({"/f": ok()}, tls=context) as (server, base):
        yield server, base, tmp_path / "cert.pem"


def test_an_untrusted_certificate_is_refused_not_retried_and_explained(tmp_path, online, sleeps, tls_server):
    server, base, _ = tls_server
    dest = tmp_path / "out" / "f.bin"
    with pytest.raises(DownloadError) as raised:
        download([base + "/f"], dest, retries=3, progress=False)
    message = str(raised.value)
    assert "CERTIFICATE_VERIFY_FAILED" in message and "certificate is not trusted" in message
    assert sleeps == [] and message.count(base) == 1, "a certificate failure is permanent: not retried"
    assert hits(server) == [] and listing(dest.parent) == []


def test_certificates_stay_checked_when_other_code_turned_checking_off(tmp_path, online, sleeps, tls_server,
                                                                         monkeypatch):
    """The popular copy-paste "fix" for certificate errors changes urllib's default for the whole process."""
    server, base, _ = tls_server
    monkeypatch.setattr(ssl, "_create_default_https_context", ssl._create_unverified_context)
    with pytest.raises(DownloadError, match="CERTIFICATE_VERIFY_FAILED"):
        download([base + "/f"], tmp_path / "f.bin", progress=False)
    assert hits(server) == [] and listing(tmp_path) == ["cert.pem", "key.pem"]


def test_a_certificate_the_system_trusts_is_accepted(tmp_path, online, sleeps, tls_server, monkeypatch):
    """The control for the two tests above: with the test certificate trusted (SSL_CERT_FILE, as a company
    proxy's certificate would be), the same server works, so what they refuse is the certificate."""
    server, base, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    path = download([base + "/f"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert path.read_bytes() == BODY and hits(server) == ["/f"]


def _unverified_tls_in(source: str, name: str) -> list[str]:
    """Code (not comments or docstrings) in ``source`` that turns certificate checking off."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in ("_create_unverified_context", "CERT_NONE",
                                                              "CERT_OPTIONAL"):
            found.append(f"{where} uses ssl.{node.attr}")
        if isinstance(node, ast.Name) and node.id in ("CERT_NONE", "_create_unverified_context"):
            found.append(f"{where} uses {node.id}")
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Attribute) and target.attr in ("check_hostname", "verify_mode",
                                                                           "_create_default_https_context")
                        and not (isinstance(node.value, ast.Constant) and node.value.value is True)):
                    found.append(f"{where} assigns {target.attr}")
        if isinstance(node, ast.keyword) and node.arg in ("verify", "check_hostname", "cert_reqs") \
                and isinstance(node.value, ast.Constant) and node.value.value in (False, None, "CERT_NONE"):
            found.append(f"{where} passes {node.arg}={node.value.value!r}")
        if isinstance(node, ast.Constant) and node.value == "PYTHONHTTPSVERIFY":
            found.append(f"{where} mentions PYTHONHTTPSVERIFY")
    return found


def test_no_code_in_the_package_turns_certificate_checks_off():
    files = sorted((ROOT / "cnnlab").rglob("*.py"))
    assert len(files) > 20
    problems = [problem for path in files
                for problem in _unverified_tls_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert problems == []


PLANTED = '''import ssl
ssl._create_default_https_context = ssl._create_unverified_context
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
requests_get(url, verify=False)
"a string may say ssl._create_unverified_context without harm"  # and so may a comment: CERT_NONE
'''


def test_the_certificate_scan_finds_what_it_looks_for():
    """The scan above must be able to fail: it finds each pattern in planted code, and ignores prose."""
    found = _unverified_tls_in(PLANTED, "planted.py")
    lines = sorted(int(problem.split(" ", 1)[0].split(":")[1]) for problem in found)
    assert lines == [2, 2, 4, 5, 5, 6], found
