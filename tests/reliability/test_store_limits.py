"""Issue #17: the store reads a hostile gzip file with bounded memory and says what is wrong with it.

**A gzip bomb.** 200 KiB of gzip that expands to 200 MiB of zeros (built here in a blink: one
deflate block of 1 MiB of zeros, ended by a full flush, repeated), put where the store expects MNIST's
test labels (10,008 bytes of content). Whether it lies in the offline data folder (the copy is skipped
with a warning and the good copy in the cache is used) or in the cache (it is deleted and fetched
again from a classroom mirror on 127.0.0.1), loading must work and stop decompressing just past the
known size: a fresh Python does the loading and reports how much its peak resident memory grew
(``ru_maxrss``). The code before issue 17 decompressed the whole file first (about 400 MiB of growth).

**A damaged gzip file** (truncated, or with garbage in the middle): a warning and an error that say
"not a complete gzip file", with no zlib traceback chained to the error the learner sees.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import warnings
import zlib
from pathlib import Path

import pytest

import cnnlab
from cnnlab import _store, datasets

pytestmark = pytest.mark.reliability("resources")

ROOT = Path(__file__).resolve().parents[2]
NETGUARD = ROOT / "tests" / "netguard"
MiB = 2**20
KEY = "mnist/t10k-labels-idx1-ubyte"
ENTRY = datasets.entries()[KEY]
NAME = Path(ENTRY.cache).name  # t10k-labels-idx1-ubyte.gz, in mnist/ in both the offline folder and the cache
#: Peak resident memory may grow by this much while a bomb is refused (the old code: ~400 MiB).
MAX_GROWTH = 60 * MiB


def gzip_bomb(path: Path, mib: int = 200) -> Path:
    """Write a gzip file of ``mib`` MiB of zeros (about 1 KiB of gzip per MiB) without compressing them all."""
    zeros = bytes(MiB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)  # the same bytes for every MiB
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + block * mib + deflate.flush() + struct.pack("<II", crc, (mib * MiB) & 0xFFFFFFFF))
    return path


def test_the_bomb_is_what_it_claims(tmp_path):
    bomb = gzip_bomb(tmp_path / "bomb.gz")
    assert bomb.stat().st_size < 256 * 1024
    with gzip.open(bomb) as unzipped:  # a valid gzip file (CRC and size checked at its end)
        assert sum(len(chunk) for chunk in iter(lambda: unzipped.read(8 * MiB), b"")) == 200 * MiB


# ----------------------------------------------------------------------------- loading in a fresh Python

#: Loads MNIST's test labels the way load_mnist does (before and after issue 17), and reports.
LOADER = textwrap.dedent("""
    import json, resource, warnings
    from cnnlab import datasets

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

    dataset = datasets.IDX_DATASETS["mnist"]
    before = peak()
    report = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            labels = datasets._fetch_idx(dataset, dataset.test_labels)
            report["labels"] = [int(v) for v in labels[:20]] + [len(labels)]
        except Exception as error:
            report["error"] = f"{type(error).__name__}: {error}"
    report["warnings"] = [str(w.message) for w in caught]
    report["grew"] = peak() - before
    print(json.dumps(report))
""")


def load_test_labels():
    """MNIST's test labels, the way load_mnist reads them."""
    dataset = datasets.IDX_DATASETS["mnist"]
    return datasets._fetch_idx(dataset, dataset.test_labels)


def run_loader(tmp_path: Path, **settings: str) -> dict:
    """Run LOADER in a fresh Python with the same cnnlab as this one, the network guard, and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNLAB_")}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(Path(cnnlab.__file__).resolve().parents[1])])
    env.update({"CNNLAB_QUICK": "1", "CNNLAB_OFFLINE": "1", **settings})
    result = subprocess.run([sys.executable, "-c", LOADER], env=env, capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def good_copy(data_dir) -> Path:
    return data_dir / ENTRY.offline[0]


@pytest.fixture
def expected_labels(good_copy):
    labels = datasets.read_idx(_store.read_content(good_copy))
    return [int(v) for v in labels[:20]] + [len(labels)]


def test_a_bomb_in_the_offline_folder_is_skipped_with_bounded_memory(tmp_path, good_copy, expected_labels):
    gzip_bomb(tmp_path / "data" / "mnist" / NAME)
    (tmp_path / "cache" / "mnist").mkdir(parents=True)
    shutil.copy(good_copy, tmp_path / "cache" / "mnist" / NAME)
    report = run_loader(tmp_path, CNNLAB_DATA_DIR=str(tmp_path / "data"), CNNLAB_CACHE_DIR=str(tmp_path / "cache"))
    assert report["grew"] < MAX_GROWTH, f"peak memory grew by {report['grew'] / MiB:.0f} MiB reading a gzip bomb"
    assert report.get("labels") == expected_labels, report
    assert any("ignoring the copy of MNIST test labels in the offline data folder" in w and "gzip bomb" in w
               for w in report["warnings"]), report["warnings"]
    assert (tmp_path / "data" / "mnist" / NAME).exists(), "the offline folder is never changed"


def test_a_bomb_in_the_cache_is_deleted_and_fetched_again_with_bounded_memory(tmp_path, local_server, good_copy,
                                                                              expected_labels):
    (tmp_path / "data").mkdir()
    bomb = gzip_bomb(tmp_path / "cache" / "mnist" / NAME)
    routes = {"/" + _store.mirror_path(ENTRY.urls[0]): (200, good_copy.read_bytes(), {})}
    with local_server(routes) as (server, base):
        report = run_loader(tmp_path, CNNLAB_DATA_DIR=str(tmp_path / "data"), CNNLAB_CACHE_DIR=str(tmp_path / "cache"),
                            CNNLAB_OFFLINE="0", CNNLAB_MIRROR_URL=base)
    assert report["grew"] < MAX_GROWTH, f"peak memory grew by {report['grew'] / MiB:.0f} MiB reading a gzip bomb"
    assert report.get("labels") == expected_labels, report
    assert any("cached copy of MNIST test labels is corrupted" in w and "gzip bomb" in w for w in report["warnings"])
    assert bomb.read_bytes() == good_copy.read_bytes(), "the bomb is replaced by the good copy"
    assert len(server.hits) == 1


def test_a_bomb_in_the_cache_offline_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    bomb = gzip_bomb(tmp_path / "cache" / "mnist" / NAME)
    with pytest.warns(UserWarning, match="gzip bomb"), pytest.raises(datasets.DataUnavailableError) as raised:
        load_test_labels()
    message = str(raised.value)
    assert "decompresses to more than 10,008 bytes" in message and "removed" in message
    assert "downloads are off (CNNLAB_OFFLINE=1)" in message
    assert not bomb.exists()


def test_read_content_stops_just_past_its_limit(tmp_path):
    bomb = gzip_bomb(tmp_path / "bomb.gz")
    with pytest.raises(_store.ChecksumError, match="decompresses to more than 1,000 bytes"):
        _store.read_content(bomb, limit=1000)
    assert len(_store.read_content(gzip_bomb(tmp_path / "small.gz", mib=2), limit=2 * MiB)) == 2 * MiB


# ----------------------------------------------------------------------------- damaged gzip files


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def garbled(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64]) + data[middle + 64:]


def no_trailer(data: bytes) -> bytes:
    return data[:-8]


@pytest.mark.parametrize("damage", [truncated, garbled, no_trailer], ids=lambda f: f.__name__)
@pytest.mark.parametrize("place", ["offline folder", "cache"])
def test_a_damaged_gzip_file_is_one_clear_error_without_a_zlib_traceback(monkeypatch, tmp_path, good_copy,
                                                                         damage, place):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / ("data" if place == "offline folder" else "cache") / "mnist"
    folder.mkdir(parents=True)
    (tmp_path / "data").mkdir(exist_ok=True)
    (folder / NAME).write_bytes(damage(good_copy.read_bytes()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(datasets.DataUnavailableError) as raised:
            load_test_labels()
    error = raised.value
    assert error.__cause__ is None and error.__context__ is None, "a zlib error is chained to the learner's error"
    message = str(error)
    assert "MNIST test labels is not available" in message
    assert any(what in message for what in ("is not a complete gzip file", "fails its checksum", "holds")), message
    assert "Traceback" not in message
    assert len(caught) == 1 and ("corrupted" in str(caught[0].message) or "ignoring" in str(caught[0].message))
