"""cnnlab.models.inspect.layer_table and cnnlab.models.diagram (its engine, cnnlab/models/_diagram.py):
a model as the chapter tabulates (Tables 13-1, 13-2) and draws it."""

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


# ----------------------------------------------------------------------------- the diagram


COLUMN_INCHES = 8.0  # the notebook column at 100 dpi


def _segments(figure):
    """Every straight piece of every line and patch outline, in display pixels: an (n, 4) array x0, y0, x1, y1."""
    import numpy as np

    pieces = []
    for ax in figure.axes:
        for line in ax.lines:
            xy = line.get_transform().transform(line.get_xydata())
            pieces.append(np.hstack([xy[:-1], xy[1:]]))
        for patch in ax.patches:
            for polygon in patch.get_path().to_polygons(patch.get_transform(), closed_only=False):
                pieces.append(np.hstack([polygon[:-1], polygon[1:]]))
    return np.vstack(pieces) if pieces else np.zeros((0, 4))


def _crossing(segments, box):
    """Which segments pass through the rectangle ``box`` (x0, y0, x1, y1): Liang-Barsky clipping, vectorised."""
    import numpy as np

    x, y, dx, dy = segments[:, 0], segments[:, 1], segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1]
    low, high = np.zeros(len(x)), np.ones(len(x))
    inside = np.ones(len(x), bool)
    for p, q in ((-dx, x - box[0]), (dx, box[2] - x), (-dy, y - box[1]), (dy, box[3] - y)):
        parallel = p == 0
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        low = np.where(~parallel & (p < 0), np.maximum(low, t), low)
        high = np.where(~parallel & (p > 0), np.minimum(high, t), high)
    return inside & (low <= high)


def layout_problems(figure, column=COLUMN_INCHES, smallest=8.0):
    """What keeps ``figure`` from reading at notebook column width, one line per problem (empty: it reads).

    Rendered with Agg: a text overlapping another text, a line or a box outline crossing a text (a
    connector through a label, a text cut by its box), a text or patch outside the figure, and a font
    smaller than ``smallest`` points once the figure is shrunk to a ``column`` inches wide column.
    """
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    texts = [t for t in figure.texts + [t for ax in figure.axes for t in ax.texts] if t.get_text().strip()]
    boxes = [t.get_window_extent(renderer).extents for t in texts]
    problems = []
    for i, (a, box_a) in enumerate(zip(texts, boxes)):
        for b, box_b in zip(texts[i + 1:], boxes[i + 1:]):
            if min(box_a[2], box_b[2]) - max(box_a[0], box_b[0]) > 0.5 and \
                    min(box_a[3], box_b[3]) - max(box_a[1], box_b[1]) > 0.5:
                problems.append(f"text {a.get_text()!r} overlaps text {b.get_text()!r}")
    segments = _segments(figure)
    for text, box in zip(texts, boxes):
        inner = (box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1)
        if _crossing(segments, inner).any():
            problems.append(f"a line crosses text {text.get_text()!r}")
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
            problems.append(f"text {text.get_text()!r} is cut off by the figure's edge")
    for ax in figure.axes:
        for patch in ax.patches:
            extent = patch.get_window_extent(renderer).extents
            if extent[0] < -1 or extent[1] < -1 or extent[2] > width + 1 or extent[3] > height + 1:
                problems.append(f"patch {patch.get_gid()!r} is cut off by the figure's edge")
    shrink = min(1.0, column / figure.get_size_inches()[0])
    sizes = [t.get_fontsize() * shrink for t in texts]
    if sizes and min(sizes) < smallest:
        problems.append(f"the smallest text is {min(sizes):.1f} pt at a {column:g}-inch column (at least "
                        f"{smallest:g} pt wanted)")
    return problems


def test_the_layout_check_catches_overlaps_crossings_cut_off_text_and_small_fonts(inspect_module, close_figures):
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(4, 2))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.text(1, 1, "first label", fontsize=10)
    ax.text(1.2, 1, "second label", fontsize=10)
    ax.text(2.5, 0.3, "crossed", fontsize=10)
    ax.plot([2.4, 3.6], [0.35, 0.35])
    ax.text(3.8, 1.5, "cut off", fontsize=10)
    assert layout_problems(figure) == [
        "text 'first label' overlaps text 'second label'",
        "a line crosses text 'crossed'",
        "text 'cut off' is cut off by the figure's edge",
    ]
    wide = plt.figure(figsize=(16, 2))
    wide.text(0.5, 0.5, "small once shrunk", fontsize=12)
    assert layout_problems(wide) == ["the smallest text is 6.0 pt at a 8-inch column (at least 8 pt wanted)"]


def patches_by_gid(figure, prefix="box:"):
    return {p.get_gid()[len(prefix):]: p for p in figure.axes[0].patches if (p.get_gid() or "").startswith(prefix)}


def texts_by_gid(figure, prefix):
    return {t.get_gid()[len(prefix):]: t.get_text() for t in figure.axes[0].texts
            if (t.get_gid() or "").startswith(prefix)}


def extent(patch):
    """A patch's (x0, y0, x1, y1) in data units (inches, y up)."""
    return tuple(patch.get_path().get_extents(patch.get_patch_transform()).extents)


@pytest.mark.tensorflow
def test_diagram_draws_one_box_per_block_with_its_name_and_output_shape_beside_it(keras, inspect_module,
                                                                                close_figures):
    from matplotlib.figure import Figure

    from cnnlab.models.googlenet import inception_module
    from cnnlab.models.resnet import residual_unit

    inputs = keras.Input((16, 16, 8), name="input")
    x = keras.layers.Conv2D(8, 3, padding="same", name="stem_conv")(inputs)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    x = keras.layers.Activation("relu", name="stem_relu")(x)
    x = inception_module(x, 4, 4, 8, 2, 4, 4, name="inception3a")
    x = residual_unit(x, 20, strides=2, name="stage2_unit1")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="predictions")(x))
    for direction in ("vertical", "horizontal"):
        figure = importlib.import_module("cnnlab.models.diagram").diagram(model, direction=direction)
        assert isinstance(figure, Figure)
        assert boxes(figure) == ["input", "stem_conv", "inception3a", "stage2_unit1", "avg_pool", "predictions"]
        assert texts_by_gid(figure, "shape:") == {"input": "16×16×8", "stem_conv": "16×16×8",
                                                  "inception3a": "16×16×20", "stage2_unit1": "8×8×20",
                                                  "avg_pool": "20", "predictions": "3"}
        assert list(texts_by_gid(figure, "name:")) == boxes(figure)
        lines = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "box:stem_conv"]
        assert ", ".join(lines) == "conv 3×3, 8 maps, + batch norm, ReLU"  # the layers that follow, in its box
        ax = figure.axes[0]
        for name in boxes(figure):  # name and shape beside a box of the item (a unit's shape beside its add)
            parts = [extent(p) for p in ax.patches if p.get_gid() in (f"box:{name}", f"add:{name}")]
            for kind in ("name:", "shape:"):
                x, y = next(t for t in ax.texts if t.get_gid() == kind + name).get_position()
                beside = [e for e in parts if e[1] < y < e[3]]
                assert beside and all(x > e[2] for e in beside), (kind, name)
        assert layout_problems(figure) == []


@pytest.mark.tensorflow
def test_diagram_of_a_sequential_model_starts_at_its_input(keras, inspect_module, close_figures):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
                              keras.layers.BatchNormalization(name="bn"), keras.layers.MaxPooling2D(name="pool"),
                              keras.layers.Flatten(name="flat"), keras.layers.Dense(10, name="out")], name="tiny")
    figure = importlib.import_module("cnnlab.models.diagram").diagram(model)
    assert boxes(figure)[1:] == ["conv", "pool", "flat", "out"]  # the batch norm is written in the conv's box
    assert texts_by_gid(figure, "shape:")[boxes(figure)[0]] == "28×28×1"
    assert layout_problems(figure) == []


@pytest.mark.tensorflow
@pytest.mark.parametrize("direction, per_line", [("vertical", 2), ("horizontal", 3)])
def test_per_line_caps_the_items_of_a_column_or_a_row(inspect_module, small_cnn, direction, per_line,
                                                      close_figures):
    figure = importlib.import_module("cnnlab.models.diagram").diagram(small_cnn, direction=direction, per_line=per_line)
    frames = [extent(frame) for frame in patches_by_gid(figure).values()]  # in chain order
    lines = [1]
    for a, b in zip(frames, frames[1:]):
        same_column = abs((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2) < 1e-6 and b[3] < a[1]
        same_row = abs(a[3] - b[3]) < 1e-6 and b[0] > a[2]
        if (same_column if direction == "vertical" else same_row):
            lines[-1] += 1
        else:
            lines.append(1)
    assert max(lines) == per_line and sum(lines) == len(small_cnn.layers)
    assert layout_problems(figure) == []


@pytest.mark.tensorflow
def test_diagram_of_googlenet_puts_the_auxiliary_classifiers_beside_the_chain(inspect_module, close_figures):
    from cnnlab.models.googlenet import googlenet

    model = googlenet(input_shape=(96, 96, 3), num_classes=4, aux_classifiers=True)
    figure = importlib.import_module("cnnlab.models.diagram").diagram(model)
    names = boxes(figure)
    # input, the stem (5 boxes: each LRN is written in the box it follows), modules, pools, head, auxiliaries
    assert len(names) == 1 + 5 + 9 + 2 + 3 + 2
    assert [n for n in names if n.startswith(("inception", "aux"))] == [
        "inception3a", "inception3b", "inception4a", "aux1", "inception4b", "inception4c", "inception4d", "aux2",
        "inception4e", "inception5a", "inception5b"]
    patches = patches_by_gid(figure)
    for aux, anchor, following in (("aux1", "inception4a", "inception4b"), ("aux2", "inception4d", "inception4e")):
        a, b = extent(patches[aux]), extent(patches[anchor])
        assert a[0] > b[2]  # beside the module that feeds it, right of its name and shape
        assert a[3] < b[1] + 1e-9  # and starts under it, where the chain goes on
        assert f"edge:{anchor}->{aux}" in {line.get_gid() for line in figure.axes[0].lines}
    text = " ".join(t.get_text() for t in figure.axes[0].texts if t.get_gid() == "box:aux1")
    assert text.startswith("auxiliary classifier avg pool 5×5 /3 conv 1×1") and text.endswith("4 units, softmax")
    assert layout_problems(figure) == []


def _course_model(name):
    from cnnlab.models.classic import lenet5
    from cnnlab.models.googlenet import googlenet
    from cnnlab.models.resnet import resnet34

    return {"lenet": lambda: lenet5(faithful=True), "googlenet": googlenet, "resnet34": resnet34}[name]()


@pytest.fixture(scope="module")
def course_models(keras):
    return {}


@pytest.fixture
def course_model(request, course_models):
    if request.param not in course_models:
        course_models[request.param] = _course_model(request.param)
    return course_models[request.param]


@pytest.mark.tensorflow
@pytest.mark.parametrize("direction", ["vertical", "horizontal"])
@pytest.mark.parametrize("course_model", ["lenet", "googlenet", "resnet34"], indirect=True)
def test_the_course_diagrams_read_at_column_width_top_to_bottom(inspect_module, course_model, direction,
                                                                close_figures):
    """Notebook 06 draws these three: 9 pt text at most 8 inches wide, nothing overlapping, crossed or cut off."""
    figure = importlib.import_module("cnnlab.models.diagram").diagram(course_model, direction=direction)
    assert figure.get_size_inches()[0] <= COLUMN_INCHES
    assert min(t.get_fontsize() for t in figure.axes[0].texts) >= 9
    assert layout_problems(figure) == []
    # Top to bottom: each box under the one before it in its column; a new column starts to its right
    # (or, on a new band, further down).
    centres = [((e[0] + e[2]) / 2, e[3]) for e in map(extent, patches_by_gid(figure).values())]
    for (x0, top0), (x1, top1) in zip(centres, centres[1:]):
        assert (abs(x1 - x0) < 1e-6 and top1 < top0) or x1 > x0 or top1 < top0


@pytest.mark.tensorflow
def test_resnet34_diagram_draws_every_skip_connection_and_marks_the_projections(inspect_module, course_models,
                                                                                close_figures):
    model = course_models.setdefault("resnet34", _course_model("resnet34"))
    figure = importlib.import_module("cnnlab.models.diagram").diagram(model)
    ax = figure.axes[0]
    skips = {line.get_gid()[5:]: line for line in ax.lines if line.get_gid().startswith("skip:")}
    units = [f"stage{s}_unit{u}" for s, count in zip((2, 3, 4, 5), (3, 4, 6, 3)) for u in range(1, count + 1)]
    assert list(skips) == units
    projections = {"stage3_unit1", "stage4_unit1", "stage5_unit1"}
    assert {unit for unit, line in skips.items() if line.get_linestyle() == "--"} == projections
    assert texts_by_gid(figure, "projection:") == dict.fromkeys(projections, "stride 2")  # the last line
    labels = {t.get_text() for t in ax.texts if t.get_gid() == "projection:stage4_unit1"}
    assert labels == {"1×1 conv", "stride 2"}
    convs, adds = patches_by_gid(figure), patches_by_gid(figure, "add:")
    for unit, line in skips.items():
        (x0, y0), *_, (x1, y1) = line.get_xydata()
        conv, add = extent(convs[unit]), extent(adds[unit])
        assert x0 == pytest.approx((conv[0] + conv[2]) / 2) and y0 > conv[3]  # from the unit's input, above it
        assert min(line.get_xdata()) < conv[0]  # beside the convolutions
        assert add[1] < y1 < add[3] and x1 < add[0]  # into the add (the arrowhead closes the gap)
    unit_text = {t.get_text() for t in ax.texts if t.get_gid() == "box:stage3_unit1"}
    assert unit_text == {"conv 3×3 /2, 128", "conv 3×3, 128"}
    assert texts_by_gid(figure, "shape:")["stage3_unit1"] == "28×28×128"


@pytest.mark.tensorflow
def test_googlenet_diagram_draws_each_modules_four_branches_and_their_depth_concat(inspect_module, course_models,
                                                                                  close_figures):
    from cnnlab.models.googlenet import INCEPTION_FILTERS

    model = course_models.setdefault("googlenet", _course_model("googlenet"))
    figure = importlib.import_module("cnnlab.models.diagram").diagram(model)
    ax = figure.axes[0]
    frames, bars, cells = patches_by_gid(figure), patches_by_gid(figure, "concat:"), patches_by_gid(figure, "branch:")
    lines = {}
    for t in ax.texts:
        lines.setdefault(t.get_gid(), []).append(t.get_text())
    for module, (c1, c3r, c3, c5r, c5, proj) in INCEPTION_FILTERS.items():
        name = f"inception{module}"
        expected = {"1x1": ["1×1", str(c1)], "3x3_reduce": ["1×1", str(c3r)], "3x3": ["3×3", str(c3)],
                    "5x5_reduce": ["1×1", str(c5r)], "5x5": ["5×5", str(c5)], "pool": ["max", "3×3"],
                    "pool_proj": ["1×1", str(proj)]}
        frame = extent(frames[name])
        for suffix, text in expected.items():
            cell = extent(cells[f"{name}_{suffix}"])
            assert lines[f"branch:{name}_{suffix}"] == text
            assert frame[0] < cell[0] and cell[2] < frame[2] and frame[1] < cell[1] and cell[3] < frame[3]
        bar = extent(bars[name])
        tops = [extent(cells[f"{name}_{s}"]) for s in ("1x1", "3x3_reduce", "5x5_reduce", "pool")]
        assert sorted(t[0] for t in tops) == [t[0] for t in tops]  # four branches side by side, left to right
        for s in ("1x1", "3x3", "5x5", "pool_proj"):  # each branch ends over the concat bar
            cell = extent(cells[f"{name}_{s}"])
            assert bar[0] - 1e-9 <= cell[0] and cell[2] <= bar[2] + 1e-9 and cell[1] > bar[3]
        assert lines[f"concat:{name}"] == ["depth concat"]
        assert texts_by_gid(figure, "shape:")[name] == "×".join(
            str(d) for d in model.get_layer(f"{name}_concat").output.shape[1:]).replace("1024", "1,024")


@pytest.mark.tensorflow
def test_figsize_bounds_the_diagram_which_keeps_its_proportions(inspect_module, small_cnn, close_figures):
    natural = importlib.import_module("cnnlab.models.diagram").diagram(small_cnn)
    width, height = natural.get_size_inches()
    small = importlib.import_module("cnnlab.models.diagram").diagram(small_cnn, figsize=(width / 2, height))
    assert tuple(small.get_size_inches()) == pytest.approx((width / 2, height / 2))
    assert min(t.get_fontsize() for t in small.axes[0].texts) == pytest.approx(4.5)
    assert layout_problems(small, smallest=4) == []  # smaller, but laid out the same


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    "function, kwargs, message",
    [
        ("layer_table", dict(model="cnn"), "model must be a keras.Model, received model='cnn'"),
        ("layer_table", dict(blocks="yes"), "blocks must be True or False, received blocks='yes'"),
        ("diagram", dict(direction="diagonal"), "direction must be one of 'vertical', 'horizontal', "
                                                "received direction='diagonal'"),
        ("diagram", dict(per_line=0), "per_line must be a positive integer, received per_line=0"),
        ("diagram", dict(figsize=(0, 3)), "figsize must be (width, height) in inches, two positive numbers, "
                                          "received figsize=(0, 3)"),
        ("diagram", dict(figsize="big"), "figsize must be (width, height) in inches, two positive numbers, "
                                         "received figsize='big'"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(inspect_module, small_cnn, function, kwargs, message):
    arguments = {"model": small_cnn} | kwargs
    module = importlib.import_module("cnnlab.models.diagram") if function == "diagram" else inspect_module
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        getattr(module, function)(**arguments)
