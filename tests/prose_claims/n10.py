"""Claims in notebook 10 (Exercise 10: DeepDream)."""

import inspect
from pathlib import Path

from tests.prose_claims import cited, computed, name, notebook_code

NOTEBOOK = "10_deepdream.ipynb"
_ROOT = Path(__file__).resolve().parents[2]




def _mib(key: str, expected: int) -> bool:
    from cnnlab import pretrained

    return round(pretrained.entries()[key].size / 2**20) == expected


def _pixel_ranges() -> bool:
    """The bases were trained on [-1, 1] (Inception scaling); load_image gives [0, 1]; deepdream scales by 2x - 1."""
    from cnnlab import datasets, deepdream, pretrained

    scalings = {pretrained.FEATURE_EXTRACTORS[k].preprocessing for k in ("inception_v3", "mobilenet_025")}
    owl = datasets.load_photos(max_size=64)["owl"]
    return (scalings == {"inception"} and 0 <= float(owl.min()) and float(owl.max()) <= 1
            and "array * 2.0 - 1.0" in inspect.getsource(deepdream.deepdream) and "x = owl * 2 - 1" in notebook_code(NOTEBOOK))


def _tiles() -> bool:
    from cnnlab import deepdream

    return inspect.signature(deepdream.deepdream).parameters["tile_size"].default == 512 and "(512, 1024, 4000)" in notebook_code(NOTEBOOK)


CLAIMS = [
    computed("2 MiB of weights", lambda: _mib("pretrained/mobilenet_025_notop", 2)),
    computed("84 MiB of weights", lambda: _mib("pretrained/inception_v3_notop", 84)),
    cited("the tutorial of the book's time (2017)", "Géron, Hands-On Machine Learning with Scikit-Learn and "
          "TensorFlow, 1st edition (2017), chapter 13, exercise 10 (TensorFlow's DeepDream tutorial of the time, "
          "tensorflow/examples/tutorials/deepdream, for TensorFlow 1)"),
    name("\"Inception5h\" model", "the name of the GoogLeNet file (inception5h.zip) of TensorFlow 1's DeepDream tutorial"),
    cited("Google Research blog, 2015", "Mordvintsev, Olah & Tyka, Inceptionism: Going Deeper into Neural Networks, "
          "Google Research blog, June 2015"),
    computed("(256 pixels on the longer side", lambda: "max_size=config.cap(256, 128)" in notebook_code(NOTEBOOK)),
    computed("The network expects pixels in $[-1, 1]$ and `load_image` gives $[0, 1]$", _pixel_ranges),
    computed("One normalised step of size 0.05", lambda: "image + 0.05 * gradient" in notebook_code(NOTEBOOK)),
    computed("A 16-megapixel phone photo", lambda: 4000 * 4000 == 16_000_000 and "(512, 1024, 4000)" in notebook_code(NOTEBOOK)),
    computed("one 512×512 tile at a time", _tiles),
]
