"""Server-side update time of KernelExplorer against a matplotlib re-plot of the same result.

What a slider or kernel edit costs in the kernel process, before the browser: the widget's
callback computes the 7×7 feature map of the 427×640 sample photo and encodes it (JPEG) into the
existing ipywidgets.Image. The comparison re-plots the same feature map with matplotlib, the way
a naive `interact` + `imshow` widget does: once by updating an existing figure (set_data +
savefig) and once by building a new figure per change.

Usage: python benchmarks/widget_latency.py [--repeats 50]
Last line: key=value figures in milliseconds (medians) and the budget check.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time

import numpy as np

BUDGET_MS = 20.0


def median_ms(action, repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlab.widgets import KernelExplorer

    explorer = KernelExplorer(kernel="gabor")  # a dense 7×7 kernel on the 427×640 temple photo
    assert explorer.kernel.shape == (7, 7) and explorer.output_array.shape == (427, 640)
    centre = explorer.cells[3 * 7 + 3]
    base = centre.value

    def edit(i):  # what typing a new centre weight does: callback, compute, encode, assign
        centre.value = base + 0.01 * (i % 2 + 1)

    widget_ms = median_ms(edit, args.repeats)
    assert explorer.last_error is None, explorer.last_error
    compute_only = median_ms(lambda i: explorer._update(), args.repeats)

    result = explorer.output_array
    fig, ax = plt.subplots(figsize=(6.4, 4.27), dpi=100)
    artist = ax.imshow(result, cmap="gray")
    ax.axis("off")

    def mpl_in_place(i):
        artist.set_data(result + 0.01 * i)
        artist.autoscale()
        fig.savefig(io.BytesIO(), format="png")

    def mpl_new_figure(i):
        figure, axes = plt.subplots(figsize=(6.4, 4.27), dpi=100)
        axes.imshow(result + 0.01 * i, cmap="gray")
        axes.axis("off")
        figure.savefig(io.BytesIO(), format="png")
        plt.close(figure)

    in_place_ms = median_ms(mpl_in_place, max(10, args.repeats // 5))
    new_figure_ms = median_ms(mpl_new_figure, max(10, args.repeats // 5))
    plt.close(fig)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"KernelExplorer, 7×7 kernel edit on 427×640 RGB (callback + compute + JPEG): {widget_ms:.1f} ms median")
    print(f"  of which _update() alone: {compute_only:.1f} ms")
    print(f"matplotlib re-plot of the same map: set_data + savefig {in_place_ms:.1f} ms, "
          f"new figure {new_figure_ms:.1f} ms")
    print(f"kernel_explorer_ms={widget_ms:.1f} update_only_ms={compute_only:.1f} "
          f"matplotlib_set_data_ms={in_place_ms:.1f} matplotlib_new_figure_ms={new_figure_ms:.1f} "
          f"budget_ms={BUDGET_MS:.0f} within_budget={widget_ms <= BUDGET_MS}")


if __name__ == "__main__":
    main()
