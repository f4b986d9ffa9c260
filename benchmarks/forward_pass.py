"""Images per second of one forward pass of each of the chapter's architectures.

Builds each network with random weights, runs a warm-up batch (tracing), then times a few
batches with `model.predict_on_batch`. On a GPU with compute capability 7.0 or more it turns on
mixed precision first (pass --no-mixed-precision to compare); on a CPU it runs in float32.

Usage: python benchmarks/forward_pass.py [--batches 3] [--only lenet5,alexnet]
Last line: key=value figures: images per second per architecture, and the device.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# name: (builder name, keyword arguments, input shape, batch size)
ARCHITECTURES = {
    "lenet5": ("lenet5", {"faithful": True}, (28, 28, 1), 256),
    "typical_cnn": ("typical_cnn", {}, (28, 28, 1), 256),
    "alexnet": ("alexnet", {}, (227, 227, 3), 16),
    "googlenet": ("googlenet", {}, (224, 224, 3), 16),
    "resnet34": ("resnet34", {}, (224, 224, 3), 16),
    "resnet152": ("resnet152", {}, (224, 224, 3), 8),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(ARCHITECTURES))
    parser.add_argument("--no-mixed-precision", action="store_true")
    args = parser.parse_args()

    from cnnlab import device, models

    report = device.describe()
    mixed = not args.no_mixed_precision and device.enable_mixed_precision()
    names = [n for n in args.only.split(",") if n] or list(ARCHITECTURES)
    figures = {}
    for name in names:
        builder, kwargs, shape, batch = ARCHITECTURES[name]
        model = getattr(models, builder)(input_shape=shape, **kwargs)
        x = np.random.default_rng(0).random((batch, *shape), dtype=np.float32)
        model.predict_on_batch(x)  # warm-up: tracing and memory allocation
        times = []
        for _ in range(args.batches):
            start = time.perf_counter()
            model.predict_on_batch(x)
            times.append(time.perf_counter() - start)
        rate = batch / statistics.median(times)
        figures[name] = rate
        print(f"{name:<12} {model.count_params():>12,} parameters  batch {batch:>3}  {rate:10.1f} images/s")
    precision = "mixed_float16" if mixed else "float32"
    print(" ".join(f"{name}_images_per_s={rate:.1f}" for name, rate in figures.items())
          + f" device={report.device} precision={precision}")


if __name__ == "__main__":
    main()
