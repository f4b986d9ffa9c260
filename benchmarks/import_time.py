"""How long `import cnnlab` takes in a fresh interpreter, and what loading MNIST costs.

Usage: python benchmarks/import_time.py [--repeats 10]
Last line: key=value figures (import_cnnlab_ms, import_cnnlab_datasets_ms, load_mnist_s, tensorflow_loaded).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def fresh_import(module: str) -> float:
    """Seconds that ``import module`` takes inside a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    times = [fresh_import("cnnlab") for _ in range(args.repeats)]
    datasets_times = [fresh_import("cnnlab.datasets") for _ in range(args.repeats)]
    probe = "import sys, cnnlab; print('tensorflow' in sys.modules)"
    tf_loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
    from cnnlab import datasets

    start = time.perf_counter()
    datasets.load_mnist()
    load_s = time.perf_counter() - start
    print(f"import cnnlab over {args.repeats} fresh interpreters: min {min(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")
    print(f"import_cnnlab_ms={statistics.median(times) * 1000:.1f} "
          f"import_cnnlab_datasets_ms={statistics.median(datasets_times) * 1000:.1f} "
          f"load_mnist_s={load_s:.2f} tensorflow_loaded={tf_loaded}")


if __name__ == "__main__":
    main()
