"""Downloads with mirrors, retries, verification and atomic writes.

Every byte the course fetches from the internet passes through
:func:`download`. Its promises:

* only HTTPS (plain HTTP is accepted for loopback addresses, which the tests
  use for a local server), with the system's certificate checks - always, even
  if some other code turned them off for the whole process;
* a redirect is followed only if :func:`check_redirect` accepts it: never from
  HTTPS down to plain HTTP, and never to a loopback, private, link-local or
  otherwise non-public address (unless the target lies under the classroom
  mirror, or stays on the host the request was already going to);
* each URL is tried in order; only network failures are transient (time-outs,
  refused or dropped connections, broken HTTP, HTTP 5xx, 408, 429) and are
  retried with exponential back-off; anything else (other 4xx, a refused
  redirect, a response too large, bytes that ``verify`` rejects, a local
  error) moves on to the next mirror at once;
* every try has an overall ``deadline`` (default :func:`default_deadline`:
  at least 5 minutes, longer for big files), so a server that trickles bytes
  just fast enough to beat the per-read ``timeout`` cannot hold a download
  forever; missing it counts as a transient failure;
* ``max_bytes`` stops a server that sends more than the file can be;
* the bytes go to a temporary file beside the destination, are checked by the
  caller's ``verify`` function, and only then renamed onto the final name, so
  an interrupted or corrupted download never leaves a file under that name;
* ``CNNLAB_OFFLINE=1`` forbids the network altogether.

:func:`safe_extract` unpacks tar and zip archives with the same care: every
member is checked before anything is written (no absolute paths, no ``..``,
no links, no device files), and the target folder appears, complete, by one
rename.

The design document suggested pooch for this. pooch checks the hash of the
downloaded bytes, but the course must verify *decompressed* content (mirrors
re-gzip the same MNIST bytes differently), so a small downloader with a
``verify`` callback is simpler than bending pooch to it.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import ipaddress
import lzma
import os
import shutil
import socket
import ssl
import stat
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from time import monotonic  # imported by name: the tests replace this module's ``time`` to record back-off sleeps

from . import config
from ._validation import check_file, path_mode

__all__ = ["download", "download_from", "safe_extract", "DownloadError", "ChecksumError", "UnsafeArchiveError",
           "check_url", "check_redirect", "default_deadline"]

_CHUNK = 1 << 16
#: The shortest overall deadline per try, in seconds, and the slowest throughput (bytes per second) the
#: default deadline of a file of known size allows; without a known size the deadline is _DEADLINE_UNKNOWN_SIZE.
_MIN_DEADLINE = 300.0
_MIN_RATE = 50_000
_DEADLINE_UNKNOWN_SIZE = 3600.0
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


def _under_mirror(url: str) -> bool:
    """True if ``url`` lies under the configured classroom mirror (``CNNLAB_MIRROR_URL``)."""
    try:
        mirror = config.mirror_url()
    except ValueError:
        return False
    return mirror is not None and url.startswith(mirror + "/")


def check_url(url: str) -> str:
    """Return ``url`` if the course may fetch it, else raise ``ValueError``.

    HTTPS is required; plain HTTP is allowed only for loopback addresses and
    for the classroom mirror that ``CNNLAB_MIRROR_URL`` names (every file is
    verified by its checksum, so the mirror need not be trusted).

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
    if parts.scheme == "http" and (_is_loopback(parts.hostname) or _under_mirror(url)):
        return url
    raise ValueError(
        f"url={url!r} is not an HTTPS address; the course downloads only over "
        "HTTPS (plain HTTP only from this machine, 127.0.0.1)."
    )


class _TooLarge(ValueError):
    """The server sends (or announces) more bytes than ``max_bytes``: not retried."""


def _certificate_error(error: BaseException) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, ssl.SSLCertVerificationError)


def _transient(error: BaseException) -> bool:
    """True for a network failure that another try may not meet again.

    Those are time-outs (including a missed ``deadline``), refused, reset or
    dropped connections, DNS and TLS hand-shake failures (a ``URLError`` whose
    reason is a socket error), broken HTTP (``http.client.HTTPException``, such
    as ``IncompleteRead``) and HTTP 5xx, 408 and 429. Everything else is
    permanent for that address: other HTTP errors, a certificate nobody trusts,
    a refused redirect, too many bytes, a local error such as a full disk.
    """
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code in (408, 429)
    if _certificate_error(error):
        return False  # the same certificate comes back on every try
    if isinstance(error, urllib.error.URLError):
        return isinstance(error.reason, OSError)  # not e.g. "unknown url type"
    return isinstance(error, (TimeoutError, ConnectionError, http.client.HTTPException, ssl.SSLError))


def _describe(error: BaseException) -> str:
    if _certificate_error(error):
        return (f"{type(error).__name__}: {error} (the server's HTTPS certificate is not trusted: a proxy or "
                "antivirus that intercepts HTTPS, or a wrong system clock, can cause this; it is never ignored)")
    return f"{type(error).__name__}: {error}"


def _host_address(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` stands for without asking DNS, or None for a host name.

    IP literals count, including the old IPv4 spellings the system resolver
    accepts (``127.1``, ``2130706433``, ``0x7f000001``) and IPv4 addresses
    mapped into IPv6; ``localhost`` and names under ``.localhost`` are loopback.
    """
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def _non_public(address) -> str | None:
    """What kind of non-public address ``address`` is (None: a public, global one)."""
    kinds = (("is_loopback", "a loopback address (this machine)"),
             ("is_link_local", "a link-local address (where cloud machines keep their credentials)"),
             ("is_unspecified", "the unspecified address"),
             ("is_multicast", "a multicast address"),
             ("is_private", "a private-network address"),
             ("is_reserved", "a reserved address"))
    for test, kind in kinds:
        if getattr(address, test):
            return kind
    return None if address.is_global else "not a public address"


def _same_host(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    first, second = _host_address(a), _host_address(b)
    if first is not None and second is not None:
        return first == second
    return a.lower().rstrip(".") == b.lower().rstrip(".")


def _redirect_refusal(origin: str, target: str) -> str | None:
    """Why a download may not follow a redirect from ``origin`` to ``target`` (None: it may)."""
    before, after = urllib.parse.urlsplit(origin), urllib.parse.urlsplit(target)
    mirror = _under_mirror(target)  # named by the teacher, and every file is verified
    if before.scheme == "https" and after.scheme == "http" and not mirror:
        return "would go down from HTTPS to plain HTTP"
    try:
        check_url(target)
    except ValueError:
        return "is not an HTTPS address"
    if mirror:
        return None
    address = _host_address(after.hostname)
    kind = None if address is None else _non_public(address)
    if kind is None or _same_host(before.hostname, after.hostname):
        return None
    return f"is {kind}, {address}; only public addresses (or the classroom mirror) are followed"


def check_redirect(origin: str, target: str) -> str:
    """Return the absolute address of a redirect from ``origin`` to ``target`` if a download may follow it.

    A redirect is followed only to an address :func:`check_url` accepts, and
    never from HTTPS down to plain HTTP, nor to a loopback, private,
    link-local or otherwise non-public IP address: a server on the internet
    must not be able to send the course's requests into the learner's machine
    or network (a router's page, a cloud machine's credentials at
    169.254.169.254). Two exceptions: a target under the classroom mirror
    (``CNNLAB_MIRROR_URL``), and a target on the same host as ``origin`` (a
    local server redirecting within itself reaches nothing new).

    Parameters
    ----------
    origin : str
        The address that answered with the redirect.
    target : str
        Its ``Location``, absolute or relative to ``origin``.

    Returns
    -------
    str
        The absolute target.

    Raises
    ------
    ValueError
        Naming the target and why it is refused.

    Notes
    -----
    Host names are not looked up (a name that resolves to a private address
    is followed; the downloaded bytes are still verified), so the check needs
    no DNS; IP literals in every spelling the system accepts, and
    ``localhost``, are checked.

    Examples
    --------
    >>> check_redirect("https://example.org/a", "https://cdn.example.net/a")
    'https://cdn.example.net/a'
    >>> check_redirect("http://127.0.0.1:8000/a", "/b")
    'http://127.0.0.1:8000/b'
    >>> check_redirect("https://example.org/a", "https://169.254.169.254/latest")
    Traceback (most recent call last):
    ...
    ValueError: the redirect from 'https://example.org/a' to 'https://169.254.169.254/latest' is refused: the target is a link-local address (where cloud machines keep their credentials), 169.254.169.254; only public addresses (or the classroom mirror) are followed.
    """
    if not isinstance(origin, str) or not isinstance(target, str):
        raise ValueError(f"origin and target must be strings, received origin={origin!r}, target={target!r}.")
    absolute = urllib.parse.urljoin(origin, target)
    why = _redirect_refusal(origin, absolute)
    if why is not None:
        raise ValueError(f"the redirect from {origin!r} to {absolute!r} is refused: the target {why}.")
    return absolute


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only where :func:`check_redirect` allows (never down to HTTP, never to a private address)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        why = _redirect_refusal(req.full_url, target)
        if why is not None:
            raise ValueError(f"the server redirected (HTTP {code}) to {target!r}, which {why}; "
                             "the redirect was not followed.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener with its own certificate-checking SSL context and checked redirects.

    ``urllib.request.urlopen`` would use the process-wide default context, which
    other code can swap for one that checks nothing (a common copy-pasted "fix"
    for certificate errors); the course's downloads keep checking certificates.
    """
    context = ssl.create_default_context()
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _CheckedRedirects())


def _progress_bar(total: int | None, description: str, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description, leave=False)


def default_deadline(max_bytes: int | None) -> float:
    """The seconds one try of a download may take in all when ``deadline`` is not given.

    At least 5 minutes; a file of up to ``max_bytes`` gets as long as it takes
    at 50 kB/s (400 kbit/s, a poor classroom Wi-Fi shared by many); a file of
    unknown size gets one hour.

    Examples
    --------
    >>> default_deadline(1_000_000)
    300.0
    >>> default_deadline(228_813_984)  # the flowers archive: 76 minutes
    4576.27968
    >>> default_deadline(None)
    3600.0
    """
    if max_bytes is None:
        return _DEADLINE_UNKNOWN_SIZE
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a whole number of bytes >= 0 or None (size unknown), "
                         f"received max_bytes={max_bytes!r}.")
    return max(_MIN_DEADLINE, max_bytes / _MIN_RATE)


def _check_deadline(stop: float, deadline: float, url: str, received: int) -> None:
    if monotonic() > stop:
        raise TimeoutError(f"no complete download within {deadline:g} s from {url} ({received:,} bytes received; "
                           "the server is too slow, or sends on purpose just fast enough not to time out)")


def _fetch_once(url: str, target, timeout: float, description: str, progress: bool,
                max_bytes: int | None = None, deadline: float | None = None) -> None:
    deadline = default_deadline(max_bytes) if deadline is None else deadline
    stop = monotonic() + deadline
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with _opener().open(request, timeout=timeout) as response:
        _check_deadline(stop, deadline, url, 0)
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if max_bytes is not None and total is not None and total > max_bytes:
            raise _TooLarge(f"the server announces {total:,} bytes, more than max_bytes={max_bytes:,}; not downloaded")
        # read1 returns what has arrived (read would wait for a whole chunk), so the deadline is checked often.
        read = getattr(response, "read1", response.read)
        bar = _progress_bar(total, description, progress)
        received = 0
        try:
            while True:
                chunk = read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if max_bytes is not None and received > max_bytes:
                    raise _TooLarge(f"the server sent more than max_bytes={max_bytes:,} bytes; stopped")
                target.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
                _check_deadline(stop, deadline, url, received)
        finally:
            if bar is not None:
                bar.close()
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)


class _Rejected(Exception):
    """``verify`` refused the downloaded bytes: that address would send them again, so it is not retried."""


def _attempt(url: str, dest: Path, verify: Callable[[Path], None] | None, *fetch_options) -> None:
    """One try: fetch ``url`` into a temporary sibling of ``dest``, verify it, rename it onto ``dest``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as target:
            _fetch_once(url, target, *fetch_options)
        if verify is not None:
            try:
                verify(tmp)
            except Exception as error:  # noqa: BLE001 - any refusal by verify is about these bytes
                detail = str(error) if isinstance(error, ChecksumError) else _describe(error)
                raise _Rejected(detail.replace(tmp.name, dest.name)) from error  # named after the file
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def download(urls: Sequence[str], dest: str | os.PathLike, **options) -> Path:
    """Fetch the first verified copy of a file from ``urls`` into ``dest``; return ``dest``.

    The same as :func:`download_from`, which also says which address delivered it.

    Examples
    --------
    >>> download(["https://example.org/a.bin"], "/tmp/a.bin")  # doctest: +SKIP
    PosixPath('/tmp/a.bin')
    """
    return download_from(urls, dest, **options)[0]


def download_from(
    urls: Sequence[str],
    dest: str | os.PathLike,
    *,
    verify: Callable[[Path], None] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = True,
    description: str | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> tuple[Path, str]:
    """Fetch the first verified copy of a file from ``urls`` into ``dest``.

    Parameters
    ----------
    urls : sequence of str
        Mirrors, tried in order. Each must be HTTPS (HTTP only on loopback).
    dest : path-like
        The final file name (not a folder). Its folder is created if needed.
    verify : callable, optional
        Called with the path of the complete temporary file; it raises
        (typically :class:`ChecksumError`) if the bytes are wrong. Wrong bytes
        (whatever ``verify`` raises) count as a failure of that mirror, which
        is not tried again: the next one is tried at once.
    timeout : float
        Seconds to wait for the server, at each connection and each read,
        before a try counts as timed out.
    retries : int
        Tries per mirror for transient (network) failures.
    backoff : float
        Seconds before the second try; doubled after each further failure.
    progress : bool
        Show a tqdm progress bar.
    description : str, optional
        Label of the progress bar (default: the file name).
    max_bytes : int, optional
        The most bytes the file can have. A server that announces or sends
        more fails at once (no retry) and the next mirror is tried, so an
        endless or oversized response cannot fill the disk.
    deadline : float, optional
        Seconds one try may take in all, checked after every chunk received;
        missing it is a transient failure, so it is retried. Default:
        :func:`default_deadline` of ``max_bytes`` (at least 5 minutes).

    Returns
    -------
    (pathlib.Path, str)
        ``dest``, now holding verified bytes, and the address that delivered them.

    Raises
    ------
    DownloadError
        If downloads are forbidden (``CNNLAB_OFFLINE=1``) or no mirror delivered
        a verified copy; the message lists what each mirror answered, and how
        to put the file in place without a connection.
    ValueError
        If an address is not HTTPS (:func:`check_url`), ``dest`` is a folder,
        or another argument is out of range; nothing is downloaded then.

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
    >>> download_from(["https://example.org/a.bin"], "/tmp/a.bin", verify=verify)  # doctest: +SKIP
    (PosixPath('/tmp/a.bin'), 'https://example.org/a.bin')
    """
    dest = Path(dest)
    if isinstance(urls, str):
        urls = [urls]
    urls = [check_url(u) for u in urls]
    if not urls:
        raise ValueError("urls is empty; give at least one address to download from.")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive integer or None, received max_bytes={max_bytes!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
        raise ValueError(f"timeout must be a positive number of seconds, received timeout={timeout!r}.")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 1:
        raise ValueError(f"retries must be a positive integer (tries per mirror), received retries={retries!r}.")
    if isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or not 0 <= backoff < float("inf"):
        raise ValueError(f"backoff must be a number of seconds >= 0, received backoff={backoff!r}.")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, (int, float))
                                 or not 0 < deadline < float("inf")):
        raise ValueError(f"deadline must be a positive number of seconds or None (the default for the size), "
                         f"received deadline={deadline!r}.")
    if dest.is_dir():
        raise ValueError(f"dest={str(dest)!r} is a folder; give the name of the file to write, for example "
                         f"{str(dest / 'file.bin')!r}.")
    if config.offline():
        raise DownloadError(
            f"not downloading {dest.name}: downloads are turned off ({config.OFFLINE_ENV}=1)."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    description = description or dest.name
    failures: list[str] = []
    for url in urls:
        for attempt in range(retries):
            try:
                _attempt(url, dest, verify, timeout, description, progress, max_bytes, deadline)
                return dest, url
            except _Rejected as error:
                failures.append(f"{url}: wrong content ({error})")
                break
            except Exception as error:  # noqa: BLE001 - reported in the final message
                failures.append(f"{url}: {_describe(error)}")
                if not _transient(error) or attempt + 1 == retries:
                    break
                time.sleep(backoff * (2**attempt))
    tried = "\n  ".join(failures)
    raise DownloadError(
        f"could not download {dest.name}; every source failed:\n  {tried}\n"
        f"Without a connection, fetch the file elsewhere and copy it to {dest} (it is checked before use)."
    )


# --------------------------------------------------------------------------- archives


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the target folder, or is not a plain file or folder."""


_TAR_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")


def _safe_member_path(archive: Path, name: str) -> tuple[str, ...]:
    """Return the parts of a member name, or raise if the name could escape the target."""
    def refuse(why: str) -> UnsafeArchiveError:
        return UnsafeArchiveError(
            f"archive {archive.name} is refused: member {name!r} {why}; nothing was extracted. "
            "Delete the archive and download it again from its official address."
        )

    if not name or "\x00" in name:
        raise refuse("has an empty or NUL-containing name")
    if "\\" in name:
        raise refuse("contains a backslash (a Windows path separator)")
    if name.startswith("/") or (len(name) >= 2 and name[1] == ":" and name[0].isalpha()):
        raise refuse("is an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise refuse("contains a '..' component, which would write outside the target folder")
    return parts


def _plan(archive: Path, entries, max_bytes: int | None) -> list[tuple[tuple[str, ...], str, object]]:
    """Check every member before anything is written; return (parts, "dir" or "file", member)."""
    plan, files, folders, total = [], set(), set(), 0
    for name, kind, size, member in entries:
        parts = _safe_member_path(archive, name)
        if kind not in ("file", "dir"):
            raise UnsafeArchiveError(
                f"archive {archive.name} is refused: member {name!r} is a {kind}; only plain files and "
                "folders are extracted (links could point outside the target folder). Nothing was extracted."
            )
        if not parts:
            if kind == "dir":
                continue  # "./", the target folder itself
            raise UnsafeArchiveError(f"archive {archive.name} is refused: member {name!r} is a file without a name.")
        if parts in files or (kind == "file" and parts in folders):
            raise UnsafeArchiveError(
                f"archive {archive.name} is refused: member {name!r} appears twice (a later copy would "
                "silently replace an earlier one). Nothing was extracted."
            )
        for depth in range(1, len(parts) + (kind == "dir")):
            if parts[:depth] in files:
                raise UnsafeArchiveError(
                    f"archive {archive.name} is refused: member {name!r} lies inside "
                    f"{'/'.join(parts[:depth])!r}, which the archive also holds as a file."
                )
            folders.add(parts[:depth])
        if kind == "file":
            files.add(parts)
            total += size
            if max_bytes is not None and total > max_bytes:
                raise UnsafeArchiveError(
                    f"archive {archive.name} is refused: its files hold more than max_bytes={max_bytes:,} "
                    f"bytes (reached at member {name!r}); it may be an archive bomb. Nothing was extracted."
                )
        plan.append((parts, kind, member))
    return plan


def _tar_kind(member) -> str:
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return f"symbolic link to {member.linkname!r}"
    if member.islnk():
        return f"hard link to {member.linkname!r}"
    if member.ischr() or member.isblk():
        return "device file"
    if member.isfifo():
        return "FIFO (named pipe)"
    return f"member of tar type {member.type!r}"


def _zip_kind(info) -> str:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return "special file (device, FIFO or socket)"
    return "file"


#: What reading a damaged archive raises (not OSError in general: a full disk is not a damaged archive).
_READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)


def _copy_member(source, dest: Path) -> None:
    with source, open(dest, "xb") as out:  # "x": never follow or overwrite anything already there
        shutil.copyfileobj(source, out, _CHUNK)


def safe_extract(
    archive_path: str | os.PathLike,
    target_dir: str | os.PathLike,
    *,
    verify: Callable[[Path], None] | None = None,
    overwrite: bool = False,
    max_bytes: int | None = None,
) -> Path:
    """Extract a tar or zip archive into ``target_dir``, refusing anything unsafe.

    Every member is checked *before* a single byte is written. An archive is
    refused as a whole (:class:`UnsafeArchiveError`, naming the member) if any
    member

    * has an absolute name (``/etc/passwd``, ``C:...``) or a backslash;
    * has a ``..`` component (``../evil``, ``a/../../evil``);
    * is a symbolic or hard link - *any* link, even one that points inside the
      target: the course's archives hold only files and folders, and a link
      that looks harmless can be re-pointed by a later member;
    * is a device file, a FIFO or any other special file;
    * appears twice, or lies inside a path the archive also holds as a file.

    File permissions, owners and times in the archive are ignored: files are
    written as ordinary files of the current user.

    Parameters
    ----------
    archive_path : path-like
        A ``.tar``, ``.tgz``/``.tar.gz``, ``.tar.bz2``, ``.tar.xz`` or ``.zip``
        file (other names are recognised by their content).
    target_dir : path-like
        The folder that will hold the archive's content. It is created by
        renaming a complete temporary sibling folder, so it either holds the
        whole verified content or does not exist.
    verify : callable, optional
        Called with the temporary folder once everything is extracted; it
        raises if the content is wrong (for example a missing class folder),
        and then nothing is left behind.
    overwrite : bool
        Replace an existing ``target_dir`` (only once the new content is
        complete and verified). Otherwise an existing, non-empty
        ``target_dir`` is an error.
    max_bytes : int, optional
        Refuse archives whose files add up to more than this (archive bombs).

    Returns
    -------
    pathlib.Path
        ``target_dir``.

    Raises
    ------
    UnsafeArchiveError
        A ``ValueError``: a member is unsafe, as listed above.
    FileExistsError
        ``target_dir`` exists, is not empty, and ``overwrite`` is False.
    FileNotFoundError
        ``archive_path`` does not exist.
    ValueError
        The file is neither a tar nor a zip archive; or ``archive_path`` or
        ``target_dir`` is a path the file system refuses (a folder where the
        archive should be, a name too long, a path through a file).

    Notes
    -----
    The checks are the package's own, not ``tarfile``'s extraction filters
    (``filter="data"``, Python 3.12 and the security releases 3.10.12 and
    3.11.4), because the filters do less than they do: ``tarfile.data_filter``
    strips a leading ``/`` instead of refusing the member, lets through links
    that stay inside the target, knows nothing of zip files, of a name that
    appears twice or of ``max_bytes``, and is missing from the earlier 3.10 and
    3.11 releases the package supports. Members are written one by one into a
    temporary folder, never by ``extractall``, so the filters would not apply
    anyway; what is refused, and the message that says so, is the same on
    every Python version.

    Examples
    --------
    >>> import io, tarfile, tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> def add(tar, name, data=b"hi"):
    ...     info = tarfile.TarInfo(name); info.size = len(data)
    ...     tar.addfile(info, io.BytesIO(data))
    >>> with tarfile.open(folder / "good.tgz", "w:gz") as tar:
    ...     add(tar, "photos/a.txt")
    >>> (safe_extract(folder / "good.tgz", folder / "out") / "photos" / "a.txt").read_text()
    'hi'
    >>> with tarfile.open(folder / "evil.tgz", "w:gz") as tar:
    ...     add(tar, "photos/../../evil.txt")
    >>> safe_extract(folder / "evil.tgz", folder / "out2")
    Traceback (most recent call last):
    ...
    cnnlab._download.UnsafeArchiveError: archive evil.tgz is refused: member 'photos/../../evil.txt' contains a '..' component, which would write outside the target folder; nothing was extracted. Delete the archive and download it again from its official address.
    >>> sorted(p.name for p in folder.iterdir())
    ['evil.tgz', 'good.tgz', 'out']
    """
    archive, target = _check_extract_arguments(archive_path, target_dir, overwrite, max_bytes)
    kind = _archive_kind(archive, archive_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        plan, open_member = _read_plan(stack, archive, archive_path, kind, max_bytes)
        _extract_then_rename(plan, open_member, archive_path, target, verify)
    return target


def _check_extract_arguments(archive_path, target_dir, overwrite: bool, max_bytes) -> tuple[Path, Path]:
    """The archive and the target folder of :func:`safe_extract`, checked before anything is read."""
    archive = check_file(archive_path, "archive_path")  # a folder, a name too long: a ValueError naming it
    target, _, _ = path_mode(target_dir, "target_dir", "give another folder", follow=False)
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive integer or None, received max_bytes={max_bytes!r}.")
    if target.exists() and not overwrite and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(
            f"target_dir={str(target)!r} already exists and is not empty; remove it, choose another "
            "folder, or pass overwrite=True."
        )
    return archive, target


def _archive_kind(archive: Path, archive_path) -> str:
    """``"zip"`` or ``"tar"``, by the file's name, else by its content; a ValueError if it is neither."""
    lowered = archive.name.lower()
    if lowered.endswith(".zip"):
        return "zip"
    if lowered.endswith(_TAR_SUFFIXES):
        return "tar"
    if zipfile.is_zipfile(archive):
        return "zip"
    if tarfile.is_tarfile(archive):
        return "tar"
    raise ValueError(
        f"archive_path={str(archive_path)!r} is neither a tar nor a zip archive; "
        "give a .tar, .tgz, .tar.gz, .tar.bz2, .tar.xz or .zip file."
    )


def _read_plan(stack: contextlib.ExitStack, archive: Path, archive_path, kind: str, max_bytes: int | None):
    """Open the archive (closed by ``stack``) and check every member (:func:`_plan`).

    Returns the plan and the function that opens one member for reading.
    """
    try:
        if kind == "tar":
            opened = stack.enter_context(tarfile.open(archive, "r:*"))
            # Iterate (not getmembers()): the headers are checked one by one as they are read, so a
            # member announcing more than max_bytes stops everything before the rest is decompressed.
            entries = ((m.name, _tar_kind(m), m.size, m) for m in opened)
            open_member = opened.extractfile
        else:
            opened = stack.enter_context(zipfile.ZipFile(archive))
            entries = ((i.filename, _zip_kind(i), i.file_size, i) for i in opened.infolist())
            open_member = opened.open
        return _plan(archive, entries, max_bytes), open_member
    except _READ_ERRORS as error:
        raise ValueError(
            f"archive_path={str(archive_path)!r} could not be read ({type(error).__name__}: {error}); "
            "the file is truncated or corrupted. Delete it and download it again."
        ) from None


def _write_members(tmp: Path, plan, open_member, archive_path) -> None:
    """Write the checked members into the temporary folder ``tmp``, folders and plain files only."""
    root = tmp.resolve()
    for parts, member_kind, member in plan:
        dest = tmp.joinpath(*parts)
        if root not in dest.resolve().parents:  # pragma: no cover - excluded by _plan already
            raise UnsafeArchiveError(f"member {'/'.join(parts)!r} resolves outside the target folder.")
        if member_kind == "dir":
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            _copy_member(open_member(member), dest)
        except _READ_ERRORS as error:  # e.g. a zip member whose CRC or size does not match
            raise ValueError(
                f"archive_path={str(archive_path)!r} could not be read at member {'/'.join(parts)!r} "
                f"({type(error).__name__}: {error}); the file is truncated or corrupted. Nothing was "
                "extracted. Delete it and download it again."
            ) from None


def _move_aside(target: Path) -> Path | None:
    """Make room for the new content: remove an empty ``target``, or move it into a temporary sibling.

    Returns that sibling (its ``previous`` is the old content, to put back or delete), or None.
    """
    if not target.exists():
        return None
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
        return None
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    try:
        os.replace(target, old / "previous")
    except BaseException:
        shutil.rmtree(old, ignore_errors=True)
        raise
    return old


def _extract_then_rename(plan, open_member, archive_path, target: Path, verify) -> None:
    """Extract into a temporary sibling of ``target``, verify it, then rename it onto ``target``.

    On any failure, Ctrl+C included, the temporary folder is deleted and the previous content of
    ``target`` (with ``overwrite=True``) is put back: ``target`` is either complete or as it was.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    old: Path | None = None
    try:
        _write_members(tmp, plan, open_member, archive_path)
        if verify is not None:
            verify(tmp)
        old = _move_aside(target)
        os.replace(tmp, target)
    except BaseException:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and (old / "previous").exists() and not target.exists():
            os.replace(old / "previous", target)  # put the previous content back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
