"""ConvGeometryExplorer driven through its controls, and the pure geometry behind it."""

import re
import xml.etree.ElementTree as ET

import pytest

from cnnlab import ops
from cnnlab.widgets import ConvGeometryExplorer
from cnnlab.widgets.conv_geometry import conv_geometry, geometry_readout, geometry_svg

SVG = "{http://www.w3.org/2000/svg}"


def cells(svg: str, *classes: str) -> list[tuple[int, int]]:
    """``(data-row, data-col)`` of every element of the SVG that has all of ``classes``."""
    root = ET.fromstring(svg)
    return [(int(e.get("data-row")), int(e.get("data-col"))) for e in root.iter()
            if set(classes) <= set((e.get("class") or "").split())]


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def expected_window(geometry, i, j) -> set[tuple[int, int]]:
    """The real input cells of neuron (i, j), straight from ops.receptive_field_bounds."""
    (r0, r1), (c0, c1) = (
        ops.receptive_field_bounds([(k, s, geometry.padding)], n, index)[0]
        for n, k, s, index in zip(geometry.input_shape, geometry.kernel_size, geometry.strides, (i, j))
    )
    return {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}


# --------------------------------------------------------------------------- pure functions


def test_figure_13_7_geometry():
    same = conv_geometry((1, 13), (1, 6), (1, 5), "same")
    valid = conv_geometry((1, 13), (1, 6), (1, 5), "VALID")
    assert same.padding == "SAME" and same.output_shape == (1, 3) and same.pads == ((0, 0), (1, 2))
    assert same.ignored_cols == () and same.padded_shape == (1, 16)
    assert valid.output_shape == (1, 2) and valid.pads == ((0, 0), (0, 0))
    assert valid.ignored_cols == (11, 12) and valid.ignored_rows == ()
    assert [valid.window(0, j).cols for j in range(2)] == [range(0, 6), range(5, 11)]
    assert same.window(0, 0).padded_cols == range(0, 6) and same.window(0, 0).cols == range(0, 5)


@pytest.mark.parametrize("shape, kernel, strides, padding", [
    ((5, 7), (3, 3), (1, 1), "SAME"), ((5, 7), (3, 3), (2, 2), "SAME"), ((1, 13), (1, 6), (1, 5), "SAME"),
    ((1, 13), (1, 6), (1, 5), "VALID"), ((6, 9), (4, 2), (3, 2), "VALID"), ((8, 8), (7, 5), (3, 1), "SAME"),
])
def test_windows_agree_with_the_padded_input_and_with_ops(shape, kernel, strides, padding):
    g = conv_geometry(shape, kernel, strides, padding)
    assert g.output_shape == tuple(ops.output_size(n, k, s, padding) for n, k, s in zip(shape, kernel, strides))
    assert g.pads == ops.padding_amounts(shape, kernel, strides, padding)
    read = set()
    for step in range(g.n_outputs):
        i, j = g.neuron(step)
        window = g.window(i, j)
        assert window.cells == expected_window(g, i, j)
        (top, _), (left, _) = g.pads
        # the real cells are the padded window shifted by the padding and clipped to the input
        rows, cols = window.padded_rows, window.padded_cols
        assert window.rows == range(max(rows.start - top, 0), min(rows.stop - top, shape[0]))
        assert window.cols == range(max(cols.start - left, 0), min(cols.stop - left, shape[1]))
        assert window.padded_rows.stop <= g.padded_shape[0] and window.padded_cols.stop <= g.padded_shape[1]
        read |= window.cells
    assert {r for r, _ in read} == set(range(shape[0])) - set(g.ignored_rows)
    assert {c for _, c in read} == set(range(shape[1])) - set(g.ignored_cols)


def test_a_stride_larger_than_the_kernel_skips_inputs_even_with_same_padding():
    g = conv_geometry((7, 9), (1, 2), 3, "SAME")
    assert g.ignored_rows == (1, 2, 4, 5) and g.ignored_cols == (2, 5, 8)


@pytest.mark.parametrize("shape, kernel, strides, padding", [
    ((5, 7), 3, 1, "SAME"), ((5, 7), 3, 2, "SAME"), ((1, 13), (1, 6), (1, 5), "SAME"), ((4, 4), 4, 3, "SAME"),
    ((1, 13), (1, 6), (1, 5), "VALID"),
])
def test_svg_draws_every_padding_cell_input_cell_and_output_cell(shape, kernel, strides, padding):
    g = conv_geometry(shape, kernel, strides, padding)
    svg = geometry_svg(g, (0, 0))
    (top, bottom), (left, right) = ops.padding_amounts(shape, kernel, strides, padding)
    h, w = shape
    assert len(cells(svg, "pad")) == (h + top + bottom) * (w + left + right) - h * w
    assert sorted(cells(svg, "cell")) == [(r, c) for r in range(h) for c in range(w)]
    assert len(cells(svg, "out")) == g.n_outputs and cells(svg, "hl") == [(0, 0)]
    pads = set(cells(svg, "pad"))
    assert all(not (0 <= r < h and 0 <= c < w) for r, c in pads)


def test_svg_window_rectangle_sits_on_the_padded_window():
    g = conv_geometry((5, 7), 3, 2, "SAME")
    svg = geometry_svg(g, (1, 2), cell=20)
    root = ET.fromstring(svg)
    window = next(e for e in root.iter(f"{SVG}rect") if e.get("class") == "window")
    origin = next(e for e in root.iter(f"{SVG}g") if e.get("data-row") == "-1" and e.get("data-col") == "-1")
    x0, y0 = float(origin[0].get("x")), float(origin[0].get("y"))    # top-left padding cell
    assert (float(window.get("x")) - x0, float(window.get("y")) - y0) == (2 * 2 * 20, 1 * 2 * 20)
    assert (float(window.get("width")), float(window.get("height"))) == (3 * 20, 3 * 20)
    assert set(cells(svg, "in-window")) == {(r, c) for r in range(1, 4) for c in range(3, 6)}


#: The SHA-256 (first 32 hex digits) of geometry_svg's output for each setting, recorded from the function as
#: it was before it was split into one helper per part of the picture: the split must draw the same SVG.
PINNED_SVG = [
    ((5, 7), 3, 1, "SAME", (0, 0), None, "26194946743f4bfd9503ff7779da8ed4"),
    ((5, 7), 3, 2, "SAME", (1, 2), None, "4c46a5fe85bb9a55a3c91cd81ab12653"),
    ((1, 13), (1, 6), (1, 5), "SAME", (0, 2), None, "f43653ca2d2b07a77f82dbe58a891944"),
    ((1, 13), (1, 6), (1, 5), "VALID", (0, 1), None, "1b2ee5257e61d975e48b4f098cfc33fe"),
    ((6, 9), (4, 2), (3, 2), "VALID", (0, 3), 20, "51148de583d0e09aa358d29199c884f2"),
    ((8, 8), (7, 5), (3, 1), "SAME", (2, 7), None, "d968dc7fc7de8038e94d1c15a34e315b"),
    ((20, 20), (10, 10), (8, 8), "VALID", (1, 1), None, "f551ba42cea3d3d5c24c34318cc18591"),
    ((3, 3), 1, 1, "VALID", (2, 2), 7, "b133042b70abc035533285e36004eece"),
    ((9, 4), (2, 4), (4, 1), "VALID", (1, 0), None, "f2fd9a2faacd73b547b9a48b68dd408d"),
]


@pytest.mark.parametrize("shape, kernel, strides, padding, neuron, cell, digest", PINNED_SVG)
def test_svg_is_the_pinned_drawing(shape, kernel, strides, padding, neuron, cell, digest):
    import hashlib

    svg = geometry_svg(conv_geometry(shape, kernel, strides, padding), neuron, cell=cell)
    assert hashlib.sha256(svg.encode()).hexdigest()[:32] == digest


def test_readout_states_formulas_padding_and_ignored_inputs():
    same = text(geometry_readout(conv_geometry((1, 13), (1, 6), (1, 5), "SAME"), (0, 2)))
    assert "⌈13 / 5⌉ = 3 outputs" in same and "left 1 + right 2 = 3 zeros" in same
    assert "every input column is read" in same and "plus 2 zeros of padding" in same
    valid = text(geometry_readout(conv_geometry((1, 13), (1, 6), (1, 5), "VALID")))
    assert "⌊(13 − 6) / 5⌋ + 1 = 2 outputs" in valid and "ignored input columns: 11, 12" in valid


# --------------------------------------------------------------------------- the widget


@pytest.fixture
def explorer():
    return ConvGeometryExplorer()


def test_starts_on_figure_13_3(explorer):
    assert explorer.geometry.output_shape == (5, 7) and explorer.geometry.pads == ((1, 1), (1, 1))
    assert explorer.step.max == 34 and explorer.play.max == 34
    assert len(cells(explorer.diagram.value, "pad")) == 7 * 9 - 5 * 7
    assert cells(explorer.svg, "hl") == [(0, 0)] and explorer.svg == explorer.diagram.value


def test_figure_13_7_same_then_valid_through_the_controls():
    explorer = ConvGeometryExplorer.figure_13_7()
    readout = text(explorer.readout.value)
    assert "⌈13 / 5⌉ = 3 outputs" in readout and len(cells(explorer.svg, "out")) == 3
    assert cells(explorer.svg, "ignored") == [] and len(cells(explorer.svg, "pad")) == 3
    explorer.padding.value = "VALID"
    readout = text(explorer.readout.value)
    assert "⌊(13 − 6) / 5⌋ + 1 = 2 outputs" in readout
    assert "ignored input columns: 11, 12" in readout
    assert sorted(cells(explorer.svg, "ignored")) == [(0, 11), (0, 12)]
    assert cells(explorer.svg, "pad") == [] and len(cells(explorer.svg, "out")) == 2
    assert explorer.step.max == 1


def test_each_step_highlights_its_neuron_and_exactly_the_window_ops_gives():
    explorer = ConvGeometryExplorer.figure_13_4()
    g = explorer.geometry
    assert g.output_shape == (3, 4)
    for step in range(explorer.step.max + 1):
        explorer.step.value = step
        i, j = divmod(step, 4)
        assert cells(explorer.svg, "hl") == [(i, j)] and explorer.window.neuron == (i, j)
        assert set(cells(explorer.svg, "cell", "in-window")) == expected_window(g, i, j)
        padded = len(explorer.window.padded_rows) * len(explorer.window.padded_cols)
        assert len(cells(explorer.svg, "in-window")) == padded == 9      # real cells + padding cells
        assert f"Output neuron ({i}, {j})" in explorer.readout.value


def test_play_moves_the_step(explorer):
    explorer.play.value = 8
    assert explorer.step.value == 8 and cells(explorer.svg, "hl") == [(1, 1)]


def test_step_slider_max_follows_the_number_of_outputs(explorer):
    explorer.step.value = 30
    explorer.stride_height.value = 2          # one stride for both axes: the width follows
    assert explorer.stride_width.value == 2 and explorer.stride_width.disabled
    assert explorer.geometry.output_shape == (3, 4)
    assert explorer.step.max == 11 and explorer.play.max == 11 and explorer.step.value == 11
    assert cells(explorer.svg, "hl") == [(2, 3)]
    explorer.same_stride.value = False
    explorer.stride_width.value = 1
    assert explorer.geometry.output_shape == (3, 7) and explorer.step.max == 20
    explorer.input_width.value = 13
    assert explorer.step.max == 3 * 13 - 1


def test_an_impossible_setting_is_flagged_and_the_widget_recovers(explorer):
    explorer.padding.value = "VALID"
    good_svg, good_readout = explorer.svg, explorer.readout.value
    explorer.kernel_height.value = 6           # larger than the 5 rows of input
    assert isinstance(explorer.last_error, ValueError)
    assert explorer.error_box.layout.display is None
    assert "kernel_size=(6, 3)" in explorer.error_box.value and "padding=&#x27;VALID&#x27;" in explorer.error_box.value
    assert explorer.diagram.value == good_svg and explorer.readout.value == good_readout  # last good picture stays
    explorer.input_height.value = 8
    assert explorer.last_error is None and explorer.error_box.layout.display == "none"
    assert explorer.geometry.output_shape == (3, 5) and explorer.step.max == 14
    assert len(cells(explorer.svg, "out")) == 15


def test_explicit_initial_values():
    explorer = ConvGeometryExplorer(input_shape=(6, 9), kernel_size=(2, 4), strides=(1, 3), padding="valid", step=4)
    assert explorer.geometry.output_shape == (5, 2) and not explorer.same_stride.value
    assert explorer.padding.value == "VALID" and explorer.window.neuron == (2, 0)
    assert explorer.geometry.ignored_cols == (7, 8)


def test_displays_as_a_widget_with_a_short_text_form(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<ConvGeometryExplorer widget>"


@pytest.mark.parametrize("kwargs, message", [
    ({"input_shape": 0}, r"input_shape must be a positive integer .* received input_shape=0"),
    ({"input_shape": (25, 5)}, r"input_shape must be at most 20 .* received input_shape=\(25, 5\)"),
    ({"kernel_size": (3, 0)}, r"kernel_size must be .* received kernel_size=\(3, 0\)"),
    ({"kernel_size": 11}, r"kernel_size must be at most 10 .* received kernel_size=11"),
    ({"strides": "2"}, r"strides must be .* received strides='2'"),
    ({"padding": "FULL"}, r"padding must be one of 'SAME', 'VALID', received padding='FULL'"),
    ({"step": 35}, r"step must be below the number of outputs \(35\) .* received step=35"),
    ({"step": -1}, r"step must be a non-negative integer, received step=-1"),
    ({"input_shape": (5, 7), "kernel_size": 6, "padding": "VALID"},
     r"kernel_size=\(6, 6\) does not fit in input_shape=\(5, 7\) with padding='VALID'"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ConvGeometryExplorer(**kwargs)


def test_bad_neuron_is_refused():
    g = conv_geometry((5, 7), 3, 2, "SAME")
    with pytest.raises(ValueError, match=r"j must be below the output's 4 positions, received j=4"):
        g.window(0, 4)
    with pytest.raises(ValueError, match=r"step must be below the number of outputs \(12\), received step=12"):
        g.neuron(12)
