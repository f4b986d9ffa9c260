"""Issue #17: the memory guard holds under ``ulimit -v``, and it runs before any scan of the data.

**Under an address-space limit.** Each row names a public ground-floor function (or widget) and
how a size the learner picks enters it. A fresh Python runs the row with ``RLIMIT_AS`` at 1 GiB
(as ``ulimit -v 1048576`` would), so :func:`cnnlab._validation.memory_limit` is 512 MiB there, and
grows the size by half at each step from a small one that works. The sizes cross the guard's
limit far below the 4 GiB it uses on a large machine: every row must end in the guard's
``ValueError`` (its message states the memory needed), never in numpy's ``MemoryError`` nor a
killed process. ``test_the_sweep_fails_when_the_guard_ignores_ulimit`` shows the table can fail.

**Before any scan.** A NaN scan of a broadcast view (``np.broadcast_to(np.float32(0), shape)``
takes no memory however large ``shape`` is) used to allocate one boolean per value before the
request was refused. Each row here must be refused with a peak of traced memory (tracemalloc,
which numpy reports its buffers to) far below one byte per value; and the scan itself, on a real
array, tests a block at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

from cnnlab import _validation, kernels, ops, plotting

pytestmark = pytest.mark.reliability("resources")

GiB = 2**30
#: The address-space limit the sweeps run under (``ulimit -v 1048576``).
ADDRESS_SPACE = 1 * GiB

# ----------------------------------------------------------------------------- under ulimit -v

#: Row id -> a call of the size ``n`` (evaluated in the child, where ``np``, ``kernels``, ``ops``,
#: ``plotting``, ``digits``, ``widgets`` and ``view(shape, dtype, value)`` - a broadcast view, of 0.5 for
#: floats - are defined). A widget a step makes is closed before the next step, so steps do not add up.
SWEEPS = {
    "kernels.vertical_line": "kernels.vertical_line(n | 1)",
    "kernels.horizontal_line": "kernels.horizontal_line(n | 1)",
    "kernels.identity": "kernels.identity(n | 1)",
    "kernels.box_blur": "kernels.box_blur(n | 1)",
    "kernels.gaussian": "kernels.gaussian(n | 1)",
    "kernels.gabor": "kernels.gabor(size=n | 1)",
    "kernels.get": "kernels.get('box blur', size=n | 1)",
    "kernels.filter_bank/channels": "kernels.filter_bank(kernels.sobel_x(), channels=n * n)",
    "kernels.filter_bank/kernel": "kernels.filter_bank(view((n, n)), channels=3)",
    "ops.conv2d": "ops.conv2d(view((1, n, n, 3)), np.ones((3, 3, 3, 2), np.float32))",
    "ops.conv2d/same-stride-2": "ops.conv2d(view((1, n, n, 3)), np.ones((3, 3, 3, 4), np.float32), None, 2, 'SAME')",
    "ops.conv2d/uint8": "ops.conv2d(view((1, n, n, 3), np.uint8), np.ones((1, 1, 3, 1), np.float32))",
    "ops.conv2d_naive": "ops.conv2d_naive(view((1, n, n, 3)), np.ones((3, 3, 3, 2), np.float32), None, n // 8)",
    "ops.max_pool2d": "ops.max_pool2d(view((1, n, n, 3)), 2)",
    "ops.max_pool2d/same": "ops.max_pool2d(view((1, n, n, 3)), 3, 1, 'SAME')",
    "ops.avg_pool2d": "ops.avg_pool2d(view((1, n, n, 3)), 2, 1, 'SAME')",
    "ops.depth_max_pool": "ops.depth_max_pool(view((1, n, n, 3)), 3)",
    "ops.global_avg_pool": "ops.global_avg_pool(view((1, n, n, 3)))",
    "ops.local_response_normalization": "ops.local_response_normalization(view((1, n, n, 3)))",
    "plotting.to_uint8": "plotting.to_uint8(view((n, n)))",
    "plotting.encode_image": "plotting.encode_image(np.zeros((8, 8)), scale=n // 8 + 1)",
    "plotting.encode_image/cmap": "plotting.encode_image(view((n, n)), cmap='viridis')",
    "plotting.show_images": "plotting.show_images([view((n, n))])",
    "plotting.show_images/rgb": "plotting.show_images([view((n, n, 3))])",
    "plotting.show_images/size": "plotting.show_images([np.eye(3)], size=n / 50)",
    "plotting.show_predictions": "plotting.show_predictions([view((n, n, 3))], [[('cat', 1.0)]])",
    "digits.to_mnist": "digits.to_mnist(view((n, n), np.uint8, 255))",
    "digits.center_of_mass": "digits.center_of_mass(view((n, n)))",
    "widgets.DatasetBrowser/scale": "widgets.DatasetBrowser(np.zeros((1, 8, 8), np.uint8), [0], scale=n // 8 + 1)",
    "widgets.KernelExplorer/image": "widgets.KernelExplorer({'x': view((n, n, 3), np.uint8)})",
    "widgets.PoolingExplorer/image": "widgets.PoolingExplorer({'x': view((n, n, 3), np.uint8)})",
    "widgets.ReceptiveFieldExplorer/scale": "widgets.ReceptiveFieldExplorer(np.zeros((8, 8, 3)), scale=n // 8 + 1)",
    "widgets.feature_maps.feature_grid": "feature_grid(np.zeros((4, 4, 16), np.float32), pad=n // 4)",
    "widgets.feature_maps.prepare_image": "prepare_image(view((n, n, 3), np.uint8))",
}

CHILD = textwrap.dedent("""
    import gc, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, resource.getrlimit(resource.RLIMIT_AS)[1]))
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cnnlab import _validation, digits, kernels, ops, plotting, widgets
    from cnnlab.widgets.feature_maps import feature_grid, prepare_image
    {patch}
    def view(shape, dtype=np.float32, value=None):
        value = (0.5 if np.dtype(dtype).kind == "f" else 1) if value is None else value
        return np.broadcast_to(np.asarray(value, dtype), shape)
    n, done, result = 64, 0, {{"limit": _validation.memory_limit()}}
    while n < 10**6:
        try:
            made = eval(sys.argv[1], globals(), {{"n": n}})
        except ValueError as error:
            result.update(outcome="ValueError", message=str(error))
            break
        except MemoryError as error:
            result.update(outcome="MemoryError", message=repr(error))
            break
        if hasattr(made, "close"):  # a widget: closed, as a learner's replaced widget is freed
            made.close()
        del made
        plt.close("all")
        gc.collect()
        done, n = done + 1, int(n * 1.5)
    else:
        result["outcome"] = "never refused"
    result.update(n=n, steps_that_worked=done)
    print(json.dumps(result))
""")


def sweep(expression: str, patch: str = "") -> dict:
    """Run the sweep of ``expression`` in a fresh Python under ``RLIMIT_AS``; its JSON result."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    code = CHILD.format(limit=ADDRESS_SPACE, patch=patch)
    done = subprocess.run([sys.executable, "-c", code, expression], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, (
        f"the child died (code {done.returncode}, a negative one is a signal: killed):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
@pytest.mark.parametrize("row", list(SWEEPS))
def test_under_ulimit_v_a_growing_size_ends_in_the_guards_message(row):
    result = sweep(SWEEPS[row])
    assert result["limit"] == ADDRESS_SPACE // 2, f"the guard did not read the address-space limit: {result}"
    assert result["outcome"] == "ValueError", f"{row}: {result}"
    assert "would need about" in result["message"] and "memory_limit()" in result["message"], result
    assert result["steps_that_worked"] >= 1, f"{row}: the first size was refused already, nothing was swept"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_the_sweep_fails_when_the_guard_ignores_ulimit():
    """The table can fail: with the address-space limit unread, box_blur(13000) ends in MemoryError."""
    patch = "_validation._address_space_limit = lambda *args, **kwargs: None"
    result = sweep(SWEEPS["kernels.box_blur"], patch)
    assert result["limit"] > ADDRESS_SPACE, result
    assert result["outcome"] == "MemoryError", result


def test_every_public_sized_factory_has_a_sweep():
    """Each kernels factory that takes a size has a row (a new one without a row fails here)."""
    import inspect

    sized = {f"kernels.{name}" for name in kernels.__all__
             if callable(getattr(kernels, name)) and "size" in inspect.signature(getattr(kernels, name)).parameters}
    assert sized <= {row.split("/")[0] for row in SWEEPS}, sized - set(SWEEPS)
    public_ops = {f"ops.{name}" for name in ("conv2d", "conv2d_naive", "max_pool2d", "avg_pool2d",
                                                "depth_max_pool", "global_avg_pool", "local_response_normalization")}
    assert public_ops <= {row.split("/")[0] for row in SWEEPS}


# ----------------------------------------------------------------------------- before any scan

#: A broadcast view of 2.4 * 10^8 float32 values: 0.9 GiB as an array, 229 MiB of booleans to scan.
HUGE = (1, 8000, 10_000, 3)
#: The limit set for these rows: above one byte per value (the scan's old booleans), below the data.
LIMIT = 256 * 2**20
#: Peak traced memory allowed while refusing: far below one byte per value of HUGE.
PEAK = 8 * 2**20


def view(shape, dtype=np.float32):
    return np.broadcast_to(np.asarray(0.5 if np.dtype(dtype).kind == "f" else 1, dtype), shape)


def _widgets(name):
    import importlib

    return importlib.import_module("cnnlab.widgets" + (f".{name}" if name else ""))


REFUSALS = {
    "ops.conv2d": lambda: ops.conv2d(view(HUGE), np.ones((1, 1, 3, 1), np.float32)),
    "ops.max_pool2d": lambda: ops.max_pool2d(view(HUGE), 8),
    "ops.avg_pool2d": lambda: ops.avg_pool2d(view(HUGE), 8),
    "ops.depth_max_pool": lambda: ops.depth_max_pool(view(HUGE), 3),
    "ops.global_avg_pool": lambda: ops.global_avg_pool(view(HUGE)),
    "ops.local_response_normalization": lambda: ops.local_response_normalization(view(HUGE)),
    "ops.conv2d/uint8": lambda: ops.conv2d(view(HUGE, np.uint8), np.ones((1, 1, 3, 1), np.float32)),
    "kernels.filter_bank": lambda: kernels.filter_bank(view(HUGE[1:3]), channels=3),
    "plotting.to_uint8": lambda: plotting.to_uint8(view(HUGE[1:])),
    "plotting.show_images": lambda: plotting.show_images([view(HUGE[1:3])]),
    "widgets.KernelExplorer": lambda: _widgets("").KernelExplorer({"x": view(HUGE[1:], np.uint8)}),
    "widgets.KernelExplorer.kernel": lambda: setattr(EXPLORER[0], "kernel", view(HUGE[1:3])),
    "widgets.feature_maps.prepare_image": lambda: _widgets("feature_maps").prepare_image(view(HUGE[1:], np.uint8)),
}


#: The explorer whose kernel is set, built outside the measurement (it loads the sample photos).
EXPLORER: list = []


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(_validation, "memory_limit", lambda: LIMIT)


@pytest.mark.parametrize("row", list(REFUSALS))
def test_a_huge_view_is_refused_before_it_is_scanned_or_copied(row, small_limit):
    call = REFUSALS[row]
    import matplotlib.pyplot  # noqa: F401 - imported outside the measurement, as the widgets below

    _widgets("kernel_explorer"), _widgets("feature_maps")
    if row == "widgets.KernelExplorer.kernel" and not EXPLORER:
        EXPLORER.append(_widgets("").KernelExplorer(np.zeros((8, 8, 3), np.float32)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"would need about .*memory_limit\(\)|must be a square array") as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK, f"{row}: {peak / 2**20:.0f} MiB traced before the refusal ({info.value})"


def test_the_finiteness_scan_tests_a_block_at_a_time():
    """On a real array too: the booleans of one block, not one per value (2**24 values here)."""
    array = np.zeros(2**24, np.float32).reshape(2**10, 2**14)
    array[-1, -1] = np.nan
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite values \(the first at x\[1023, 16383\]"):
            _validation.check_finite_array("x", array)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 2 * _validation._SCAN_BLOCK + 2**20, f"{peak / 2**20:.1f} MiB for a {array.nbytes // 2**20} MiB array"


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 5)])
def test_the_block_scan_finds_the_same_first_value_and_count_as_a_whole_scan(shape, monkeypatch):
    monkeypatch.setattr(_validation, "_SCAN_BLOCK", 2)  # many blocks, rows split across them
    rng = np.random.default_rng(len(shape))
    for _ in range(40):
        array = rng.random(shape)
        for _ in range(rng.integers(1, 4)):
            array[tuple(rng.integers(0, s) for s in shape)] = rng.choice([np.nan, np.inf, -np.inf])
        bad = np.argwhere(~np.isfinite(array))
        first = ", ".join(str(int(i)) for i in bad[0])
        with pytest.raises(ValueError) as info:
            _validation.check_finite_array("x", array)
        assert f"contains {len(bad)} NaN or infinite values (the first at x[{first}]" in str(info.value)
