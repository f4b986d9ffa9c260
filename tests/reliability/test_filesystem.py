"""Issue #17: a cache folder or a path argument the file system refuses is one clear message, not an OSError.

**The cache** (``CNNLAB_CACHE_DIR``) may be a regular file, lie inside one, be read-only, or have a
name too long for the file system. Whenever the course must write there (a download from a
classroom mirror on 127.0.0.1), the learner gets one ``ValueError`` that names ``CNNLAB_CACHE_DIR``,
says what is wrong and how to fix it. Tests may run as root, who can write into a folder of mode
0o500; then the read-only cache is a folder under ``/sys``, which not even root may create (the test
checks that first, it does not skip). Offline, the error that nothing is available says the same.

**Path arguments** of the store's public functions (``read_content``, ``verify``, ``mirror_layout``,
and ``pretrained.verify_file`` through it): a folder, a too long name, a path inside a file is a
``ValueError`` naming the argument; a missing file a ``FileNotFoundError`` naming it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cnnlab import _store, datasets, images, pretrained

pytestmark = pytest.mark.reliability("hostile-files")

ENTRY = datasets.entries()["mnist/t10k-labels-idx1-ubyte"]
LONG = "a" * 300


def read_only_folder(tmp_path: Path) -> Path:
    """A cache folder nobody running the tests may create files in (root included)."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    folder = Path("/sys") / f"cnnlab-cache-test-{os.getpid()}"
    with pytest.raises(OSError) as raised:
        folder.mkdir()
    assert raised.value.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    return folder


def bad_cache(kind: str, tmp_path: Path) -> Path:
    (tmp_path / "file").write_bytes(b"not a folder")
    return {"a file": lambda: tmp_path / "file",
            "inside a file": lambda: tmp_path / "file" / "cache",
            "read-only": lambda: read_only_folder(tmp_path),
            "name too long": lambda: tmp_path / LONG}[kind]()


EXPECTED = {"a file": "is a file, or lies inside one, not a folder",
            "inside a file": "is a file, or lies inside one, not a folder",
            "read-only": "cannot be written (read-only, or no permission)",
            "name too long": "makes file names too long for this file system"}


@pytest.fixture
def mirror(monkeypatch, tmp_path, local_server, data_dir):
    """An empty offline folder and a classroom mirror on 127.0.0.1 that serves MNIST's test labels."""
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "0")
    body = (data_dir / ENTRY.offline[0]).read_bytes()
    with local_server({"/" + _store.mirror_path(ENTRY.urls[0]): (200, body, {})}) as (server, base):
        monkeypatch.setenv("CNNLAB_MIRROR_URL", base)
        yield server


def load_test_labels():
    dataset = datasets.IDX_DATASETS["mnist"]
    return datasets._fetch_idx(dataset, dataset.test_labels)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_a_cache_that_cannot_be_written_is_one_clear_value_error(monkeypatch, tmp_path, mirror, kind):
    cache = bad_cache(kind, tmp_path)
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(cache))
    with pytest.raises(ValueError) as raised:
        load_test_labels()
    message = str(raised.value)
    assert message.startswith("CNNLAB_CACHE_DIR=") and EXPECTED[kind] in message, message
    assert "set CNNLAB_CACHE_DIR to" in message and "\n" not in message
    assert not isinstance(raised.value, OSError) and raised.value.__cause__ is None
    assert len(message) < 400, "a 300-character name is shortened in the message"
    assert not mirror.hits, "nothing is downloaded that could not be kept"


@pytest.mark.parametrize("kind", ["a file", "inside a file", "name too long"])
def test_offline_the_error_names_the_cache_setting_too(monkeypatch, tmp_path, kind):
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(bad_cache(kind, tmp_path)))
    with pytest.raises(datasets.DataUnavailableError) as raised:
        load_test_labels()
    assert "CNNLAB_CACHE_DIR=" in str(raised.value) and EXPECTED[kind] in str(raised.value)


def test_a_read_only_cache_that_holds_the_file_still_works(monkeypatch, tmp_path, data_dir):
    """A classroom's shared, read-only cache: reading needs no lock and no write."""
    cache = tmp_path / "cache"  # root could write anyway: the tree is checked below
    (cache / "mnist").mkdir(parents=True)
    (cache / ENTRY.cache).write_bytes((data_dir / ENTRY.offline[0]).read_bytes())
    cache.joinpath("mnist").chmod(0o500)
    cache.chmod(0o500)
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(cache))
    try:
        assert len(load_test_labels()) == 10_000
        assert sorted(p.name for p in cache.rglob("*")) == ["mnist", Path(ENTRY.cache).name]
    finally:
        cache.chmod(0o700)
        cache.joinpath("mnist").chmod(0o700)


# ----------------------------------------------------------------------------- path arguments


def bad_paths(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "file").write_bytes(b"x")
    return {"a folder": tmp_path, "name too long": tmp_path / LONG, "inside a file": tmp_path / "file" / "x.gz"}


FILE_FUNCTIONS = {
    "_store.read_content": lambda path: _store.read_content(path),
    "_store.verify": lambda path: _store.verify(path, ENTRY),
    "pretrained.verify_file": lambda path: pretrained.verify_file(path, pretrained.FILES["mobilenet_v2_quant_tflite"]),
}
PROBLEMS = {"a folder": "is a folder, not a file", "name too long": "has a name too long for this file system",
            "inside a file": "lies inside a file, not a folder"}


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("function", list(FILE_FUNCTIONS))
def test_a_path_that_is_no_file_is_a_value_error_naming_the_argument(tmp_path, function, problem):
    path = bad_paths(tmp_path)[problem]
    with pytest.raises(ValueError) as raised:
        FILE_FUNCTIONS[function](path)
    message = str(raised.value)
    assert message.startswith("path=") and PROBLEMS[problem] in message and "give the path of a file" in message
    assert not isinstance(raised.value, OSError) and len(message) < 300


@pytest.mark.parametrize("function", list(FILE_FUNCTIONS))
def test_a_missing_file_is_named(tmp_path, function):
    with pytest.raises(FileNotFoundError, match=r"^path='.*nothing\.gz' does not exist; give the path of a file\.$"):
        FILE_FUNCTIONS[function](tmp_path / "nothing.gz")


def bad_folders(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "file").write_bytes(b"x")
    return {"a file": tmp_path / "file", "name too long": tmp_path / LONG, "inside a file": tmp_path / "file" / "data",
            "missing": tmp_path / "nothing"}


#: What each of bad_folders is called in the message.
FOLDER_PROBLEMS = r"(is a file|too long|inside a file|does not exist).*give the path of a folder"


@pytest.mark.parametrize("problem", ["a file", "name too long", "inside a file", "missing"])
def test_mirror_layout_wants_a_folder(tmp_path, problem):
    with pytest.raises(ValueError, match=r"^data_dir=.*" + FOLDER_PROBLEMS):
        _store.mirror_layout(bad_folders(tmp_path)[problem])


# ----------------------------------------------------------------------------- path arguments outside the store


@pytest.mark.parametrize("problem", ["a folder", "name too long", "inside a file"])
def test_load_image_names_source_for_a_path_that_is_no_file(tmp_path, problem):
    path = bad_paths(tmp_path)[problem]
    with pytest.raises(ValueError, match=r"^source=.*(" + PROBLEMS[problem] + r").*give the path of a file"):
        images.load_image(path)


def test_load_image_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"source='.*nothing\.png': no such image file"):
        images.load_image(tmp_path / "nothing.png")


@pytest.mark.parametrize("problem", ["a file", "name too long", "inside a file", "missing"])
def test_course_map_wants_a_folder(tmp_path, problem):
    from cnnlab import course

    with pytest.raises(ValueError, match=r"^folder=.*" + FOLDER_PROBLEMS):
        course.course_map(bad_folders(tmp_path)[problem])


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_safe_extract_names_an_archive_path_that_is_no_file(tmp_path, problem):
    from cnnlab import _download

    with pytest.raises(ValueError, match=r"^archive_path=.*(" + PROBLEMS[problem] + r").*give the path of a file"):
        _download.safe_extract(bad_paths(tmp_path)[problem], tmp_path / "out")


@pytest.mark.parametrize("problem", ["name too long", "inside a file"])
def test_safe_extract_names_a_target_dir_the_file_system_refuses(tmp_path, problem):
    import tarfile

    from cnnlab import _download

    archive = tmp_path / "good.tar"
    with tarfile.open(archive, "w"):
        pass
    target = bad_paths(tmp_path)[problem]
    with pytest.raises(ValueError, match=r"^target_dir=.*(" + PROBLEMS[problem] + r").*; give another folder"):
        _download.safe_extract(archive, target)


@pytest.mark.parametrize("problem", ["a file", "name too long", "inside a file", "missing"])
@pytest.mark.parametrize("function", ["mirror_server", "serve"])
def test_the_classroom_mirror_wants_a_data_folder(tmp_path, function, problem):
    from cnnlab import _serve

    name = "data_dir" if function == "mirror_server" else "DATA_DIR"
    with pytest.raises(ValueError, match=rf"^{name}=.*" + FOLDER_PROBLEMS + r".*It must be the course's offline data"):
        getattr(_serve, function)(bad_folders(tmp_path)[problem])
