"""Widgets under a learner's rapid hands: 200 control changes, failures mid-update, slow computations.

For every ground-floor widget (and FeatureMapViewer with a tiny model) a *spec* says which
controls a learner can change (enabled and visible ones only), how to draw a random valid
value for each, what the widget shows (image bytes and readout HTML), how to build a fresh
widget set straight to given values, which pure functions compute what it shows, and which
function does the widget's main computation. The tests then check:

* 200 random changes (fixed seed) end showing exactly what a fresh widget set straight to
  the final values shows, and what the pure functions compute; no exception escapes; live
  Python memory (tracemalloc), live ipywidgets and matplotlib figures do not grow from
  change 20 to change 200;
* a failure inside the computation, triggered through each control in turn, is shown in the
  error line, every output stays as it was (the last good picture), and the next change
  works; the same for a failure at any point of the update (each ``encode_image`` call and
  every other compute function the widget calls);
* updates are synchronous: a control change returns only once its result is on display, no
  thread or timer is involved, so a slow early computation cannot land after a newer one.
"""

from __future__ import annotations

import gc
import linecache
import sys
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as w
import numpy as np
import pytest

from cnnlab import kernels as K
from cnnlab import ops
from cnnlab.plotting import encode_image

pytestmark = pytest.mark.reliability("widget-stress")

CHANGES = 200
CHECKPOINT = 20
#: Bytes of live Python memory allowed to appear between change 20 and change 200 (measured: 0.5 to
#: 11 KB, caches settling): far below what keeping one picture, widget or figure per change would take.
MEMORY_BOUND = 32 * 1024


# ----------------------------------------------------------------------------- generic driving


def live_widgets() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return len(w.Widget.widgets)


def live_figures() -> int:
    """Matplotlib figures alive (pyplot's open ones and any other), without importing matplotlib."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    figure = sys.modules.get("matplotlib.figure")
    count = len(pyplot.get_fignums()) if pyplot is not None else 0
    if figure is not None:
        count += sum(isinstance(o, figure.Figure) for o in gc.get_objects())
    return count


def usable(control) -> bool:
    """Whether a learner can change ``control``: enabled and shown."""
    return not getattr(control, "disabled", False) and control.layout.display != "none"


def option_values(control) -> list:
    return list(control._options_values)


def random_value(rng, control, low=None, high=None):
    """A random valid value for ``control``, different from its current value where possible."""
    for _ in range(20):
        if isinstance(control, (w.Dropdown, w.ToggleButtons)):
            values = option_values(control)
            value = values[rng.integers(len(values))]
        elif isinstance(control, w.Checkbox):
            value = not control.value
        elif isinstance(control, (w.IntSlider, w.BoundedIntText)):
            value = int(rng.integers(control.min if low is None else low,
                                     (control.max if high is None else high) + 1))
        elif isinstance(control, w.FloatSlider):
            steps = int(round((control.max - control.min) / control.step))
            value = round(control.min + control.step * int(rng.integers(steps + 1)), 6)
        elif isinstance(control, w.FloatText):
            value = round(float(rng.uniform(-2.0, 2.0)), 1)
        else:  # pragma: no cover - a spec names only the kinds above
            raise TypeError(type(control))
        if value != control.value:
            return value
    return value


@dataclass
class Spec:
    name: str
    make: Callable                     # () -> widget
    controls: Callable                 # widget -> {name: (control, low, high)}, all of them
    shown: Callable                    # widget -> tuple of what it shows
    fresh: Callable                    # widget -> a new widget set straight to widget's control values
    check: Callable                    # widget -> None: compare with the pure functions
    compute: tuple                     # (module, attribute) of the main computation
    also_fails: tuple = ()             # more (module, attribute) a failure may come from
    buttons: Callable = lambda widget: {}   # widget -> {name: button} to click now and then
    settle: Callable = lambda widget: None  # before a memory checkpoint: a same-state baseline
    extra: dict = field(default_factory=dict)


def usable_controls(spec, widget) -> dict:
    return {name: entry for name, entry in spec.controls(widget).items() if usable(entry[0])}


def change(spec, widget, rng, name=None):
    """Make one change (a control's value, or now and then a button click); return its name."""
    buttons = spec.buttons(widget)
    if name is None and buttons and rng.random() < 0.1:
        name = list(buttons)[rng.integers(len(buttons))]
    if name in buttons:
        buttons[name].click()
        return name
    controls = usable_controls(spec, widget)
    if name is None:
        name = list(controls)[rng.integers(len(controls))]
    control, low, high = controls[name]
    control.value = random_value(rng, control, low, high)
    return name


def expect_shows_its_values(spec, widget):
    assert widget.last_error is None, widget.last_error
    assert widget.error_box.layout.display == "none" and widget.error_box.value == ""
    spec.check(widget)
    again = spec.fresh(widget)
    assert again.last_error is None, again.last_error
    ours, theirs = spec.shown(widget), spec.shown(again)
    assert len(ours) == len(theirs)
    again.close()  # frees its ipywidgets (else they live on in Widget.widgets)
    for index, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"{spec.name}: output {index} differs from a fresh widget set to the final values"


# ----------------------------------------------------------------------------- specs


def photos(height, width, seed=0):
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(rng.random((height, width, 3)), axis=1)
    return {"photo": (smooth / smooth.max()).astype(np.float32),
            "noise": rng.random((height, width, 3)).astype(np.float32)}


# KernelExplorer -------------------------------------------------------------------------------

def kernel_make():
    from cnnlab.widgets import KernelExplorer

    return KernelExplorer(photos(24, 32), kernel="vertical line")


def kernel_controls(x):
    controls = {name: (getattr(x, name), None, None)
                for name in ("image_choice", "channel", "preset", "size", "angle", "sigma")}
    n = x.size.value
    for index, cell in enumerate(x.cells):  # the visible part of the grid
        if divmod(index, 7)[0] < n and index % 7 < n:
            controls[f"cell {index}"] = (cell, None, None)
    return controls


def kernel_buttons(x):
    return {"add": x.add_button, "clear": x.clear_button} if len(x.stack) < 3 else {"clear": x.clear_button}


def kernel_shown(x):
    labels = [child.children[0].value for child in x.stack_box.children[1:]]
    return (x.input_view.value, x.output_view.value, x.readout.value,
            tuple(view.value for view in x._stack_views), tuple(labels), len(x.stack_box.children))


def kernel_fresh(x):
    from cnnlab.widgets import KernelExplorer

    y = KernelExplorer(photos(24, 32), kernel=x.kernel)
    y.image_choice.value = x.image_choice.value
    y.channel.value = x.channel.value
    y.stack[:] = [(label, kernel.copy()) for label, kernel in x.stack]  # the stack is state, not a control
    y.kernel = x.kernel  # redraws, stack included
    return y


def kernel_check(x):
    from cnnlab.widgets.kernel_explorer import CHANNELS, feature_map

    name, n = x.preset.value, x.size.value
    if name == "custom":
        expected = x.kernel  # typed weights are exact; the grid shows every weight rounded (checked below)
    elif name == "gabor":
        expected = K.gabor(n, theta=np.deg2rad(x.angle.value))
    elif name == "gaussian":
        expected = K.gaussian(n, sigma=x.sigma.value)
    else:
        expected = K.get(name, n if name in K.sized_names() else None)
    np.testing.assert_allclose(x.kernel, expected, atol=1e-6)
    grid = np.array([c.value for c in x.cells], np.float32).reshape(7, 7)[:n, :n]
    from cnnlab.widgets.kernel_explorer import shown_weights
    np.testing.assert_allclose(grid, shown_weights(x.kernel), atol=1e-6)  # the grid shows the kernel, rounded
    channel = CHANNELS[x.channel.value]
    np.testing.assert_array_equal(x.output_array, feature_map(x.image, x.kernel, channel))
    for (_, kernel), view in zip(x.stack, x._stack_views):
        assert view.value == x._stack_picture(kernel)


def kernel_settle(x):
    x.clear_button.click()


# PoolingExplorer ------------------------------------------------------------------------------

def pooling_make():
    from cnnlab.widgets import PoolingExplorer

    return PoolingExplorer(photos(14, 18))


def pooling_controls(x):
    return {name: (getattr(x, name), None, None)
            for name in ("image_choice", "mode", "pool_size", "tie_stride", "stride", "padding", "shift",
                         "depth_size")}


def pooling_shown(x):
    return (x.input_view.value, x.output_view.value, x.readout.value, x.depth_readout.value,
            tuple(v.value for v in x.depth_inputs),
            tuple((v.value if v.layout.display != "none" else None, v.layout.display) for v in x.depth_outputs))


def pooling_fresh(x):
    from cnnlab.widgets import PoolingExplorer

    y = PoolingExplorer(photos(14, 18), mode=x.mode.value, pool_size=x.pool_size.value,
                        stride=None if x.tie_stride.value else x.stride.value, padding=x.padding.value)
    y.image_choice.value = x.image_choice.value
    y.shift.value = x.shift.value
    y.depth_size.value = x.depth_size.value
    return y


def pooling_check(x):
    from cnnlab.widgets.pooling_explorer import orientation_maps, pool, shift_invariance

    original = photos(14, 18)[x.image_choice.value]
    image = np.concatenate([original[:, :1], original[:, :-1]], axis=1) if x.shift.value else original
    args = (x.mode.value, x.pool_size.value, x.stride.value, x.padding.value)
    if x.tie_stride.value:
        assert x.stride.value == x.pool_size.value
    np.testing.assert_array_equal(x.output_array, pool(image, *args))
    assert x.invariance == shift_invariance(original, *args)
    np.testing.assert_array_equal(x.depth_output, ops.depth_max_pool(orientation_maps(image), x.depth_size.value))


# ConvGeometryExplorer -------------------------------------------------------------------------

def geometry_make():
    from cnnlab.widgets import ConvGeometryExplorer

    return ConvGeometryExplorer()


def geometry_controls(x):
    return {name: (getattr(x, name), None, None)
            for name in ("input_height", "input_width", "kernel_height", "kernel_width", "stride_height",
                         "stride_width", "same_stride", "padding", "step")}


def geometry_shown(x):
    return (x.diagram.value, x.readout.value)


def geometry_fresh(x):
    from cnnlab.widgets import ConvGeometryExplorer

    y = ConvGeometryExplorer((x.input_height.value, x.input_width.value),
                             (x.kernel_height.value, x.kernel_width.value),
                             (x.stride_height.value, x.stride_width.value), x.padding.value, step=x.step.value)
    y.same_stride.value = x.same_stride.value
    return y


def geometry_check(x):
    from cnnlab.widgets.conv_geometry import conv_geometry, geometry_readout, geometry_svg

    g = conv_geometry((x.input_height.value, x.input_width.value), (x.kernel_height.value, x.kernel_width.value),
                      (x.stride_height.value, x.stride_width.value), x.padding.value)
    neuron = g.neuron(x.step.value)
    assert x.step.max == x.play.max == g.n_outputs - 1 and x.play.value == x.step.value
    assert x.diagram.value == geometry_svg(g, neuron) and x.readout.value == geometry_readout(g, neuron)
    if x.same_stride.value:
        assert x.stride_width.value == x.stride_height.value


# ReceptiveFieldExplorer -----------------------------------------------------------------------

FIELD_IMAGE = np.random.default_rng(3).random((36, 40, 3)).astype(np.float32)


def field_make():
    from cnnlab.widgets import ReceptiveFieldExplorer

    return ReceptiveFieldExplorer(FIELD_IMAGE, scale=4)


def field_controls(x):
    return {name: (getattr(x, name), None, None) for name in ("preset", "layer", "row", "col")}


def field_shown(x):
    return (x.image.value, x.readout.value, x.table_html.value)


def field_fresh(x):
    from cnnlab.widgets import ReceptiveFieldExplorer

    y = ReceptiveFieldExplorer(FIELD_IMAGE, scale=4, preset=x.preset.value)
    y.layer.value = x.layer.value
    y.row.value, y.col.value = x.row.value, x.col.value
    return y


def field_check(x):
    from cnnlab.widgets.receptive_field import draw_box, field_box, field_table

    shape = FIELD_IMAGE.shape[:2]
    table = field_table(x.layers, shape)
    out_h, out_w = table[x.layer.value].output_shape
    assert (x.row.max, x.col.max) == (out_h - 1, out_w - 1)
    box = field_box(x.layers, shape, x.layer.value, x.row.value, x.col.value)
    assert x.box == box
    assert x.image.value == encode_image(draw_box(x.input_image, box, scale=4, border=2), "jpeg")


# MemoryCalculator -----------------------------------------------------------------------------

def memory_make():
    from cnnlab.widgets import MemoryCalculator

    return MemoryCalculator()


_MEMORY_RANGES = {"height": (1, 400), "width": (1, 400), "channels": (1, 64), "filters": (1, 512),
                  "kernel_size": (None, None), "stride": (None, None), "padding": (None, None),
                  "batch_size": (1, 1000), "dtype": (None, None)}


def memory_controls(x):
    return {name: (getattr(x, name), *bounds) for name, bounds in _MEMORY_RANGES.items()}


def memory_values(x):
    return {name: getattr(x, name).value for name in _MEMORY_RANGES}


def memory_shown(x):
    return (x.readout.value,)


def memory_fresh(x):
    from cnnlab.widgets import MemoryCalculator

    return MemoryCalculator(**memory_values(x))


def memory_check(x):
    from cnnlab.memory import conv2d_stats

    v = memory_values(x)
    stats = conv2d_stats((v["height"], v["width"], v["channels"]), v["filters"], v["kernel_size"], v["stride"],
                         v["padding"])
    assert (x.stats.params, x.stats.multiplications, x.stats.output_shape) == (
        stats.params, stats.multiplications, stats.output_shape)
    assert f"{stats.params:,}" in x.readout.value


# DatasetBrowser (MNIST test set) --------------------------------------------------------------

_MNIST = {}


def mnist():
    if not _MNIST:
        from cnnlab import datasets

        _, (x_test, y_test) = datasets.load_mnist()
        _MNIST.update(images=x_test, labels=y_test)
    return _MNIST["images"], _MNIST["labels"]


def browser_make():
    from cnnlab.widgets import DatasetBrowser

    images, labels = mnist()
    return DatasetBrowser(images, labels, [str(d) for d in range(10)], scale=4, title="MNIST")


def browser_controls(x):
    return {"class_filter": (x.class_filter, None, None), "slider": (x.slider, None, None)}


def browser_shown(x):
    return (x.image.value, x.caption.value)


def browser_fresh(x):
    y = browser_make()
    y.class_filter.value = x.class_filter.value
    y.slider.value = x.slider.value
    return y


def browser_check(x):
    from cnnlab.widgets.dataset_browser import class_indices

    images, labels = mnist()
    positions = class_indices(labels, x.class_filter.value)
    assert x.slider.max == len(positions) - 1
    assert x.index == positions[x.slider.value]
    assert x.image.value == encode_image(images[x.index], "png", vmin=0, vmax=255, scale=4)
    assert f"label <b>{labels[x.index]}: " in x.caption.value


# FeatureMapViewer (a tiny model) --------------------------------------------------------------

_MODEL = {}


def tiny_model():
    if not _MODEL:
        import keras

        keras.utils.set_random_seed(0)
        inputs = keras.Input((12, 12, 1))
        x = keras.layers.Conv2D(4, 3, name="c1")(inputs)
        x = keras.layers.MaxPooling2D(name="p1")(x)
        x = keras.layers.Conv2D(6, 3, padding="same", name="c2")(x)
        x = keras.layers.ReLU(name="r2")(x)
        outputs = keras.layers.Dense(3, name="out")(keras.layers.Flatten(name="flat")(x))
        _MODEL["model"] = keras.Model(inputs, outputs)
    return _MODEL["model"]


def viewer_images():
    rng = np.random.default_rng(5)
    return {f"digit {i}": rng.integers(0, 256, (12, 12), dtype=np.uint8) for i in range(3)}


def viewer_make():
    from cnnlab.widgets import FeatureMapViewer

    return FeatureMapViewer(tiny_model(), viewer_images())


def viewer_controls(x):
    return {"layer_choice": (x.layer_choice, None, None), "image_choice": (x.image_choice, None, None)}


def viewer_shown(x):
    return (x.input_view.value, x.output_view.value, x.readout.value)


def viewer_fresh(x):
    y = viewer_make()
    y.layer_choice.value = x.layer_choice.value
    y.image_choice.value = x.image_choice.value
    return y


def viewer_check(x):
    from cnnlab.widgets.feature_maps import feature_maps

    image = viewer_images()[x.image_choice.value]
    np.testing.assert_array_equal(x.output_array, feature_maps(tiny_model(), image, x.layer_choice.value))


SPECS = [
    Spec("KernelExplorer", kernel_make, kernel_controls, kernel_shown, kernel_fresh, kernel_check,
         ("cnnlab.widgets.kernel_explorer", "_plane_map"),  # feature_map, unchecked: the photo was checked on entry
         also_fails=(("cnnlab.widgets.kernel_explorer", "channel_planes"), ("cnnlab.kernels", "get"),
                     ("cnnlab.widgets.kernel_explorer", "_planes_scale"),
                     ("cnnlab.kernels", "gabor"), ("cnnlab.kernels", "gaussian")),
         buttons=kernel_buttons, settle=kernel_settle),
    Spec("PoolingExplorer", pooling_make, pooling_controls, pooling_shown, pooling_fresh, pooling_check,
         ("cnnlab.widgets.pooling_explorer", "_pooled"),  # pool, unchecked: the photo was checked on entry
         also_fails=(("cnnlab.widgets.pooling_explorer", "_changes"), ("cnnlab.ops", "pool_geometry"),
                     ("cnnlab.widgets.pooling_explorer", "_orientations_of"), ("cnnlab.ops", "depth_max"))),
    Spec("ConvGeometryExplorer", geometry_make, geometry_controls, geometry_shown, geometry_fresh, geometry_check,
         ("cnnlab.widgets.conv_geometry", "conv_geometry"),
         also_fails=(("cnnlab.widgets.conv_geometry", "geometry_svg"),
                     ("cnnlab.widgets.conv_geometry", "geometry_readout"))),
    Spec("ReceptiveFieldExplorer", field_make, field_controls, field_shown, field_fresh, field_check,
         ("cnnlab.widgets.receptive_field", "field_table"),
         also_fails=(("cnnlab.widgets.receptive_field", "field_path"), ("cnnlab.widgets.receptive_field", "field_box"),
                     ("cnnlab.widgets.receptive_field", "draw_box"), ("cnnlab.widgets.receptive_field", "_table_html"))),
    Spec("MemoryCalculator", memory_make, memory_controls, memory_shown, memory_fresh, memory_check,
         ("cnnlab.widgets.memory_calculator", "conv2d_stats"),
         also_fails=(("cnnlab.widgets.memory_calculator", "Network"),
                     ("cnnlab.widgets.memory_calculator", "format_bytes"))),
    Spec("DatasetBrowser", browser_make, browser_controls, browser_shown, browser_fresh, browser_check,
         ("cnnlab.widgets.dataset_browser", "class_indices")),
    Spec("FeatureMapViewer", viewer_make, viewer_controls, viewer_shown, viewer_fresh, viewer_check,
         ("cnnlab.widgets.feature_maps", "feature_maps"),
         also_fails=(("cnnlab.widgets.feature_maps", "feature_grid"),)),
]
IDS = [spec.name for spec in SPECS]
#: ``(module, function)`` with which a widget turns arrays into pictures: encode_image, or encode_array (its
#: unchecked engine) in the explorers, which check a photo once where it enters.
ENCODERS = {"KernelExplorer": ("cnnlab.widgets.kernel_explorer", "encode_array"),
            "PoolingExplorer": ("cnnlab.widgets.pooling_explorer", "encode_array"),
            "ReceptiveFieldExplorer": ("cnnlab.widgets.receptive_field", "encode_image"),
            "DatasetBrowser": ("cnnlab.widgets.dataset_browser", "encode_image"),
            "FeatureMapViewer": ("cnnlab.widgets.feature_maps", "encode_image")}


@pytest.fixture(params=SPECS, ids=IDS)
def spec(request):
    spec = request.param
    if spec.name == "DatasetBrowser":
        request.getfixturevalue("data_dir")  # real MNIST from the offline mirror (fails, never skips, without it)
    return spec


# ----------------------------------------------------------------------------- 200 changes


def restore(spec, widget, initial):
    """Set every control back to its starting value (twice over: some controls move others)."""
    spec.settle(widget)
    for _ in range(2):
        for name, value in initial.items():
            control = spec.controls(widget)[name][0]
            if control.value != value:
                control.value = value


def test_200_rapid_changes_end_on_the_last_values_without_leaks(spec):
    """Memory is measured after changes 20 and 200, each time with the widget set back to its starting values
    (so both measurements hold the same pictures), after 200 changes on another instance have filled the
    one-time caches (imports, source lines for error messages, Python's attribute-name cache)."""
    rng = np.random.default_rng(2024)
    warm = spec.make()
    for _ in range(CHANGES):
        change(spec, warm, rng)
    warm.close()
    del warm
    tracemalloc.start()
    widget = spec.make()
    initial = {name: entry[0].value for name, entry in spec.controls(widget).items() if not name.startswith("cell ")}
    first_picture = spec.shown(widget)
    threads = set(threading.enumerate())
    errors = []
    gc.collect()
    try:
        measured = {}
        made = 0
        while made < CHANGES or widget.last_error is not None:  # end on a setting that works
            change(spec, widget, rng)
            made += 1
            assert made < CHANGES + 100, "200+100 random changes and still no setting without an error"
            if widget.last_error is not None:
                errors.append(type(widget.last_error))  # not the error: its traceback holds frames
                assert widget.error_box.layout.display is None and widget.error_box.value
            mark = CHANGES if made >= CHANGES else CHECKPOINT if made >= CHECKPOINT else None
            if mark is not None and mark not in measured and widget.last_error is None:  # 20 (or the first fine after)
                expect_shows_its_values(spec, widget)  # the last change's result is on display
                restore(spec, widget, initial)
                assert widget.last_error is None and spec.shown(widget) == first_picture, \
                    "set back to its starting values, the widget must show its first picture again"
                gc.collect()
                measured[mark] = (live_python_memory(), live_widgets(), live_figures())
    finally:
        tracemalloc.stop()
    assert set(threading.enumerate()) == threads, "a change started a thread: updates must be synchronous"
    # A failing setting (a VALID kernel larger than the input, say) is a user error shown in place.
    assert set(errors) <= {ValueError}, errors

    (snap_before, widgets_before, figures_before) = measured[CHECKPOINT]
    (snap_after, widgets_after, figures_after) = measured[CHANGES]
    stats = snap_after.compare_to(snap_before, "lineno")
    growth = sum(stat.size_diff for stat in stats)
    top = "\n".join(str(stat) for stat in stats[:8])
    print(f"{spec.name}: {growth} bytes from change {CHECKPOINT} to {CHANGES}")
    assert growth < MEMORY_BOUND, f"{spec.name}: {growth} bytes more from change {CHECKPOINT} to {CHANGES}:\n{top}"
    assert widgets_after == widgets_before, f"{spec.name}: {widgets_after - widgets_before} more live widgets"
    assert figures_after == figures_before, f"{spec.name}: {figures_after - figures_before} more figures"


def _registry_lines():
    """Where ipywidgets and comm register each live widget in a dict (``_instances``, ``CommManager.comms``).

    Creating and closing widgets (the fresh widgets these tests compare with) churns these dicts, and
    CPython may then re-size one to twice its size with the same entries in it: 25 KB that is not a leak.
    Live widgets are counted on their own, so these two lines are left out of the memory measurement.
    """
    import inspect

    from comm.base_comm import CommManager

    found = []
    for function, text in ((w.Widget._comm_changed.func, "_instances["), (CommManager.register_comm, "self.comms[")):
        lines, first = inspect.getsourcelines(function)
        filename = inspect.getsourcefile(function)
        found += [tracemalloc.Filter(False, filename, first + offset)
                  for offset, line in enumerate(lines) if text in line and "=" in line]
    return found


_REGISTRY_FILTERS = _registry_lines()


def live_python_memory():
    """A tracemalloc snapshot of live Python memory, without the snapshots' own memory and one-time caches
    (source lines read for an error message's traceback, modules imported on first use, and CPython's
    attribute-lookup cache, which keeps up to 4096 attribute names that traitlets builds afresh per change)."""
    sys._clear_type_cache()
    return tracemalloc.take_snapshot().filter_traces([
        *_REGISTRY_FILTERS,
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, linecache.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    ])


# ----------------------------------------------------------------------------- failures


class FailOnce:
    """Stands in for a function: raises on call number ``at`` (1-based), then behaves as the original."""

    def __init__(self, original, at=1, message="injected failure"):
        self.original, self.at, self.calls, self.message = original, at, 0, message

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise RuntimeError(f"{self.message} (call {self.at})")
        return self.original(*args, **kwargs)

    @property
    def fired(self) -> bool:
        return self.calls >= self.at


def inject(monkeypatch, target, at=1, message="injected failure"):
    import importlib

    module = importlib.import_module(target[0])
    fake = FailOnce(getattr(module, target[1]), at, message)
    monkeypatch.setattr(module, target[1], fake)
    return fake


def expect_failure_shown_and_recovery(spec, widget, before, fake, rng, monkeypatch, what):
    assert isinstance(widget.last_error, RuntimeError) and fake.message in str(widget.last_error), what
    assert widget.error_box.layout.display is None and fake.message in widget.error_box.value, what
    after = spec.shown(widget)
    for index, (a, b) in enumerate(zip(before, after)):
        assert a == b, f"{what}: output {index} changed although the update failed (the last good picture must stay)"
    monkeypatch.undo()
    change(spec, widget, rng)  # the next change works
    if widget.last_error is not None:  # a user error (VALID kernel too large...): one more change
        assert isinstance(widget.last_error, ValueError)
        for _ in range(50):
            change(spec, widget, rng)
            if widget.last_error is None:
                break
    expect_shows_its_values(spec, widget)


def test_a_failing_computation_is_shown_through_every_control_and_the_widget_recovers(spec, monkeypatch):
    rng = np.random.default_rng(7)
    widget = spec.make()
    for name in list(usable_controls(spec, widget)) + list(spec.buttons(widget)):
        if name not in usable_controls(spec, widget) and name not in spec.buttons(widget):
            continue  # hidden by an earlier change
        if name.startswith("cell ") and name != "cell 0":
            continue  # one grid cell stands for all
        before = spec.shown(widget)
        fake = inject(monkeypatch, spec.compute, message=f"injected failure via {name}")
        change(spec, widget, rng, name)  # must not raise: the error goes to the widget
        assert fake.fired, f"{spec.name}: changing {name} did not recompute"
        expect_failure_shown_and_recovery(spec, widget, before, fake, rng, monkeypatch, f"{spec.name}.{name}")


def test_a_failure_anywhere_in_an_update_leaves_every_output_as_it_was(spec, monkeypatch):
    """Each other compute function, and each call of encode_image, fails in turn during one change."""
    rng = np.random.default_rng(11)
    widget = spec.make()
    targets = list(spec.also_fails)
    if spec.name in ENCODERS:
        targets.append(ENCODERS[spec.name])
    assert targets or spec.name in ("DatasetBrowser",)
    tried = 0
    for target in targets:
        for name in list(usable_controls(spec, widget)):
            if name not in usable_controls(spec, widget) or (name.startswith("cell ") and name != "cell 0"):
                continue
            for at in range(1, 16):
                before = spec.shown(widget)
                fake = inject(monkeypatch, target, at, message=f"injected failure in {target[1]} via {name}")
                change(spec, widget, rng, name)
                if not fake.fired:  # this change called the function fewer than `at` times
                    monkeypatch.undo()
                    if widget.last_error is not None:
                        change(spec, widget, rng)
                    break
                tried += 1
                expect_failure_shown_and_recovery(spec, widget, before, fake, rng, monkeypatch,
                                                  f"{spec.name}.{name}, {target[1]} call {at}")
    if targets:
        assert tried > 0


# ----------------------------------------------------------------------------- synchrony


def test_updates_are_synchronous_so_a_slow_one_cannot_overwrite_a_newer_one(spec, monkeypatch):
    """The first change's computation is slow; its result is on display when the change returns, and the
    second change's result replaces it. No widget computes in a thread, a timer or a debounce."""
    import importlib

    rng = np.random.default_rng(3)
    widget = spec.make()
    module = importlib.import_module(spec.compute[0])
    original = getattr(module, spec.compute[1])
    calls = []

    def slow_first(*args, **kwargs):
        calls.append(threading.current_thread())
        if len(calls) == 1:
            time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, spec.compute[1], slow_first)
    threads = set(threading.enumerate())
    start = time.perf_counter()
    for _ in range(20):  # a first change whose setting works
        change(spec, widget, rng)
        if widget.last_error is None:
            break
    took = time.perf_counter() - start
    assert calls and took >= 0.3, "the slow computation did not run inside the change"
    first = spec.shown(widget)
    expect_shows_its_values(spec, widget)  # the slow result is already on display
    for _ in range(20):
        change(spec, widget, rng)
        if widget.last_error is None and spec.shown(widget) != first:
            break
    monkeypatch.undo()
    time.sleep(0.05)
    expect_shows_its_values(spec, widget)  # the newer result, nothing late came back over it
    assert all(thread is threading.main_thread() for thread in calls)
    assert set(threading.enumerate()) == threads


def test_a_photo_uploaded_again_under_the_same_name_is_shown_anew():
    """KernelExplorer caches an image's planes and picture by name: a second upload of "photo.png" must replace both."""
    import datetime
    import io

    from PIL import Image

    from cnnlab.widgets.kernel_explorer import feature_map

    explorer = kernel_make()

    def upload(pixels):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        data = buffer.getvalue()
        explorer.upload.value = ({"name": "photo.png", "type": "image/png", "size": len(data),
                                  "content": memoryview(data),
                                  "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)

    left = np.zeros((20, 20, 3), np.uint8)
    left[:, :10] = 255
    upload(left)
    first = (explorer.input_view.value, explorer.output_view.value)
    upload(left[:, ::-1].copy())  # the same name, the mirror image
    assert explorer.last_error is None and explorer.image_choice.value == "upload: photo.png"
    np.testing.assert_array_equal(explorer.output_array, feature_map(left[:, ::-1] / 255.0, explorer.kernel))
    assert explorer.input_view.value != first[0] and explorer.output_view.value != first[1]
    explorer.close()
