"""The downloader against a local HTTP server: mirrors, retries, verification, atomic writes."""

from __future__ import annotations

import pytest

from cnnlab import _download
from cnnlab._download import ChecksumError, DownloadError, check_url, download

BODY = b"the right bytes" * 100


def expect_body(path):
    if path.read_bytes() != BODY:
        raise ChecksumError("unexpected content")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(_download.time, "sleep", lambda seconds: None)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_downloads_and_verifies(tmp_path, online, local_server):
    with local_server({"/f": (200, BODY, {})}) as (_, base):
        path = download([base + "/f"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert path.read_bytes() == BODY and leftovers(tmp_path) == ["f.bin"]


def test_a_missing_file_moves_on_to_the_next_mirror_without_retrying(tmp_path, online, local_server):
    with local_server({"/b/f": (200, BODY, {})}) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", progress=False)
    assert server.hits == ["/a/f", "/b/f"]


def test_server_errors_are_retried(tmp_path, online, local_server):
    flaky = lambda hit: (503, b"busy", {}) if hit < 3 else (200, BODY, {})  # noqa: E731
    with local_server({"/f": flaky}) as (server, base):
        download([base + "/f"], tmp_path / "f.bin", verify=expect_body, retries=3, progress=False)
    assert server.hits == ["/f"] * 3


def test_a_response_cut_short_is_retried_and_never_kept(tmp_path, online, local_server):
    cut = lambda hit: (200, BODY[:50], {"Content-Length": str(len(BODY))}) if hit == 1 else (200, BODY, {})  # noqa: E731
    with local_server({"/f": cut}) as (server, base):
        download([base + "/f"], tmp_path / "f.bin", verify=expect_body, timeout=5, progress=False)
    assert len(server.hits) == 2 and (tmp_path / "f.bin").read_bytes() == BODY


def test_wrong_bytes_try_the_next_mirror(tmp_path, online, local_server):
    routes = {"/a/f": (200, b"tampered", {}), "/b/f": (200, BODY, {})}
    with local_server(routes) as (server, base):
        download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body, progress=False)
    assert server.hits == ["/a/f", "/b/f"]


def test_when_every_mirror_fails_the_message_lists_them_and_nothing_is_left(tmp_path, online, local_server):
    routes = {"/a/f": (200, b"tampered", {}), "/b/f": (500, b"", {})}
    with local_server(routes) as (_, base):
        with pytest.raises(DownloadError) as raised:
            download([base + "/a/f", base + "/b/f"], tmp_path / "f.bin", verify=expect_body, retries=2,
                     progress=False)
    message = str(raised.value)
    assert "/a/f: wrong content" in message and "/b/f: HTTPError: HTTP Error 500" in message
    assert leftovers(tmp_path) == []


def test_keyboard_interrupt_leaves_no_partial_file(tmp_path, online, local_server):
    def interrupt(path):
        raise KeyboardInterrupt

    with local_server({"/f": (200, BODY, {})}) as (_, base):
        with pytest.raises(KeyboardInterrupt):
            download([base + "/f"], tmp_path / "f.bin", verify=interrupt, progress=False)
    assert leftovers(tmp_path) == []


def test_an_existing_good_file_survives_a_failed_download(tmp_path, online, local_server):
    (tmp_path / "f.bin").write_bytes(b"old")
    with local_server({}) as (_, base):
        with pytest.raises(DownloadError):
            download([base + "/f"], tmp_path / "f.bin", progress=False)
    assert (tmp_path / "f.bin").read_bytes() == b"old"


def test_offline_mode_refuses_before_touching_the_network(tmp_path, local_server):
    with local_server({"/f": (200, BODY, {})}) as (server, base):
        with pytest.raises(DownloadError, match=r"downloads are turned off \(CNNLAB_OFFLINE=1\)"):
            download([base + "/f"], tmp_path / "f.bin", progress=False)
    assert server.hits == []


@pytest.mark.parametrize("url", ["http://example.org/f", "ftp://example.org/f", "file:///etc/passwd", "https://"])
def test_only_https_is_accepted(url):
    with pytest.raises(ValueError, match=r"is not an HTTPS address"):
        check_url(url)


@pytest.mark.parametrize("url", ["https://example.org/f", "http://127.0.0.1:8000/f", "http://localhost/f"])
def test_https_and_loopback_http_are_accepted(url):
    assert check_url(url) == url


def test_no_urls_is_an_error(tmp_path, online):
    with pytest.raises(ValueError, match="urls is empty"):
        download([], tmp_path / "f")
