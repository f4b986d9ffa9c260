"""Issue 17: ``training.fit`` and ``OneCycle`` refuse inputs that would train silently wrong.

NaN or infinite inputs (numpy arrays, or batches of a ``tf.data.Dataset`` checked as they are
read), class labels outside the model's outputs (too large, negative, not whole), empty data sets
(arrays of length 0, a Dataset of cardinality 0 or one that yields nothing), x and y of different
lengths, and a learning rate that is NaN, infinite, negative or 0: each is a ``ValueError`` naming
the argument, not a NaN history, an empty history or TensorFlow's graph dump. The same checks guard
``transfer.train_transfer``. Tiny models, a few samples, one epoch.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnlab import training, transfer

pytestmark = [pytest.mark.reliability("training-faults"), pytest.mark.tensorflow]

CLASSES = 10


def build(rate=1e-2):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(keras.optimizers.SGD(rate), "sparse_categorical_crossentropy")
    return model


def data(n=16):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), "float32"), (np.arange(n) % CLASSES).astype("int64")


def dataset(x, y, batch=8):
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


def fit(train, val=None, model=None):
    return training.fit(model or build(), train, val, epochs=1, batch_size=8)


def refused(match, train, val=None, model=None):
    with pytest.raises(ValueError, match=match) as caught:
        fit(train, val, model)
    message = str(caught.value)
    assert "Graph execution error" not in message and "Op:" not in message and len(message) < 600, message
    return message


def with_value(array, value, where=(3, 1)):
    array = array.copy()
    array[where] = value
    return array


# ----------------------------------------------------------------------------- NaN and inf


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_x_with_nan_or_inf_arrays_is_refused_naming_x(value):
    x, y = data()
    refused(r"train=\(x, y\): x contains 1 NaN or infinite", (with_value(x, value), y))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_x_with_nan_or_inf_in_a_dataset_is_refused_naming_x(value):
    x, y = data()
    message = refused(r"train: x contains NaN or infinite values", dataset(with_value(x, value), y))
    assert "every weight NaN" in message


def test_x_with_nan_in_the_last_batch_of_a_dataset_is_refused():
    x, y = data()
    refused(r"train: x contains NaN", dataset(with_value(x, np.nan, (15, 0)), y))


def test_validation_x_with_nan_in_a_dataset_is_refused_naming_val():
    x, y = data()
    refused(r"val: x contains NaN", (x, y), dataset(with_value(x, np.nan), y))


def test_float_targets_with_nan_in_a_dataset_are_refused_naming_y():
    x, _ = data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    refused(r"train: y contains NaN", dataset(x, with_value(np.zeros((16, 1), "float32"), np.nan, (2, 0))),
            model=model)


def test_a_finite_dataset_still_trains():
    x, y = data()
    history = fit(dataset(x, y), dataset(x, y))
    assert np.isfinite(history.history["loss"][0]) and np.isfinite(history.history["val_loss"][0])


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize("bad, shown", [(CLASSES, "= 10"), (-1, "= -1"), (2.5, "= 2.5"), (np.nan, "= nan")])
def test_labels_out_of_range_or_not_whole_arrays_are_refused_naming_y_and_the_range(bad, shown):
    x, y = data()
    y = with_value(y.astype("float64"), bad, 5)
    message = refused(r"train=\(x, y\): y", (x, y))
    assert "y[5]" in message and shown in message
    if not (isinstance(bad, float) and (np.isnan(bad) or bad % 1)):
        assert "[0, 10)" in message


@pytest.mark.parametrize("bad", [CLASSES, -1, 12])
def test_labels_out_of_range_in_a_dataset_are_refused_naming_y_and_the_range(bad):
    x, y = data()
    message = refused(r"train: y must hold whole class labels in \[0, 10\)", dataset(x, with_value(y, bad, 5)))
    assert str(bad) in message


def test_float_labels_that_are_not_whole_in_a_dataset_are_refused():
    x, y = data()
    refused(r"train: y must hold whole class labels in \[0, 10\).*2\.5",
            dataset(x, with_value(y.astype("float32"), 2.5, 1)))


def test_validation_labels_out_of_range_are_refused_naming_val():
    x, y = data()
    refused(r"val=\(x, y\): y must hold class labels in \[0, 10\)", (x, y), (x, with_value(y, 10, 0)))


def test_labels_of_shape_n_by_1_are_checked_too():
    x, y = data()
    refused(r"y\[4, 0\] = 10", (x, with_value(y, 10, 4)[:, None]))


def test_whole_float_labels_and_the_last_class_are_accepted():
    x, y = data()
    y = y.astype("float32")
    y[0] = CLASSES - 1
    assert np.isfinite(fit((x, y)).history["loss"][0])


# ----------------------------------------------------------------------------- empty and mismatched


def test_empty_arrays_are_refused_not_a_shuffle_op_error():
    x, y = data()
    refused(r"train is empty", (x[:0], y[:0]))


def test_empty_validation_arrays_are_refused():
    x, y = data()
    refused(r"val is empty", (x, y), (x[:0], y[:0]))


def test_an_empty_dataset_of_cardinality_0_is_refused():
    x, y = data()
    refused(r"train is an empty tf.data.Dataset", dataset(x, y).take(0))


def test_a_dataset_that_yields_nothing_is_refused_not_an_empty_history():
    x, y = data()
    empty = dataset(x, y).filter(lambda xb, yb: False)  # cardinality unknown: only reading it tells
    with pytest.warns(UserWarning, match="ran out of data"):  # Keras' own warning comes first
        refused(r"train yielded no batch at all", empty)


def test_a_validation_dataset_that_yields_nothing_is_refused():
    x, y = data()
    refused(r"val yielded no batch at all", (x, y), dataset(x, y).filter(lambda xb, yb: False))


@pytest.mark.parametrize("n_y", [15, 17])
def test_x_and_y_of_different_lengths_are_refused(n_y):
    x, _ = data()
    refused(rf"train has 16 inputs but {n_y} labels", (x, np.arange(n_y) % CLASSES))


# ----------------------------------------------------------------------------- learning rate


@pytest.mark.parametrize("rate", [np.nan, np.inf, -1e-3, 0.0])
def test_a_learning_rate_that_cannot_train_is_refused(rate):
    x, y = data()
    refused(r"learning_rate=", (x, y), model=build(rate))


def test_a_schedule_that_starts_at_nan_is_refused():
    x, y = data()
    model = build()
    model.compile(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(float("nan"), 10, 0.5)),
                  "sparse_categorical_crossentropy")
    refused(r"schedule ExponentialDecay gives learning_rate=nan at step 0", (x, y), model=model)


# ----------------------------------------------------------------------------- OneCycle


@pytest.mark.parametrize("argument, value", [
    ("max_lr", float("inf")), ("max_lr", float("nan")), ("max_lr", -1.0), ("max_lr", 0), ("max_lr", True),
    ("total_steps", True), ("total_steps", 10.0), ("total_steps", 0), ("total_steps", -5),
    ("end_factor", float("inf")), ("end_factor", float("nan")), ("end_factor", 0.5),
    ("start_factor", float("inf")), ("warmup", float("nan")), ("warmup", 1.0),
])
def test_one_cycle_refuses_bad_arguments_naming_them(argument, value):
    kwargs = dict(max_lr=1e-3, total_steps=100)
    kwargs[argument] = value
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        training.OneCycle(**kwargs)


def test_one_cycle_with_good_arguments_gives_finite_rates():
    schedule = training.OneCycle(3e-3, 100)
    rates = np.array([float(schedule(step)) for step in (0, 20, 99)])
    assert np.isfinite(rates).all() and (rates > 0).all() and np.isclose(rates[1], 3e-3)


# ----------------------------------------------------------------------------- transfer.train_transfer


def transfer_model(classes=3):
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, name="c1"),
                             keras.layers.GlobalAveragePooling2D(name="pool")], name="base")
    return transfer.transfer_model(base, classes, preprocessing="inception")


def images(n=8, classes=3):
    rng = np.random.default_rng(1)
    return rng.random((n, 8, 8, 3)).astype("float32"), (np.arange(n) % classes).astype("int32")


def train_transfer(train, val=None):
    return transfer.train_transfer(transfer_model(), train, val, head_epochs=1, fine_tune_epochs=0)


def test_train_transfer_refuses_a_label_out_of_range_instead_of_a_zero_target():
    x, y = images()
    with pytest.raises(ValueError, match=r"train: y must hold whole class labels in \[0, 3\)") as caught:
        train_transfer(dataset(x, with_value(y, 3, 2)))
    assert "Graph execution" not in str(caught.value)


def test_train_transfer_refuses_nan_images():
    x, y = images()
    with pytest.raises(ValueError, match=r"train: x contains NaN"):
        train_transfer(dataset(with_value(x, np.nan, (1, 2, 3, 0)), y))


@pytest.mark.parametrize("empty", [lambda d: d.take(0), lambda d: d.filter(lambda xb, yb: False)],
                         ids=["cardinality 0", "yields nothing"])
def test_train_transfer_refuses_an_empty_training_set(empty):
    x, y = images()
    with pytest.raises(ValueError, match=r"train (is an empty|yielded no batch)"):
        train_transfer(empty(dataset(x, y)))


def test_train_transfer_refuses_an_empty_validation_set():
    x, y = images()
    with pytest.raises(ValueError, match=r"val (is an empty|yielded no batch)"):
        train_transfer(dataset(x, y), dataset(x, y).filter(lambda xb, yb: False))


def test_train_transfer_still_trains_on_good_data():
    x, y = images()
    result = train_transfer(dataset(x, y), dataset(x, y))
    assert np.isfinite(result["head"].history["val_loss"][0])
