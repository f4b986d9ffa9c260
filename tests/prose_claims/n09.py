"""Claims in notebook 09 (Exercise 9: transfer learning on flowers)."""

import inspect
from functools import lru_cache
from pathlib import Path

import numpy as np

from tests.prose_claims import cited, computed, name, printed, notebook_code

NOTEBOOK = "09_transfer_learning_flowers.ipynb"
_ROOT = Path(__file__).resolve().parents[2]




def _mirror() -> Path:
    from cnnlab import config

    return config.data_dir() / "flowers"


@lru_cache(maxsize=None)
def _mirror_files() -> frozenset:
    """``class/file`` of every photo of the offline copy (``source='mirror'``)."""
    from cnnlab import datasets

    return frozenset(f"{c}/{p.name}" for c in datasets.FLOWER_CLASSES for p in (_mirror() / c).glob("*.jpg"))


@lru_cache(maxsize=None)
def _archive_files() -> frozenset:
    """``class/file`` of every photo of the archive: its LICENSE.txt credits each one, a line per photo."""
    lines = (_mirror() / "LICENSE_flower_photos.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.split(" ")[0] for line in lines if line.split(" ")[0].endswith(".jpg"))


def _archive_and_mirror():
    missing = _archive_files() - _mirror_files()
    roses = sum(f.startswith("roses/") for f in missing)
    return (len(_archive_files()), len(_mirror_files()), len(missing), roses,
            _mirror_files() <= _archive_files())


def _mirror_side() -> bool:
    from PIL import Image

    files = sorted(_mirror_files())[::97]  # 36 photos across the classes
    return all(Image.open(_mirror() / f).size == (128, 128) for f in files)


def _archive_mib() -> bool:
    from cnnlab import datasets

    return round(datasets.FLOWERS.size / 2**20) == 218


def _split_default() -> bool:
    from cnnlab import flowers

    default = inspect.signature(flowers.load_flowers).parameters["split"].default
    return default == (0.7, 0.15, 0.15) and "split=" not in notebook_code(NOTEBOOK)


def _crop_area() -> bool:
    from cnnlab import flowers

    source = inspect.getsource(flowers._flower_pipeline)
    return "minval=0.6, maxval=1.0" in source and "tf.sqrt(area)" in source


def _five_classes() -> bool:
    from cnnlab import datasets

    return len(datasets.FLOWER_CLASSES) == 5


def _imagenet_classes() -> bool:
    from cnnlab import pretrained

    return len(pretrained.imagenet_class_names()) == 1000


def _mobilenet_mib() -> bool:
    from cnnlab import pretrained

    return round(pretrained.entries()["pretrained/mobilenet_025_notop"].size / 2**20) == 2


def _head_phase() -> bool:
    from cnnlab import transfer

    return ("head_lr=3e-3" in notebook_code(NOTEBOOK) and "head_epochs=config.cap(2, 1)" in notebook_code(NOTEBOOK)
            and "keras.optimizers.Adam(head_lr)" in inspect.getsource(transfer.train_transfer))


def _label_smoothing() -> bool:
    import keras

    from cnnlab import transfer

    default = inspect.signature(transfer.train_transfer).parameters["label_smoothing"].default
    y = np.eye(5, dtype="float32")[[2]]
    p = np.array([[0.1, 0.2, 0.3, 0.15, 0.25]], "float32")
    targets = y * (1 - 0.1) + 0.1 / 5  # the formula in the prose
    keras_loss = float(keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(y, p))
    ours = float(-(targets * np.log(p)).sum())
    return (default == 0.1 and np.allclose(targets, [[0.02, 0.02, 0.92, 0.02, 0.02]])
            and abs(keras_loss - ours) < 1e-6 and "label_smoothing=" not in notebook_code(NOTEBOOK))


def _fine_tuning() -> bool:
    from cnnlab import transfer

    source = inspect.getsource(transfer.train_transfer)
    return ("fine_tune_epochs=config.cap(16, 1)" in notebook_code(NOTEBOOK) and "fine_tune_lr=7e-4" in notebook_code(NOTEBOOK)
            and "fine_tune_from=0" in notebook_code(NOTEBOOK) and "CosineDecay(fine_tune_lr / 5, steps, warmup_target=fine_tune_lr"
            in source and "warmup_steps=max(steps // 10, 1)" in source)


def _divided_twice_refused() -> bool:
    from cnnlab import evaluation

    try:
        evaluation.check_pixel_values("photos", np.full((1, 4, 4, 3), 0.5) / 255)
    except ValueError as error:
        return "divided by 255 twice" in str(error) and "transfer.classify_photos(" in notebook_code(NOTEBOOK)
    return False


@lru_cache(maxsize=None)
def _inception():
    import keras

    model = keras.applications.InceptionV3(weights=None)
    return tuple(model.input_shape[1:3]), int(model.get_layer("avg_pool").output.shape[-1])


CLAIMS = [
    name("09 · Exercise 9", "the notebook's number in the course and the chapter's exercise it solves"),
    name("[08 · Exercise 8", "the previous notebook's number in the course"),
    name("[10 · Exercise 10", "the next notebook's number in the course"),
    name("Step 1", "the number of a step of the exercise, as the notebook's headings number them"),
    name("Step 2", "the number of a step of the exercise, as the notebook's headings number them"),
    name("Step 3", "the number of a step of the exercise, as the notebook's headings number them"),
    name("Step 4", "the number of a step of the exercise, as the notebook's headings number them"),
    name("steps 3 and 4", "the numbers of the exercise's steps, as the notebook's headings number them"),
    cited("at least 100 images per class",
          "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (2017), chapter 13, "
          "exercise 9a"),
    computed("5-way softmax", _five_classes),
    computed("5-class model", _five_classes),
    printed("2-core CPU", "CPU cores: 2"),
    computed("3,670 photos from Flickr", lambda: _archive_and_mirror()[0] == 3670),
    name("CC BY 2.0", "the licence's name and version (Creative Commons Attribution 2.0)"),
    computed("218 MiB", _archive_mib),
    computed("holds 3,482 of the 3,670 photos", lambda: _archive_and_mirror()[:2] == (3670, 3482)
             and _archive_and_mirror()[4]),
    computed("resized to 128×128", _mirror_side),
    computed("lacks 188 of them (93 of them roses)", lambda: _archive_and_mirror()[2:4] == (188, 93)),
    computed("finds all 3,670", lambda: _archive_and_mirror()[0] == 3670),
    computed("70/15/15", _split_default),
    computed("keeps 40 photos per class", lambda: "max_per_class=config.cap(None, 40)" in notebook_code(NOTEBOOK)),
    printed("well over 100 photos in the training set",
            "train {'daisy': 427, 'dandelion': 622, 'roses': 384, 'sunflowers': 471, 'tulips': 534}"),
    computed("with 60–100% of the centre square's area", _crop_area),
    cited("5 billion against 41 million, as their papers report",
          "Szegedy et al., Rethinking the Inception Architecture for Computer Vision, CVPR 2016 (arXiv 2015), "
          "abstract: 5 billion multiply-adds per inference; Howard et al., MobileNets, arXiv 2017, Table 6: "
          "0.25 MobileNet-224, 41 million mult-adds"),
    computed("2 MiB of weights", _mobilenet_mib),
    computed("1,000-way softmax", _imagenet_classes),
    computed("ImageNet's 1,000 classes", _imagenet_classes),
    computed("fairly high learning rate (Adam, 0.003)", _head_phase),
    computed("Label smoothing (0.1, `train_transfer`'s default) keeps the small data set from making the model "
             "overconfident: the targets 1 and 0 become 0.92 and 0.02, because Keras mixes each one-hot target "
             "with the uniform distribution over the 5 classes, y·(1 − 0.1) + 0.1/5.", _label_smoothing),
    computed("for 16 epochs, with a learning rate that warms up from a fifth of 0.0007 to 0.0007", _fine_tuning),
    computed("look divided by 255 twice", _divided_twice_refused),
    computed("by 255 a second time", _divided_twice_refused),
    computed("299×299 inputs, 2,048 features", lambda: _inception() == ((299, 299), 2048)),
    cited("on 299×299 crops", "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition "
          "(2017), chapter 13, exercise 9b (resize and crop the images to 299 × 299)"),
    computed("the offline photos are 128 px", _mirror_side),
    printed("about 78% on five flower classes", "fine-tuned: 78.7% test accuracy"),
    printed("about 67% with its base frozen", "frozen base + new softmax: 66.8% test accuracy"),
]
