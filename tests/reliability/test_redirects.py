"""Redirects may not send a download down to plain HTTP, nor into this machine or its network.

A server on the internet answers a download with a redirect to any address it
likes: a router's page on 192.168.x.x, a cloud machine's credentials at
169.254.169.254, a service on the learner's own computer. The downloader
follows a redirect only to public addresses over HTTPS, except to the
classroom mirror (CNNLAB_MIRROR_URL) and within the host it is already
talking to. The policy is checked on origin -> target pairs (through the
redirect handler itself, and through ``check_redirect``), since tests can only
serve on loopback; one end-to-end test shows a local server's redirect to a
private address is refused without a name lookup or connection to it.
"""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request

import pytest

from cnnlab import _download
from cnnlab._download import DownloadError, download
from tests.reliability.test_download_faults import (  # noqa: F401 - sleeps is a fixture
    BODY, expect_body, hits, listing, ok, redirect, serve, sleeps)

pytestmark = pytest.mark.reliability("security")

PUBLIC = "https://example.org/data/f.gz"


def follow(origin, target):
    """What the opener's redirect handler does with a redirect from ``origin`` to ``target``."""
    request = urllib.request.Request(origin)
    absolute = urllib.parse.urljoin(origin, target)  # as urllib's http_error_302 does before asking the handler
    return _download._CheckedRedirects().redirect_request(request, None, 302, "Found", {}, absolute)


REFUSED = [
    (PUBLIC, "http://example.org/data/f.gz", "would go down from HTTPS to plain HTTP"),
    (PUBLIC, "http://127.0.0.1:8000/f", "would go down from HTTPS to plain HTTP"),
    (PUBLIC, "http://[::1]:8000/f", "would go down from HTTPS to plain HTTP"),
    (PUBLIC, "https://127.0.0.1/f", "is a loopback address"),
    (PUBLIC, "https://localhost:8443/f", "is a loopback address"),
    (PUBLIC, "https://[::1]:8443/f", "is a loopback address"),
    (PUBLIC, "https://127.1/f", "is a loopback address"),                  # spellings the resolver accepts
    (PUBLIC, "https://2130706433/f", "is a loopback address"),
    (PUBLIC, "https://0x7f000001/f", "is a loopback address"),
    (PUBLIC, "https://10.1.2.3/f", "is a private-network address"),
    (PUBLIC, "https://192.168.1.1/admin", "is a private-network address"),
    (PUBLIC, "https://172.16.0.5/f", "is a private-network address"),
    (PUBLIC, "https://[::ffff:10.0.0.1]/f", "is a private-network address"),
    (PUBLIC, "https://[fd00::1]/f", "is a private-network address"),
    (PUBLIC, "https://169.254.169.254/latest/meta-data/", "is a link-local address"),
    (PUBLIC, "https://[fe80::1]/f", "is a link-local address"),
    (PUBLIC, "https://0.0.0.0/f", "is the unspecified address"),
    (PUBLIC, "https://100.64.0.1/f", "is not a public address"),           # carrier-grade NAT
    ("http://127.0.0.1:8000/a", "https://10.0.0.1/x", "is a private-network address"),
    ("http://127.0.0.1:8000/a", "https://169.254.169.254/latest", "is a link-local address"),
]

ALLOWED = [
    (PUBLIC, "https://cdn.example.net/data/f.gz"),
    (PUBLIC, "/other/f.gz"),
    (PUBLIC, "https://93.184.215.14/f.gz"),                                # a public IP literal
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/other"),
    ("http://127.0.0.1:8000/a", "/other"),
    ("http://127.0.0.1:8000/a", "https://example.org/f"),
    ("https://10.0.0.5/a", "https://10.0.0.5/b"),                         # within the same host
]


@pytest.mark.parametrize("origin, target, why", REFUSED, ids=[t for _, t, _ in REFUSED])
def test_the_redirect_handler_refuses(origin, target, why, monkeypatch):
    monkeypatch.delenv("CNNLAB_MIRROR_URL", raising=False)
    with pytest.raises(ValueError, match=r"the server redirected \(HTTP 302\) to '.*', which " + why):
        follow(origin, target)


@pytest.mark.parametrize("origin, target, why", REFUSED, ids=[t for _, t, _ in REFUSED])
def test_check_redirect_refuses_and_names_the_target(origin, target, why, monkeypatch):
    monkeypatch.delenv("CNNLAB_MIRROR_URL", raising=False)
    with pytest.raises(ValueError) as raised:
        _download.check_redirect(origin, target)
    message = str(raised.value)
    assert message.startswith(f"the redirect from {origin!r} to ") and f"is refused: the target {why}" in message
    assert repr(urllib.parse.urljoin(origin, target)) in message


@pytest.mark.parametrize("origin, target", ALLOWED, ids=[t for _, t in ALLOWED])
def test_redirects_to_public_https_and_within_the_same_host_are_followed(origin, target, monkeypatch):
    monkeypatch.delenv("CNNLAB_MIRROR_URL", raising=False)
    absolute = urllib.parse.urljoin(origin, target)
    assert _download.check_redirect(origin, target) == absolute
    assert follow(origin, target).full_url == absolute


def test_the_classroom_mirror_may_be_redirected_to_even_on_a_private_address(monkeypatch):
    monkeypatch.setenv("CNNLAB_MIRROR_URL", "http://192.168.1.20:8765/")
    target = "http://192.168.1.20:8765/mnist/train-images-idx3-ubyte.gz"
    assert _download.check_redirect(PUBLIC, target) == target
    assert follow(PUBLIC, target).full_url == target
    for elsewhere in ("http://192.168.1.21/mnist/x.gz", "https://192.168.1.20/mnist/x.gz"):
        with pytest.raises(ValueError, match="is refused"):
            _download.check_redirect(PUBLIC, elsewhere)


def test_check_redirect_validates_its_arguments():
    with pytest.raises(ValueError, match="origin and target must be strings"):
        _download.check_redirect(PUBLIC, None)


@pytest.mark.parametrize("target", ["https://10.0.0.1/x", "https://169.254.169.254/latest",
                                    "https://[::ffff:192.168.0.1]/x", "https://172.16.0.1:8443/x"])
def test_a_local_server_redirecting_to_a_private_address_is_refused_without_contacting_it(
        tmp_path, online, sleeps, monkeypatch, target):
    contacted = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        contacted.append(("connect", address))
        if not str(address[0]).startswith("127."):
            raise ConnectionRefusedError(f"the test refuses a connection to {address!r}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        contacted.append(("getaddrinfo", host))
        if not str(host).startswith("127."):
            raise socket.gaierror(socket.EAI_NONAME, f"the test refuses a name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with serve({"/a/f": redirect(target), "/b/f": ok()}) as (server, base):
        with pytest.raises(DownloadError) as raised:
            download([base + "/a/f"], tmp_path / "f.bin", retries=3, progress=False)
        path = download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body, retries=3,
                        progress=False)
    assert f"redirected (HTTP 302) to {target!r}" in str(raised.value)
    assert "only public addresses (or the classroom mirror) are followed" in str(raised.value)
    assert hits(server) == ["/a/f", "/a/f", "/b/f"], "a refused redirect is permanent: not retried"
    assert sleeps == []
    assert all(str(what if kind == "getaddrinfo" else what[0]).startswith("127.") for kind, what in contacted), \
        contacted
    assert path.read_bytes() == BODY and listing(tmp_path) == ["f.bin"]


def test_a_redirect_within_the_local_server_is_still_followed(tmp_path, online, sleeps):
    routes = {"/old": redirect("/new"), "/newest": ok()}
    with serve(routes) as (server, base):
        routes["/new"] = redirect(base.replace("127.0.0.1", "localhost") + "/newest")  # the same host, named
        download([base + "/old"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert hits(server) == ["/old", "/new", "/newest"]
