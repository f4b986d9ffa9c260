"""Layout invariants every widget keeps, initially and after every step of its scenario.

- no horizontal overflow of the notebook column, images at their natural aspect ratio and
  none broken, no text clipped in its box, every control's label beside it: ``layout_checks.js``,
  evaluated in the page, returns the problems of one widget;
- text that reads against what is behind it, in the light theme and the dark:
  ``contrast_checks.js`` (:func:`contrast_problems`);
- a visible change after every scripted action: :func:`changed_fraction` compares the widget's
  screenshots from before and after (``step(..., same_picture="why")`` exempts a step that
  changes nothing by design).

:class:`Findings` collects what every check found in one scenario, so the test reports all of
them in one message instead of stopping at the first.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

LAYOUT_CHECKS = (Path(__file__).with_name("layout_checks.js")).read_text()
CONTRAST_CHECKS = (Path(__file__).with_name("contrast_checks.js")).read_text()

#: A pixel counts as changed when one of its channels moved by more than this many levels (of 255):
#: below that the difference cannot be seen (anti-aliasing, a rounding in a colour map).
PIXEL_LEVELS = 12
#: A step must change more than this fraction of the widget's pixels (0.1 %).
MIN_CHANGED_FRACTION = 0.001


#: Seconds this run spent on each kind of check (printed at the end of the run by conftest.py).
SPENT: dict[str, float] = defaultdict(float)


@contextmanager
def timed(name: str):
    """Add the time the block takes to ``SPENT[name]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        SPENT[name] += time.perf_counter() - start


def layout_problems(widget) -> list[str]:
    """The layout problems of ``widget`` (a Playwright locator of a widget's outer box), one line each."""
    with timed("layout checks in the page"):
        found = widget.evaluate(LAYOUT_CHECKS)
    return [f"{p['kind']}: {p['element']}: {p['detail']}" for p in found]


def contrast_problems(widget) -> list[str]:
    """The text of ``widget`` that does not stand out from what is behind it (WCAG ratio below 3), one line each."""
    with timed("contrast checks in the page"):
        found = widget.evaluate(CONTRAST_CHECKS)
    return [f"contrast: {p['element']}: {p['detail']}" for p in found]


def _rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def changed_fraction(before: bytes, after: bytes, levels: int = PIXEL_LEVELS) -> float:
    """The fraction of pixels that differ by more than ``levels`` between two PNG screenshots.

    When the widget changed size, the area that only one of them covers counts as changed.

    Examples
    --------
    >>> def png(array):
    ...     buffer = io.BytesIO(); Image.fromarray(np.uint8(array)).save(buffer, "PNG"); return buffer.getvalue()
    >>> white = np.full((10, 10, 3), 255)
    >>> dot = white.copy(); dot[0, 0] = 0
    >>> changed_fraction(png(white), png(dot)), changed_fraction(png(white), png(white))
    (0.01, 0.0)
    >>> changed_fraction(png(white), png(np.full((10, 20, 3), 255)))  # twice as wide: half is new
    0.5
    """
    a, b = _rgb(before), _rgb(after)
    height, width = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    differs = np.ones((height, width), dtype=bool)  # outside the common area: changed
    differs[:h, :w] = np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > levels
    return float(differs.mean())


class Findings:
    """The layout problems of one scenario's widget, by moment ("initially", "step 2").

    A problem seen at several moments is reported once, with the moments listed; the message
    says once what each step did.
    """

    def __init__(self, where: str):
        self.where = where
        self._moments: list[str] = []
        self._steps: dict[str, str] = {}
        self._seen: dict[str, list[str]] = defaultdict(list)

    def add(self, moment: str, problems: list[str], action: str = "") -> None:
        """Record ``problems`` (possibly none) found at ``moment``; ``action`` is what that step did."""
        if moment not in self._moments:
            self._moments.append(moment)
        if action:
            self._steps[moment] = action
        for problem in problems:
            if moment not in self._seen[problem]:
                self._seen[problem].append(moment)

    def __bool__(self) -> bool:
        return bool(self._seen)

    def __len__(self) -> int:
        return len(self._seen)

    def lines(self) -> list[str]:
        lines = []
        for problem, moments in self._seen.items():
            when = "always" if len(moments) > 1 and moments == self._moments else ", ".join(moments)
            lines.append(f"[{when}] {problem}")
        return lines

    def message(self) -> str:
        if not self:
            return ""
        steps = "".join(f"\n    {moment}: {action}" for moment, action in self._steps.items())
        return (f"{self.where}: {len(self)} layout problem(s):\n  " + "\n  ".join(self.lines())
                + (f"\n  where{steps}" if steps else ""))
