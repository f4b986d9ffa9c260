"""The prose claims of the exercise texts: every number a learner reads in ``cnnlab/exercises.py``.

:func:`texts` collects what a learner reads in exercises 1 to 6 (intros, questions, hints,
options and their explanations, placeholders, the messages for typical mistakes, model
answers, key ideas) and the fixed advice of the coding checks of exercises 7 to 10. Many of
exercise 2's numbers are written by the check's own code (:mod:`cnnlab.memory`); their claims
recompute them by hand, so that a change in either shows. No check here needs TensorFlow.
"""

from __future__ import annotations

import ast
import math
from functools import cache
from pathlib import Path

import numpy as np

import cnnlab
from cnnlab import checks, exercises, memory
from cnnlab.widgets import questions
from cnnlab.widgets.free_text import FreeText
from cnnlab.widgets.questions import Amount, MultipleChoice, NumericAnswer, parse_number

from . import cited, computed

# --------------------------------------------------------------------------- what a learner reads


def _question_texts(question) -> list[str]:
    found = [question.question, *question.hints]
    if isinstance(question, NumericAnswer):
        found += [question.text.placeholder, question.explanation, *(message for _, message in question.mistakes)]
        if question.units == "bytes":       # the note on MB read as MiB (its text does not depend on the number typed)
            found.append(question._unit_note(Amount(0.0, 0.0, "mb")))
    elif isinstance(question, MultipleChoice):
        found += [text for option in question.options for text in (option.text, option.explanation)]
    elif isinstance(question, FreeText):
        found += [question.model_answer, *(text for idea in question.key_ideas for text in (idea.name, idea.hint))]
    return found


def texts() -> list[str]:
    """What a learner reads in the exercises: questions, hints, options, explanations, model answers, advice."""
    found = []
    for n in sorted(exercises._EXERCISES):
        exercise = exercises.exercise(n)
        found += [exercise.title, exercise.intro]
        for question in exercise.questions:
            found += _question_texts(question)
    found += [exercises.exercise2_answers()["assumptions"], *questions._FORMATS.values(),
              *checks._SUGGESTIONS.values(), checks._GENERIC_SUGGESTION, checks._DREAM_ADVICE,
              checks._DREAM_NAN_ADVICE, checks._DREAM_RANGE_ADVICE]
    return [text for text in found if text]


# --------------------------------------------------------------------------- sources

_BOOK = "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (O'Reilly, 2017)"
_STATEMENT = f"{_BOOK}, chapter 13, exercise 2 (the question as the chapter asks it)"
_APPENDIX = f"{_BOOK}, Appendix A, answers to chapter 13"
_EARLY_PRINTINGS = (f"{_APPENDIX}, exercise 2, in early printings: 'only 6 + 9 = 15 million bytes (about 14.3 MB)' "
                    "then 'about 17.8 MB' (the two layers hold 6 + 3 million; tests/test_exercises.py "
                    "recomputes 17.8 from the slip)")
_FIRST_EDITION_TRAINING = (f"{_APPENDIX}, exercise 2: 5.7, 2.9 and 1.4 MB per instance, 10 MB x 50 = 500 MB, plus "
                           "34.3 MB of images and 3.4 MB of parameters: 537.7 MB, in binary megabytes "
                           "(tests/test_exercises.py recomputes it with this rounding)")
_INCEPTION = ("Szegedy et al., 'Going deeper with convolutions', CVPR 2015, Figure 2(b) and Section 4; "
              f"and {_BOOK}, chapter 13, Figures 13-10 and 13-11")

# --------------------------------------------------------------------------- checks


@cache
def _net():
    """Exercise 2's network as its statement describes it, built here independently of the exercise's code."""
    return memory.stack((200, 300, 3), [memory.conv2d_layer(maps, 3, strides=2, padding="SAME")
                                        for maps in (100, 200, 400)])


def _statement() -> bool:
    code = exercises._exercise2_network()
    return ([layer.output_shape for layer in code.layers] == [layer.output_shape for layer in _net().layers]
            == [(100, 150, 100), (50, 75, 200), (25, 38, 400)] and code.input_shape == (200, 300, 3)
            and code.total_params == _net().total_params)


def _answers() -> tuple[int, int, int]:
    answers = exercises.exercise2_answers()
    return answers["parameters"], answers["ram_inference"], answers["ram_training"]


def _not_an_answer(text: str, units: str | None = None) -> bool:
    """``text`` reads as a number, and no exercise-2 question would accept it (an example, not a give-away)."""
    value = parse_number(text, units).value
    return all(not math.isclose(value, q.answer, rel_tol=q.tolerance) for q in exercises.exercise(2).questions)


def _examples() -> bool:
    return (parse_number("45,600").value == 45_600 and parse_number("4.2 MB", "bytes").value == 4.2e6
            and parse_number("1 MB", "bytes").value == 1000 ** 2 and parse_number("1 MiB", "bytes").value == 1024 ** 2
            and _not_an_answer("45,600") and _not_an_answer("4.2 MB", "bytes"))


def _formats() -> bool:
    plain = {parse_number(text).value for text in ("45,600", "45600", "45.6k")}
    sized = {parse_number(text, "bytes").value for text in ("4.2 MB", "4,200,000", "4.2e6 bytes")}
    powers = [parse_number(f"1 {unit}", "bytes").value for unit in ("kB", "MB", "GB", "KiB", "MiB", "GiB")]
    return (plain == {45_600} and sized == {4.2e6} and powers == [1e3, 1e6, 1e9, 1024, 1024 ** 2, 1024 ** 3]
            and _not_an_answer("45,600") and _not_an_answer("4.2 MB", "bytes"))


def _parameter_rule() -> bool:
    rule = all(memory.conv2d_stats((7, 9, c), filters=f, kernel_size=3).params == (3 * 3 * c + 1) * f
               for c in (1, 3, 100) for f in (1, 200))
    return rule and _net().layers[0].input_shape[2] == 3


def _parameter_sum() -> bool:
    terms = [(3 * 3 * 3 + 1) * 100, (3 * 3 * 100 + 1) * 200, (3 * 3 * 200 + 1) * 400]
    return terms == [2_800, 180_200, 720_400] and sum(terms) == 903_400 == _answers()[0]


def _biases() -> bool:
    no_bias = memory.stack((200, 300, 3), [memory.conv2d_layer(m, 3, strides=2, use_bias=False) for m in (100, 200, 400)])
    return 100 + 200 + 400 == 700 == _answers()[0] - no_bias.total_params


def _kernel_depths() -> bool:
    return ([layer.input_shape[2] for layer in _net().layers] == [3, 100, 200]
            and memory.conv2d_stats((200, 300, 3), filters=100, kernel_size=3).params == (3 * 3 * 3 + 1) * 100)


def _float32() -> bool:
    return memory.bytes_per_value("float32") == 4 == 32 // 8


def _halving() -> bool:
    shapes = [(200, 300, 3)] + [layer.output_shape for layer in _net().layers]
    halves = all(after[:2] == tuple(math.ceil(side / 2) for side in before[:2])
                 for before, after in zip(shapes, shapes[1:]))
    return halves and _float32()


def _inference() -> bool:
    values = [200 * 300 * 3, 100 * 150 * 100, 50 * 75 * 200, 25 * 38 * 400]
    pairs = [a + b for a, b in zip(values, values[1:])]
    total = 2_250_000 * 4 + 903_400 * 4
    return (max(pairs) == pairs[1] == 2_250_000 and 2_250_000 * 4 == 9_000_000 and 903_400 * 4 == 3_613_600
            and total == 12_613_600 == _answers()[1] and round(total / 1e6, 1) == 12.6
            and round(total / 2 ** 20, 1) == 12.0)


def _parameter_bytes() -> bool:
    return 903_400 * 4 == 3_613_600 and round(3_613_600 / 1e6, 1) == 3.6 == round(_net().param_bytes() / 1e6, 1)


def _mb_and_mib() -> bool:
    return parse_number("1 MB", "bytes").value == 1_000_000 and parse_number("1 MiB", "bytes").value == 1_048_576


def _unit_note(answer: int, mb: float, mib: float) -> bool:
    return (_mb_and_mib() and answer in _answers() and round(answer / 1e6, 1) == mb
            and round(answer / 2 ** 20, 1) == mib)


def _batch_of_50() -> bool:
    return _answers()[2] == _net().ram_training(batch_size=50) == exercises.exercise(2)[2].answer


def _training() -> bool:
    per_image = 200 * 300 * 3 + 100 * 150 * 100 + 50 * 75 * 200 + 25 * 38 * 400
    return (per_image == 2_810_000 and per_image * 4 == 11_240_000 and 11_240_000 * 50 == 562_000_000
            and 562_000_000 + 3_613_600 == 565_613_600 == _answers()[2]
            and round(565_613_600 / 1e6, 1) == 565.6 and round(565_613_600 / 2 ** 20, 1) == 539.4)


def _images() -> bool:
    return 50 * 200 * 300 * 3 * 4 == 36_000_000 and _batch_of_50()


def _pooling_versus_convolution() -> bool:
    conv = memory.conv2d_stats((32, 32, 64), filters=64, kernel_size=2, strides=2)
    pool = memory.pool2d_stats((32, 32, 64), pool_size=2, strides=2)
    return (pool.params == 0 and conv.params == 2 * 2 * 64 * 64 + 64 == 16_448
            and conv.multiplications // math.prod(conv.output_shape) == 2 * 2 * 64 == 256)


def _default(path: str, function: str, argument: str):
    """The default value of ``argument`` of ``function`` in the package file ``path``, read without importing it."""
    tree = ast.parse((Path(cnnlab.__file__).parent / path).read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    arguments = node.args.args + node.args.kwonlyargs
    defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + node.args.defaults + node.args.kw_defaults
    return ast.literal_eval(defaults[[a.arg for a in arguments].index(argument)])


def _longer_and_wider() -> bool:
    epochs = _default("training.py", "train_reference", "epochs")
    filters = _default("models/classic.py", "mnist_cnn", "filters")
    return epochs < 20 < 30 and len(filters) == 3 and all(a < b for a, b in zip(filters, (48, 96, 192)))


def _deepdream_source() -> str:
    return (Path(cnnlab.__file__).parent / "deepdream.py").read_text(encoding="utf-8")


def _dream_clip() -> bool:
    return "tf.clip_by_value(current + step_size * gradient, -1.0, 1.0)" in _deepdream_source()


def _dream_epsilon() -> bool:
    with np.errstate(invalid="ignore"):
        nan = np.float32(0) / np.float32(0)                 # a zero gradient divided by its zero deviation
    return bool(np.isnan(nan) and np.isnan(np.clip(nan, 0, 1))) and \
        "gradient /= tf.math.reduce_std(gradient) + 1e-8" in _deepdream_source()


def _dream_range() -> bool:
    source = _deepdream_source()
    return "array * 2.0 - 1.0" in source and "(current.numpy() + 1.0) / 2.0" in source


# --------------------------------------------------------------------------- the claims

CLAIMS = [
    # Exercise 2: the statement, the examples of how to type a number, and the units.
    computed("each with 3×3 kernels, a stride of 2, and SAME padding. The lowest layer outputs 100 feature maps, the "
             "middle one outputs 200, and the top one outputs 400. The input images are RGB images of 200×300 "
             "pixels.", _statement),
    computed("Type numbers such as 45,600 or 4.2 MB (MB: 1,000² bytes; MiB: 1,024² bytes).", _examples),
    computed("Type a number, such as 45,600 or 45600 (or 45.6k).", _formats),
    computed("for example 4.2 MB, 4,200,000 or 4.2e6 bytes. Units: B, kB, MB, GB (powers of 1,000) or KiB, MiB, "
             "GiB (powers of 1,024).", _formats),
    computed("e.g. 123,456", lambda: _not_an_answer("123,456")),
    computed("e.g. 4.2 MB", lambda: _not_an_answer("4.2 MB", "bytes")),
    # (a) parameters
    computed("Each layer has (3×3×channels in + 1) × feature maps out parameters; its channels in are the feature "
             "maps of the layer below (3 for the RGB input).", _parameter_rule),
    computed("Add up (3×3×3 + 1) × 100, (3×3×100 + 1) × 200 and (3×3×200 + 1) × 400.", _parameter_sum),
    computed("(3×3×3 + 1) × 100 = 2,800; (3×3×100 + 1) × 200 = 180,200; (3×3×200 + 1) × 400 = 720,400: 903,400 "
             "parameters in all", _parameter_sum),
    computed("you left out the biases, one per feature map (700 in all)", _biases),
    computed("the first layer's kernels span the 3 colour channels of the RGB input: 3×3×3 + 1 parameters per "
             "feature map, not 3×3 + 1", _kernel_depths),
    computed("the middle layer's kernels are 3×3×100, the top layer's 3×3×200", _kernel_depths),
    # (b) a prediction
    cited("(b) Using 32-bit floats, at least how much RAM", _STATEMENT),
    computed("the input is 200×300×3 values, and with stride 2 and SAME padding each layer halves the height and "
             "width (rounding up). Each value takes 4 bytes.", _halving),
    computed("plus the parameters (4 bytes each)", _float32),
    computed("The largest consecutive pair is layer 1's output (100×150×100) and layer 2's output (50×75×200): "
             "2,250,000 values × 4 bytes = 9,000,000 bytes, plus the parameters, 903,400 × 4 = 3,613,600 bytes: "
             "12,613,600 bytes = 12.6 MB = 12.0 MiB.", _inference),
    cited("Early printings of the book's 1st edition say about 17.8 MB: they add 6 + 9 million bytes of feature maps "
          "instead of 6 + 3.", _EARLY_PRINTINGS),
    cited("That is the figure of early printings of the book's 1st edition (about 17.8 MB), which adds 6 + 9 million "
          "bytes of feature maps where the two layers hold 6 and 3 million", _EARLY_PRINTINGS),
    computed("(903,400 × 4 bytes = 3.6 MB)", _parameter_bytes),
    computed("in 32-bit floats each value takes 4 bytes", _float32),
    computed("Strictly, 1 MB = 1,000,000 bytes and 1 MiB = 1,048,576 bytes", _mb_and_mib),
    computed("The answer is 12,613,600 bytes = 12.6 MB = 12.0 MiB.", lambda: _unit_note(12_613_600, 12.6, 12.0)),
    computed("The answer is 565,613,600 bytes = 565.6 MB = 539.4 MiB.", lambda: _unit_note(565_613_600, 565.6, 539.4)),
    # (c) training on a mini-batch of 50
    cited("on a mini-batch of 50 images?", _STATEMENT),
    computed("for each of the 50 images", _batch_of_50),
    computed("Per image: the input and the three outputs, 2,810,000 values × 4 bytes = 11,240,000 bytes; × 50 = "
             "562,000,000 bytes; plus the parameters once, 3,613,600 bytes: 565,613,600 bytes = 565.6 MB = 539.4 MiB",
             _training),
    cited("The book's 1st edition gets 537.7 MB: its megabytes are MiB, and it rounds each layer to 5.7, 2.9 and 1.4 "
          "MB per image before multiplying by 50.", _FIRST_EDITION_TRAINING),
    computed("50 × 200×300×3 values × 4 bytes = 36.0 MB", _images),
    computed("by the 50 images of the mini-batch", _batch_of_50),
    computed("count them once, not 50 times", _batch_of_50),
    computed("kept for the 50 images", _batch_of_50),
    computed("RAM by 50", _batch_of_50),
    computed("32-bit floats (4 bytes per value)", _float32),
    # Exercise 3
    cited("1. reduce the mini-batch size;\n2. reduce dimensionality using a larger stride in one or more layers;\n"
          "3. remove one or more layers;\n4. use 16-bit floats instead of 32-bit floats;\n5. distribute the CNN "
          "across multiple devices.", f"{_APPENDIX}, exercise 3 (its five answers, in its order)"),
    cited("use 16-bit floats instead of 32-bit", f"{_APPENDIX}, exercise 3, fourth answer"),
    computed("Every value takes 4 bytes in float32", _float32),
    # Exercise 4
    computed("how many parameters does a 2×2 convolution with stride 2 on 64 channels have? And a 2×2 max pooling "
             "layer?", _pooling_versus_convolution),
    computed("A 2×2 max pooling layer with stride 2 has 0 parameters, while a 2×2 convolution with stride 2 that "
             "keeps 64 channels has 2×2×64×64 + 64 = 16,448 parameters to learn, and does 256 multiplications for "
             "each value it outputs", _pooling_versus_convolution),
    cited("(1×1 convolutions are used for exactly that)",
          f"{_BOOK}, chapter 13, 'GoogLeNet': 1×1 convolutional layers output fewer feature maps than their inputs "
          "(bottleneck layers)"),
    # Exercise 6
    cited("AlexNet has about 60 million parameters, a thousand times LeNet-5's 60,000",
          "Krizhevsky, Sutskever and Hinton, 'ImageNet classification with deep convolutional neural networks', "
          "NIPS 2012, abstract (60 million parameters); LeCun et al., 'Gradient-based learning applied to document "
          "recognition', Proc. IEEE 1998, Section II.B (LeNet-5: 60,000 trainable parameters)"),
    cited("Inception modules, running 1×1, 3×3 and 5×5 convolutions side by side on one input.", _INCEPTION),
    cited("Inception modules: 1×1, 3×3 and 5×5 convolutions and max pooling in parallel, concatenated.", _INCEPTION),
    cited("1×1 bottleneck layers that cut the depth before the costly 3×3 and 5×5 convolutions.", _INCEPTION),
    cited("what do its 1×1 convolutions do", _INCEPTION),
    cited("That came later, with GoogLeNet (after Network in Network, 2013); AlexNet ends with two dense layers of "
          "4,096 neurons before its output layer.",
          "Lin, Chen and Yan, 'Network In Network', arXiv:1312.4400, 2013, Section 3.2 (global average pooling); "
          "Krizhevsky et al., NIPS 2012, Section 3.5 (4,096 neurons in each fully connected layer)"),
    cited("GoogLeNet took the idea from Network in Network (Lin et al., 2013).",
          "Szegedy et al., 'Going deeper with convolutions', CVPR 2015, Section 5: the average pooling before the "
          "classifier is based on Network in Network (Lin et al., 2013)"),
    cited("Networks well beyond 100 layers (ResNet-152)",
          f"{_APPENDIX}, exercise 6 (skip connections make it possible to go well beyond 100 layers); He et al., "
          "'Deep residual learning for image recognition', CVPR 2016, Table 1"),
    cited("ResNet-34 is just 16 residual units in four stages; where a unit changes the size and depth, a 1×1 "
          "convolution with stride 2 on its skip connection",
          "He et al., 'Deep residual learning for image recognition', CVPR 2016, Table 1 (3, 4, 6 and 3 blocks) and "
          f"Section 3.3; {_BOOK}, chapter 13, 'ResNet' (Figure 13-14, the 1×1 convolution with stride 2)"),
    # Coding exercises 7 and 10: advice that names settings of the course's reference code.
    computed("training longer (20 or 30 epochs of the one-cycle schedule), wider blocks such as filters=(48, 96, 192)",
             _longer_and_wider),
    computed("clip the pixels to [-1, 1] after each step", _dream_clip),
    computed("divided by a standard deviation of 0: add a small epsilon to it (deepdream adds 1e-8)", _dream_epsilon),
    computed("return pixels in [0, 1] (the network's values x, in [-1, 1], become (x + 1) / 2)", _dream_range),
]
