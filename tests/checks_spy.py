"""Spy on the package's argument checks: which arrays a widget scans for NaN, which sizes it checks for memory.

Used by the explorers' check-once tests: a photo is checked where it enters (the constructor, an
upload, a setter), and a slider move computes through the unchecked engines without scanning it again.
"""

from __future__ import annotations

import sys

import numpy as np

from cnnlab import _validation


class ChecksSpy:
    """Every :func:`check_finite_array` and :func:`check_memory` call, wherever the function was imported."""

    def __init__(self, monkeypatch) -> None:
        self.scans: list[tuple[str, tuple]] = []      # (name, shape) of each finiteness scan
        self.memory: list[str] = []                   # the description of each memory check
        scan, memory = _validation.check_finite_array, _validation.check_memory

        def spy_scan(name, array):
            self.scans.append((name, np.shape(array)))
            return scan(name, array)

        def spy_memory(what, *args, **kwargs):
            self.memory.append(str(what))
            return memory(what, *args, **kwargs)

        for module in [m for name, m in sys.modules.items() if name.startswith("cnnlab") and m is not None]:
            if getattr(module, "check_finite_array", None) is scan:
                monkeypatch.setattr(module, "check_finite_array", spy_scan)
            if getattr(module, "check_memory", None) is memory:
                monkeypatch.setattr(module, "check_memory", spy_memory)

    def clear(self) -> None:
        self.scans.clear()
        self.memory.clear()

    def image_scans(self, height: int, width: int) -> list:
        """The scans of an array with at least ``height × width`` values: the photo, a plane or a map of it."""
        return [(name, shape) for name, shape in self.scans if int(np.prod(shape)) >= height * width]

    def image_memory(self, height: int, width: int) -> list[str]:
        """The memory checks whose description names an array of the photo's height and width."""
        return [what for what in self.memory if f"({height}, {width}" in what or f"{height}, {width}, " in what]
