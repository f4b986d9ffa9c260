"""Downloads with mirrors, retries, verification and atomic writes.

Every byte the course fetches from the internet passes through
:func:`download`. Its promises:

* only HTTPS (plain HTTP is accepted for loopback addresses, which the tests
  use for a local server), with the system's certificate checks;
* each URL is tried in order; transient failures (time-outs, dropped
  connections, HTTP 5xx, 408, 429) are retried with exponential back-off,
  permanent ones (other 4xx) move on to the next mirror at once;
* the bytes go to a temporary file beside the destination, are checked by the
  caller's ``verify`` function, and only then renamed onto the final name, so
  an interrupted or corrupted download never leaves a file under that name;
* ``CNNLAB_OFFLINE=1`` forbids the network altogether.

The design document suggested pooch for this. pooch checks the hash of the
downloaded bytes, but the course must verify *decompressed* content (mirrors
re-gzip the same MNIST bytes differently), so a small downloader with a
``verify`` callback is simpler than bending pooch to it.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from . import config

__all__ = ["download", "DownloadError", "ChecksumError", "check_url"]

_CHUNK = 1 << 16
_USER_AGENT = "cnnlab (+https://github.com/; educational CNN course)"


class DownloadError(OSError):
    """No source could deliver a verified copy of a file."""


class ChecksumError(ValueError):
    """A file's content does not match the checksum the package expects."""


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Return ``url`` if the course may fetch it, else raise ``ValueError``.

    HTTPS is required; plain HTTP is allowed only for loopback addresses.

    Examples
    --------
    >>> check_url("https://example.org/a.gz")
    'https://example.org/a.gz'
    >>> check_url("http://example.org/a.gz")
    Traceback (most recent call last):
    ...
    ValueError: url='http://example.org/a.gz' is not an HTTPS address; the course downloads only over HTTPS (plain HTTP only from this machine, 127.0.0.1).
    """
    if not isinstance(url, str):
        raise ValueError(f"url must be a string, received url={url!r}.")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url
    raise ValueError(
        f"url={url!r} is not an HTTPS address; the course downloads only over "
        "HTTPS (plain HTTP only from this machine, 127.0.0.1)."
    )


def _transient(error: BaseException) -> bool:
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code in (408, 429)
    return isinstance(
        error, (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError)
    )


def _progress_bar(total: int | None, description: str, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description, leave=False)


def _fetch_once(url: str, target, timeout: float, description: str, progress: bool) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _progress_bar(total, description, progress)
        received = 0
        try:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                target.write(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)


def download(
    urls: Sequence[str],
    dest: str | os.PathLike,
    *,
    verify: Callable[[Path], None] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = True,
    description: str | None = None,
) -> Path:
    """Fetch the first verified copy of a file from ``urls`` into ``dest``.

    Parameters
    ----------
    urls : sequence of str
        Mirrors, tried in order. Each must be HTTPS (HTTP only on loopback).
    dest : path-like
        The final file name. Its folder is created if needed.
    verify : callable, optional
        Called with the path of the complete temporary file; it raises
        (typically :class:`ChecksumError`) if the bytes are wrong. Wrong bytes
        count as a failure of that mirror, and the next one is tried.
    timeout : float
        Seconds to wait for the server before a try counts as timed out.
    retries : int
        Tries per mirror for transient failures.
    backoff : float
        Seconds before the second try; doubled after each further failure.
    progress : bool
        Show a tqdm progress bar.
    description : str, optional
        Label of the progress bar (default: the file name).

    Returns
    -------
    pathlib.Path
        ``dest``, now holding verified bytes.

    Raises
    ------
    DownloadError
        If downloads are forbidden (``CNNLAB_OFFLINE=1``) or no mirror delivered
        a verified copy; the message lists what each mirror answered.

    Notes
    -----
    Nothing is ever written under ``dest`` until the content is verified, and
    the temporary file is removed on every failure, including
    ``KeyboardInterrupt``.

    Examples
    --------
    Fetch a file and check its SHA-256 before it gets its final name (not run
    here: the tests never touch the network):

    >>> import hashlib
    >>> def verify(path):
    ...     if hashlib.sha256(path.read_bytes()).hexdigest() != "e3b0c442...":
    ...         raise ChecksumError("unexpected SHA-256")
    >>> download(["https://example.org/a.bin"], "/tmp/a.bin", verify=verify)  # doctest: +SKIP
    PosixPath('/tmp/a.bin')
    """
    dest = Path(dest)
    if isinstance(urls, str):
        urls = [urls]
    urls = [check_url(u) for u in urls]
    if not urls:
        raise ValueError("urls is empty; give at least one address to download from.")
    if config.offline():
        raise DownloadError(
            f"not downloading {dest.name}: downloads are turned off ({config.OFFLINE_ENV}=1)."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    description = description or dest.name
    failures: list[str] = []
    for url in urls:
        for attempt in range(max(1, int(retries))):
            fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as target:
                    _fetch_once(url, target, timeout, description, progress)
                if verify is not None:
                    verify(tmp)
                os.replace(tmp, dest)
                return dest
            except ChecksumError as error:
                failures.append(f"{url}: wrong content ({error})")
                break
            except Exception as error:  # noqa: BLE001 - reported in the final message
                failures.append(f"{url}: {type(error).__name__}: {error}")
                if not _transient(error) or attempt + 1 == retries:
                    break
                time.sleep(backoff * (2**attempt))
            finally:
                if tmp.exists():
                    tmp.unlink()
    tried = "\n  ".join(failures)
    raise DownloadError(f"could not download {dest.name}; every source failed:\n  {tried}")
