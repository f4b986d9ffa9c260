"""Safe archive extraction, finding the flowers (offline mirror, cache, a faked download) and their pipelines
(cnnlab/flowers.py, fed to Keras by cnnlab/_tf_data.py).

Tests cnnlab.datasets.find_flowers (no TensorFlow) and cnnlab.flowers (the tf.data pipelines). Other tests:
tests/reliability/test_reproducibility.py (the same batches for a seed), test_concurrency.py (one extraction
when several processes ask at once) and the bad-input table (tests/reliability/test_bad_input.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import stat
import tarfile
import zipfile

import numpy as np
import pytest

from cnnlab import datasets, flowers
from cnnlab._download import ChecksumError, UnsafeArchiveError, safe_extract

# ----------------------------------------------------------------------------- archive helpers


def tree(folder):
    """Every path under ``folder`` (relative), to show that nothing was written."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def add_file(tar, name, data=b"data"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_special(tar, name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    tar.addfile(info)


def write_tar(path, build):
    with tarfile.open(path, "w:gz") as tar:
        build(tar)
    return path


# Each evil archive first holds an innocent file, so that refusing "before writing
# anything" is tested, not just stopping at the bad member.
EVIL_TARS = {
    "dot-dot": (lambda tar, out: add_file(tar, "../evil.txt"), "'../evil.txt'"),
    "dot-dot inside": (lambda tar, out: add_file(tar, "photos/../../evil.txt"), "'photos/../../evil.txt'"),
    "absolute": (lambda tar, out: add_file(tar, str(out / "abs_evil.txt")), "abs_evil.txt"),
    "symlink escaping": (
        lambda tar, out: (add_special(tar, "photos/link", tarfile.SYMTYPE, "../../"),
                          add_file(tar, "photos/link/evil.txt")),
        "'photos/link' is a symbolic link to '../../'",
    ),
    "symlink inside": (lambda tar, out: add_special(tar, "photos/link", tarfile.SYMTYPE, "a.txt"),
                       "'photos/link' is a symbolic link"),
    "hardlink escaping": (lambda tar, out: add_special(tar, "photos/hard", tarfile.LNKTYPE, "../../secret"),
                          "'photos/hard' is a hard link to '../../secret'"),
    "hardlink absolute": (lambda tar, out: add_special(tar, "photos/hard", tarfile.LNKTYPE, "/etc/passwd"),
                          "'photos/hard' is a hard link to '/etc/passwd'"),
    "device": (lambda tar, out: add_special(tar, "photos/dev", tarfile.CHRTYPE), "'photos/dev' is a device file"),
    "fifo": (lambda tar, out: add_special(tar, "photos/pipe", tarfile.FIFOTYPE), "'photos/pipe' is a FIFO"),
    "duplicate": (lambda tar, out: add_file(tar, "photos/a.txt", b"other"), "'photos/a.txt' appears twice"),
    "backslash": (lambda tar, out: add_file(tar, "..\\evil.txt"), "backslash"),
}


@pytest.mark.parametrize("case", EVIL_TARS)
def test_unsafe_tar_members_are_refused_before_anything_is_written(tmp_path, case):
    build, expected = EVIL_TARS[case]
    parent = tmp_path / "parent"
    parent.mkdir()

    def both(tar):
        add_file(tar, "photos/a.txt", b"innocent")
        build(tar, tmp_path)

    archive = write_tar(tmp_path / "evil.tgz", both)
    before = tree(tmp_path)
    with pytest.raises(UnsafeArchiveError) as raised:
        safe_extract(archive, parent / "out")
    assert expected in str(raised.value)
    assert "nothing was extracted" in str(raised.value).lower()
    assert tree(tmp_path) == before, "the archive wrote something, or left a partial folder"
    assert isinstance(raised.value, ValueError)


def test_an_unsafe_zip_is_refused(tmp_path):
    for name, build in {
        "dotdot.zip": lambda z: z.writestr("../evil.txt", b"x"),
        "symlink.zip": lambda z: z.writestr(_zip_symlink("photos/link"), "../../"),
    }.items():
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("photos/a.txt", b"innocent")
            build(z)
        before = tree(tmp_path)
        with pytest.raises(UnsafeArchiveError, match="photos/link|../evil.txt"):
            safe_extract(tmp_path / name, tmp_path / "out")
        assert tree(tmp_path) == before


def _zip_symlink(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def test_a_benign_tar_extracts_completely(tmp_path):
    def build(tar):
        add_special(tar, ".", tarfile.DIRTYPE)
        add_special(tar, "./photos", tarfile.DIRTYPE)
        add_file(tar, "./photos/a.txt", b"alpha")
        add_file(tar, "photos/deep/er/b.txt", b"beta")
        add_special(tar, "photos/empty", tarfile.DIRTYPE)

    archive = write_tar(tmp_path / "good.tar.gz", build)
    out = safe_extract(archive, tmp_path / "parent" / "out")
    assert out == tmp_path / "parent" / "out"
    assert (out / "photos" / "a.txt").read_bytes() == b"alpha"
    assert (out / "photos" / "deep" / "er" / "b.txt").read_bytes() == b"beta"
    assert (out / "photos" / "empty").is_dir()
    assert tree(tmp_path / "parent") == ["out", "out/photos", "out/photos/a.txt", "out/photos/deep",
                                         "out/photos/deep/er", "out/photos/deep/er/b.txt", "out/photos/empty"]


def test_a_benign_zip_extracts(tmp_path):
    with zipfile.ZipFile(tmp_path / "good.zip", "w") as z:
        z.writestr("photos/a.txt", b"alpha")
    out = safe_extract(tmp_path / "good.zip", tmp_path / "out")
    assert (out / "photos" / "a.txt").read_bytes() == b"alpha"


def test_an_existing_target_is_kept_unless_overwrite_and_a_failed_verify_keeps_it(tmp_path):
    first = write_tar(tmp_path / "1.tgz", lambda tar: add_file(tar, "one.txt", b"1"))
    second = write_tar(tmp_path / "2.tgz", lambda tar: add_file(tar, "two.txt", b"2"))
    out = safe_extract(first, tmp_path / "out")
    with pytest.raises(FileExistsError, match="target_dir=.*already exists.*overwrite=True"):
        safe_extract(second, out)

    def reject(folder):
        raise ChecksumError("not what was expected")

    with pytest.raises(ChecksumError):
        safe_extract(second, out, overwrite=True, verify=reject)
    assert tree(tmp_path) == ["1.tgz", "2.tgz", "out", "out/one.txt"]
    safe_extract(second, out, overwrite=True)
    assert tree(tmp_path) == ["1.tgz", "2.tgz", "out", "out/two.txt"]


def test_archive_size_limit_and_unreadable_files(tmp_path):
    archive = write_tar(tmp_path / "big.tgz", lambda tar: add_file(tar, "big.bin", bytes(1000)))
    with pytest.raises(UnsafeArchiveError, match="max_bytes=999"):
        safe_extract(archive, tmp_path / "out", max_bytes=999)
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(archive.read_bytes()[:30])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        safe_extract(broken, tmp_path / "out")
    assert tree(tmp_path) == ["big.tgz", "broken.tgz"]


# ----------------------------------------------------------------------------- flowers from the mirror

FRACTIONS = (0.7, 0.15, 0.15)
SPLITS = ("train", "val", "test")


def batches(dataset):
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset])
    return np.concatenate(images), np.concatenate(labels)


@pytest.fixture(scope="module")
def small(data_dir):
    return flowers.load_flowers(image_size=64, batch_size=16, max_per_class=20, seed=3, source="mirror")


@pytest.mark.tensorflow
def test_classes_are_in_the_documented_order(small):
    assert small.class_names == datasets.FLOWER_CLASSES == ("daisy", "dandelion", "roses", "sunflowers", "tulips")
    assert small.source == "mirror" and small.folder.name == "flowers"
    assert "train=70, val=15, test=15" in repr(small)


@pytest.mark.tensorflow
def test_full_splits_are_disjoint_complete_and_stratified(data_dir):
    data = flowers.load_flowers(image_size=64, source="mirror")
    sets = {name: {path for path, _ in data.files[name]} for name in SPLITS}
    assert not (sets["train"] & sets["val"] or sets["train"] & sets["test"] or sets["val"] & sets["test"])
    per_class = [len(list((data.folder / name).glob("*.jpg"))) for name in data.class_names]
    assert per_class == [610, 888, 548, 673, 763]
    assert sum(len(s) for s in sets.values()) == sum(per_class)
    counts = data.counts()
    for name, fraction in zip(SPLITS, FRACTIONS):
        for label, total in enumerate(per_class):
            assert abs(counts[name][label] - total * fraction) <= 1, (name, label)
    for name in SPLITS:  # every label matches its folder
        assert all(os.path.basename(os.path.dirname(p)) == data.class_names[y] for p, y in data.files[name])


@pytest.mark.tensorflow
def test_max_per_class_caps_each_class(small):
    assert small.counts() == {"train": [14] * 5, "val": [3] * 5, "test": [3] * 5}


@pytest.mark.tensorflow
def test_the_same_seed_gives_the_same_files_and_batches(small):
    again = flowers.load_flowers(image_size=64, batch_size=16, max_per_class=20, seed=3, source="mirror")
    other = flowers.load_flowers(image_size=64, batch_size=16, max_per_class=20, seed=4, source="mirror")
    assert again.files == small.files
    assert other.files["train"] != small.files["train"]
    first, first_again = next(iter(small.train)), next(iter(again.train))
    np.testing.assert_array_equal(first[0].numpy(), first_again[0].numpy())
    np.testing.assert_array_equal(first[1].numpy(), first_again[1].numpy())


@pytest.fixture
def restore_global_seeds():
    """keras.utils.set_random_seed changes Python's, numpy's and TensorFlow's global seeds: put them back."""
    import random

    from tensorflow.python.eager import context

    python_state, numpy_state, tf_seed = random.getstate(), np.random.get_state(), context.global_seed()
    yield
    import tensorflow as tf

    random.setstate(python_state)
    np.random.set_state(numpy_state)
    tf.random.set_seed(tf_seed)


@pytest.mark.tensorflow
def test_the_same_seed_gives_the_same_epochs_whatever_the_global_seed(data_dir, restore_global_seeds):
    """Regression: Dataset.shuffle(seed=seed) also depended on tf.random.set_seed, so the same seed gave
    other batches after keras.utils.set_random_seed (or in another session)."""
    import keras

    def two_epochs(global_seed, seed, cache=False):
        keras.utils.set_random_seed(global_seed)
        data = flowers.load_flowers(image_size=24, batch_size=7, max_per_class=6, seed=seed, source="mirror",
                                     cache=cache)
        assert data.cached == cache
        return [batches(data.train) for _ in range(2)]

    first = two_epochs(1, seed=3)
    for name, other in [("another global seed", two_epochs(2, seed=3)),
                        ("cached decoded images", two_epochs(2, seed=3, cache=True))]:
        for epoch, ((x1, y1), (x2, y2)) in enumerate(zip(first, other)):
            np.testing.assert_array_equal(y1, y2, err_msg=f"{name}: labels of epoch {epoch}")
            np.testing.assert_array_equal(x1, x2, err_msg=f"{name}: images of epoch {epoch}")
    (x1, y1), (x2, y2) = first
    assert len(y1) == 20 and sorted(y1) == sorted(y2)
    assert not np.array_equal(y1, y2), "consecutive epochs must be shuffled differently"
    assert not np.array_equal(x1, x2)
    (z1, w1), _ = two_epochs(1, seed=4)
    assert not np.array_equal(w1, y1) and not np.array_equal(z1, x1), "another seed must give other batches"


@pytest.mark.tensorflow
@pytest.mark.parametrize("split", SPLITS)
def test_images_are_square_float32_in_unit_range(small, split):
    images, labels = batches(getattr(small, split))
    assert images.shape == (len(small.files[split]), 64, 64, 3) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.max() > 0.5
    assert labels.dtype == np.int32 and set(labels) == set(range(5))


@pytest.mark.tensorflow
def test_validation_and_test_are_deterministic_and_in_file_order(small):
    for split in ("val", "test"):
        x1, y1 = batches(getattr(small, split))
        x2, y2 = batches(getattr(small, split))
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, [label for _, label in small.files[split]])


@pytest.mark.tensorflow
def test_training_crops_and_flips_change_every_epoch(data_dir):
    # one image per class, all in train: sorting by label pairs up the same photo across epochs
    data = flowers.load_flowers(image_size=32, batch_size=5, max_per_class=1, split=(1.0, 0.0, 0.0),
                                 source="mirror")
    assert len(data.files["val"]) == 0 and len(data.files["test"]) == 0
    epochs = []
    for _ in range(3):
        images, labels = batches(data.train)
        epochs.append(images[np.argsort(labels)])
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    # A crop may by chance land close to the last epoch's (both near the full photo, both unflipped):
    # most photos, not every one, must look clearly different from one epoch to the next.
    for first, second in zip(epochs, epochs[1:]):
        assert sum(abs(a - b).mean() > 0.01 for a, b in zip(first, second)) >= 3


@pytest.mark.tensorflow
def test_preprocess_is_applied_last(data_dir):
    data = flowers.load_flowers(image_size=32, batch_size=8, max_per_class=4, source="mirror",
                                 preprocess=lambda x: x * 2.0 - 1.0)
    images, _ = batches(data.val)
    assert images.min() < 0.0 and images.min() >= -1.0 and images.max() <= 1.0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"image_size": 0}, "image_size must be a positive integer, received image_size=0"),
    ({"split": (0.7, 0.2)}, r"split must be three fractions .* received split=\(0.7, 0.2\)"),
    ({"split": (0.5, 0.3, 0.3)}, "adding up to 1"),
    ({"source": "web"}, "source must be one of 'auto', 'mirror', 'original', 'download', received source='web'"),
    ({"max_per_class": 0}, "max_per_class must be a positive integer"),
    ({"preprocess": 3}, "preprocess must be a function"),
    ({"seed": -1}, "seed must be a non-negative integer"),
])
@pytest.mark.tensorflow
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        flowers.load_flowers(**kwargs)


@pytest.mark.tensorflow
def test_too_few_images_for_three_splits(data_dir):
    with pytest.raises(ValueError, match="has only 2 images, too few for 3 splits; raise max_per_class"):
        flowers.load_flowers(max_per_class=2, source="mirror")


# ----------------------------------------------------------------------------- offline, cache, download


def tiny_jpeg(value):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), color=(value, 255 - value, 80)).save(buffer, format="JPEG")
    return buffer.getvalue()


def flowers_tgz(path, classes=datasets.FLOWER_CLASSES, per_class=3, extra=None):
    def build(tar):
        add_file(tar, "flower_photos/LICENSE.txt", b"CC-BY")
        for label, name in enumerate(classes):
            for i in range(per_class):
                add_file(tar, f"flower_photos/{name}/{name}_{i}.jpg", tiny_jpeg(40 * label + i))
        if extra:
            extra(tar)

    return write_tar(path, build)


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """An empty offline folder, an empty cache, and a complete set of 3 photos per class."""
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "FLOWERS", dataclasses.replace(datasets.FLOWERS, min_per_class=3))
    return tmp_path


@pytest.fixture
def fake_download(monkeypatch, no_data, local_server):
    """A stand-in for the flowers' download site: a local server that serves the archive the test gives it.

    ``serve(path)`` pins that archive's size and SHA-256 as the expected ones (as the real table pins the real
    archive's), so the whole chain runs: the one door, the download, the check, the extraction.
    """
    monkeypatch.setenv("CNNLAB_OFFLINE", "0")

    class Site:
        calls: list = []

        def serve(self, path):
            content = path.read_bytes()
            self.content = content
            monkeypatch.setattr(datasets, "FLOWERS", dataclasses.replace(
                datasets.FLOWERS, urls=(self.base + "/example_images/flower_photos.tgz",), size=len(content),
                sha256=hashlib.sha256(content).hexdigest()))

    site = Site()

    def route(hit):
        site.calls.append(hit)
        return 200, site.content, {}

    with local_server({"/example_images/flower_photos.tgz": route}) as (_, base):
        site.base = base
        yield site


def test_offline_without_data_says_how_to_fix_it(no_data):
    with pytest.raises(datasets.DataUnavailableError) as raised:
        datasets.find_flowers()
    message = str(raised.value)
    assert "the offline data folder (flowers) does not exist" in message
    assert "downloads are off (CNNLAB_OFFLINE=1)" in message
    assert "set CNNLAB_DATA_DIR to a folder that holds flowers/<class>/*.jpg" in message
    assert "python -m cnnlab fetch flowers" in message
    assert not (no_data / "cache" / "flowers").exists()


@pytest.mark.tensorflow
def test_mirror_only_says_so(no_data):
    with pytest.raises(datasets.DataUnavailableError, match=r"(?s)source='mirror'.*pass source='auto'"):
        flowers.load_flowers(source="mirror")


@pytest.mark.tensorflow
def test_download_is_verified_extracted_into_the_cache_and_reused(no_data, fake_download):
    fake_download.serve(flowers_tgz(no_data / "served.tgz"))
    data = flowers.load_flowers(image_size=16, batch_size=4, split=(1 / 3, 1 / 3, 1 / 3))
    cache = no_data / "cache"
    assert data.source == "download" and data.folder == cache / "flowers" / "flower_photos"
    assert data.counts() == {"train": [1] * 5, "val": [1] * 5, "test": [1] * 5}
    assert len(fake_download.calls) == 1
    assert tree(cache) == ["flowers", "flowers/flower_photos", "flowers/flower_photos/LICENSE.txt",
                           *[f"flowers/flower_photos/{c}{s}" for c in datasets.FLOWER_CLASSES
                             for s in ("", f"/{c}_0.jpg", f"/{c}_1.jpg", f"/{c}_2.jpg")]]
    images, labels = next(iter(data.test))
    assert tuple(images.shape) == (4, 16, 16, 3)
    assert "folder='the cache (flowers/flower_photos)'" in repr(data)

    again = flowers.load_flowers(image_size=16, split=(1 / 3, 1 / 3, 1 / 3))
    assert again.source == "cache" and len(fake_download.calls) == 1


@pytest.mark.parametrize("problem", ["a class is missing", "a class is too small", "an unsafe member"])
def test_a_bad_archive_is_rejected_and_leaves_nothing(no_data, fake_download, problem):
    if problem == "a class is missing":
        served = flowers_tgz(no_data / "served.tgz", classes=datasets.FLOWER_CLASSES[:4])
        expected = "tulips/ is missing"
    elif problem == "a class is too small":
        served = write_tar(no_data / "served.tgz", lambda tar: [
            add_file(tar, f"flower_photos/{c}/{i}.jpg", tiny_jpeg(9)) for c in datasets.FLOWER_CLASSES
            for i in range(2 if c == "roses" else 3)])
        expected = "roses/ holds 2 JPEG files"
    else:
        served = flowers_tgz(no_data / "served.tgz", extra=lambda tar: add_file(tar, "../../evil.jpg"))
        expected = "member '../../evil.jpg'"
    fake_download.serve(served)
    with pytest.raises(datasets.DataUnavailableError) as raised:
        datasets.find_flowers()
    assert expected in str(raised.value) and "python -m cnnlab fetch flowers" in str(raised.value)
    assert tree(no_data / "cache") == [], "a rejected archive must leave nothing in the cache"
    assert not (no_data / "evil.jpg").exists() and not (no_data.parent / "evil.jpg").exists()


def test_an_incomplete_cached_copy_is_replaced(no_data, fake_download):
    fake_download.serve(flowers_tgz(no_data / "served.tgz"))
    broken = no_data / "cache" / "flowers" / "flower_photos" / "daisy"
    broken.mkdir(parents=True)
    with pytest.warns(UserWarning, match="cached flowers are incomplete and are replaced"):
        folder, found, _ = datasets.find_flowers("auto")
    assert found == "download" and len(list((folder / "tulips").iterdir())) == 3


def test_an_archive_put_in_the_cache_by_hand_is_used_offline(no_data, monkeypatch):
    import hashlib

    (no_data / "cache").mkdir()
    archive = flowers_tgz(no_data / "cache" / "flower_photos.tgz")

    content = archive.read_bytes()
    monkeypatch.setattr(datasets, "FLOWERS", dataclasses.replace(
        datasets.FLOWERS, size=len(content), sha256=hashlib.sha256(content).hexdigest()))
    folder, found, _ = datasets.find_flowers("auto")
    assert found == "download" and not archive.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["LICENSE.txt", *datasets.FLOWER_CLASSES]


def test_the_real_archive_is_pinned_by_size_and_sha256(no_data):
    from cnnlab import _store

    archive = flowers_tgz(no_data / "flower_photos.tgz")
    with pytest.raises(ChecksumError, match="expected 228,813,984"):
        _store.verify(archive, datasets.flowers_entry())
    entry = datasets.flowers_entry()
    assert entry.sha256 == "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
    assert entry.urls == ("https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",)


def test_fetch_knows_flowers(no_data, fake_download):
    fake_download.serve(flowers_tgz(no_data / "served.tgz"))
    datasets.fetch("flowers")
    assert (no_data / "cache" / "flowers" / "flower_photos" / "roses").is_dir()
    assert not (no_data / "cache" / "flower_photos.tgz").exists(), "the archive is deleted once unpacked"
    with pytest.raises(ValueError, match="'photos', 'pretrained', 'flowers', 'all', received name='tulips'"):
        datasets.fetch("flowers", "tulips")


@pytest.mark.tensorflow
def test_flowers_pipeline_shows_the_training_augmentation_of_one_photo(small):
    one = small.files["train"][:1] * 6
    crops, labels = batches(flowers.flowers_pipeline(one, training=True, image_size=48, batch_size=6))
    centre, _ = batches(flowers.flowers_pipeline(one, training=False, image_size=48, batch_size=6))
    assert crops.shape == (6, 48, 48, 3) and set(labels) == {one[0][1]}
    assert len({c.tobytes() for c in crops}) == 6  # six different crops and flips
    assert len({c.tobytes() for c in centre}) == 1  # the evaluation pipeline is deterministic
    with pytest.raises(ValueError, match="pairs is empty"):
        flowers.flowers_pipeline([])


@pytest.mark.tensorflow
@pytest.mark.parametrize("cache", [False, True])
def test_every_split_knows_its_number_of_batches(data_dir, cache):
    """Keras and train_transfer's learning-rate schedule need the number of batches per epoch."""
    data = flowers.load_flowers(image_size=32, batch_size=4, max_per_class=6, seed=3, source="mirror", cache=cache)
    for split in SPLITS:
        dataset, n = getattr(data, split), len(data.files[split])
        assert int(dataset.cardinality()) == -(-n // 4) == sum(1 for _ in dataset)


@pytest.mark.tensorflow
def test_train_transfer_trains_on_the_same_batches_as_one_pass_per_epoch(data_dir):
    """``train_transfer`` reads the training set through one repeated iterator: the stream must not change."""
    import keras

    from cnnlab import transfer

    def trained(fit_epochs):
        data = flowers.load_flowers(image_size=32, batch_size=8, max_per_class=8, seed=3, source="mirror")
        keras.utils.set_random_seed(0)
        base = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3, name="c"),
                                 keras.layers.GlobalAveragePooling2D()], name="base")
        model = transfer.transfer_model(base, 5)
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        fit_epochs(model, data.train)
        return model.get_weights()

    # Keras on its own: a new iterator, so a new order and new crops, every epoch.
    by_keras = trained(lambda model, train: model.fit(train, epochs=3, shuffle=False, verbose=0))
    by_transfer = trained(lambda model, train: transfer._fit(model, train, None, 3, (), 0))
    for a, b in zip(by_keras, by_transfer):
        np.testing.assert_array_equal(a, b)
    one_epoch = trained(lambda model, train: model.fit(train, epochs=1, shuffle=False, verbose=0))
    assert any(not np.array_equal(a, b) for a, b in zip(by_keras, one_epoch))  # the comparison can fail


@pytest.mark.tensorflow
def test_flower_pipelines_run_without_the_tf_data_autotuner(data_dir):
    """Its optimisation thread stalled training 15-40 s whenever Keras discarded an iterator."""
    data = flowers.load_flowers(image_size=32, batch_size=4, max_per_class=6, seed=3, source="mirror")
    assert all(getattr(data, split).options().autotune.enabled is False for split in SPLITS)
