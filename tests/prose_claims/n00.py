"""Claims in notebook 00 (Start here)."""

from functools import lru_cache

from tests.prose_claims import computed, name

NOTEBOOK = "00_start_here.ipynb"


def _idx_shapes(key):
    from cnnlab import datasets

    table = datasets.IDX_DATASETS[key]
    return table.train_images.shape, table.test_images.shape


@lru_cache(maxsize=None)
def _fashion_counts():
    import numpy as np
    from cnnlab import datasets

    (_, y_train), (_, y_test) = datasets.load_fashion_mnist()
    return tuple(np.bincount(y_train)), tuple(np.bincount(y_test))


@lru_cache(maxsize=None)
def _mnist_train():
    from cnnlab import datasets

    return datasets.load_mnist()[0][0]


def _projects():
    from cnnlab import course

    return sorted(n for c in course.CHAPTERS if c.title.startswith("Exercise") for n in c.exercises)


def _sample_images():
    from cnnlab import datasets

    return datasets.load_sample_images()


def _uint8_0_to_255():
    from cnnlab import datasets

    for x in (_mnist_train(), datasets.load_fashion_mnist()[0][0]):
        if not (x.dtype.name == "uint8" and x.shape[1:] == (28, 28) and x.min() == 0 and x.max() == 255):
            return False
    return True


CLAIMS = [
    name("00 · Start here", "the notebook's number in the course (its file is 00_start_here.ipynb)"),
    name("01 · The visual cortex", "the next notebook's number in the course"),
    computed("exercises 7 to 10 are projects, each with a notebook of its own",
             lambda: _projects() == [7, 8, 9, 10]),
    computed("MNIST holds 70,000 handwritten digits: 60,000 to train on and 10,000 to test on, each 28×28 pixels",
             lambda: _idx_shapes("mnist") == ((60_000, 28, 28), (10_000, 28, 28))),
    computed("every class has exactly 6,000 training and 1,000 test images",
             lambda: _fashion_counts() == ((6_000,) * 10, (1_000,) * 10)),
    computed("floats between 0 and 1",
             lambda: (lambda x: x.dtype.name == "float32" and x.min() >= 0.0 and x.max() <= 1.0)(_sample_images())),
    computed("each 427 pixels high and 640 wide, with three colour channels",
             lambda: _sample_images().shape == (2, 427, 640, 3)),
    computed("0 is background, 255 is full ink. A network sees nothing but these 784 numbers",
             lambda: (lambda x: x[:, 0, 0].max() == 0 and x.max() == 255 and x[0].size == 784)(_mnist_train())),
    computed("28×28 greyscale images stored as `uint8` numbers from 0 to 255", _uint8_0_to_255),
    computed("height × width × 3", lambda: _sample_images().shape[-1] == 3),
    name("pick the digit 1", "the MNIST class of the digit one: a label, not a quantity"),
]
