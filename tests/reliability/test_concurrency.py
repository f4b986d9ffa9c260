"""Issue #17: several processes of the course sharing one cache folder never see each other's half-done work.

A classroom runs many kernels on one machine, often with one shared ``CNNLAB_CACHE_DIR``. Each test
starts fresh Pythons (the same cnnlab as this one, the network guard on), lets them import, then
releases them at the same instant (a line on their stdin) so that they race for real:

* **a corrupted cached file**: six processes load MNIST's test labels, whose cached copy is garbage,
  from a classroom mirror on 127.0.0.1 that answers slowly. All six must get the same, correct labels
  (no ``FileNotFoundError`` from a copy deleted under another's feet), and the file is downloaded
  once per round: one process repairs it under the lock, the others wait and reuse it. Three rounds.
* **extracting the flowers**: two processes unpack the same (small, synthetic) flowers archive from
  the offline data folder into the cache, the extraction slowed down to make them overlap. One
  unpacks, the other waits on the lock and reuses the folder: both end with the complete folder, the
  same one (same inode), and the second never replaces the first's finished work.

Before issue 17 there was no lock: every process downloaded, or unpacked, its own copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest

import cnnlab
from cnnlab import _store, datasets

pytestmark = pytest.mark.reliability("concurrency")

ROOT = Path(__file__).resolve().parents[2]
NETGUARD = ROOT / "tests" / "netguard"
ENTRY = datasets.entries()["mnist/t10k-labels-idx1-ubyte"]


def env_with(**settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNLAB_")}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(Path(cnnlab.__file__).resolve().parents[1])])
    env.update({"CNNLAB_QUICK": "1", "CNNLAB_OFFLINE": "1", **settings})
    return env


def race(script: str, n: int, env: dict, cwd: Path, timeout: float = 60) -> list[tuple[int, str, str]]:
    """Start ``n`` Pythons running ``script``; once all print "ready", release them together; (rc, out, err)."""
    children = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=cwd, text=True, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(n)]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=timeout)
            results.append((child.returncode, out, err))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


# ----------------------------------------------------------------------------- a corrupted cached file

LOAD_LABELS = textwrap.dedent("""
    import hashlib, json, sys, warnings
    from cnnlab import datasets
    dataset = datasets.IDX_DATASETS["mnist"]
    print("ready", flush=True)
    sys.stdin.readline()
    warnings.simplefilter("ignore")
    labels = datasets._fetch_idx(dataset, dataset.test_labels)
    print(json.dumps({"n": len(labels), "sha": hashlib.sha256(labels.tobytes()).hexdigest()}))
""")


def test_six_processes_repair_one_corrupted_cached_file_together(tmp_path, local_server, data_dir):
    good = (data_dir / ENTRY.offline[0]).read_bytes()
    expected = hashlib.sha256(datasets.read_idx(_store.read_content(data_dir / ENTRY.offline[0])).tobytes()).hexdigest()
    cached = tmp_path / "cache" / ENTRY.cache
    cached.parent.mkdir(parents=True)
    (tmp_path / "data").mkdir()

    def slowly(hit):
        time.sleep(0.3)  # the others start while the first is still downloading
        return 200, good, {}

    with local_server({"/" + _store.mirror_path(ENTRY.urls[0]): slowly}) as (server, base):
        env = env_with(CNNLAB_DATA_DIR=str(tmp_path / "data"), CNNLAB_CACHE_DIR=str(tmp_path / "cache"),
                       CNNLAB_OFFLINE="0", CNNLAB_MIRROR_URL=base)
        for round_ in range(3):
            cached.write_bytes(b"\x1f\x8b" + os.urandom(3000))  # garbage behind gzip's magic bytes
            results = race(LOAD_LABELS, 6, env, tmp_path)
            for rc, out, err in results:
                assert rc == 0 and "FileNotFoundError" not in err, f"round {round_}: {err[-2000:]}"
                assert json.loads(out.strip().splitlines()[-1]) == {"n": 10_000, "sha": expected}
            assert cached.read_bytes() == good
            assert len(server.hits) == round_ + 1, (f"round {round_}: {len(server.hits) - round_} downloads of one "
                                                   "file; one process should repair it while the others wait")
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name], "a .part file or a copy was left"


# ----------------------------------------------------------------------------- extracting the flowers

EXTRACT_FLOWERS = textwrap.dedent("""
    import dataclasses, json, sys, time, warnings
    from cnnlab import datasets
    size, sha256 = int(sys.argv[1]), sys.argv[2]
    datasets.FLOWERS = dataclasses.replace(datasets.FLOWERS, min_per_class=2, size=size, sha256=sha256)
    unpack = datasets.safe_extract

    def slow_extract(*args, **kwargs):  # long enough for the other process to arrive meanwhile
        time.sleep(1.5)
        return unpack(*args, **kwargs)

    datasets.safe_extract = slow_extract
    print("ready", flush=True)
    sys.stdin.readline()
    warnings.simplefilter("ignore")
    folder, source, _ = datasets.find_flowers("auto")
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.jpg"))
    print(json.dumps({"source": source, "inode": folder.stat().st_ino, "files": files}))
""")


def small_flowers_archive(path: Path) -> Path:
    import io

    with tarfile.open(path, "w:gz") as tar:
        for name in datasets.FLOWER_CLASSES:
            for i in range(2):
                data = f"{name} {i}".encode()
                info = tarfile.TarInfo(f"flower_photos/{name}/{name}_{i}.jpg")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def test_two_processes_unpack_the_flowers_once_and_share_the_folder(tmp_path):
    (tmp_path / "data").mkdir()
    archive = small_flowers_archive(tmp_path / "data" / "flower_photos.tgz")
    content = archive.read_bytes()
    script = EXTRACT_FLOWERS.replace("sys.argv[1]", repr(str(len(content)))).replace(
        "sys.argv[2]", repr(hashlib.sha256(content).hexdigest()))
    env = env_with(CNNLAB_DATA_DIR=str(tmp_path / "data"), CNNLAB_CACHE_DIR=str(tmp_path / "cache"))
    started = time.monotonic()
    results = race(script, 2, env, tmp_path)
    for rc, _, err in results:
        assert rc == 0, err[-2000:]
    reports = [json.loads(out.strip().splitlines()[-1]) for _, out, _ in results]
    expected = sorted(f"{name}/{name}_{i}.jpg" for name in datasets.FLOWER_CLASSES for i in range(2))
    assert all(report["files"] == expected for report in reports), reports
    folder = tmp_path / "cache" / "flowers" / "flower_photos"
    assert sorted(report["source"] for report in reports) == ["cache", "download"], \
        f"both processes unpacked the archive: {reports}"
    assert {report["inode"] for report in reports} == {folder.stat().st_ino}, \
        "the second process replaced the folder the first had finished"
    assert sorted(p.name for p in (tmp_path / "cache" / "flowers").iterdir()) == ["flower_photos"]
    assert archive.exists(), "the archive of the offline data folder is never deleted"
    assert time.monotonic() - started < 30
