"""cnnlab.datasets: IDX parsing, the offline folder / cache / download order, checksums, the real MNIST
files, and the sample photos.

Its other tests: tests/test_flowers.py (find_flowers), tests/test_images.py (load_image, which lives in
cnnlab.images and is re-exported here), tests/reliability/test_store_limits.py (gzip bombs),
test_filesystem.py, test_download_faults.py and test_concurrency.py (the IDX files through the store), and
the bad-input table (tests/reliability/test_bad_input.py).
"""

from __future__ import annotations

import gzip
import hashlib
import warnings

import numpy as np
import pytest

from cnnlab import datasets, images
from cnnlab._download import ChecksumError
from cnnlab.datasets import IdxDataset, IdxFile, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    codes = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}
    code = codes[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


# ----------------------------------------------------------------------------- read_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_round_trips_every_type(dtype):
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    parsed = read_idx(idx_bytes(array))
    assert parsed.dtype == np.dtype(dtype) and parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, array)


def test_read_idx_labels_vector():
    np.testing.assert_array_equal(read_idx(idx_bytes(np.array([7, 2, 1], np.uint8))), [7, 2, 1])


@pytest.mark.parametrize("data, message", [
    (b"\x1f\x8b\x08\x00", "does not start with an IDX magic number"),
    (b"", "does not start with an IDX magic number"),
    (bytes([0, 0, 0x42, 1]) + (3).to_bytes(4, "big"), "type code 0x42 is unknown"),
    (bytes([0, 0, 0x08, 3]) + (3).to_bytes(4, "big"), "announces 3 dimensions"),
])
def test_read_idx_rejects_bad_headers(data, message):
    with pytest.raises(ValueError, match=message):
        read_idx(data)


def test_read_idx_detects_truncated_and_overlong_data():
    good = idx_bytes(np.zeros((4, 5, 5), np.uint8))
    with pytest.raises(ValueError, match=r"should be 116 bytes long but is 115 bytes; the file is truncated"):
        read_idx(good[:-1])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        read_idx(good + b"\x00")


# ----------------------------------------------------------------------------- sources and checksums

IMAGES = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
LABELS = np.array([1, 0, 1], np.uint8)


def tiny_dataset(urls=("https://example.invalid/tiny/",)) -> IdxDataset:
    def entry(name, array):
        content = idx_bytes(array)
        return IdxFile(name, hashlib.sha256(content).hexdigest(), len(content), array.shape)

    return IdxDataset("Tiny", "tiny", tuple(urls), entry("train-images-idx3-ubyte", IMAGES),
                      entry("train-labels-idx1-ubyte", LABELS), entry("t10k-images-idx3-ubyte", IMAGES[:2]),
                      entry("t10k-labels-idx1-ubyte", LABELS[:2]))


def write_files(folder, dataset, corrupt=None, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": IMAGES, "train-labels-idx1-ubyte": LABELS,
              "t10k-images-idx3-ubyte": IMAGES[:2], "t10k-labels-idx1-ubyte": LABELS[:2]}
    for file in dataset.files:
        content = idx_bytes(arrays[file.name])
        if corrupt is not None and file.name in corrupt:
            content = corrupt[file.name](content)
        if gz:
            (folder / f"{file.name}.gz").write_bytes(gzip.compress(content))
        else:
            (folder / file.name).write_bytes(content)


@pytest.fixture
def tiny(monkeypatch, empty_env):
    dataset = tiny_dataset()
    monkeypatch.setitem(datasets.IDX_DATASETS, "tiny", dataset)
    return dataset


def test_loads_from_the_offline_folder(tiny, monkeypatch, tmp_path):
    write_files(tmp_path / "mirror" / "tiny", tiny)
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "mirror"))
    (x, y), (xt, yt) = datasets._load_idx_dataset("tiny")
    np.testing.assert_array_equal(x, IMAGES)
    np.testing.assert_array_equal(yt, LABELS[:2])
    assert not (tmp_path / "cache").exists(), "a file found offline must not be copied into the cache"


def test_offline_folder_may_hold_uncompressed_files(tiny, monkeypatch, tmp_path):
    write_files(tmp_path / "mirror" / "tiny", tiny, gz=False)
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "mirror"))
    (x, _), _ = datasets._load_idx_dataset("tiny")
    np.testing.assert_array_equal(x, IMAGES)


def test_loads_from_the_cache_when_there_is_no_offline_folder(tiny, tmp_path):
    write_files(tmp_path / "cache" / "tiny", tiny)
    (_, y), _ = datasets._load_idx_dataset("tiny")
    np.testing.assert_array_equal(y, LABELS)


def test_missing_file_offline_names_the_data_dir_variable(tiny):
    with pytest.raises(datasets.DataUnavailableError) as raised:
        datasets._load_idx_dataset("tiny")
    message = str(raised.value)
    assert "CNNLAB_DATA_DIR is not set" in message
    assert "set CNNLAB_DATA_DIR to a folder that holds tiny/train-images-idx3-ubyte.gz" in message
    assert "downloads are off (CNNLAB_OFFLINE=1)" in message
    assert "set CNNLAB_MIRROR_URL to a classroom mirror" in message
    assert "python -m cnnlab fetch tiny" in message


def test_missing_file_in_a_given_offline_folder_is_named(tiny, monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(datasets.DataUnavailableError, match=r"the offline data folder \(tiny/train-images-idx3-ubyte.gz\): not there"):
        datasets._load_idx_dataset("tiny")


def test_checksum_mismatch_in_the_offline_folder_is_not_loaded(tiny, monkeypatch, tmp_path):
    flip = {"train-labels-idx1-ubyte": lambda b: b[:-1] + bytes([b[-1] ^ 1])}
    write_files(tmp_path / "mirror" / "tiny", tiny, corrupt=flip)
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "mirror"))
    with pytest.warns(UserWarning, match="ignoring the copy of Tiny training labels in the offline data folder: .*SHA-256"):
        with pytest.raises(datasets.DataUnavailableError, match=r"\(tiny/train-labels-idx1-ubyte.gz\): corrupted"):
            datasets._load_idx_dataset("tiny")


def test_corrupted_offline_copy_falls_back_to_a_good_cached_copy(tiny, monkeypatch, tmp_path):
    flip = {"train-images-idx3-ubyte": lambda b: b[:-1] + b"\xff"}
    write_files(tmp_path / "mirror" / "tiny", tiny, corrupt=flip)
    write_files(tmp_path / "cache" / "tiny", tiny)
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "mirror"))
    with pytest.warns(UserWarning, match="ignoring the copy of .* in the offline data folder"):
        (x, _), _ = datasets._load_idx_dataset("tiny")
    np.testing.assert_array_equal(x, IMAGES)


@pytest.mark.parametrize("damage", ["truncated gzip", "truncated content", "wrong bytes"])
def test_corrupted_cached_file_is_detected_and_removed(tiny, tmp_path, damage):
    write_files(tmp_path / "cache" / "tiny", tiny)
    cached = tmp_path / "cache" / "tiny" / "train-images-idx3-ubyte.gz"
    if damage == "truncated gzip":
        cached.write_bytes(cached.read_bytes()[:-10])
    elif damage == "truncated content":
        cached.write_bytes(gzip.compress(idx_bytes(IMAGES)[:-4]))
    else:
        cached.write_bytes(gzip.compress(idx_bytes(IMAGES[::-1])))
    with pytest.warns(UserWarning, match="cached copy of Tiny training images is corrupted and is fetched again"):
        with pytest.raises(datasets.DataUnavailableError, match=r"corrupted \(.*\); removed"):
            datasets._load_idx_dataset("tiny")
    assert not cached.exists()


def test_corrupted_cached_file_is_replaced_by_a_verified_download(monkeypatch, empty_env, online, local_server):
    routes = {}
    with local_server(routes) as (server, base):
        dataset = tiny_dataset(urls=(base + "/tiny/",))
        monkeypatch.setitem(datasets.IDX_DATASETS, "tiny", dataset)
        write_files(empty_env / "cache" / "tiny", dataset)
        cached = empty_env / "cache" / "tiny" / "train-images-idx3-ubyte.gz"
        cached.write_bytes(cached.read_bytes()[:20])
        routes["/tiny/train-images-idx3-ubyte.gz"] = (200, gzip.compress(idx_bytes(IMAGES)), {})
        with pytest.warns(UserWarning, match="is corrupted and is fetched again"):
            (x, _), _ = datasets._load_idx_dataset("tiny")
    np.testing.assert_array_equal(x, IMAGES)
    assert server.hits == ["/tiny/train-images-idx3-ubyte.gz"]
    from cnnlab import _store

    assert _store.verify(cached, datasets._idx_entry("tiny", dataset, dataset.train_images)) == cached


def test_download_of_wrong_content_leaves_nothing_in_the_cache(monkeypatch, empty_env, online, local_server):
    routes = {}
    with local_server(routes) as (_, base):
        dataset = tiny_dataset(urls=(base + "/tiny/",))
        monkeypatch.setitem(datasets.IDX_DATASETS, "tiny", dataset)
        routes["/tiny/train-images-idx3-ubyte.gz"] = (200, gzip.compress(b"not the right bytes"), {})
        with pytest.raises(datasets.DataUnavailableError, match="wrong content"):
            datasets._load_idx_dataset("tiny")
    folder = empty_env / "cache" / "tiny"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_fetch_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"name must be one of 'mnist', 'fashion_mnist'.*received name='cifar10'"):
        datasets.fetch("cifar10")


def test_checksum_error_is_a_value_error():
    assert issubclass(ChecksumError, ValueError)
    assert issubclass(datasets.DataUnavailableError, FileNotFoundError)


# ----------------------------------------------------------------------------- the real data sets

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# Published MD5s of the uncompressed MNIST files (train images, train labels, test images, test labels).
MNIST_MD5 = ["6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
             "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637"]


@pytest.fixture(scope="module")
def mnist():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a corrupted mirror would warn
        return datasets.load_mnist()


def test_mnist_shapes_types_and_class_counts(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert x_train.max() == 255 and x_train.min() == 0


def test_mnist_content_is_byte_identical_to_the_published_files(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    digests = [hashlib.md5(idx_bytes(a)).hexdigest() for a in (x_train, y_train, x_test, y_test)]
    assert digests == MNIST_MD5


def test_fashion_mnist_has_6000_and_1000_per_class():
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(datasets.FASHION_MNIST_CLASSES) == 10 and datasets.FASHION_MNIST_CLASSES[9] == "Ankle boot"


# ----------------------------------------------------------------------------- photos


def test_sample_images_match_scikit_learn():
    from sklearn.datasets import load_sample_image

    photos = datasets.load_sample_images()
    assert photos.shape == (2, 427, 640, 3) and photos.dtype == np.float32
    np.testing.assert_allclose(photos[0], load_sample_image("china.jpg") / 255.0, atol=1e-6)
    np.testing.assert_allclose(photos[1], load_sample_image("flower.jpg") / 255.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"name must be one of 'temple', 'flower', received name='china'"):
        datasets.load_sample_image("china")


def test_load_image_is_the_one_of_cnnlab_images_through_the_course_door():
    """The notebooks call datasets.load_image: it stays public here, the very function of cnnlab.images."""
    assert datasets.load_image is images.load_image and "load_image" in datasets.__all__
