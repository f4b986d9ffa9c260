"""Issue #9, reproducibility: the same seed gives the same result, whatever ran before.

The course promises that a seed fixes a run: ``training.fit(..., seed=S)`` trains
to the same weights, ``flowers.load_flowers(..., seed=S)`` yields the same
augmented batches, and a notebook run twice prints and draws the same things.
Each promise is checked against something that could break it: random numbers
drawn in between, another global TensorFlow seed, a fresh Python process, a
second kernel. The seeded checks also run with another seed and expect a
*different* result, so that a test cannot pass by comparing two constants; the
notebook check requires that plenty of outputs (text, streams, plots) be compared.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import configparser
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.reliability("reproducibility")

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from cnnlab import flowers, training  # noqa: E402  (after the skip: both import TensorFlow)

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- (a) training.fit


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 12, 12, 1), dtype=np.float32)
    y = np.digitize(x.mean(axis=(1, 2, 3)), [0.49, 0.51]).astype("int32")  # 3 classes
    return x, y


def _build():
    """Every source of randomness training has: initial weights, dropout (and, in fit, shuffling, augmentation)."""
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPool2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    return model


def train(seed: int) -> tuple[list[np.ndarray], list[float]]:
    """Two epochs of ``training.fit`` on small random data; the weights and the losses."""
    history = training.fit(_build, _data(), _data(32, seed=1), epochs=2, batch_size=16, seed=seed,
                           augment="digits")
    return history.model.get_weights(), history.history["loss"]


def _disturb_every_generator():
    """Draw from (and reseed) every global generator, as any other cell of a notebook may."""
    import random

    keras.utils.set_random_seed(12345)
    random.random(), np.random.random(5), tf.random.uniform([5]), tf.random.normal([3, 3], seed=3)
    keras.layers.Dense(2).build((None, 4))  # an initializer draw


@pytest.fixture(scope="module")
def first_run():
    return train(seed=7)


def _assert_same_weights(weights, other):
    assert len(weights) == len(other)
    for index, (a, b) in enumerate(zip(weights, other)):
        np.testing.assert_array_equal(a, b, err_msg=f"weight array {index} ({a.shape}) differs")


def test_fit_with_a_seed_trains_to_identical_weights(first_run):
    weights, losses = first_run
    _disturb_every_generator()
    again, again_losses = train(seed=7)
    _assert_same_weights(weights, again)
    assert losses == again_losses


def test_fit_with_another_seed_trains_to_other_weights(first_run):
    weights, losses = first_run
    other, other_losses = train(seed=8)
    assert any(not np.array_equal(a, b) for a, b in zip(weights, other)), "seed 8 trained exactly as seed 7"
    assert losses != other_losses


def test_fit_in_a_fresh_process_trains_to_the_same_weights(first_run, tmp_path):
    """What a student sees when they restart the kernel and run the notebook again."""
    out = tmp_path / "weights.npz"
    script = textwrap.dedent(f"""
        import numpy as np
        from tests.reliability.test_reproducibility import train
        weights, losses = train(seed=7)
        np.savez({str(out)!r}, *weights, losses=np.array(losses))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = np.load(out)
    weights, losses = first_run
    _assert_same_weights(weights, [saved[f"arr_{i}"] for i in range(len(weights))])
    assert losses == saved["losses"].tolist()


# ----------------------------------------------------------------------------- (b) flowers.load_flowers


def _train_batches(seed: int, global_seed: int, cache: bool, epochs: int = 2):
    """The training batches of two epochs, after setting TensorFlow's global seed to ``global_seed``."""
    keras.utils.set_random_seed(global_seed)
    data = flowers.load_flowers(image_size=32, batch_size=4, seed=seed, source="mirror", max_per_class=3,
                                 cache=cache)
    return data.files["train"], [[(images.numpy(), labels.numpy()) for images, labels in data.train]
                                 for _ in range(epochs)]


@pytest.mark.parametrize("cache", [False, True], ids=["streamed", "cached"])
def test_load_flowers_batches_depend_on_its_seed_only(data_dir, cache):
    """The global seed must not leak in: ``Dataset.shuffle(seed=...)`` alone mixes it into the order."""
    files, epochs = _train_batches(seed=5, global_seed=1, cache=cache)
    same_files, same_epochs = _train_batches(seed=5, global_seed=2, cache=cache)
    assert files == same_files
    for epoch, (batches, again) in enumerate(zip(epochs, same_epochs)):
        assert len(batches) == len(again) > 1
        for index, ((images, labels), (images2, labels2)) in enumerate(zip(batches, again)):
            np.testing.assert_array_equal(labels, labels2, err_msg=f"epoch {epoch}, batch {index}: another order")
            np.testing.assert_array_equal(images, images2, err_msg=f"epoch {epoch}, batch {index}: other pixels")
    # Each epoch is shuffled and augmented anew ...
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(*epochs))
    # ... and another seed gives other batches.
    _, other = _train_batches(seed=6, global_seed=1, cache=cache)
    assert not np.array_equal(np.concatenate([b[0] for b in epochs[0]]), np.concatenate([b[0] for b in other[0]]))


# ----------------------------------------------------------------------------- (c) a notebook, run twice

NOTEBOOK = REPO / "notebooks" / "05_pooling.ipynb"  # about 12 s in quick mode, with text, streams and plots
IGNORED_KEYS = ("application/vnd.jupyter.widget-view+json",)  # widget model ids are random (nbval skips them too)


def _sanitizer():
    """The regex replacements of tests/nbval_sanitize.cfg, applied in the file's order, as nbval applies them."""
    parser = configparser.ConfigParser(interpolation=None)
    assert parser.read(REPO / "tests" / "nbval_sanitize.cfg", encoding="utf-8")
    patterns = [(re.compile(parser[name]["regex"]), parser[name]["replace"]) for name in parser.sections()]
    assert patterns

    def sanitize(text: str) -> str:
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text

    return sanitize


def _execute_twice(tmp_path: Path):
    """Run two copies of the notebook, each in its own kernel, side by side (the machine has 2 cores)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    clients = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
        notebook = nbformat.read(folder / NOTEBOOK.name, as_version=4)
        clients.append(nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                               resources={"metadata": {"path": str(folder)}}))

    async def run_both():
        await asyncio.gather(*(client.async_execute() for client in clients))

    # In a thread of its own: an earlier test (Playwright's sync API, in the browser suite) may have
    # left an event loop running in this one, and asyncio.run() refuses to nest.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run_both()).result()
    return [client.nb for client in clients]


def _compared_outputs(notebook, sanitize) -> dict:
    """``{(cell index, kind): value}`` for the cells nbval compares: streams joined per name, as nbval does."""
    outputs = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        for output in cell.outputs:
            if output.output_type == "stream":
                key = (index, f"stream:{output.name}")
                outputs[key] = outputs.get(key, "") + output.text
            elif output.output_type == "error":
                outputs[(index, "error")] = f"{output.ename}: {output.evalue}"
            for mime, value in output.get("data", {}).items():
                if mime not in IGNORED_KEYS:
                    outputs[(index, mime)] = value
    return {key: sanitize(value) if not key[1].startswith("image/") else value for key, value in outputs.items()}


def test_a_notebook_run_twice_gives_the_same_outputs(tmp_path, monkeypatch, data_dir):
    """Text, streams and plots alike: the PNG bytes are compared too, since matplotlib writes no date in them."""
    monkeypatch.setenv("CNNLAB_QUICK", "1")
    sanitize = _sanitizer()
    first, second = (_compared_outputs(notebook, sanitize) for notebook in _execute_twice(tmp_path))
    kinds = [kind for _, kind in first]
    assert kinds.count("text/plain") >= 5 and kinds.count("image/png") >= 2 and "stream:stdout" in kinds, kinds
    assert sorted(first) == sorted(second), "the two runs produced different outputs in different cells"
    for key in first:
        assert first[key] == second[key], f"cell {key[0]}, {key[1]} differs between the two runs"
