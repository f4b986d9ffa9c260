"""The one door for every byte: each file the course reads, and where to find it.

Every data set, photo, model file and label list is an :class:`Entry`: its
name, where it sits in the offline data folder and in the cache, its public
addresses, the checksum of its content, its size and its licence. The tables
stay with the modules that parse the files (:data:`cnnlab.datasets.IDX_DATASETS`,
:data:`cnnlab.datasets.COURSE_PHOTOS`, :data:`cnnlab.pretrained.FILES`), which
turn each row into an entry; :func:`registry` collects them all.

:func:`find` walks the same chain for every entry:

1. the offline data folder (``CNNLAB_DATA_DIR``), a classroom copy;
2. other folders that already hold the file under its own name (the Keras
   cache, for Keras' weights);
3. the cnnlab cache (``CNNLAB_CACHE_DIR``, default ``~/.cache/cnnlab``);
4. a download: first from the classroom mirror (``CNNLAB_MIRROR_URL``, laid out
   as ``HOST/PATH``), then from the public addresses, into the cache.

Each file is verified once per process (by path, size and modification time)
against the checksum of its *content* (of the decompressed bytes for gzipped
IDX files, whose gzip bytes differ between mirrors). A corrupted copy in the
offline folder is skipped with a warning; a corrupted cached copy is deleted
and fetched again. When nothing works, one error, :class:`DataUnavailableError`,
says what was looked at and how to fix it, naming places by what they are
("the offline data folder", "the cache") rather than by a path of this machine.

Libraries checked: pooch (``pooch.retrieve``) verifies the hash of the
*downloaded* bytes, has no chain of local folders before the download, and
retries on every error; ``keras.utils.get_file`` needs TensorFlow imported and
knows one cache. Neither checks decompressed content, so the downloads go
through the course's small downloader (:mod:`cnnlab._download`: HTTPS only,
retries on transient errors only, size bound, atomic rename), and archives
through its :func:`~cnnlab._download.safe_extract`. Python's tarfile
``filter="data"`` was checked too: it allows links inside the target and does
not bound the size, which safe_extract refuses.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import os
import urllib.parse
import warnings
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from ._download import ChecksumError, DownloadError, download_from
from ._validation import check_file, check_folder, short_path

__all__ = ["Entry", "Found", "DataUnavailableError", "find", "mirror_path", "registry", "describe_path",
           "format_size", "keras_cache_dir"]


class DataUnavailableError(FileNotFoundError):
    """A file is in neither the offline data folder nor a cache, and could not be downloaded.

    ``reason`` is the short form of why the download did not happen (for
    example ``"downloads are off (CNNLAB_OFFLINE=1)"``), used by the "auto"
    choices to say in one line why they fell back.
    """

    def __init__(self, message: str, reason: str = "", notes: tuple[str, ...] = ()):
        super().__init__(message)
        self.reason = reason
        self.notes = tuple(notes)

    def __str__(self) -> str:  # FileNotFoundError would print its errno form otherwise
        return self.args[0]


@dataclass(frozen=True)
class Entry:
    """One file the course reads.

    Attributes
    ----------
    key : str
        A unique name, ``"group/name"`` (``"mnist/train-images-idx3-ubyte"``).
    title : str
        What a learner would call it ("MNIST training images").
    offline : tuple of str
        Where it may sit in the offline data folder, relative to it, tried in order.
    cache : str
        Where it is kept in the cache, relative to it.
    urls : tuple of str
        Public addresses, tried in order (after the classroom mirror).
    size : int or None
        Bytes of the downloaded file, for listings and progress (None: unknown).
    sha256, md5 : str or None
        Checksum of the content (decompressed if ``gzipped``).
    content_size : int or None
        Bytes of the content, checked before the hash (a truncated file fails fast).
    gzipped : bool
        The file may be gzipped and the checksum is of its decompressed content.
    licence : str
        Who made it and under which licence.
    check : callable, optional
        For files without a published checksum: raises ChecksumError if the file is not what it should be.
    also : tuple of (str, callable)
        Other local places (a description and a function returning the path), looked at after the offline folder.
    fix : str
        A sentence added to the error: another way to get the file.
    """

    key: str
    title: str
    offline: tuple[str, ...]
    cache: str
    urls: tuple[str, ...] = ()
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    content_size: int | None = None
    gzipped: bool = False
    licence: str = ""
    check: Callable[[Path], None] | None = field(default=None, compare=False)
    also: tuple[tuple[str, Callable[[], Path]], ...] = field(default=(), compare=False)
    fix: str = ""

    @property
    def filename(self) -> str:
        return Path(self.cache).name


@dataclass(frozen=True)
class Found:
    """A verified local copy: its path, and where it came from in words (never a path of the machine)."""

    path: Path
    origin: str
    content: bytes | None = field(default=None, repr=False, compare=False)  # the verified gunzipped bytes, if read

    def __fspath__(self) -> str:
        return str(self.path)


# --------------------------------------------------------------------------- describing places


def format_size(nbytes: int | None) -> str:
    """Format a file size for a listing.

    Examples
    --------
    >>> format_size(9_912_422), format_size(2_108_140), format_size(4_540), format_size(None)
    ('9.5 MiB', '2.0 MiB', '4.4 KiB', 'size unknown')
    """
    if nbytes is None:
        return "size unknown"
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes < 0:
        raise ValueError(f"nbytes must be a number of bytes (an int >= 0) or None, received nbytes={nbytes!r}.")
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} B"


def describe_path(path: str | os.PathLike) -> str:
    """Name a local file by the place it is in, not by a path of this machine.

    Examples
    --------
    >>> import os
    >>> os.environ["CNNLAB_CACHE_DIR"] = "/srv/cnnlab-cache"
    >>> describe_path("/srv/cnnlab-cache/mnist/t10k-labels-idx1-ubyte.gz")
    'the cache (mnist/t10k-labels-idx1-ubyte.gz)'
    >>> describe_path("/somewhere/else/photo.jpg")
    'photo.jpg'
    >>> del os.environ["CNNLAB_CACHE_DIR"]
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a path (str or pathlib.Path), received path={path!r:.80}.")
    path = Path(path)
    places = []
    data = config.data_dir()
    if data is not None:
        places.append(("the offline data folder", data))
    places.append(("the cache", config.cache_dir()))
    places.append(("the Keras cache", keras_cache_dir()))
    for name, root in places:
        try:
            inside = path.relative_to(root)
        except ValueError:
            continue
        return f"{name} ({inside.as_posix()})" if str(inside) != "." else name
    return path.name


def keras_cache_dir() -> Path:
    """Return the folder where Keras keeps downloaded weights: ``$KERAS_HOME/models``.

    Without ``KERAS_HOME``, Keras uses ``~/.keras`` (``/tmp/.keras`` when the
    home folder is not writable); this mirrors that rule without importing Keras.

    Examples
    --------
    >>> keras_cache_dir().name
    'models'
    """
    home = os.environ.get("KERAS_HOME")
    if home:
        return Path(home).expanduser() / "models"
    base = Path.home()
    if not os.access(base, os.W_OK):
        base = Path("/tmp")
    return base / ".keras" / "models"


def mirror_path(url: str) -> str:
    """The path of ``url`` on a classroom mirror: ``HOST/PATH``.

    Examples
    --------
    >>> mirror_path("https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz")
    'storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz'
    """
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"url must be an https:// address, received url={url!r:.80}.")
    return f"{parts.hostname}{parts.path}"


def _sources(entry: Entry) -> list[str]:
    mirror = config.mirror_url()
    urls = list(entry.urls)
    if mirror is not None:
        urls = [f"{mirror}/{mirror_path(url)}" for url in entry.urls] + urls
    return urls


def _origin_of(url: str) -> str:
    mirror = config.mirror_url()
    if mirror is not None and url.startswith(mirror + "/"):
        return "downloaded from the classroom mirror"
    return f"downloaded from {urllib.parse.urlsplit(url).hostname}"


# --------------------------------------------------------------------------- verification

_VERIFIED: dict[tuple[str, str, int, int], bool] = {}
_HASH_NAMES = {"sha256": "SHA-256", "md5": "MD5"}


def read_content(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a file, gunzipped if it starts with gzip's magic bytes, never more than ``limit``.

    The file is decompressed in chunks and reading stops as soon as the
    content exceeds ``limit`` bytes (a gzip bomb is refused after ``limit``
    bytes, not after all of them); a plain file larger than ``limit`` is
    refused before it is read.

    Examples
    --------
    >>> import gzip, tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "a.gz"
    >>> _ = path.write_bytes(gzip.compress(b"IDX"))
    >>> read_content(path)
    b'IDX'
    >>> read_content(path, limit=2)
    Traceback (most recent call last):
    ...
    cnnlab._download.ChecksumError: a.gz decompresses to more than 2 bytes, the size of its content (a gzip bomb, or another file?)
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a number of bytes (an int >= 0) or None, received limit={limit!r}.")
    return _read_content(check_file(path), limit)


def _read_content(path: Path, limit: int | None) -> bytes:
    """:func:`read_content` without the checks of its arguments (for paths the store has just looked at)."""
    name = Path(path).name
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        if not gzipped:
            size = os.fstat(f.fileno()).st_size
            if limit is not None and size > limit:
                raise ChecksumError(f"{name} is {size:,} bytes, expected at most {limit:,} (another file?)")
            return f.read()
        try:
            return _gunzip_bounded(f, name, limit)
        except (EOFError, OSError, zlib.error) as error:
            raise ChecksumError(f"{name} is not a complete gzip file ({error})") from error


def _gunzip_bounded(f, name: str, limit: int | None) -> bytes:
    """Decompress the gzip stream ``f`` 1 MiB at a time, refusing it once it exceeds ``limit`` bytes."""
    out = bytearray()
    with gzip.GzipFile(fileobj=f) as unzipped:  # never more than limit + 1 bytes in memory
        while chunk := unzipped.read(1 << 20 if limit is None else min(1 << 20, limit + 1 - len(out))):
            out += chunk
            if limit is not None and len(out) > limit:
                raise ChecksumError(f"{name} decompresses to more than {limit:,} bytes, the size of its content "
                                    "(a gzip bomb, or another file?)")
    return bytes(out)


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: str | os.PathLike, entry: Entry) -> Path:
    """Return ``path`` if its content is what ``entry`` records, else raise :class:`ChecksumError`.

    A verified file is remembered by path, size and modification time, so a
    file is hashed once per process however often it is loaded.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = path.write_bytes(b"hello")
    >>> entry = Entry("demo/hello", "a greeting", ("hello.txt",), "demo/hello.txt", content_size=5,
    ...               sha256="2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    >>> verify(path, entry).name
    'hello.txt'
    >>> _ = path.write_bytes(b"hellO")
    >>> verify(path, entry)
    Traceback (most recent call last):
    ...
    cnnlab._download.ChecksumError: hello.txt fails its checksum: SHA-256 is 04a6f55face2f46be8c23f627d539827615851e10751b63ec59db6d2c706b770, expected 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 (truncated or corrupted?)
    """
    if not isinstance(entry, Entry):
        raise ValueError(f"entry must be an Entry of the registry, received entry={entry!r:.80}.")
    path = check_file(path)
    _verify(path, entry)
    return path


def _verify(path: Path, entry: Entry) -> bytes | None:
    """Check ``path`` against ``entry``; return the gunzipped content if it had to be read (else None)."""
    stat = path.stat()
    memo = (entry.key, str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _VERIFIED.get(memo):
        return None
    content = None
    if entry.gzipped:
        content = _read_content(path, entry.content_size)
        if entry.content_size is not None and len(content) != entry.content_size:
            raise ChecksumError(f"{path.name} holds {len(content):,} bytes of data, expected "
                                f"{entry.content_size:,} (truncated?)")
        digests = {"sha256": lambda: hashlib.sha256(content).hexdigest(), "md5": lambda: hashlib.md5(content).hexdigest()}
    else:
        if entry.content_size is not None and stat.st_size != entry.content_size:
            raise ChecksumError(f"{path.name} is {stat.st_size:,} bytes, expected {entry.content_size:,} "
                                "(truncated or corrupted?)")
        digests = {"sha256": lambda: _digest(path, "sha256"), "md5": lambda: _digest(path, "md5")}
    for algorithm, expected in (("sha256", entry.sha256), ("md5", entry.md5)):
        if expected:
            digest = digests[algorithm]()
            if digest != expected:
                raise ChecksumError(
                    f"{path.name} fails its checksum: {_HASH_NAMES[algorithm]} is {digest}, "
                    f"expected {expected} (truncated or corrupted?)"
                )
            break
    else:
        if entry.check is not None:
            entry.check(path)
    _VERIFIED[memo] = True
    return content


def load_content(entry: Entry, **find_options) -> bytes:
    """Find ``entry`` (see :func:`find`) and return its verified content, gunzipped, read once.

    Examples
    --------
    >>> from cnnlab import datasets
    >>> len(load_content(datasets.entries()["mnist/t10k-labels-idx1-ubyte"]))   # with CNNLAB_DATA_DIR set
    10008
    """
    found = find(entry, **find_options)
    if found.content is not None:
        return found.content
    return _read_content(found.path, entry.content_size)


# --------------------------------------------------------------------------- the chain


def _local_places(entry: Entry) -> list[tuple[str, Path, bool]]:
    """(description, path, ours) for every local place, in the order looked at; ``ours``: may be deleted."""
    places = []
    root = config.data_dir()
    if root is not None:
        places += [("the offline data folder", root / relative, False) for relative in entry.offline]
    places += [(where, locate(), False) for where, locate in entry.also]
    places.append(("the cache", config.cache_dir() / entry.cache, True))
    return places


def _data_dir_note() -> str:
    """Why the offline data folder gives nothing, in one note ("" if it is a folder)."""
    root = config.data_dir()
    if root is None:
        return f"{config.DATA_DIR_ENV} is not set (no offline data folder)"
    try:
        if root.is_dir():
            return ""
        what = "is a file, not a folder" if root.exists() else "does not exist"
    except OSError as error:  # a name too long, a folder that cannot be read
        what = f"cannot be read ({os.strerror(error.errno or 0)})"
    return f"{config.DATA_DIR_ENV}={str(root)!r} {what}; set it to the course's offline data folder, or unset it"


def _try_place(entry: Entry, where: str, path: Path, ours: bool, notes: list[str]) -> Found | None:
    """A verified copy at ``path``, or None with a note; a corrupted copy of ours is removed (if still the same)."""
    shown = describe_path(path)
    try:
        if not path.is_file():
            notes.append(f"{shown}: " + ("a folder, where a file is expected" if path.is_dir() else "not there"))
            return None
        before = path.stat()
        content = _verify(path, entry)
    except FileNotFoundError:  # another process removed or replaced it meanwhile
        notes.append(f"{shown}: not there")
        return None
    except ChecksumError as error:
        if ours:
            warnings.warn(f"the cached copy of {entry.title} is corrupted and is fetched again: {error}",
                          UserWarning, stacklevel=4)
            _unlink_if_unchanged(path, before)
            notes.append(f"{shown}: corrupted ({error}); removed")
        else:
            warnings.warn(f"ignoring the copy of {entry.title} in {where}: {error}", UserWarning, stacklevel=4)
            notes.append(f"{shown}: corrupted ({error})")
        return None
    except OSError as error:  # a name too long, no permission to read
        notes.append(f"{shown}: cannot be read ({os.strerror(error.errno or 0)})")
        return None
    return Found(path, where, content)


def _unlink_if_unchanged(path: Path, before: os.stat_result) -> None:
    """Remove ``path`` unless another process has replaced it since ``before`` (then it is theirs, and good)."""
    try:
        now = path.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns):
            path.unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def find_local(entry: Entry, notes: list[str] | None = None, *, cache: bool = True) -> Found | None:
    """A verified local copy of ``entry`` (offline data folder, other caches, the cache), or None.

    Never downloads. A corrupted copy is skipped with a warning (and deleted
    if it is in the cache, so that it is fetched again); ``notes`` collects
    what was looked at, for the error message. ``cache=False`` leaves the
    cache out (:func:`find` looks at it under its lock).
    """
    notes = [] if notes is None else notes
    for note in (_data_dir_note(), cache_dir_problem()):
        if note:
            notes.append(note)
    for where, path, ours in _local_places(entry):
        if ours and not cache:
            continue
        found = _try_place(entry, where, path, ours, notes)
        if found is not None:
            return found
    return None


def _cache_problem(target: Path, error: OSError) -> ValueError:
    """One clear message for a cache that cannot be written: it names the setting and the fix."""
    root = config.cache_dir()
    setting = (f"{config.CACHE_DIR_ENV}={short_path(root)}" if os.environ.get(config.CACHE_DIR_ENV, "").strip()
               else f"the cache folder {str(root)!r} (the default; {config.CACHE_DIR_ENV} is not set)")
    code = error.errno
    if code == errno.ENAMETOOLONG:
        what = "makes file names too long for this file system"
        fix = f"set {config.CACHE_DIR_ENV} to a folder with a shorter path"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "cannot be written (read-only, or no permission)"
        fix = f"set {config.CACHE_DIR_ENV} to a folder you can write to"
    elif code in (errno.ENOTDIR, errno.EEXIST) or _first_file_on(target, root):
        what = "is a file, or lies inside one, not a folder"
        fix = f"set {config.CACHE_DIR_ENV} to a folder (or remove that file)"
    else:
        what = f"cannot be used ({os.strerror(code or 0)})"
        fix = f"set {config.CACHE_DIR_ENV} to another folder"
    default = ", or unset it to use the default" if os.environ.get(config.CACHE_DIR_ENV, "").strip() else ""
    return ValueError(f"{setting} {what}; {fix}{default}.")


def cache_dir_problem() -> str:
    """Why the cache folder cannot hold the course's files, in one sentence naming the setting ("" if it can).

    Only what no cache can survive is reported (a file in the way, a name too long, a place that cannot be
    read); a cache that exists and is read-only is fine for reading (a classroom cache).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.environ["CNNLAB_CACHE_DIR"] = folder; cache_dir_problem()
    ''
    >>> open(f"{folder}/file", "w").close()
    >>> os.environ["CNNLAB_CACHE_DIR"] = f"{folder}/file"; cache_dir_problem()  # doctest: +ELLIPSIS
    "CNNLAB_CACHE_DIR='.../file' is a file, or lies inside one, not a folder; set CNNLAB_CACHE_DIR to a folder (or remove that file), or unset it to use the default."
    >>> del os.environ["CNNLAB_CACHE_DIR"]
    """
    root = config.cache_dir()
    try:
        if root.is_dir():
            return ""
        if root.exists():
            return str(_cache_problem(root, OSError(errno.ENOTDIR, "not a folder")))
        folder = root
        while not folder.exists() and folder != folder.parent:  # the first folder that exists must be a folder
            folder = folder.parent
        if not folder.is_dir():
            return str(_cache_problem(root, OSError(errno.ENOTDIR, "not a folder")))
        os.stat(root)  # a name too long raises here (ENAMETOOLONG), before anything is written
    except FileNotFoundError:
        return ""
    except OSError as error:
        return str(_cache_problem(root, error))
    return ""


def _first_file_on(target: Path, root: Path) -> bool:
    """True if ``root`` or a folder between it and ``target`` is a file."""
    for folder in [root, *[p for p in target.parents if root in p.parents]]:
        with contextlib.suppress(OSError):
            if folder.exists() and not folder.is_dir():
                return True
    return False


def _lock_path(target: Path) -> Path:
    """The lock file of ``target``: in the temporary folder, so the cache holds only the course's files."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"cnnlab-locks-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    name = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:32]
    return folder / f"{name}.lock"


@contextlib.contextmanager
def cache_lock(target: Path, *, folder: bool = False):
    """Hold an exclusive lock on ``target`` in the cache (a ``.lock`` file in the temporary folder) while repairing or writing it.

    ``folder=True``: ``target`` is a folder the course extracts (the flowers), not a file.

    Other processes of the course that want the same file wait, then find it
    ready. The folder is created here, so a cache that cannot be written is
    reported once, naming ``CNNLAB_CACHE_DIR`` (a ``ValueError``). Where
    ``fcntl`` does not exist (Windows), downloads still rename atomically into place.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with cache_lock(Path(tempfile.mkdtemp()) / "mnist" / "x.gz"):
    ...     pass
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not folder and target.is_dir():
            raise ValueError(f"{describe_path(target)} is a folder where the course keeps a file; remove it "
                             "(nothing of the course is in it) and try again.")
        handle = open(_lock_path(target), "a+b")
    except OSError as error:
        raise _cache_problem(target, error) from None
    with handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _download_limit(entry: Entry) -> int | None:
    """The most bytes a download of ``entry`` may have (None: no bound is known).

    Mirrors gzip the same content differently (another size), but deflate never grows data by
    more than a few bytes per 16 KiB; ``size`` is the listed size, for entries without a content size.
    """
    if entry.content_size is not None:
        return entry.content_size + (entry.content_size // 1000 + 1024 if entry.gzipped else 0)
    return None if entry.size is None else entry.size + entry.size // 100 + 1024


def find(entry: Entry, *, allow_download: bool = True, retries: int = 3, progress: bool = True) -> Found:
    """Return a verified local copy of ``entry``, downloading it into the cache if needed and allowed.

    The cache is looked at, repaired and written under a lock (:func:`cache_lock`),
    so processes sharing one cache never see each other's half-done work.

    Parameters
    ----------
    entry : Entry
        What to find.
    allow_download : bool
        False looks only at local copies.
    retries : int
        Tries per address for transient network errors.
    progress : bool
        Show a progress bar while downloading.

    Returns
    -------
    Found
        The path and its origin in words: ``"the offline data folder"``,
        ``"the Keras cache"``, ``"the cache"``, ``"downloaded from the classroom
        mirror"`` or ``"downloaded from storage.googleapis.com"``.

    Raises
    ------
    DataUnavailableError
        Listing what was looked at, why nothing was downloaded, and how to fix it.
    ValueError
        If the cache is needed and cannot be written (naming ``CNNLAB_CACHE_DIR``).

    Examples
    --------
    >>> from cnnlab import datasets
    >>> entry = datasets.entries()["mnist/t10k-labels-idx1-ubyte"]
    >>> find(entry).origin      # with CNNLAB_DATA_DIR set
    'the offline data folder'
    """
    if not isinstance(entry, Entry):
        raise ValueError(f"entry must be an Entry of the registry (for example registry()['mnist/t10k-labels-idx1-"
                         f"ubyte']), received entry={entry!r:.80}.")
    notes: list[str] = []
    found = find_local(entry, notes, cache=False)
    if found is not None:
        return found
    target = config.cache_dir() / entry.cache
    cached = _try_place(entry, "the cache", target, True, notes)
    if cached is not None:  # a ready copy needs no lock (a read-only classroom cache works too)
        return cached
    if not allow_download:
        reason = "only local copies were asked for"
    elif config.offline():
        reason = f"downloads are off ({config.OFFLINE_ENV}=1)"
    elif not entry.urls:
        reason = "it has no public download; it comes with the offline data folder"
    else:
        with cache_lock(target):
            found = _try_place(entry, "the cache", target, True, [])  # another process may have fetched it
            if found is not None:
                return found
            try:
                content: list[bytes | None] = [None]

                def check(path: Path) -> None:
                    content[0] = _verify(path, entry)

                _, url = download_from(_sources(entry), target, verify=check, retries=retries, progress=progress,
                                       description=f"{entry.title} ({format_size(entry.size)})",
                                       max_bytes=_download_limit(entry))
                return Found(target, _origin_of(url), content[0])
            except DownloadError as error:
                notes.append(str(error).split("\nWithout a connection")[0].replace("\n  ", "\n    "))
                reason = "it could not be downloaded"
    raise unavailable(entry.title, notes, reason, entry.fix, names=[entry.offline[0]], key=entry.key)


def unavailable(title: str, notes: Iterable[str], reason: str, fix: str = "", *, names: Iterable[str] = (),
                key: str = "") -> DataUnavailableError:
    """The one error: what is missing, where the course looked, why nothing was downloaded, how to fix it.

    Examples
    --------
    >>> print(unavailable("MNIST test labels", ["the cache (mnist/x.gz): not there"],
    ...                   "downloads are off (CNNLAB_OFFLINE=1)", names=["mnist/x.gz"], key="mnist/x"))
    MNIST test labels is not available: downloads are off (CNNLAB_OFFLINE=1).
      looked at: the cache (mnist/x.gz): not there
    To fix it, either:
      - run `python -m cnnlab fetch mnist` once while online (with CNNLAB_OFFLINE unset), or
      - set CNNLAB_MIRROR_URL to a classroom mirror (`python -m cnnlab serve` on the teacher's machine), or
      - set CNNLAB_DATA_DIR to a folder that holds mnist/x.gz (the course's offline data folder).
    """
    notes = list(notes)
    looked = "\n    ".join(notes)
    group = key.split("/")[0] if key else ""
    lines = [f"{title} is not available: {reason}.", f"  looked at: {looked}" if looked else "", "To fix it, either:"]
    if group:
        lines.append(f"  - run `python -m cnnlab fetch {group}` once while online "
                     f"(with {config.OFFLINE_ENV} unset), or")
    lines.append(f"  - set {config.MIRROR_URL_ENV} to a classroom mirror (`python -m cnnlab serve` on the "
                 "teacher's machine), or")
    where = " and ".join(names) if names else "it"
    lines.append(f"  - set {config.DATA_DIR_ENV} to a folder that holds {where} (the course's offline data folder)"
                 + ("," if fix else "."))
    if fix:
        lines.append(f"  - {fix}")
    return DataUnavailableError("\n".join(line for line in lines if line), reason, tuple(notes))


# --------------------------------------------------------------------------- the registry


def registry() -> dict[str, Entry]:
    """Every file the course knows, by key: the data sets, the photos, the model files.

    Examples
    --------
    >>> entries = registry()
    >>> entries["mnist/train-images-idx3-ubyte"].title
    'MNIST training images'
    >>> sorted({key.split("/")[0] for key in entries})
    ['fashion_mnist', 'flowers', 'mnist', 'photos', 'pretrained']
    """
    from . import _model_files, datasets

    return {**datasets.entries(), **_model_files.entries()}


def mirror_layout(data_dir: str | os.PathLike) -> dict[str, Path]:
    """What a classroom mirror of ``data_dir`` serves: ``{"/HOST/PATH": file}`` for every public address.

    Only files that the offline data folder holds and that pass their checksum
    are listed, so a mirror never serves a corrupted copy.
    """
    root = check_folder(data_dir, "data_dir")
    layout = {}
    for entry in registry().values():
        for relative in entry.offline:
            path = root / relative
            if not path.is_file():
                continue
            try:
                verify(path, entry)
            except ChecksumError:
                continue
            for url in entry.urls:
                layout["/" + mirror_path(url)] = path
            break
    return layout


# --------------------------------------------------------------------------- fetching ahead of time

#: What ``python -m cnnlab fetch NAME`` can fetch; ``all`` is every one of them.
GROUPS = ("mnist", "fashion_mnist", "photos", "pretrained", "flowers")


def _group_entries(group: str) -> list[Entry]:
    from . import _model_files

    entries = registry()
    if group == "pretrained":
        return [entries[f"pretrained/{key}"] for key in _model_files.NOTEBOOK_FILES]
    return [entry for key, entry in entries.items() if key.split("/")[0] == group]


def _check_groups(names) -> list[str]:
    choices = ", ".join(repr(g) for g in (*GROUPS, "all"))
    groups: list[str] = []
    for name in names:
        key = name.replace("-", "_").lower() if isinstance(name, str) else name
        if key == "all":
            groups += [g for g in GROUPS if g not in groups]
        elif key in GROUPS:
            groups += [key] if key not in groups else []
        else:
            raise ValueError(f"name must be one of {choices}, received name={name!r}.")
    return groups or list(GROUPS)


def fetch(names=(), *, out=print) -> int:
    """Fetch what the notebooks need ahead of time: list it with its sizes, then download what is missing.

    Parameters
    ----------
    names : sequence of str
        Any of :data:`GROUPS` (``"mnist"``, ``"fashion_mnist"``, ``"photos"``,
        ``"pretrained"``, ``"flowers"``) or ``"all"``; all of them if empty.
    out : callable
        Where the lines go (``print``).

    Returns
    -------
    int
        The number of files that are still missing and that a notebook needs
        (0: everything is ready). A preferred model that cannot be had (Inception
        v3, where the notebooks fall back to a MobileNet) is reported but not counted.

    Examples
    --------
    >>> fetch(["mnist"])            # doctest: +SKIP
    MNIST training images (9.5 MiB): to download
    ...
    >>> fetch(["cifar10"])
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'mnist', 'fashion_mnist', 'photos', 'pretrained', 'flowers', 'all', received name='cifar10'.
    """
    from . import _model_files, datasets

    groups = _check_groups(names)
    plan: list[tuple[Entry | None, str]] = []
    total = 0
    for group in groups:
        if group == "flowers":
            here = datasets.flowers_here()
            archive = None if here else find_local(datasets.flowers_entry())
            plan.append((None, here))
            total += 0 if here or archive else datasets.FLOWERS.size
            out(f"the flowers (TensorFlow's flower_photos, {format_size(datasets.FLOWERS.size)}): "
                + (f"here, in {here}" if here else f"the archive is here, in {archive.origin}; to unpack into "
                   "the cache" if archive else "to download"))
            continue
        for entry in _group_entries(group):
            found = find_local(entry)
            plan.append((entry, found.origin if found else ""))
            total += 0 if found else (entry.size or 0)
            out(f"{entry.title} ({format_size(entry.size)}): " + (f"here, in {found.origin}" if found else
                                                                  "to download"))
    out(f"to download: {format_size(total)}" + (" (nothing)" if total == 0 else ""))
    missing = 0
    for entry, here in plan:
        if here:
            continue
        try:
            if entry is None:
                out(_fetched_flowers(datasets))
            else:
                found = find(entry)
                out(f"{entry.title}: " + (f"{found.origin}, into the cache" if found.origin.startswith("downloaded")
                                          else f"here, in {found.origin}"))  # another process was quicker
        except DataUnavailableError as error:
            preferred = entry is not None and entry.key.split("/", 1)[1] in _model_files.PREFERRED
            missing += 0 if preferred else 1
            out(f"{entry.title if entry else 'the flowers'}: NOT fetched ({error.reason})"
                + ("; the notebooks will use a smaller model instead" if preferred else ""))
    out("ready: every file the notebooks need is here" if missing == 0 else
        f"{missing} file(s) the notebooks need could not be fetched; see above")
    return missing


def _fetched_flowers(datasets) -> str:
    """Unpack the flowers into the cache, and say from where the archive came (never "downloaded" if it was not)."""
    archive = find_local(datasets.flowers_entry())
    source = datasets.find_flowers("auto").source
    if source == "cache":
        return "the flowers: here, in the cache"
    if archive is not None:
        return f"the flowers: unpacked into the cache from the archive in {archive.origin}"
    return "the flowers: downloaded and unpacked into the cache"
