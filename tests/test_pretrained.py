"""cnnlab.pretrained: ImageNet classifiers, their preprocessing (cnnlab/preprocessing.py), label mapping and
where weights come from (the registry, cnnlab/_model_files.py).

Runs offline against the data mirror (CNNLAB_DATA_DIR): the small TFLite
MobileNets classify real photos, Inception v3 is built with random weights,
and every test that looks for files gets its own empty Keras home and cache.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow

from cnnlab import pretrained  # noqa: E402
from cnnlab import preprocessing  # noqa: E402
from cnnlab.datasets import DataUnavailableError, load_image  # noqa: E402
from cnnlab.pretrained import ChecksumError, WeightsUnavailableError  # noqa: E402

V2_TFLITE = "mobilenet_v2_1.0_224_quant.tflite"
V1_TFLITE = "mobilenet_v1_0.25_128_quant.tflite"


@pytest.fixture(scope="module")
def mobilenet(data_dir):
    return pretrained.load_classifier("mobilenet_v2_quant")


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """An empty offline mirror, Keras home and cnnlab cache, all in tmp_path; downloads off."""
    data = tmp_path / "data"
    (data / "pretrained").mkdir(parents=True)
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(data))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    return data / "pretrained"


def _copy(data_dir, name, folder, truncate=None):
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    content = (data_dir / "pretrained" / name).read_bytes()
    target.write_bytes(content if truncate is None else content[:truncate])
    return target


# ----------------------------------------------------------------------------- real photos


@pytest.mark.parametrize("photo, expected", [
    ("cat.bmp", {"Egyptian cat", "tabby"}),
    ("parrot.jpg", {"macaw"}),
    ("grace_hopper.bmp", {"military uniform"}),
])
def test_tflite_mobilenet_v2_classifies_the_mirror_photos(mobilenet, data_dir, photo, expected):
    image = load_image(data_dir / "images" / photo)
    [top5] = mobilenet.classify(image)
    assert top5[0][0] in expected, top5
    probabilities = [p for _, p in top5]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1.0 + 1e-6


def test_classify_accepts_one_image_a_batch_and_a_list_of_sizes(mobilenet, data_dir):
    parrot = load_image(data_dir / "images" / "parrot.jpg")
    uint8 = np.rint(parrot * 255).astype(np.uint8)
    rgba = np.concatenate([uint8, np.full(uint8.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    results = pretrained.classify([parrot, uint8[40:, 10:], rgba], top=3, model=mobilenet)
    assert len(results) == 3 and all(len(r) == 3 and r[0][0] == "macaw" for r in results)
    batch = np.stack([parrot, parrot])
    assert mobilenet.predict(batch).shape == (2, 1000)
    grey = parrot.mean(axis=-1)
    assert mobilenet.predict(grey).shape == (1, 1000)


def test_the_small_tflite_mobilenet_v1_runs_at_128_pixels(data_dir):
    clf = pretrained.load_classifier("mobilenet_v1_025_quant")
    assert clf.input_size == 128 and clf.preprocess(np.zeros((5, 7, 3))).shape == (1, 128, 128, 3)
    [top] = clf.classify(load_image(data_dir / "images" / "parrot.jpg"), top=5)
    assert "macaw" in [name for name, _ in top]


# ----------------------------------------------------------------------------- preprocessing


def test_inception_preprocessing_of_a_small_rgba_gradient_matches_keras():
    import tensorflow as tf
    from keras.applications import inception_v3

    rows, cols = np.mgrid[0:3, 0:5]
    rgba = np.stack([rows * 100, cols * 60, 255 - cols * 50, np.full((3, 5), 7)], axis=-1).astype(np.uint8)
    got = preprocessing.preprocess(rgba, 299, "inception")[0]

    square = rgba[:, 1:4, :3].astype(np.float32)  # the centred 3x3, alpha dropped
    resized = tf.image.resize(square[None], (299, 299), method="bilinear").numpy()[0]
    expected = inception_v3.preprocess_input(resized)
    assert got.shape == (299, 299, 3) and got.dtype == np.float32
    assert float(got.min()) >= -1.0 and float(got.max()) <= 1.0
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_inception_preprocessing_is_exact_when_no_resize_is_needed():
    from keras.applications import inception_v3

    image = np.random.default_rng(0).random((299, 400, 3), dtype=np.float32)
    got = preprocessing.preprocess(image, 299, "inception")[0]
    expected = inception_v3.preprocess_input(image[:, 50:349] * np.float32(255.0))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    constant = preprocessing.preprocess(np.full((3, 5, 4), 51, np.uint8), 299)[0]
    np.testing.assert_array_equal(constant, np.full((299, 299, 3), 51 / 127.5 - 1, np.float32))


def test_caffe_preprocessing_matches_keras_resnet50():
    from keras.applications import resnet50

    image = np.random.default_rng(1).integers(0, 256, (300, 224, 3), dtype=np.uint8)
    got = preprocessing.preprocess(image, 224, "caffe")[0]
    expected = resnet50.preprocess_input(image[38:262].astype(np.float32))
    np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.mark.parametrize("photo", ["cat.bmp", "parrot.jpg", "grace_hopper.bmp", "owl.jpg"])
@pytest.mark.parametrize("mode, keras_mode, scale", [("caffe", "caffe", preprocessing.scale_caffe),
                                                     ("inception", "tf", preprocessing.scale_inception)])
def test_the_numpy_scalings_equal_keras_preprocess_input_on_real_photos(data_dir, photo, mode, keras_mode, scale):
    """Keras keeps the ImageNet mean inside preprocess_input (no constant to import): this pins our copy to it."""
    from keras.applications import imagenet_utils

    image = load_image(data_dir / "images" / photo)
    pixels = preprocessing.center_crop_resize(preprocessing.as_pixels(image), 224)
    expected = imagenet_utils.preprocess_input(pixels.copy(), mode=keras_mode)  # Keras scales in place
    assert expected.dtype == np.float32 and float(np.ptp(pixels)) > 200  # a real photo, not a flat square
    np.testing.assert_array_equal(scale(pixels), expected)
    np.testing.assert_array_equal(preprocessing.preprocess(image, 224, mode)[0], expected)


def test_preprocessing_steps():
    assert preprocessing.gray_to_rgb(np.zeros((4, 6, 1))).shape == (4, 6, 3)
    assert preprocessing.drop_alpha(np.zeros((4, 6, 4))).shape == (4, 6, 3)
    assert preprocessing.center_crop_resize(np.zeros((10, 30, 3)), 5).shape == (5, 5, 3)
    np.testing.assert_allclose(preprocessing.scale_inception([0.0, 255.0]), [-1.0, 1.0])
    np.testing.assert_allclose(preprocessing.scale_caffe([[0.0, 0.0, 0.0]]), [[-103.939, -116.779, -123.68]], rtol=1e-6)


# ----------------------------------------------------------------------------- 1,000 vs 1,001 classes


def test_tflite_labels_agree_with_keras_class_index(data_dir):
    index = json.loads((data_dir / "pretrained" / "imagenet_class_index.json").read_text())
    keras_names = [index[str(i)][1].replace("_", " ") for i in range(1000)]
    lines = (data_dir / "pretrained" / "imagenet_labels_1001.txt").read_text().splitlines()
    assert len(lines) == 1001 and lines[0] == "background"
    tflite_names = [line.split(",")[0].strip() for line in lines[1:]]
    assert tflite_names == keras_names  # all 1,000 agree, case included
    assert pretrained.imagenet_class_names() == tuple(keras_names)
    assert {"tabby", "Egyptian cat", "macaw", "military uniform"} <= set(keras_names)


def test_tflite_output_index_k_is_class_k_minus_1(mobilenet, data_dir):
    parrot = load_image(data_dir / "images" / "parrot.jpg")
    interpreter = mobilenet.model
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], mobilenet.preprocess(parrot))
    interpreter.invoke()
    raw = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    k = int(np.argmax(raw))
    assert raw.shape == (1001,) and k == 89
    assert mobilenet.class_names[k - 1] == "macaw" == mobilenet.classify(parrot, top=1)[0][0][0]
    assert int(np.argmax(mobilenet.predict(parrot)[0])) == k - 1


def _save_fake_model(path, outputs, k):
    """A tiny Keras model whose softmax output peaks at index k whatever the image."""
    import keras

    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(outputs, activation="softmax", kernel_initializer="zeros"),
    ])
    bias = np.zeros(outputs, np.float32)
    bias[k] = 10.0
    model.layers[-1].set_weights([np.zeros((3, outputs), np.float32), bias])
    with warnings.catch_warnings():  # Keras 3.15's own numpy-2 copy= warning while saving
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    return path


@pytest.mark.parametrize("outputs, k, expected_index", [(1001, 90, 89), (1000, 90, 90), (1001, 1, 0)])
def test_user_keras_model_with_1000_or_1001_outputs_maps_labels(data_dir, tmp_path, outputs, k, expected_index):
    path = _save_fake_model(tmp_path / f"fake_{outputs}.keras", outputs, k)
    clf = pretrained.load_classifier(path)
    names = pretrained.imagenet_class_names()
    assert clf.input_size == 16 and clf.class_names == names and clf.source.startswith("your file")
    probabilities = clf.predict(np.zeros((20, 30, 3), np.uint8))
    assert probabilities.shape == (1, 1000) and np.isclose(probabilities.sum(), 1.0)
    assert clf.classify(np.zeros((20, 30, 3), np.uint8), top=1)[0][0][0] == names[expected_index]


def test_user_keras_model_with_its_own_labels(tmp_path):
    path = _save_fake_model(tmp_path / "three.keras", 3, 2)
    clf = pretrained.load_classifier(path, labels=["cat", "dog", "owl"])
    assert clf.classify(np.ones((16, 16, 3)), top=2)[0][0][0] == "owl"
    with pytest.raises(ValueError, match="3 outputs.*labels="):
        pretrained.load_classifier(path)
    with pytest.raises(ValueError, match="labels has 2 names but three.keras has 3 outputs"):
        pretrained.load_classifier(path, labels=["cat", "dog"])


def test_user_tflite_file_with_labels_file(data_dir):
    clf = pretrained.load_classifier(data_dir / "pretrained" / V2_TFLITE,
                                     labels=data_dir / "pretrained" / "imagenet_labels_1001.txt")
    assert len(clf.class_names) == 1000 and clf.class_names[0] == "tench, Tinca tinca"
    [top] = clf.classify(load_image(data_dir / "images" / "parrot.jpg"), top=1)
    assert top[0][0] == "macaw"


# ----------------------------------------------------------------------------- Inception v3, random weights


@pytest.mark.slow
def test_inception_v3_architecture_runs_end_to_end_with_random_weights(data_dir):
    clf = pretrained.load_classifier("inception_v3", weights=None)
    assert clf.input_size == 299 and clf.model.input_shape == (None, 299, 299, 3)
    assert clf.model.output_shape == (None, 1000) and "random weights" in clf.source
    cat = load_image(data_dir / "images" / "cat.bmp")
    batch = clf.preprocess(cat)
    assert batch.shape == (1, 299, 299, 3) and -1.0 <= batch.min() and batch.max() <= 1.0
    [top5] = clf.classify(cat, top=5)
    assert len(top5) == 5 and all(name in clf.class_names for name, _ in top5)
    assert [p for _, p in top5] == sorted((p for _, p in top5), reverse=True)


# ----------------------------------------------------------------------------- where weights come from


def test_truncated_weights_are_rejected_by_checksum(data_dir, isolated):
    target = _copy(data_dir, V2_TFLITE, isolated, truncate=100_000)
    with pytest.raises(ChecksumError, match=f"{V2_TFLITE} fails its checksum: SHA-256"):
        pretrained.verify_file(target, pretrained.FILES["mobilenet_v2_quant_tflite"])
    with pytest.warns(UserWarning, match=f"ignoring the copy of {V2_TFLITE} in the offline data folder: .*fails its checksum"):
        with pytest.raises(WeightsUnavailableError, match="fails its checksum") as error:
            pretrained.load_classifier("mobilenet_v2_quant")
    assert "truncated or corrupted" in str(error.value)


def test_auto_skips_a_truncated_model_and_takes_the_next(data_dir, isolated, capsys):
    _copy(data_dir, V2_TFLITE, isolated, truncate=1000)
    _copy(data_dir, V1_TFLITE, isolated)
    _copy(data_dir, "imagenet_class_index.json", isolated)
    with pytest.warns(UserWarning, match="fails its checksum"):
        clf = pretrained.load_classifier("auto")
    assert clf.name == "mobilenet_v1_025_quant"
    assert "mobilenet_v1_025_quant" in capsys.readouterr().out


def test_auto_offline_picks_tflite_mobilenet_v2_and_says_why(data_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    clf = pretrained.load_classifier("auto")
    lines = capsys.readouterr().out.strip().splitlines()
    assert clf.name == "mobilenet_v2_quant" and len(lines) == 1
    assert "mobilenet_v2_quant" in lines[0] and "the offline data folder" in lines[0] and "downloads are off here (CNNLAB_OFFLINE=1)" in lines[0]
    assert "the default, inception_v3 (Inception v3, Keras), is not on this machine" in lines[0]
    assert clf.source.startswith("MobileNet v2, 8-bit TFLite, ImageNet weights from the offline data folder")


def test_missing_default_model_offline_raises_one_clear_error(isolated):
    with pytest.raises(WeightsUnavailableError) as error:
        pretrained.load_classifier("inception_v3")
    message = str(error.value)
    assert isinstance(error.value, DataUnavailableError)
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels.h5 is not available" in message
    assert "the offline data folder (pretrained/inception_v3_weights_tf_dim_ordering_tf_kernels.h5): not there" in message
    assert "downloads are off (CNNLAB_OFFLINE=1)" in message
    assert "CNNLAB_DATA_DIR" in message and "online" in message and "load_classifier('auto')" in message
    assert str(isolated) not in message, "no path of this machine in the message"
    with pytest.raises(WeightsUnavailableError, match=r"A model for load_classifier\('auto'\) \(inception_v3, or any of xception, .*\) is not available"):
        pretrained.load_classifier("auto")


def test_weights_in_the_keras_cache_are_found(data_dir, isolated, tmp_path):
    _copy(data_dir, "imagenet_class_index.json", isolated)
    _copy(data_dir, V1_TFLITE, tmp_path / "keras" / "models")
    assert pretrained.keras_cache_dir() == tmp_path / "keras" / "models"
    clf = pretrained.load_classifier("mobilenet_v1_025_quant")
    assert "the Keras cache" in clf.source and str(tmp_path) not in clf.source


def test_download_is_verified_and_cached(data_dir, isolated, tmp_path, monkeypatch, local_server, online):
    good = (data_dir / "pretrained" / V1_TFLITE).read_bytes()
    routes = {"/good.tflite": (200, good, {}), "/bad.tflite": (200, good[:5000], {})}
    file = pretrained.FILES["mobilenet_v1_025_quant_tflite"]
    with local_server(routes) as (_, base):
        monkeypatch.setitem(pretrained.FILES, "mobilenet_v1_025_quant_tflite",
                            dataclasses.replace(file, url=f"{base}/bad.tflite"))
        with pytest.raises(WeightsUnavailableError, match="wrong content .*fails its checksum"):
            pretrained.locate("mobilenet_v1_025_quant_tflite")
        monkeypatch.setitem(pretrained.FILES, "mobilenet_v1_025_quant_tflite",
                            dataclasses.replace(file, url=f"{base}/good.tflite"))
        path, source = pretrained.locate("mobilenet_v1_025_quant_tflite")
    assert path == tmp_path / "cache" / "pretrained" / V1_TFLITE and path.read_bytes() == good
    assert source == "downloaded from 127.0.0.1"
    assert pretrained.locate("mobilenet_v1_025_quant_tflite")[1] == "the cache"


# ----------------------------------------------------------------------------- feature extractor


def test_feature_extractor_auto_uses_the_mirror_mobilenet(data_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    extractor = pretrained.feature_extractor("auto")
    assert extractor.name == "mobilenet_025" and "mobilenet_025" in capsys.readouterr().out
    assert extractor.input_size == 224 and not extractor.model.trainable
    images = [np.zeros((100, 150, 3), np.uint8), np.ones((224, 224, 3), np.float32)]
    batch = extractor.preprocess(images)
    assert batch.shape == (2, 224, 224, 3) and batch.min() == -1.0 and batch.max() == 1.0
    features = extractor(images)
    assert features.shape == (2, 256) and np.isfinite(features).all()
    assert "the offline data folder" in extractor.source


# ----------------------------------------------------------------------------- bad arguments


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="name must be one of 'auto', 'inception_v3', .*'mobilenet_v1_025_quant', "
                                         "or a path to a .keras, .h5 or .tflite file, received name='vgg16'"):
        pretrained.load_classifier("vgg16")
    with pytest.raises(ValueError, match="name must be one of 'auto', 'inception_v3'.*received name='vgg'"):
        pretrained.feature_extractor("vgg")


def test_bad_arguments_name_the_argument(mobilenet, tmp_path):
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="top must be a positive integer, received top=0"):
        mobilenet.classify(image, top=0)
    with pytest.raises(ValueError, match="top=1001 is more than the 1000 classes"):
        pretrained.classify(image, top=1001, model=mobilenet)
    with pytest.raises(ValueError, match="weights must be 'imagenet' or None"):
        pretrained.load_classifier("resnet50", weights="random")
    with pytest.raises(ValueError, match="labels is only for your own model file"):
        pretrained.load_classifier("mobilenet_v2_quant", labels=["a"])
    with pytest.raises(ValueError, match="weights=None is for Keras architectures"):
        pretrained.load_classifier("mobilenet_v2_quant", weights=None)
    with pytest.raises(ValueError, match=r"floats from 0 to 255.*divide 0-255 values by 255"):
        mobilenet.predict(np.linspace(0.0, 255.0, 192).reshape(8, 8, 3))
    with pytest.raises(ValueError, match=r"images\[1\] must be an image of shape"):
        mobilenet.predict([image, np.zeros((8, 8, 2))])
    with pytest.raises(FileNotFoundError, match="no such model file"):
        pretrained.load_classifier(tmp_path / "missing.keras")


def test_registry_names_every_file_once_with_a_checksum_where_one_is_published():
    names = [f.filename for f in pretrained.FILES.values()]
    assert len(names) == len(set(names))
    unverified = {k for k, f in pretrained.FILES.items() if not (f.md5 or f.sha256)}
    assert unverified == {"mobilenet_v2", "mobilenet_v2_notop"}  # Keras publishes no checksum for these
    for spec in (*pretrained.CLASSIFIERS.values(), *pretrained.FEATURE_EXTRACTORS.values()):
        assert spec.weights in pretrained.FILES


@pytest.mark.parametrize("image, message", [
    (np.full((4, 4, 3), 0.5) / 255, r"photo holds values from 0.00196 to 0.00196: .*divided by 255 twice"),
    ((np.random.default_rng(0).random((4, 4, 3)) > 0.5).astype(np.uint8), r"cast to uint8 holds only 0s and 1s"),
])
def test_as_pixels_refuses_a_photo_the_network_would_see_as_a_black_square(image, message):
    """A photo divided by 255 twice (or a [0, 1] photo cast to uint8) is refused, not classified as a black square."""
    with pytest.raises(ValueError, match=message):
        preprocessing.as_pixels(image, "photo")
    assert preprocessing.as_pixels(np.zeros((4, 4, 3)), "photo").max() == 0  # an all-black photo is still a photo
    assert preprocessing.as_pixels(np.full((4, 4, 3), 0.5), "photo").max() == 127.5
