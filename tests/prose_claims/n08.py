"""Claims in notebook 08 (Exercise 8: a pretrained classifier on your photos)."""

from functools import lru_cache
from pathlib import Path

import numpy as np

from tests.prose_claims import cited, computed, name, printed, notebook_code

NOTEBOOK = "08_pretrained_inception_v3.ipynb"
_ROOT = Path(__file__).resolve().parents[2]
_BOOK = "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (2017), chapter 13"
_KERAS_TABLE = ("Keras Applications documentation (keras.io/api/applications, as of 2024), table 'Available "
                "models': InceptionV3 77.9 % top-1, 93.7 % top-5; MobileNetV2 71.3 %, 90.1 % (ImageNet validation set)")




@lru_cache(maxsize=None)
def _names():
    from cnnlab import pretrained

    return pretrained.imagenet_class_names()


def _outputs(key):
    from cnnlab import pretrained

    return pretrained.CLASSIFIERS[key].outputs


def _thousand() -> bool:
    return len(_names()) == 1000 and all(_outputs(k) == 1000 for k in ("inception_v3", "xception", "resnet50",
                                                                     "mobilenet_v2"))


def _thousand_and_one() -> bool:
    from cnnlab import _model_files, config

    labels = (config.data_dir() / "pretrained" / "imagenet_labels_1001.txt").read_text().splitlines()
    return (_outputs("mobilenet_v2_quant") == _outputs("mobilenet_v1_025_quant") == 1001 and len(labels) == 1001
            and labels[0] == "background"
            and _model_files._read_labels_1001(config.data_dir() / "pretrained" / "imagenet_labels_1001.txt")
            == _names())  # the file's line i + 1 is ImageNet class i


def _eight_bit() -> bool:
    from cnnlab import pretrained

    return all(pretrained.CLASSIFIERS[k].preprocessing == "uint8" for k in ("mobilenet_v2_quant",
                                                                             "mobilenet_v1_025_quant"))


def _inception_input() -> bool:
    from cnnlab import pretrained

    return pretrained.CLASSIFIERS["inception_v3"].input_size == 299 and "center_crop_resize(pixels, 299)" in notebook_code(NOTEBOOK)


def _inception_scaling() -> bool:
    from cnnlab import pretrained
    from cnnlab import preprocessing

    scaled = preprocessing.scale_inception(np.array([0.0, 127.5, 255.0]))
    return scaled.tolist() == [-1.0, 0.0, 1.0] and pretrained.CLASSIFIERS["inception_v3"].preprocessing == "inception"


def _bytes() -> bool:
    from cnnlab import preprocessing

    batch = preprocessing.preprocess(np.array([[[0.0, 0.5, 1.0]]]), 2, mode="uint8")
    return _eight_bit() and batch.dtype == np.uint8 and batch.min() == 0 and batch.max() == 255


def _dogs() -> bool:
    """ImageNet's dog breeds are the classes from Chihuahua to Mexican hairless (WordNet's domestic dogs)."""
    first, last = _names().index("Chihuahua"), _names().index("Mexican hairless")
    return last - first + 1 == 118 and _names()[last + 1] == "timber wolf"


@lru_cache(maxsize=None)
def _keras_counts():
    import keras

    return (keras.applications.InceptionV3(weights=None).count_params(),
            keras.applications.MobileNetV2(weights=None).count_params(),
            keras.applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3)).count_params())


def _sizes(key, mib) -> bool:
    from cnnlab import pretrained

    return round(pretrained.entries()[key].size / 2**20, 1 if mib < 10 else 0) == mib


def _auto_order() -> bool:
    from cnnlab import pretrained

    return pretrained.AUTO_ORDER == ("inception_v3", "xception", "resnet50", "mobilenet_v2", "mobilenet_v2_quant",
                                     "mobilenet_v1_025_quant")


def _tiny_mobilenet() -> bool:
    from cnnlab import pretrained

    return round(_keras_counts()[2], -4) == 480_000 and pretrained.CLASSIFIERS["mobilenet_v1_025_quant"].input_size == 128


def _steps_of_a_256th() -> bool:
    from cnnlab import pretrained

    interpreter = pretrained.load_classifier("mobilenet_v2_quant").model
    scale, zero = interpreter.get_output_details()[0]["quantization"]
    return scale == 1 / 256 and zero == 0 and round(100 / 256, 1) == 0.4


def _first_classes() -> bool:
    return _names()[:3] == ("tench", "goldfish", "great white shark")




CLAIMS = [
    name("08 · Exercise 8", "the notebook's number in the course and the chapter's exercise it solves"),
    name("[07 · Exercise 7", "the previous notebook's number in the course"),
    name("[09 · Exercise 9", "the next notebook's number in the course"),
    name("question 2", "the number of a question in the notebook's 'Going further' list"),
    name("ImageNet-1k", "the name of ImageNet's 1,000-class subset (ILSVRC)"),
    cited("resized or cropped to 299×299, with three channels", f"{_BOOK}, exercise 8a"),
    computed("299×299", _inception_input),
    computed("8-bit", _eight_bit),
    computed("pixel values scaled to [-1, 1]", _inception_scaling),
    computed("**pixel values in [-1, 1]** instead of [0, 255]: `x / 127.5 - 1`", _inception_scaling),
    computed("the 0–255 pixels as bytes", _bytes),
    computed("top 5", lambda: "top=5" in notebook_code(NOTEBOOK)),
    computed("Top 5", lambda: "top=5" in notebook_code(NOTEBOOK)),
    computed("1,000 vs 1,001 classes", lambda: _thousand() and _thousand_and_one()),
    computed("1,000 classes", _thousand),
    computed("1,000 class names", _thousand),
    computed("1,000 outputs", _thousand),
    computed("1,000 probabilities", _thousand),
    computed("1,000 Keras names", _thousand),
    computed("same 1,000 names", _thousand),
    computed("have **1,001**: output 0 is an extra \"background\" class", _thousand_and_one),
    computed("1,001-output", _thousand_and_one),
    computed("have 1,001 outputs (background first)", _thousand_and_one),
    computed("keep the 1,001", _thousand_and_one),
    cited("1.2 million training photos", "Russakovsky et al., ImageNet Large Scale Visual Recognition Challenge, "
          "IJCV 2015, Table 2 (ILSVRC 2012: 1,281,167 training images in 1,000 classes)"),
    computed("118 dog breeds", _dogs),
    cited("Szegedy et al., 2015", "Szegedy et al., Rethinking the Inception Architecture for Computer Vision, "
          "arXiv 2015 (CVPR 2016)"),
    computed("23.9 million parameters, 299×299 input", lambda: round(_keras_counts()[0] / 1e6, 1) == 23.9),
    computed("MobileNet v2 (3.5 million parameters, 224×224",
             lambda: round(_keras_counts()[1] / 1e6, 1) == 3.5 and _outputs("mobilenet_v2") == 1000),
    computed("a 92 MiB file", lambda: _sizes("pretrained/inception_v3", 92)),
    computed("a 3.4 MiB file", lambda: _sizes("pretrained/mobilenet_v2_quant_tflite", 3.4)),
    computed("then the two small 8-bit TFLite MobileNets", _auto_order),
    cited("On ImageNet's 50,000 validation photos", "Russakovsky et al., ImageNet Large Scale Visual Recognition "
          "Challenge, IJCV 2015, Table 2 (ILSVRC 2012: 50,000 validation images)"),
    cited("Keras reports 77.9% top-1 and 93.7% top-5 accuracy for Inception v3 (the right class is the first answer "
          "78% of the time, and among the first five 94% of the time), and 71.3% / 90.1% for MobileNet v2",
          _KERAS_TABLE),
    computed("the first answer is below 50%", lambda: "answer[0][1] < 0.5" in notebook_code(NOTEBOOK)),
    printed("the sunflower is a daisy at 100.0%", "sunflower → daisy 100.0%"),
    computed("steps of 1/256, about 0.4%", _steps_of_a_256th),
    computed("classes at 0.0%", lambda: _first_classes() and _steps_of_a_256th()),
    computed("about 480,000 parameters, 128×128 input", _tiny_mobilenet),
    cited("about 40% top-1 on ImageNet", "TensorFlow Lite hosted models, quantized image classification table "
          "(tensorflow.org/lite/guide/hosted_models, 2020): Mobilenet_V1_0.25_128_quant, 39.5 % top-1"),
    computed("centre 299×299 square", _inception_input),
]
