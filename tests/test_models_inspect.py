"""layer_table and diagram: a model as the chapter tabulates (Tables 13-1, 13-2) and draws it."""

from __future__ import annotations

import importlib
import re

import pytest


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def inspect_module():
    import matplotlib

    matplotlib.use("Agg")
    return importlib.import_module("cnnlab.models.inspect")


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="module")
def small_cnn(keras):
    inputs = keras.Input((32, 30, 3), name="input")
    x = keras.layers.Conv2D(8, 5, strides=2, padding="valid", activation="relu", name="C1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="S2")(x)
    x = keras.layers.Conv2D(16, (3, 1), padding="same", name="C3")(x)
    x = keras.layers.AveragePooling2D(3, strides=1, padding="same", name="S4")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="F5")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def boxes(figure):
    return [p.get_gid()[4:] for p in figure.axes[0].patches if (p.get_gid() or "").startswith("box:")]


@pytest.mark.tensorflow
def test_layer_table_rows_match_the_keras_layers(inspect_module, small_cnn):
    table = inspect_module.layer_table(small_cnn)
    assert [row["layer"] for row in table.rows] == [layer.name for layer in small_cnn.layers]
    for row, layer in zip(table.rows, small_cnn.layers):
        shape = tuple(layer.output.shape)
        assert row["maps"] == shape[-1]
        assert row["size"] == (shape[1:3] if len(shape) == 4 else None)
        assert row["parameters"] == layer.count_params()
        kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        assert row["kernel"] == (tuple(kernel) if kernel else None)
        assert row["stride"] == (tuple(layer.strides) if kernel else None)
        assert row["padding"] == (layer.padding.upper() if kernel else None)
        activation = getattr(layer, "activation", None)
        name = activation.__name__ if activation is not None else None
        assert row["activation"] == (None if name in (None, "linear") else name)
    by_name = {row["layer"]: row for row in table.rows}
    assert by_name["C1"] | {} == {"layer": "C1", "type": "Convolution", "class": "Conv2D", "maps": 8,
                                  "size": (14, 13), "kernel": (5, 5), "stride": (2, 2), "padding": "VALID",
                                  "activation": "relu", "parameters": 5 * 5 * 3 * 8 + 8}
    assert by_name["S2"]["type"] == "Max pooling" and by_name["S2"]["size"] == (7, 6)
    assert by_name["C3"]["kernel"] == (3, 1) and by_name["C3"]["activation"] is None
    assert by_name["F5"]["type"] == "Fully connected" and by_name["F5"]["maps"] == 10
    assert table.total_parameters == small_cnn.count_params() == sum(row["parameters"] for row in table.rows)
    assert table.trainable_parameters == table.total_parameters


@pytest.mark.tensorflow
def test_layer_table_renders_markdown_and_html(inspect_module, small_cnn):
    table = inspect_module.layer_table(small_cnn)
    markdown = table.to_markdown()
    assert str(table) == markdown
    lines = markdown.splitlines()
    assert lines[2] == "| Layer | Type | Maps | Size | Kernel | Stride | Padding | Activation | Parameters |"
    assert "| C1 | Convolution | 8 | 14 × 13 | 5 × 5 | 2 | VALID | relu | 608 |" in lines
    assert "| C3 | Convolution | 16 | 7 × 6 | 3 × 1 | 1 | SAME | – | 400 |" in lines
    assert lines[-1].startswith(f"Total parameters: {small_cnn.count_params():,} ")
    page = table._repr_html_()
    assert page.startswith('<table class="cnnlab-layer-table">') and page.endswith("</table>")
    assert page.count("<tr>") == 1 + len(table.rows) + 1  # header, rows, totals
    assert "<td style=\"text-align:right\">14 × 13</td>" in page


@pytest.mark.tensorflow
def test_layer_table_lists_a_sequential_models_input_and_nested_models_layer_by_layer(keras, inspect_module):
    inner = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.Conv2D(2, 3, name="conv")], name="features")
    inputs = keras.Input((8, 8, 4), name="input")
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(keras.layers.Flatten(name="flat")(inner(inputs))))
    table = inspect_module.layer_table(model)
    assert [row["layer"] for row in table.rows] == ["input", "features/conv", "flat", "head"]
    assert table.total_parameters == model.count_params()
    rows = inspect_module.layer_table(inner).rows
    assert [(row["layer"], row["maps"], row["size"]) for row in rows] == [("input", 4, (8, 8)), ("conv", 2, (6, 6))]


@pytest.mark.tensorflow
def test_layer_table_blocks_collapse_inception_modules_and_residual_units(keras, inspect_module):
    from cnnlab.models.googlenet import inception_module
    from cnnlab.models.resnet import residual_unit

    inputs = keras.Input((16, 16, 8), name="input")
    x = inception_module(inputs, 4, 4, 8, 2, 4, 4, name="inception3a")
    x = residual_unit(x, 20, name="stage2_unit1")
    x = residual_unit(x, 32, strides=2, name="stage3_unit1")
    model = keras.Model(inputs, x)
    table = inspect_module.layer_table(model, blocks=True)
    assert [(r["layer"], r["type"], r["maps"], r["size"]) for r in table.rows] == [
        ("input", "Input", 8, (16, 16)),
        ("inception3a", "Inception module", 20, (16, 16)),
        ("stage2_unit1", "Residual unit", 20, (16, 16)),
        ("stage3_unit1", "Residual unit", 32, (8, 8)),
    ]
    assert sum(r["parameters"] for r in table.rows) == model.count_params()
    assert len(inspect_module.layer_table(model).rows) == len(model.layers)


@pytest.mark.tensorflow
def test_diagram_draws_one_box_per_block_with_its_output_shape(keras, inspect_module, close_figures):
    from matplotlib.figure import Figure

    from cnnlab.models.googlenet import inception_module
    from cnnlab.models.resnet import residual_unit

    inputs = keras.Input((16, 16, 8), name="input")
    x = keras.layers.Conv2D(8, 3, padding="same", name="stem_conv")(inputs)
    x = inception_module(x, 4, 4, 8, 2, 4, 4, name="inception3a")
    x = residual_unit(x, 20, strides=2, name="stage2_unit1")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="predictions")(x))
    for direction in ("vertical", "horizontal"):
        figure = inspect_module.diagram(model, direction=direction)
        assert isinstance(figure, Figure)
        assert boxes(figure) == ["input", "stem_conv", "inception3a", "stage2_unit1", "avg_pool", "predictions"]
        texts = [t.get_text() for t in figure.axes[0].texts]
        assert "16×16×20" in texts and "8×8×20" in texts and "3" in texts
        assert "inception3a\nInception module" in texts and "stage2_unit1\nResidual unit /2 + proj." in texts


@pytest.mark.tensorflow
def test_diagram_of_googlenet_puts_the_auxiliary_classifiers_beside_the_chain(inspect_module, close_figures):
    from cnnlab.models.googlenet import googlenet

    model = googlenet(input_shape=(96, 96, 3), num_classes=4, aux_classifiers=True)
    figure = inspect_module.diagram(model, per_line=10)
    names = boxes(figure)
    assert len(names) == 1 + 7 + 9 + 2 + 3 + 2  # input, stem, modules, pools, head, two auxiliary classifiers
    assert [n for n in names if n.startswith(("inception", "aux"))] == [
        "inception3a", "inception3b", "inception4a", "aux1", "inception4b", "inception4c", "inception4d", "aux2",
        "inception4e", "inception5a", "inception5b"]
    patches = {p.get_gid()[4:]: p for p in figure.axes[0].patches if (p.get_gid() or "").startswith("box:")}
    assert patches["aux1"].get_y() == pytest.approx(patches["inception4a"].get_y())  # same row, next lane
    assert patches["aux1"].get_x() > patches["inception4a"].get_x()


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    "function, kwargs, message",
    [
        ("layer_table", dict(model="cnn"), "model must be a keras.Model, received model='cnn'"),
        ("layer_table", dict(blocks="yes"), "blocks must be True or False, received blocks='yes'"),
        ("diagram", dict(direction="diagonal"), "direction must be one of 'vertical', 'horizontal', "
                                                "received direction='diagonal'"),
        ("diagram", dict(per_line=0), "per_line must be a positive integer, received per_line=0"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(inspect_module, small_cnn, function, kwargs, message):
    arguments = {"model": small_cnn} | kwargs
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        getattr(inspect_module, function)(**arguments)
