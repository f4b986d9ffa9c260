"""Claims in notebook 07 (Exercise 7: the best CNN on MNIST)."""

import inspect
import math
from pathlib import Path

import numpy as np

from tests.prose_claims import cited, computed, name, printed, notebook_code, printed_number

NOTEBOOK = "07_mnist_cnn.ipynb"


def _baseline() -> float:
    """The baseline's test accuracy as the committed run printed it (it varies by a few tenths between runs)."""
    return printed_number(NOTEBOOK, r"baseline test accuracy: (\d+\.\d+)%")
_ROOT = Path(__file__).resolve().parents[2]

#: The best published results the prose cites (Byerly, Kalganova and Dear): error rates, ensemble and single model.
_BYERLY = "Byerly, Kalganova & Dear, No Routing Needed Between Capsules, arXiv:2001.09136 (2020), abstract: " \
          "99.87 % accuracy for an ensemble and 99.83 % for a single model (published in Neurocomputing, 2021)"




def _mnist_sizes() -> bool:
    from cnnlab import datasets

    table = datasets.IDX_DATASETS["mnist"]
    return table.train_images.shape[0] == 60_000 and table.test_images.shape[0] == 10_000


def _validation() -> bool:
    from cnnlab import datasets

    return (datasets.IDX_DATASETS["mnist"].train_images.shape[0] - 55_000 == 5_000
            and "x_train[55_000:55_000 + config.cap(5_000, 500)]" in notebook_code(NOTEBOOK))


def _baseline_layers() -> bool:
    from cnnlab import models

    rows = [r for r in models.layer_table(models.typical_cnn(filters=(16, 32, 64), dense_units=(64,))).rows
            if r["class"] == "Conv2D"]
    default = inspect.signature(models.typical_cnn).parameters["filters"].default
    return ([r["kernel"] for r in rows[:3]] == [(7, 7), (3, 3), (3, 3)] and [r["maps"] for r in rows[:3]] == [16, 32, 32]
            and "filters=(16, 32, 64)" in notebook_code(NOTEBOOK) and all(d > n for d, n in zip(default, (16, 32, 64))))


def _reference_epochs() -> bool:
    from cnnlab import checks, training

    epochs = inspect.signature(training.train_reference).parameters["epochs"].default
    return epochs == 12 and checks.REFERENCE_ACCURACY[7] == 0.9955


def _augmentation() -> bool:
    from cnnlab import training

    layer = training.digits_augmentation()
    return (layer.shift, layer.rotation, layer.zoom) == (2.0, 10.0, 0.1)


def _parameters() -> bool:
    from cnnlab import models

    reference, typical = models.mnist_cnn().count_params(), models.typical_cnn().count_params()
    return round(reference, -4) == 60_000 and round(typical / reference) == 24


def _schedule() -> bool:
    from cnnlab import training

    parameters = inspect.signature(training.train_reference).parameters
    batches = math.ceil(55_000 / parameters["batch_size"].default)
    return batches == 430 and parameters["epochs"].default == 12 and "total_steps=12 * 430" in notebook_code(NOTEBOOK)


def _first_layer() -> bool:
    from cnnlab import models

    layer = models.mnist_cnn().get_layer("block1_conv")
    return layer.filters == 32 and tuple(layer.kernel_size) == (3, 3)


def _mnist_preprocessing() -> bool:
    """A tall stroke drawn off-centre comes out fitted into 20×20, centred by mass in 28×28."""
    from cnnlab import digits

    canvas = np.zeros((200, 200))
    canvas[20:180, 30:70] = 1.0
    canvas[20:60, 30:150] = 1.0  # a "7"-like shape, heavier on the left
    image = digits.to_mnist(canvas).astype(float)
    rows, cols = np.nonzero(image > 0)
    extent = max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    total = image.sum()
    centre = ((image.sum(axis=1) * np.arange(28)).sum() / total, (image.sum(axis=0) * np.arange(28)).sum() / total)
    return image.shape == (28, 28) and 19 <= extent <= 21 and all(abs(c - 13.5) <= 1.0 for c in centre)


def _best_in_digits() -> bool:
    from cnnlab import datasets

    test = datasets.IDX_DATASETS["mnist"].test_images.shape[0]
    return (round(0.0013 * test), round(0.0017 * test)) == (13, 17) and '"ensemble": 0.0013' in notebook_code(NOTEBOOK)


CLAIMS = [
    name("07 · Exercise 7", "the notebook's number in the course and the chapter's exercise it solves"),
    name("[06 · CNN architectures", "the previous notebook's number in the course"),
    name("[08 · Exercise 8", "the next notebook's number in the course"),
    name("Step 1", "the number of a step of the notebook, as its headings number them"),
    name("Step 2", "the number of a step of the notebook, as its headings number them"),
    printed("about 99.5%", "reference test accuracy: 99.55%"),
    printed("2-core CPU", "CPU cores: 2"),
    computed("MNIST has 60,000 training and 10,000 test images", _mnist_sizes),
    computed("The last 5,000 training images become a validation set", _validation),
    computed("a 7×7 convolution, pooling, two 3×3 convolutions, pooling, ..., dense layers with dropout), narrowed "
             "to 16, 32 and 64 filters", _baseline_layers),
    computed("`benchmarks/mnist.py`, 12 epochs", _reference_epochs),
    computed("About 99% is where a plain CNN lands", lambda: 98.0 <= _baseline() <= 99.5),
    computed("shifted by up to 2 pixels, rotated by up to 10° and zoomed by up to 10%", _augmentation),
    computed("It has about 60,000 parameters, 24 times fewer than the full typical CNN", _parameters),
    computed("a run of 12 epochs of 430 batches", _schedule),
    computed("Now train it: 12 epochs in normal mode", lambda: "epochs=config.cap(12, 1)" in notebook_code(NOTEBOOK)),
    computed("32 learned kernels (3×3 each)", _first_layer),
    computed("fitted into a 20×20 box and its centre of mass is put at the centre of the 28×28 image",
             _mnist_preprocessing),
    computed("preprocessing (20×20 box", _mnist_preprocessing),
    cited("reaches about 99% (its own description)",
          "Keras code examples, Simple MNIST convnet (F. Chollet, created 2015, last modified 2020), its "
          "description: a simple convnet that achieves ~99 % test accuracy on MNIST"),
    cited("a committee of 35 convolutional networks with elastic distortions as the best result: 0.23% error "
          "(Cireşan, Meier and Schmidhuber, CVPR 2012)",
          "Cireşan, Meier & Schmidhuber, Multi-column Deep Neural Networks for Image Classification, CVPR 2012, "
          "section 3.1 (MNIST): 0.23 % error; listed on LeCun, Cortes & Burges' MNIST page as 'committee of 35 "
          "conv. net [elastic distortions]'"),
    cited("DropConnect ensembles reached 0.21% (Wan et al., ICML 2013)",
          "Wan, Zeiler, Zhang, LeCun & Fergus, Regularization of Neural Networks using DropConnect, ICML 2013 "
          "(PMLR 28), MNIST results: 0.21 % error for a vote of DropConnect networks"),
    cited("arXiv 2020, Neurocomputing 2021): 0.13% error for an ensemble of them, 0.17% for a single one", _BYERLY),
    cited("(0.13% error for an ensemble, 0.17% for a single model)", _BYERLY),
    computed("Of the 13 to 17 test digits", _best_in_digits),
    computed("about 98.5–99% in two epochs", lambda: 98.45 <= _baseline() <= 99.0),
]
