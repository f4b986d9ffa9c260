"""What every cnnlab widget shares: display delegation and errors shown in place."""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable, Mapping
from contextlib import contextmanager

import numpy as np

import ipywidgets as w

from .._validation import check_channels_last, check_memory

__all__ = ["WidgetBase", "named_images", "close_widgets"]


def _widget_tree(roots) -> list:
    """Every ipywidget reachable from ``roots`` through their public synced traits (children, layout, style...).

    Private traits are not followed: they hold a library's shared widgets, such as the one
    ``_canvas_manager`` that every ipycanvas canvas of the kernel talks through (closing it
    with one widget would break every canvas made afterwards).
    """
    found, seen, stack = [], set(), list(roots)
    while stack:
        widget = stack.pop()
        if not isinstance(widget, w.Widget) or id(widget) in seen:
            continue
        seen.add(id(widget))
        found.append(widget)
        for name in widget.keys:
            if name.startswith("_"):
                continue
            value = getattr(widget, name, None)
            stack.extend(value if isinstance(value, (tuple, list)) else (value,))
    return found


def close_widgets(*roots) -> None:
    """Close ``roots`` and every widget inside them (children, layouts, styles).

    A closed widget leaves the browser and ``ipywidgets.Widget.widgets``, so the
    kernel can free it; a widget replaced without being closed lives on in both.

    Examples
    --------
    >>> box = w.VBox([w.HTML("a"), w.Image()])
    >>> inner = box.children[0]
    >>> close_widgets(box)
    >>> inner.comm is None and box.layout.comm is None
    True
    """
    for i, root in enumerate(roots):
        if not isinstance(root, w.Widget):
            raise ValueError(f"roots[{i}] must be an ipywidgets widget, received {root!r:.80} "
                             f"(type {type(root).__name__}).")
    for widget in _widget_tree(roots):
        widget.close()


def named_images(images, default: Callable[[], dict]) -> dict:
    """Normalise a widget's ``images`` argument to ``{name: float32 array}``.

    ``None`` gives ``default()``; a single array is named ``"image"``; a mapping is kept.

    Examples
    --------
    >>> list(named_images(np.zeros((2, 2, 3)), dict))
    ['image']
    >>> named_images({}, dict)
    Traceback (most recent call last):
    ...
    ValueError: images is empty; give at least one image, or None for the sample images.
    """
    if images is None:
        images = default()
    elif not isinstance(images, Mapping):
        images = {"image": images}
    if not images:
        raise ValueError("images is empty; give at least one image, or None for the sample images.")
    arrays = {}
    for name, image in images.items():
        array = np.asarray(image)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"images[{name!r}] must be an array of numbers (an image), received {image!r:.80} "
                             f"(dtype {array.dtype}).")
        check_channels_last(f"images[{name!r}]", array)  # a (3, H, W) photo is not a 3-pixel-high one
        if array.dtype != np.float32:  # the float32 copy, refused before it is made if it is too large
            check_memory(f"images[{name!r}] of shape {array.shape}", 4 * array.size,
                         fix="Use a smaller image (for example image[::4, ::4]).")
        arrays[str(name)] = array.astype(np.float32, copy=False)
    return arrays


def readable(value: float, scale: float) -> str:
    """``value`` to three significant digits, and 0 where it is rounding noise next to ``scale``.

    float32 sums of kernels that should sum to 0 come out as 3.45e-07; a
    beginner reads that as a number that matters. Anything smaller than a
    millionth of ``scale`` (the largest magnitude it was computed from) is 0.

    Examples
    --------
    >>> readable(3.45e-07, 2.0), readable(-0.4321, 2.0), readable(1e-7, 1e-7)
    ('0', '-0.432', '1e-07')
    """
    value, scale = float(value), abs(float(scale))
    if abs(value) <= 1e-6 * scale:
        return "0"
    return f"{value:.3g}"


class WidgetBase:
    """Base of the course's widgets.

    Subclasses build their controls once in ``__init__``, put them in
    ``self.root`` (any ipywidgets container), connect each control to
    :meth:`refresh`, and implement ``_update()``, which reads the controls,
    computes, and writes results into existing output widgets.

    ``refresh()`` runs ``_update()`` and, if it raises, shows the error in the
    widget's own error line (the last good picture stays on screen) and keeps
    it in ``last_error``; the next successful update clears it. A callback
    error therefore never disappears into the kernel log.
    """

    def __init__(self) -> None:
        self.error_box = w.HTML(value="", layout=w.Layout(display="none"))
        self.error_box.add_class("cnnlab-error")
        self.last_error: BaseException | None = None
        # Set by the subclass; no placeholder box, which would live on unclosed once replaced.
        self.root: w.Box = None  # type: ignore[assignment]
        self._quiet_depth = 0

    # ------------------------------------------------------------------ display
    @property
    def css_class(self) -> str:
        """The CSS class of this widget's outer box, e.g. ``cnnlab-kernel-explorer`` (a hook for browser tests)."""
        return "cnnlab-" + re.sub(r"(?<!^)(?=[A-Z])", "-", type(self).__name__).lower()

    def _repr_mimebundle_(self, **kwargs):
        self.root.add_class("cnnlab-widget")
        self.root.add_class(self.css_class)
        bundle = self.root._repr_mimebundle_(**kwargs)
        if bundle is not None:
            # A short, stable text form: the default repr of a container lists every
            # child's state (image bytes included), which is long and changes per run.
            bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} widget>"

    def _observe(self, *controls, names: str = "value") -> None:
        """Refresh whenever one of ``controls`` changes."""
        for control in controls:
            control.observe(lambda _change: self.refresh(), names=names)

    @contextmanager
    def quiet(self):
        """Change controls inside this block without each change triggering a refresh."""
        self._quiet_depth += 1
        try:
            yield
        finally:
            self._quiet_depth -= 1

    @contextmanager
    def errors_shown(self):
        """Run part of an observer so that an exception in it is shown in the widget, not lost in the kernel log.

        For observers that compute before calling :meth:`refresh` (which guards itself).
        """
        try:
            yield
        except Exception as error:  # noqa: BLE001 - shown to the learner, not swallowed
            self.show_error(error)

    def _on_change(self, _change) -> None:
        """An observer that refreshes, unless the change happens inside :meth:`quiet`."""
        if not self._quiet_depth:
            self.refresh()

    def close(self) -> None:
        """Close every ipywidget of this widget (controls, pictures, layouts), so that the kernel can free them.

        The widget no longer displays or updates afterwards.
        """
        roots = [self.root, self.error_box]
        for value in vars(self).values():
            roots.extend(value if isinstance(value, (tuple, list)) else (value,))
        close_widgets(*(root for root in roots if isinstance(root, w.Widget)))

    # ------------------------------------------------------------------ updates
    def _update(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> bool:
        """Recompute and redraw; return True on success, False if an error is now shown."""
        try:
            self._update()
        except Exception as error:  # noqa: BLE001 - shown to the learner, not swallowed
            self.show_error(error)
            return False
        self.clear_error()
        return True

    def show_error(self, error: BaseException) -> None:
        """Show ``error`` inside the widget (message first, the traceback's last frame after)."""
        self.last_error = error
        frames = traceback.extract_tb(error.__traceback__)
        where = f" (in {frames[-1].name}, line {frames[-1].lineno})" if frames else ""
        self.error_box.value = (
            '<div style="color:#b00020;border:1px solid #b00020;padding:4px 8px;border-radius:4px">'
            f"<b>{html.escape(type(error).__name__)}</b>: {html.escape(str(error))}"
            f'<span style="color:#666">{html.escape(where)}</span></div>'
        )
        self.error_box.layout.display = None

    def clear_error(self) -> None:
        self.last_error = None
        self.error_box.value = ""
        self.error_box.layout.display = "none"
