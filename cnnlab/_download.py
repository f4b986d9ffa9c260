"""Downloads with mirrors, retries, verification and atomic writes.

Every byte the course fetches from the internet passes through
:func:`download`. Its promises:

* only HTTPS (plain HTTP is accepted for loopback addresses, which the tests
  use for a local server), with the system's certificate checks - always, even
  if some other code turned them off for the whole process - and a redirect is
  followed only to an address :func:`check_url` accepts;
* each URL is tried in order; transient failures (time-outs, dropped
  connections, HTTP 5xx, 408, 429) are retried with exponential back-off,
  permanent ones (other 4xx) move on to the next mirror at once;
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

from . import config

__all__ = ["download", "download_from", "safe_extract", "DownloadError", "ChecksumError", "UnsafeArchiveError", "check_url"]

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
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code in (408, 429)
    if _certificate_error(error):
        return False  # the same certificate comes back on every try
    return isinstance(
        error, (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError)
    )


def _describe(error: BaseException) -> str:
    if _certificate_error(error):
        return (f"{type(error).__name__}: {error} (the server's HTTPS certificate is not trusted: a proxy or "
                "antivirus that intercepts HTTPS, or a wrong system clock, can cause this; it is never ignored)")
    return f"{type(error).__name__}: {error}"


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address :func:`check_url` accepts (never from HTTPS down to plain HTTP)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        try:
            check_url(target)
        except ValueError:
            raise ValueError(f"the server redirected (HTTP {code}) to {target!r}, which is not an HTTPS address; "
                             "the redirect was not followed.") from None
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


def _fetch_once(url: str, target, timeout: float, description: str, progress: bool,
                max_bytes: int | None = None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with _opener().open(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if max_bytes is not None and total is not None and total > max_bytes:
            raise _TooLarge(f"the server announces {total:,} bytes, more than max_bytes={max_bytes:,}; not downloaded")
        bar = _progress_bar(total, description, progress)
        received = 0
        try:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if max_bytes is not None and received > max_bytes:
                    raise _TooLarge(f"the server sent more than max_bytes={max_bytes:,} bytes; stopped")
                target.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)


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
) -> tuple[Path, str]:
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
    max_bytes : int, optional
        The most bytes the file can have. A server that announces or sends
        more fails at once (no retry) and the next mirror is tried, so an
        endless or oversized response cannot fill the disk.

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
        If an address is not HTTPS (:func:`check_url`).

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
    if config.offline():
        raise DownloadError(
            f"not downloading {dest.name}: downloads are turned off ({config.OFFLINE_ENV}=1)."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    description = description or dest.name
    failures: list[str] = []
    for url in urls:
        for attempt in range(retries):
            fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as target:
                    _fetch_once(url, target, timeout, description, progress, max_bytes)
                if verify is not None:
                    verify(tmp)
                os.replace(tmp, dest)
                return dest, url
            except ChecksumError as error:  # named after the file, not its temporary copy
                failures.append(f"{url}: wrong content ({str(error).replace(tmp.name, dest.name)})")
                break
            except Exception as error:  # noqa: BLE001 - reported in the final message
                failures.append(f"{url}: {_describe(error)}")
                if not _transient(error) or attempt + 1 == retries:
                    break
                time.sleep(backoff * (2**attempt))
            finally:
                if tmp.exists():
                    tmp.unlink()
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
    ValueError
        The file is neither a tar nor a zip archive.

    Notes
    -----
    Python 3.12 added ``tarfile`` extraction filters (``filter="data"``); the
    checks here are the package's own so that they behave the same on 3.11,
    and members are written one by one rather than by ``extractall``.

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
    archive = Path(archive_path)
    target = Path(target_dir)
    if not archive.is_file():
        raise FileNotFoundError(f"archive_path={str(archive_path)!r} is not a file.")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive integer or None, received max_bytes={max_bytes!r}.")
    if target.exists() and not overwrite and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(
            f"target_dir={str(target)!r} already exists and is not empty; remove it, choose another "
            "folder, or pass overwrite=True."
        )

    lowered = archive.name.lower()
    if lowered.endswith(".zip"):
        kind = "zip"
    elif lowered.endswith(_TAR_SUFFIXES):
        kind = "tar"
    elif zipfile.is_zipfile(archive):
        kind = "zip"
    elif tarfile.is_tarfile(archive):
        kind = "tar"
    else:
        raise ValueError(
            f"archive_path={str(archive_path)!r} is neither a tar nor a zip archive; "
            "give a .tar, .tgz, .tar.gz, .tar.bz2, .tar.xz or .zip file."
        )

    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
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
            plan = _plan(archive, entries, max_bytes)
        except _READ_ERRORS as error:
            raise ValueError(
                f"archive_path={str(archive_path)!r} could not be read ({type(error).__name__}: {error}); "
                "the file is truncated or corrupted. Delete it and download it again."
            ) from None

        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
        old: Path | None = None
        try:
            root = tmp.resolve()
            for parts, member_kind, member in plan:
                dest = tmp.joinpath(*parts)
                if root not in dest.resolve().parents:  # pragma: no cover - excluded by _plan already
                    raise UnsafeArchiveError(f"member {'/'.join(parts)!r} resolves outside the target folder.")
                if member_kind == "dir":
                    dest.mkdir(parents=True, exist_ok=True)
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        _copy_member(open_member(member), dest)
                    except _READ_ERRORS as error:  # e.g. a zip member whose CRC or size does not match
                        raise ValueError(
                            f"archive_path={str(archive_path)!r} could not be read at member {'/'.join(parts)!r} "
                            f"({type(error).__name__}: {error}); the file is truncated or corrupted. Nothing was "
                            "extracted. Delete it and download it again."
                        ) from None
            if verify is not None:
                verify(tmp)
            if target.exists():
                if target.is_dir() and not any(target.iterdir()):
                    target.rmdir()
                else:
                    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
                    os.replace(target, old / "previous")
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
    return target
