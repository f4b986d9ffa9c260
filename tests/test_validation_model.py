"""_validation.check_model: one rule for "a Keras model", read alike by every function that takes one."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest

from cnnlab._validation import check_model


class Predicts:
    def predict(self, x):
        return x


def test_check_model_never_imports_keras():
    code = ("import sys, cnnlab._validation as v\n"
            "for value in ('lenet5', None, 3):\n"
            "    try:\n"
            "        v.check_model('model', value, built=True)\n"
            "    except ValueError:\n"
            "        pass\n"
            "    else:\n"
            "        raise SystemExit('accepted ' + repr(value))\n"
            "assert v.check_model('model', None, allow_none=True) is None\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_predict_only_takes_anything_that_predicts():
    stand_in = Predicts()
    assert check_model("model", stand_in, predict_only=True) is stand_in
    with pytest.raises(ValueError, match=r"^model must be a keras\.Model, received model=<.*Predicts"):
        check_model("model", stand_in)
    with pytest.raises(ValueError, match=r"predict method\), received model=<built-in function len> \(type builtin_function_or_method\)\.$"):
        check_model("model", len, predict_only=True)


@pytest.mark.tensorflow
def test_built_and_single_input():
    import keras

    unbuilt = keras.Sequential([keras.layers.Dense(2)], name="later")
    assert check_model("model", unbuilt) is unbuilt  # a keras.Model: enough where inputs are not read
    with pytest.raises(ValueError, match=r"but model 'later' has no known input: call build\(\) first\.$"):
        check_model("model", unbuilt, built=True, fix="call build() first")
    a, b = keras.Input((4,)), keras.Input((4,))
    two = keras.Model([a, b], keras.layers.Add()([a, b]), name="two")
    assert check_model("model", two, built=True) is two
    with pytest.raises(ValueError, match=r"one input, received model 'two' with 2 inputs"):
        check_model("model", two, single_input=True)


def _module(name: str):
    return importlib.import_module(f"cnnlab.{name}")


IMAGE = np.zeros((8, 8, 3), np.float32)

#: Every function that takes a model, with the words its rule adds to "model must be".
CALLERS = {
    "deepdream.dream_model": (r"a keras\.Model \(a convolutional network such as dream_base\(\)\)",
                              lambda model: _module("deepdream").dream_model(model, "conv")),
    "models.layer_table": (r"a keras\.Model", lambda model: _module("models").layer_table(model)),
    "transfer.set_fine_tuning": (r"a keras\.Model", lambda model: _module("transfer").set_fine_tuning(model, 0)),
    "widgets.feature_maps.feature_maps": (r"a built Keras model with defined inputs",
                                          lambda model: _module("widgets.feature_maps").feature_maps(model, IMAGE, "conv")),
    "checks.check_accuracy": (r"a Keras model \(anything with a predict method\) or None",
                              lambda model: _module("checks").check_accuracy(model, IMAGE[None], [0], reference=0.5,
                                                                             exercise=7)),
    "memory.from_keras": (r"a built Keras model with defined inputs", lambda model: _module("memory").from_keras(model)),
    "widgets.DeepDreamExplorer": (r"a keras\.Model \(for example an ImageNet base\)",
                                  lambda model: _module("widgets").DeepDreamExplorer(model, IMAGE)),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("caller", CALLERS)
def test_every_caller_refuses_a_string_in_the_same_words(caller):
    rule, call = CALLERS[caller]
    with pytest.raises(ValueError, match=rf"^model must be {rule}, received model='lenet5' \(type str\)"):
        call("lenet5")


@pytest.mark.tensorflow
@pytest.mark.parametrize("caller", ["widgets.feature_maps.feature_maps", "memory.from_keras"])
def test_callers_that_read_inputs_refuse_an_unbuilt_model(caller):
    import keras

    with pytest.raises(ValueError, match=r"but model 'later' has no known input: start it with keras\.Input"):
        CALLERS[caller][1](keras.Sequential([keras.layers.Dense(2)], name="later"))
