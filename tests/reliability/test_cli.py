"""Issue #17: ``python -m cnnlab`` answers every mistake in one line, and says where files really came from.

Each case runs the command line in a fresh Python (``sys.executable -m cnnlab ...``, the network
guard on) with its own settings:

* a bad name, a bad setting (``CNNLAB_QUICK=maybe``, ``CNNLAB_CACHE_DIR`` a file or a name too long,
  ``CNNLAB_MIRROR_URL=ftp://x``), a bad ``serve`` folder, port or host: exit status 2 and exactly one
  line on stderr that names the setting or argument, never a traceback. A bad setting is reported
  even when the files happen to be in the offline folder (it would fail a notebook later).
* ``fetch`` never says a file was put into the cache when the offline folder served it: MNIST is
  "here, in the offline data folder", and a flowers archive in the offline folder is unpacked from
  there, not "downloaded".
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cnnlab
from cnnlab import datasets

pytestmark = pytest.mark.reliability("bad-input")

ROOT = Path(__file__).resolve().parents[2]
NETGUARD = ROOT / "tests" / "netguard"
LONG = "a" * 300


def env_with(tmp_path: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNLAB_")}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(Path(cnnlab.__file__).resolve().parents[1])])
    env.update({"HOME": str(tmp_path / "home"), "CNNLAB_QUICK": "1", "CNNLAB_OFFLINE": "1",
                "CNNLAB_CACHE_DIR": str(tmp_path / "cache"), **settings})
    return env


def cli(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", *args], env=env_with(tmp_path, **settings),
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def assert_one_line(result: subprocess.CompletedProcess, *expected: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, (result.returncode, result.stderr)
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def small_data(tmp_path, data_dir) -> Path:
    """An offline data folder with MNIST (enough for ``fetch mnist`` and ``serve``)."""
    shutil.copytree(data_dir / "mnist", tmp_path / "data" / "mnist")
    return tmp_path / "data"


# ----------------------------------------------------------------------------- where files came from


def test_fetch_says_the_offline_folder_served_mnist_and_caches_nothing(tmp_path, small_data):
    result = cli(tmp_path, "fetch", "mnist", CNNLAB_DATA_DIR=str(small_data))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [f"MNIST {what}: here, in the offline data folder" for what in (
        "training images (9.5 MiB)", "training labels (28.2 KiB)", "test images (1.6 MiB)", "test labels (4.4 KiB)")]
    assert "cache" not in result.stdout and not (tmp_path / "cache").exists()


FLOWERS_FETCH = textwrap.dedent("""
    import dataclasses, sys
    from cnnlab import datasets, __main__
    datasets.FLOWERS = dataclasses.replace(datasets.FLOWERS, min_per_class=2, size={size}, sha256={sha!r})
    sys.exit(__main__.main(["fetch", "flowers"]))
""")


def test_fetch_unpacks_a_flowers_archive_of_the_offline_folder_without_saying_downloaded(tmp_path):
    import io
    import tarfile

    (tmp_path / "data").mkdir()
    archive = tmp_path / "data" / "flower_photos.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in datasets.FLOWER_CLASSES:
            for i in range(2):
                info = tarfile.TarInfo(f"flower_photos/{name}/{i}.jpg")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
    content = archive.read_bytes()
    script = FLOWERS_FETCH.format(size=len(content), sha=hashlib.sha256(content).hexdigest())
    result = subprocess.run([sys.executable, "-c", script], env=env_with(tmp_path, CNNLAB_DATA_DIR=str(tmp_path / "data")),
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the archive is here, in the offline data folder; to unpack into the cache" in result.stdout
    assert "to download: 0 B (nothing)" in result.stdout
    assert "the flowers: unpacked into the cache from the archive in the offline data folder" in result.stdout
    assert "downloaded" not in result.stdout
    assert len(list((tmp_path / "cache" / "flowers" / "flower_photos" / "roses").iterdir())) == 2
    assert archive.exists()


# ----------------------------------------------------------------------------- one line for every mistake

FETCH_MISTAKES = {
    "an unknown name": (("fetch", "nosuch"), {}, ["python -m cnnlab fetch: name must be one of", "'nosuch'"]),
    "CNNLAB_QUICK=maybe": (("fetch", "mnist"), {"CNNLAB_QUICK": "maybe"}, ["CNNLAB_QUICK='maybe'", "set it to 1"]),
    "CNNLAB_OFFLINE=perhaps": (("fetch", "mnist"), {"CNNLAB_OFFLINE": "perhaps"}, ["CNNLAB_OFFLINE='perhaps'"]),
    "CNNLAB_MIRROR_URL=ftp://x": (("fetch", "mnist"), {"CNNLAB_MIRROR_URL": "ftp://x"},
                                  ["CNNLAB_MIRROR_URL='ftp://x' is not an http:// or https:// address"]),
    "CNNLAB_CACHE_DIR a file": (("fetch", "mnist"), {"CNNLAB_CACHE_DIR": "{tmp}/file"},
                                ["CNNLAB_CACHE_DIR=", "is a file", "set CNNLAB_CACHE_DIR to a folder"]),
    "CNNLAB_CACHE_DIR inside a file": (("fetch", "mnist"), {"CNNLAB_CACHE_DIR": "{tmp}/file/cache"},
                                       ["CNNLAB_CACHE_DIR=", "lies inside one"]),
    "CNNLAB_CACHE_DIR too long": (("fetch", "mnist"), {"CNNLAB_CACHE_DIR": "{tmp}/" + LONG},
                                  ["CNNLAB_CACHE_DIR=", "too long", " characters)"]),
    "info with CNNLAB_QUICK=maybe": (("info",), {"CNNLAB_QUICK": "maybe"}, ["python -m cnnlab info: ", "CNNLAB_QUICK"]),
    "an unknown command": (("bogus",), {}, ["invalid choice: 'bogus'"]),
}


@pytest.mark.parametrize("case", list(FETCH_MISTAKES))
def test_a_mistake_in_fetch_is_one_line_naming_it(tmp_path, small_data, case):
    """Every file is in the offline folder: a bad setting must be reported all the same."""
    args, settings, expected = FETCH_MISTAKES[case]
    (tmp_path / "file").write_bytes(b"not a folder")
    settings = {key: value.replace("{tmp}", str(tmp_path)) for key, value in settings.items()}
    result = cli(tmp_path, *args, **{"CNNLAB_DATA_DIR": str(small_data), **settings})
    assert_one_line(result, *expected)
    assert result.stdout == "", "the mistake is reported before any work"


def serve_mistakes(tmp_path: Path, data: Path, busy_port: int) -> dict:
    (tmp_path / "file").write_bytes(b"x")
    return {
        "a missing folder": (("serve", str(tmp_path / "nothing")), ["python -m cnnlab serve: DATA_DIR=", "does not exist"]),
        "a file": (("serve", str(tmp_path / "file")), ["DATA_DIR=", "is a file, not a folder"]),
        "a name too long": (("serve", str(tmp_path / LONG)), ["DATA_DIR=", "too long"]),
        "a port too large": (("serve", str(data), "--port", "99999"), ["--port", "0 to 65535", "'99999'"]),
        "a negative port": (("serve", str(data), "--port", "-1"), ["--port", "0 to 65535"]),
        "a port that is no number": (("serve", str(data), "--port", "eighty"), ["--port", "'eighty'"]),
        "a port in use": (("serve", str(data), "--host", "127.0.0.1", "--port", str(busy_port)),
                          [f"cannot listen on --host '127.0.0.1' --port {busy_port}", "choose another --port"]),
        "a host that does not exist": (("serve", str(data), "--host", "no-such-host.invalid", "--port", "0"),
                                       ["cannot listen on --host 'no-such-host.invalid'"]),
    }


@pytest.mark.parametrize("case", ["a missing folder", "a file", "a name too long", "a port too large",
                                  "a negative port", "a port that is no number", "a port in use",
                                  "a host that does not exist"])
def test_a_mistake_in_serve_is_one_line_naming_it(tmp_path, small_data, case):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args, expected = serve_mistakes(tmp_path, small_data, busy.getsockname()[1])[case]
        assert_one_line(cli(tmp_path, *args), *expected)


def test_the_parsers_own_errors_are_one_line_too(tmp_path):
    assert_one_line(cli(tmp_path, "serve"), "the following arguments are required: data_dir")
    assert_one_line(cli(tmp_path, "fetch", "--bogus"), "unrecognized arguments: --bogus")


def test_info_marks_an_unusable_cache(tmp_path, monkeypatch):
    """info reports settings (it is what one runs to find a problem), so it shows the problem and goes on."""
    from cnnlab import __main__

    (tmp_path / "file").write_bytes(b"x")
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "file"))
    lines = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
    __main__._info()
    cache_line = next(line for line in lines if line.startswith("cache ("))
    assert "(UNUSABLE: CNNLAB_CACHE_DIR=" in cache_line and "is a file" in cache_line

