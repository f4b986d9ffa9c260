"""Every way in, tested without the internet (tests/ways_in.py has the stand-in and the fresh machine).

Also the command line (cnnlab/__main__.py: ``python -m cnnlab fetch``) and the classroom server
(cnnlab/_serve.py); their bad input is tests/reliability/test_cli.py.

* a fresh laptop online: empty caches, no offline folder, the stand-in for the internet;
* a classroom: ``python -m cnnlab serve`` on the teacher's machine, ``CNNLAB_MIRROR_URL`` on the learners';
* Binder: ``binder/postBuild``'s fetch step into a fresh cache, then every notebook with downloads off;
* (plain pip is tests/test_ways_in_pip.py; the classroom offline, with ``CNNLAB_DATA_DIR``, is every other test).
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ways_in import NOTEBOOKS, ROOT, flowers_only, learner_env, run_notebooks, standin

from cnnlab import _download, _store, config, datasets


@pytest.fixture
def stand_in(data_dir):
    with standin(data_dir) as (base, server):
        yield base, server


@pytest.fixture
def fresh_learner(monkeypatch, tmp_path, stand_in):
    """This process as a fresh machine online: empty home and caches, no offline folder, the stand-in."""
    base, server = stand_in
    for name in ("CNNLAB_DATA_DIR", "CNNLAB_CACHE_DIR", "KERAS_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "0")
    monkeypatch.setenv("CNNLAB_MIRROR_URL", base)
    (tmp_path / "home").mkdir()
    return server


def _hits(server) -> list[str]:
    return getattr(server, "hits", [])


# ----------------------------------------------------------------------------- the stand-in itself


def test_the_standin_serves_every_registered_offline_file_at_its_public_path_and_nothing_else(data_dir, stand_in):
    base, server = stand_in
    expected = {}
    for entry in _store.registry().values():
        local = [data_dir / r for r in entry.offline if (data_dir / r).is_file()]
        for url in entry.urls if local else ():
            expected["/" + _store.mirror_path(url)] = local[0]
    assert server.layout == expected
    # what the offline folder lacks, the stand-in lacks too: Inception v3, the flowers archive
    assert not any("inception_v3" in path or "flower_photos.tgz" in path for path in server.layout)
    assert len(set(server.layout.values())) == 4 + 4 + 9 + 4  # MNIST, Fashion-MNIST, photos, model files
    url = "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz"
    with urllib.request.urlopen(f"{base}/{_store.mirror_path(url)}") as response:
        assert response.read() == (data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    for missing in ("/storage.googleapis.com/tensorflow/keras-applications/inception_v3/x.h5", "/README.md",
                    "/../mnist/SHA256SUMS", "/"):
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(base + missing)


def test_plain_http_is_allowed_for_the_configured_mirror_only(monkeypatch):
    with pytest.raises(ValueError, match="not an HTTPS address"):
        _download.check_url("http://192.168.1.20:8765/storage.googleapis.com/a.gz")
    monkeypatch.setenv("CNNLAB_MIRROR_URL", "http://192.168.1.20:8765/")
    assert _download.check_url("http://192.168.1.20:8765/storage.googleapis.com/a.gz")
    with pytest.raises(ValueError, match="not an HTTPS address"):
        _download.check_url("http://192.168.1.21:8765/storage.googleapis.com/a.gz")
    monkeypatch.setenv("CNNLAB_MIRROR_URL", "teacher:8765")
    with pytest.raises(ValueError, match=r"CNNLAB_MIRROR_URL='teacher:8765' is not an http:// or https:// address"):
        config.mirror_url()


# ----------------------------------------------------------------------------- a fresh laptop online


def test_a_fresh_learner_gets_mnist_from_the_mirror_once_then_from_the_cache(fresh_learner, tmp_path):
    entry = datasets.entries()["mnist/t10k-labels-idx1-ubyte"]
    found = _store.find(entry, progress=False)
    assert found.origin == "downloaded from the classroom mirror"
    assert found.path == tmp_path / "home" / ".cache" / "cnnlab" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    assert _store.find(entry).origin == "the cache"
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (60_000, 28, 28) and y_test.shape == (10_000,)


def test_a_fresh_learner_gets_the_same_eleven_photos_as_the_offline_folder(fresh_learner, data_dir, monkeypatch,
                                                                           capsys):
    online = datasets.load_photos(max_size=64)
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(data_dir))
    offline = datasets.load_photos(max_size=64)
    assert list(online) == list(offline) and len(online) == 11
    for name in online:
        assert (online[name] == offline[name]).all(), name
    assert set(datasets.PHOTO_CREDITS) == set(online)


def test_without_a_connection_load_photos_says_so_in_one_line_and_tries_one_download(fresh_learner, monkeypatch,
                                                                                    capsys, local_server):
    with local_server({}) as (server, base):  # a mirror that has nothing: every file 404
        monkeypatch.setenv("CNNLAB_MIRROR_URL", base)
        photos = datasets.load_photos(max_size=32)
    assert list(photos) == ["temple", "flower"]
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["load_photos(): 9 of the course's 9 photos are not on this machine and were not downloaded "
                   "(it could not be downloaded); `python -m cnnlab fetch photos` gets them."]
    assert len(server.hits) == 1, "after the first failure the others are looked for locally only"


@pytest.mark.tensorflow
def test_auto_with_empty_caches_takes_the_default_or_downloads_a_fallback_and_says_why(fresh_learner, capsys):
    from cnnlab import deepdream, pretrained

    classifier = pretrained.load_classifier("auto")
    extractor = pretrained.feature_extractor("auto")
    base = deepdream.dream_base("auto")
    lines = capsys.readouterr().out.strip().splitlines()
    assert classifier.name == "mobilenet_v2_quant" and extractor.name == "mobilenet_025"
    assert base.name == "mobilenet_025"
    assert len(lines) == 3, lines
    because = "the default, inception_v3 ({}), is not on this machine and could not be downloaded"
    assert lines[0].startswith("load_classifier('auto'): mobilenet_v2_quant (MobileNet v2, 8-bit TFLite), "
                               "downloaded from the classroom mirror, because " + because.format("Inception v3, Keras"))
    assert lines[1].startswith("feature_extractor('auto'): mobilenet_025 (MobileNet v1, alpha 0.25, headless), "
                               "downloaded from the classroom mirror")
    assert lines[2].startswith("dream_base('auto'): mobilenet_025 (MobileNet v1, alpha 0.25, headless), "
                               "from the cache, because " + because.format("Inception v3, headless"))
    assert classifier.source == "MobileNet v2, 8-bit TFLite, ImageNet weights downloaded from the classroom mirror"
    top = pretrained.classify(datasets.load_photos()["parrot"], model=classifier)[0][0][0]
    assert top == "macaw"
    assert not any(re.search(r"/(tmp|home|root|work)/", line) for line in lines)


@pytest.mark.tensorflow
def test_auto_takes_the_default_when_it_can_be_downloaded(fresh_learner, data_dir, monkeypatch, capsys,
                                                         local_server):
    """Inception v3 cannot be had here, so the same chain is shown with a stand-in default: MobileNet 0.25's."""
    import dataclasses

    from cnnlab import pretrained

    real = pretrained.FILES["inception_v3_notop"]
    body = (data_dir / "pretrained" / "mobilenet_2_5_224_tf_no_top.h5").read_bytes()
    with local_server({"/inception_v3_notop.h5": (200, body, {})}) as (server, base):
        monkeypatch.setitem(pretrained.FILES, "inception_v3_notop", dataclasses.replace(
            real, url=base + "/inception_v3_notop.h5", md5=None,
            sha256=pretrained.FILES["mobilenet_025_notop"].sha256))
        monkeypatch.setitem(pretrained.FEATURE_EXTRACTORS, "inception_v3", dataclasses.replace(
            pretrained.FEATURE_EXTRACTORS["mobilenet_025"], weights="inception_v3_notop"))
        extractor = pretrained.feature_extractor("auto")
    assert extractor.name == "inception_v3" and server.hits == ["/inception_v3_notop.h5"]
    assert capsys.readouterr().out.strip() == (
        "feature_extractor('auto'): inception_v3 (MobileNet v1, alpha 0.25, headless), downloaded from 127.0.0.1: "
        "the default.")


@pytest.mark.tensorflow
def test_auto_with_downloads_off_and_nothing_local_raises_the_one_clear_error(fresh_learner, monkeypatch):
    from cnnlab import deepdream, pretrained

    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    for call, label in ((lambda: pretrained.load_classifier("auto"), "load_classifier"),
                        (lambda: pretrained.feature_extractor("auto"), "feature_extractor"),
                        (lambda: deepdream.dream_base("auto"), "dream_base")):
        with pytest.raises(_store.DataUnavailableError) as raised:
            call()
        message = str(raised.value)
        assert message.startswith(f"A model for {label}('auto') (inception_v3, or any of ")
        assert "is not available: downloads are off (CNNLAB_OFFLINE=1)." in message
        for fix in ("python -m cnnlab fetch pretrained", "CNNLAB_MIRROR_URL", "CNNLAB_DATA_DIR"):
            assert fix in message
        assert "/home/" not in message and "/tmp/" not in message


# ----------------------------------------------------------------------------- the command line


def _cli(*args, env, timeout=600):
    return subprocess.run([sys.executable, "-m", "cnnlab", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_fetch_all_lists_sizes_downloads_what_is_missing_and_then_has_nothing_to_do(data_dir, stand_in, tmp_path):
    base, _ = stand_in
    env = learner_env(tmp_path / "home", base, flowers_only(data_dir, tmp_path / "data"))
    first = _cli("fetch", "all", env=env)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "MNIST training images (9.5 MiB): to download" in out
    assert "the flowers (TensorFlow's flower_photos, 218.2 MiB): here, in the offline data folder" in out
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (91.7 MiB): to download" in out
    assert re.search(r"^to download: 2\d\d\.\d MiB$", out, re.M), out
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels.h5: NOT fetched (it could not be downloaded); the " \
           "notebooks will use a smaller model instead" in out
    assert "MNIST test labels: downloaded from the classroom mirror, into the cache" in out
    assert out.strip().endswith("ready: every file the notebooks need is here")
    assert str(tmp_path) not in out
    second = _cli("fetch", "mnist", "photos", env=env)
    assert second.returncode == 0 and "to download: 0 B (nothing)" in second.stdout
    assert "MNIST test labels (4.4 KiB): here, in the cache" in second.stdout


def test_fetch_and_serve_answer_bad_input_in_one_line(tmp_path):
    env = learner_env(tmp_path / "home", None, offline=True)
    for args, expected in ((("fetch", "cifar10"), "python -m cnnlab fetch: name must be one of 'mnist', "),
                           (("serve", str(tmp_path / "nothing")), "python -m cnnlab serve: DATA_DIR=")):
        result = _cli(*args, env=env)
        assert result.returncode == 2 and result.stderr.startswith(expected), result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = _cli("fetch", "mnist", env={**env, "CNNLAB_OFFLINE": "0", "CNNLAB_MIRROR_URL": "teacher:8765"})
    assert result.returncode == 2 and "CNNLAB_MIRROR_URL='teacher:8765' is not an http://" in result.stderr
    assert "Traceback" not in result.stderr
    offline = _cli("fetch", "mnist", env=env)
    assert offline.returncode == 1 and "NOT fetched (downloads are off (CNNLAB_OFFLINE=1))" in offline.stdout
    assert "4 file(s) the notebooks need could not be fetched" in offline.stdout


def test_serve_prints_the_address_learners_set_and_serves_the_data_folder(data_dir, tmp_path):
    env = learner_env(tmp_path / "home", None)
    process = subprocess.Popen([sys.executable, "-m", "cnnlab", "serve", str(data_dir), "--host", "127.0.0.1",
                                "--port", "0"], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
        assert re.match(r"^serving 21 files of the course on http://127\.0\.0\.1:\d+$", first.strip()), first
        address = re.search(r"export CNNLAB_MIRROR_URL=(\S+)", second).group(1)
        learner = learner_env(tmp_path / "learner", address)
        fetched = _cli("fetch", "fashion_mnist", env=learner)
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
        assert fetched.stdout.count("downloaded from the classroom mirror, into the cache") == 4
    finally:
        process.terminate()
        process.wait(timeout=30)


# ----------------------------------------------------------------------------- whole notebooks


def _no_errors(results):
    failed = {name: errors for name, (errors, _) in results.items() if errors}
    assert not failed, "\n\n".join(f"{name}:\n" + "\n".join(errors) for name, errors in failed.items())


@pytest.mark.slow
@pytest.mark.tensorflow
def test_a_fresh_learner_online_runs_every_notebook(data_dir, stand_in, tmp_path):
    """Notebooks 00-10, quick mode, empty caches, the stand-in for the internet; flowers from a folder."""
    base, server = stand_in
    env = learner_env(tmp_path / "home", base, flowers_only(data_dir, tmp_path / "data"))
    results = run_notebooks(NOTEBOOKS, env, tmp_path / "notebooks")
    _no_errors(results)
    text = {name: out for name, (_, out) in results.items()}
    auto = "because the default, inception_v3 ({}), is not on this machine and could not be downloaded"
    assert "load_classifier('auto'): mobilenet_v2_quant" in text["08_pretrained_inception_v3.ipynb"]
    assert auto.format("Inception v3, Keras") in text["08_pretrained_inception_v3.ipynb"]
    assert "base_for_this_machine(): mobilenet_025, because this machine has no GPU" in text["09_transfer_learning_flowers.ipynb"]
    assert re.search(r"MobileNet v1, alpha 0.25, headless, ImageNet weights (downloaded from the classroom mirror|"
                     r"from the cache)\n", text["09_transfer_learning_flowers.ipynb"])
    assert "dream_base('auto'): mobilenet_025" in text["10_deepdream.ipynb"]
    assert auto.format("Inception v3, headless") in text["10_deepdream.ipynb"]
    cache = tmp_path / "home" / ".cache" / "cnnlab"
    assert (cache / "mnist" / "train-images-idx3-ubyte.gz").is_file() and len(list((cache / "images").iterdir())) == 9


@pytest.mark.slow
@pytest.mark.tensorflow
def test_binder_bakes_in_every_file_then_every_notebook_runs_with_downloads_off(data_dir, stand_in, tmp_path):
    """binder/postBuild's fetch steps against the stand-in into a fresh cache; then 00-10 with downloads off."""
    base, _ = stand_in
    home = tmp_path / "home"
    flowers = flowers_only(data_dir, tmp_path / "data")
    steps = [line.strip() for line in (ROOT / "binder" / "postBuild").read_text().splitlines()
             if line.strip().startswith("python -m cnnlab ")]
    assert steps == ["python -m cnnlab fetch all"], steps
    build = learner_env(home, base, flowers)
    for step in steps:
        done = subprocess.run([sys.executable, *step.split()[1:]], env=build, capture_output=True, text=True,
                              timeout=900, cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr
    session = learner_env(home, None, flowers, offline=True)
    results = run_notebooks(NOTEBOOKS, session, tmp_path / "notebooks")
    _no_errors(results)
    assert "mobilenet_v2_quant" in results["08_pretrained_inception_v3.ipynb"][1]
    assert "from the cache" in results["08_pretrained_inception_v3.ipynb"][1]
