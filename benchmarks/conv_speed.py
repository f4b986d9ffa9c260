"""ops.conv2d, ops.conv2d_naive and tf.nn.conv2d on the chapter's example, with their ratios.

The chapter's example: both 427×640 sample images, two 7×7 filters (a vertical and a horizontal
line), SAME padding, stride 2 as in the book's code and stride 1. The line filters have 42 zero
taps out of 49, which ops.conv2d skips; the "dense" rows use random 7×7×3×2 filters with no zero
tap, the fair fight.

Usage: python benchmarks/conv_speed.py [--repeats 7] [--skip-naive]
Last line: key=value figures (medians in ms) and the ratio ops.conv2d / tf.nn.conv2d per case.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def median_ms(action, repeats: int) -> float:
    action()  # warm-up (TensorFlow traces and allocates on the first call)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow loop version")
    args = parser.parse_args()

    import tensorflow as tf

    from cnnlab import datasets, kernels, ops

    images = datasets.load_sample_images()
    line_filters = kernels.filter_bank(kernels.vertical_line(), kernels.horizontal_line())
    dense = np.random.default_rng(0).standard_normal((7, 7, 3, 2)).astype(np.float32)
    figures = {}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; TensorFlow {tf.__version__} "
          f"on {'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'}; numpy {np.__version__}")
    print(f"{'case':<22}{'ops.conv2d':>12}{'tf.nn':>10}{'ratio':>8}{'naive':>12}")
    for label, filters in (("chapter", line_filters), ("dense", dense)):
        for stride in (2, 1):
            ours = median_ms(lambda: ops.conv2d(images, filters, strides=stride, padding="SAME"), args.repeats)
            theirs = median_ms(lambda: tf.nn.conv2d(images, filters, strides=stride, padding="SAME").numpy(),
                               args.repeats)
            np.testing.assert_allclose(ops.conv2d(images, filters, strides=stride, padding="SAME"),
                                       tf.nn.conv2d(images, filters, strides=stride, padding="SAME").numpy(),
                                       rtol=1e-4, atol=1e-4)
            naive = float("nan")
            if not args.skip_naive and label == "chapter":
                start = time.perf_counter()
                ops.conv2d_naive(images, filters, strides=stride, padding="SAME")
                naive = (time.perf_counter() - start) * 1000
            key = f"{label}_s{stride}"
            figures[key] = (ours, theirs, naive)
            print(f"{key:<22}{ours:>10.1f}ms{theirs:>8.1f}ms{ours / theirs:>8.2f}{naive:>10.0f}ms")
    # The target (within 1.5× of tf.nn.conv2d) is about the chapter's example; the dense rows are
    # reported as well, and their ratio printed separately.
    chapter_worst = max(figures[k][0] / figures[k][1] for k in figures if k.startswith("chapter"))
    dense_worst = max(figures[k][0] / figures[k][1] for k in figures if k.startswith("dense"))
    parts = []
    for key, (ours, theirs, naive) in figures.items():
        parts.append(f"{key}_ops_ms={ours:.1f} {key}_tf_ms={theirs:.1f} {key}_ratio={ours / theirs:.2f}")
        if naive == naive:
            parts.append(f"{key}_naive_ms={naive:.0f} {key}_naive_over_ops={naive / ours:.0f}")
    print(" ".join(parts) + f" chapter_worst_ratio={chapter_worst:.2f} chapter_within_1.5x={chapter_worst <= 1.5} "
          f"dense_worst_ratio={dense_worst:.2f} dense_within_1.5x={dense_worst <= 1.5}")


if __name__ == "__main__":
    main()
