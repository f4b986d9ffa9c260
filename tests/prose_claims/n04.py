"""Claims in notebook 04 (memory requirements).

The computed checks redo the notebook's arithmetic with ``cnnlab.memory`` (no TensorFlow),
except the one Keras check of the chapter's layer.
"""
from tests.prose_claims import computed, printed, cited, name
from tests.prose_claims.exercises import _EARLY_PRINTINGS, _FIRST_EDITION_TRAINING

NOTEBOOK = "04_memory_requirements.ipynb"

CHAPTER = "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (2017), chapter 13"
EXERCISE = CHAPTER + ", exercise 2 at the end of the chapter"
LATER = ("Géron, Hands-On Machine Learning with Scikit-Learn, Keras, and TensorFlow, 2nd edition (2019), "
         "Appendix A, chapter 14 exercise 2 (the same exercise)")


def _memory():
    from cnnlab import memory

    return memory


def _layer(strides: int = 1):
    return _memory().conv2d_stats((150, 100, 3), filters=200, kernel_size=5, strides=strides, padding="SAME")


def _ex2(strides=(2, 2, 2), maps=(100, 200, 400)):
    memory = _memory()
    return memory.stack((200, 300, 3), [memory.conv2d_layer(m, 3, strides=s, padding="SAME")
                                        for m, s in zip(maps, strides)])


# --------------------------------------------------------------------------- the chapter's layer


def _chapter_layer() -> bool:
    layer = _layer()
    return layer.input_shape == (150, 100, 3) and layer.output_shape == (150, 100, 200)


def _chapter_params() -> bool:
    return _layer().params == (5 * 5 * 3 + 1) * 200 == 15_200


def _chapter_multiplications() -> bool:
    layer = _layer()
    return layer.output_shape[:2] == (150, 100) and layer.multiplications == 150 * 100 * 200 * (5 * 5 * 3)


def _binary_megabytes() -> bool:
    memory = _memory()
    n = _layer().bytes_per_instance("float32")
    return 1_024 * 1_024 == 1_048_576 and n == 12_000_000 and memory.format_bytes(n) == "11.4 MiB"


def _decimal_megabytes() -> bool:
    memory = _memory()
    n = _layer().bytes_per_instance("float32")
    return memory.format_bytes(n, binary=False) == "12.0 MB" and n / 1_000_000 > n / 1_048_576


def _batch_of_100() -> bool:
    memory, layer = _memory(), _layer()
    return (layer.bytes_per_batch(100, "float32") > 1_000_000_000 and memory.bytes_per_value("float16") == 2
            and 2 * layer.bytes_per_batch(100, "float16") == layer.bytes_per_batch(100, "float32"))


def _keras_layer() -> bool:
    import keras

    model = keras.Sequential([keras.Input((150, 100, 3)), keras.layers.Conv2D(200, 5, padding="same")])
    return (keras.layers.Conv2D(1, 1).padding == "valid" and model.count_params() == _layer().params
            and tuple(model.output_shape[1:]) == _layer().output_shape)


# --------------------------------------------------------------------------- inference and training


def _small_cnn():
    memory = _memory()
    return memory.stack((28, 28, 1), [
        memory.conv2d_layer(32, 3), memory.conv2d_layer(64, 3), memory.pool2d_layer(2),
        memory.flatten_layer(), memory.dense_layer(128), memory.dense_layer(10),
    ])


def _deep(depth: int):
    memory = _memory()
    return memory.stack((150, 100, 3), [memory.conv2d_layer(64, 3)] * depth)


def _deep_layers() -> bool:
    deep = _deep(2)
    return all(layer.output_shape == (150, 100, 64) for layer in deep.layers)


def _deep_batch_32() -> bool:
    """The notebook prints, for depth 8: inference 235.4 MiB, training 944.0 MiB; those are batches of 32."""
    memory, deep = _memory(), _deep(8)
    return (memory.format_bytes(deep.ram_inference(32)), memory.format_bytes(deep.ram_training(32))) == (
        "235.4 MiB", "944.0 MiB")


def _calculator_stride_2() -> bool:
    memory = _memory()
    one, two = (memory.stack((150, 100, 3), [memory.conv2d_layer(200, 5, strides=s)]) for s in (1, 2))
    a, b = one.layers[0], two.layers[0]
    ram = one.ram_inference(100) / two.ram_inference(100)
    return (a.output_values == 4 * b.output_values and a.multiplications == 4 * b.multiplications and 3.5 < ram < 4
            and one.ram_inference(100, "float16") * 2 == one.ram_inference(100)
            and one.param_bytes("float16") * 2 == one.param_bytes())


# --------------------------------------------------------------------------- exercise 2


def _ex2_params() -> bool:
    return ([layer.params for layer in _ex2().layers]
            == [(3 * 3 * 3 + 1) * 100, (3 * 3 * 100 + 1) * 200, (3 * 3 * 200 + 1) * 400])


def _ex2_shapes() -> bool:
    return [layer.output_shape for layer in _ex2().layers] == [(100, 150, 100), (50, 75, 200), (25, 38, 400)] \
        and 75 / 2 == 37.5


def _ex2_inference() -> bool:
    memory, net = _memory(), _ex2()
    ram = net.ram_inference(1)
    return (ram == 12_613_600 and memory.format_bytes(ram) == "12.0 MiB"
            and memory.format_bytes(ram, binary=False) == "12.6 MB")


def _ex2_rounding() -> bool:
    top, net = _ex2().layers[-1], _ex2()
    later_editions = 525_000_000 + 36_000_000 + 3_600_000
    return (top.bytes_per_instance() == 25 * 38 * 400 * 4 == 1_520_000 and 25 * 37.5 * 400 * 4 == 1_500_000
            and 50 * 1_500_000 == 75_000_000 and top.bytes_per_batch(50) == 76_000_000
            and round((net.ram_training(50) - later_editions) / 1e6, 1) == 1.0)


def _middle_layer_removed() -> bool:
    base, removed = _ex2(), _ex2(strides=(2, 2), maps=(100, 400))
    return (base.layers[1].output_shape[:2] == (50, 75) and removed.layers[-1].output_values > base.layers[-1].output_values
            and removed.ram_training(50) > base.ram_training(50))


def _float16_halves() -> bool:
    net = _ex2()
    return net.ram_training(50, "float16") * 2 == net.ram_training(50) and net.param_bytes("float16") * 2 == net.param_bytes()


def _two_gpus() -> bool:
    net = _ex2()
    maps = net.ram_training(50) - net.param_bytes()
    return net.ram_training(25) == maps // 2 + net.param_bytes()


def _try_this_is_possible() -> bool:
    return _ex2(strides=(3, 2, 2)).ram_training(25, "float16") < 100 * 1_024 ** 2 and 2 * 25 == 50


# --------------------------------------------------------------------------- summary


def _param_formula() -> bool:
    memory = _memory()
    cases = [((9, 7, 2), 5, 3), ((32, 32, 16), 8, 1), ((10, 12, 3), 4, 5)]
    return all(memory.conv2d_stats(shape, maps, k).params == (k * k * shape[-1] + 1) * maps for shape, maps, k in cases)


def _units() -> bool:
    memory = _memory()
    return (memory.format_bytes(1_024 ** 2) == "1.0 MiB" and memory.format_bytes(1_000 ** 2, binary=False) == "1.0 MB"
            and memory.format_bytes(1_000 ** 2) != "1.0 MiB")


CLAIMS = [
    name("04 · Memory requirements", "the notebook's number in the course, in its title"),
    name("03 · Filters and feature maps", "the title of notebook 03, in the link to it"),
    name("05 · Pooling", "the title of notebook 05, in the link to it"),

    # the chapter's example
    computed("a convolutional layer with 5×5 filters that outputs 200 feature maps of size 150×100, with stride 1 and "
             "SAME padding, from a 150×100 RGB image", _chapter_layer),
    computed("Each of the 200 feature maps has one filter, which spans all the input channels: 5×5 weights for each "
             "of the 3 colour channels, plus one bias term", _chapter_params),
    computed("SAME padding with stride 1 keeps the 150×100 size, and each neuron of the 200 feature maps computes a "
             "weighted sum of its 5×5×3 inputs", _chapter_multiplications),
    computed("Each output value is a 32-bit float, 4 bytes",
             lambda: _memory().bytes_per_value("float32") == 4 == 32 // 8),
    cited('writes the result as "11.4 MB"', CHAPTER + ", section Memory Requirements"),
    computed("counting in *binary* megabytes of 1,024 × 1,024 = 1,048,576 bytes", _binary_megabytes),
    computed("In *decimal* megabytes of 1,000,000 bytes", _decimal_megabytes),
    computed("For a mini-batch of 100 images the output of every image is kept: over a gigabyte for this single "
             "layer, and half that with 16-bit floats (2 bytes per value)", _batch_of_100),
    computed("The same layer in Keras is a 150×100×3 input and a `Conv2D` with 200 filters of 5×5", _keras_layer),
    printed("Its summary for a batch of 100", "RAM for training, batch of 100: 1.1 GiB (1,218,060,800 bytes)"),

    # inference and training
    computed("a small CNN for 28×28 greyscale digits", lambda: _small_cnn().layers[0].input_shape == (28, 28, 1)),
    printed("for a mini-batch of 64 images", "batch of 64: inference 24.6 MiB, training 27.9 MiB"),
    computed("stack *n* identical 3×3 convolutional layers with 64 feature maps on the chapter's 150×100 RGB image "
             "(stride 1 and SAME padding, so each outputs 150×100×64 values per image)", _deep_layers),
    computed("compare for a batch of 32", _deep_batch_32),
    computed("set the stride to 2 to shrink the output and the multiplications fourfold (and the RAM nearly so), then "
             "switch to float16 to halve every byte count", _calculator_stride_2),

    # exercise 2
    cited("three convolutional layers, each with 3×3 kernels, a stride of 2, and SAME padding. The lowest layer "
          "outputs 100 feature maps, the middle one outputs 200, and the top one outputs 400. The input images are "
          "RGB images of 200×300 pixels", EXERCISE),
    cited("If we are using 32-bit floats", EXERCISE),
    cited("batch of 50", EXERCISE),
    cited("batches of 50", EXERCISE),
    cited("for all 50 images", EXERCISE),
    computed("Chain the three layers from the 200×300×3 input. Each filter spans all the feature maps of the layer "
             "below, so the layers have (3×3×3 + 1) × 100, (3×3×100 + 1) × 200 and (3×3×200 + 1) × 400 parameters",
             _ex2_params),
    computed("with stride 2 and SAME padding each layer halves the height and width, rounding up "
             "(75 / 2 = 37.5 becomes 38 for the top layer)", _ex2_shapes),
    computed("plus the parameters at 4 bytes each", lambda: _ex2().param_bytes() == 4 * _ex2().total_params),
    computed("These are the figures computed here: 12,613,600 bytes, that is 12.0 MiB or 12.6 MB", _ex2_inference),
    cited('Later editions of the book give the same 12,613,600 bytes, written "about 12.6 MB"', LATER),
    cited("(1st edition, Appendix A, early printings) about 17.8 MB: it adds 6 + 9 million bytes of feature maps "
          "where the two layers hold 6 + 3 million", _EARLY_PRINTINGS),
    computed("with 6 + 3 the book's own method gives these 12,613,600 bytes", _ex2_inference),
    cited("The 1st edition's Appendix A gives 537.7 MB, in binary megabytes: it rounds each layer per image "
          "(5.7 + 2.9 + 1.4 = 10 MB, × 50 = 500 MB), then adds 34.3 MB of images and 3.4 MB of parameters",
          _FIRST_EDITION_TRAINING),
    computed("Exactly, it is 539.4 MiB", lambda: round((4 * _ex2().total_params + 50 * 4 * (200 * 300 * 3 + 150 * 100 * 100
                                                        + 75 * 50 * 200 + 38 * 25 * 400)) / 2 ** 20, 1) == 539.4),
    cited("Later editions of the book give about 564.6 MB, in decimal megabytes: 525 MB of layer outputs "
          "(6 + 3 + 1.5 MB per image, times 50), 36 MB of input images and 3.6 MB of parameters", LATER),
    computed("round the top layer's 25×38×400×4 bytes to 1.5 MB per image before multiplying by 50, as if its maps "
             "were 25×37.5: they count 75 MB where the code, which does not round, prints 76 MB. That is the whole "
             "1 MB difference", _ex2_rounding),

    # exercise 3
    cited("use 16-bit floats instead of 32-bit floats", CHAPTER + ", exercise 3, and its answer in Appendix A of the "
          "2nd edition (2019), which lists the same five remedies"),
    name("remedy 3", "the number of a remedy in the book's list above"),
    name("remedy 5", "the number of a remedy in the book's list above"),
    computed("its stride-2 reduction disappears", _middle_layer_removed),
    computed("**16-bit floats** halve every byte, parameters included", _float16_halves),
    computed("each need what a batch of 25 needs", _two_gpus),

    # summary
    computed("(kernel height × kernel width × input channels + 1) × feature maps parameters", _param_formula),
    computed("4 bytes each in float32, 2 in float16",
             lambda: (_memory().bytes_per_value("float32"), _memory().bytes_per_value("float16")) == (4, 2)),
    computed("(MiB, 1,024² bytes), later editions decimal ones (MB, 1,000² bytes)", _units),
    computed("needs less than 100 MiB per GPU", _try_this_is_possible),
]
