"""Exercise 7's reference recipe on Fashion-MNIST: test accuracy, wall time, device (target: at least 93 %).

The same script as ``benchmarks/mnist.py`` (the same model, schedule and epochs), with
Fashion-MNIST's augmentation: horizontal flips and small shifts instead of rotations.

Usage: python benchmarks/fashion_mnist.py [--epochs 12] [--ensemble 1] [--seed 42]
Last line: key=value figures, e.g. ``dataset=fashion test_accuracy=0.93.. wall_s=... device=CPU``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mnist import main  # noqa: E402

if __name__ == "__main__":
    main(default_dataset="fashion")
