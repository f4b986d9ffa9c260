"""What every cnnlab widget shares: one look, a static picture, display delegation and errors shown in place.

The look is in one place: :data:`THEME` names the JupyterLab CSS variables the
widgets' text uses (each with its light-theme fallback, which the static picture
uses too), :data:`STYLESHEET` is the one stylesheet every widget carries, and
:func:`label_style`, :func:`fit` and :func:`picture_layout` give controls one label
width and keep every box and picture inside the notebook column.
"""

from __future__ import annotations

import base64
import html
import re
import traceback
from collections.abc import Callable, Mapping
from contextlib import contextmanager

import numpy as np

import ipywidgets as w

from ..plotting import readable  # re-exported: the widgets' readouts and the colour bars share it
from .._validation import check_channels_last, check_memory

# The layout helpers below (css, label_style, fit, picture_layout, row, column) serve the widgets, which call
# them with constant arguments; they are not for learners, so not in __all__ (and not checked twice).
__all__ = ["WidgetBase", "named_images", "close_widgets", "readable", "THEME", "STYLESHEET", "LABEL_WIDTH", "FULL_WIDTH"]

#: JupyterLab's theme variables for the widgets' text, lines and backgrounds: ``name -> (variable, light fallback)``.
#: The fallbacks are JupyterLab's light-theme values; the static picture of a widget is drawn in them.
THEME = {
    "text": ("--jp-ui-font-color1", "#333333"),
    "strong": ("--jp-ui-font-color0", "#111111"),
    "muted": ("--jp-ui-font-color2", "#616161"),
    "background": ("--jp-layout-color0", "#ffffff"),
    "panel": ("--jp-layout-color1", "#ffffff"),
    "panel2": ("--jp-layout-color2", "#eeeeee"),
    "border": ("--jp-border-color1", "#bdbdbd"),
    "border2": ("--jp-border-color2", "#e0e0e0"),
    "error": ("--jp-error-color1", "#b00020"),
    "warn": ("--jp-warn-color0", "#b45309"),
    "success": ("--jp-success-color1", "#1b7d36"),
    "brand": ("--jp-brand-color1", "#1976d2"),
    "highlight": ("--jp-notebook-multiselected-color", "#e3f2fd"),  # a chosen row: pale blue, or a blue tint in dark
    "font_size": ("--jp-ui-font-size1", "13px"),
    "small_size": ("--jp-ui-font-size0", "11px"),
}


def css(name: str) -> str:
    """The CSS value of theme entry ``name``: its JupyterLab variable with its light-theme fallback.

    Examples
    --------
    >>> css("error")
    'var(--jp-error-color1, #b00020)'
    >>> css("red")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: name must be one of THEME's entries (text, strong, muted, ...), received name='red'.
    """
    if name not in THEME:
        raise ValueError(f"name must be one of THEME's entries ({', '.join(THEME)}), received name={name!r}.")
    variable, fallback = THEME[name]
    return f"var({variable}, {fallback})"


#: The widest a control or picture may be: its column less its own margins (a ``max-width`` of 100 %
#: does not count them, so a 100 %-wide readout spilled 4 px out of its box).
FULL_WIDTH = "calc(100% - 2 * var(--jp-widgets-margin, 2px))"

#: The one stylesheet of the course's widgets, scoped to their outer box (class ``cnnlab-widget``).
#: Text classes: ``cnnlab-title``, ``cnnlab-caption`` (under a picture), ``cnnlab-readout`` (numbers a control
#: changes), ``cnnlab-note`` (secondary words), ``cnnlab-warning`` (a result not to trust), ``cnnlab-table``.
#: ipywidgets 8.1 lays a ToggleButtons out as a block, so its description sat on a line of its own above
#: the buttons; the ``widget-toggle-buttons`` rules make it a row, the label beside the buttons as for
#: every other control (the browser tests check every label sits beside its control).
STYLESHEET = f"""
.cnnlab-widget {{ max-width: 100%; box-sizing: border-box; color: {css("text")}; font-size: {css("font_size")}; }}
.cnnlab-widget .widget-box {{ max-width: 100%; }}
.cnnlab-widget .widget-inline-hbox, .cnnlab-widget .widget-html {{ max-width: {FULL_WIDTH}; }}
.cnnlab-widget .widget-hbox {{ flex-wrap: wrap; column-gap: 12px; }}
.cnnlab-widget .widget-toggle-buttons {{ display: flex; align-items: baseline; max-width: {FULL_WIDTH}; }}
.cnnlab-widget .widget-toggle-buttons > .widget-label {{ flex-shrink: 0; text-align: right; margin-right: 8px; }}
.cnnlab-widget .widget-toggle-buttons > div {{ display: flex; flex-wrap: wrap; min-width: 0; }}
.cnnlab-widget img.widget-image {{ max-width: {FULL_WIDTH}; height: auto; object-fit: contain; }}
.cnnlab-widget .cnnlab-title {{ font-weight: bold; color: {css("strong")}; }}
.cnnlab-widget .cnnlab-caption {{ display: block; color: {css("muted")}; font-size: {css("small_size")};
  line-height: 1.3; }}
.cnnlab-widget .cnnlab-readout, .cnnlab-widget .cnnlab-readout .widget-html-content,
.cnnlab-widget .widget-html-content table {{ color: {css("text")}; line-height: 1.45; }}
.cnnlab-widget .cnnlab-note {{ color: {css("muted")}; }}
.cnnlab-widget .cnnlab-warning {{ color: {css("warn")}; font-weight: bold; }}
.cnnlab-widget table.cnnlab-table {{ border-collapse: collapse; margin: 4px 0; }}
.cnnlab-widget table.cnnlab-table th, .cnnlab-widget table.cnnlab-table td {{
  text-align: left; padding: 2px 12px 2px 0; border-bottom: 1px solid {css("border2")}; }}
.cnnlab-error-message {{ color: {css("error")}; border: 1px solid {css("error")}; padding: 4px 8px;
  border-radius: 4px; }}
.cnnlab-error-where {{ color: {css("muted")}; }}
"""

#: The line under a widget's static picture, unless the widget says otherwise (``WidgetBase.picture_footer``).
PICTURE_FOOTER = "A picture of the widget as it was shown; run the notebook to use it."

#: The width of every control's label (``description``) in the course's widgets.
LABEL_WIDTH = "110px"

#: A caption's inline style (muted, small): the stylesheet's ``cnnlab-caption`` rule, written inline as well
#: for the static picture, which reads inline styles only.
CAPTION_STYLE = f"color: {css('muted')}; font-size: {css('small_size')}"


def label_style(width: str = LABEL_WIDTH, **extra) -> dict:
    """The one label style for a control: ``{"description_width": width, **extra}`` (a new dict each call).

    Examples
    --------
    >>> w.IntSlider(description="Steps", style=label_style()).style.description_width
    '110px'
    >>> label_style(button_width="70px")
    {'description_width': '110px', 'button_width': '70px'}
    """
    if not isinstance(width, str) or not re.fullmatch(r"\d+(\.\d+)?(px|em)|auto|initial", width):
        raise ValueError(f"width must be a CSS width such as '110px', received width={width!r}.")
    return {"description_width": width, **extra}


def fit(width: str | None = None, **more) -> w.Layout:
    """A layout of ``width`` (e.g. ``"300px"``) that never exceeds its column, margins included (:data:`FULL_WIDTH`).

    Examples
    --------
    >>> layout = fit("420px")
    >>> layout.width, layout.max_width
    ('420px', 'calc(100% - 2 * var(--jp-widgets-margin, 2px))')
    """
    return w.Layout(width=width, max_width=FULL_WIDTH, **more)


def picture_layout(width: str, **more) -> w.Layout:
    """The layout of an ``ipywidgets.Image``: ``width`` at most the column's, the height following the aspect ratio.

    ``more`` adds other layout properties (``align_self="flex-start"`` keeps a picture in a row from
    following the height of the text beside it).

    Examples
    --------
    >>> layout = picture_layout("360px")
    >>> layout.width, layout.max_width == FULL_WIDTH, layout.height, layout.object_fit
    ('360px', True, 'auto', 'contain')
    """
    return w.Layout(width=width, max_width=FULL_WIDTH, height="auto", object_fit="contain", **more)


def row(children, **layout) -> w.HBox:
    """Boxes side by side that wrap onto the next line rather than grow wider than the column.

    Examples
    --------
    >>> row([w.HTML("a"), w.HTML("b")]).layout.flex_flow
    'row wrap'
    """
    return w.HBox(list(children), layout=w.Layout(flex_flow="row wrap", max_width="100%",
                                                  align_items="flex-start", **layout))


def column(children, **layout) -> w.VBox:
    """Boxes one under the other, at most as wide as the column.

    Examples
    --------
    >>> column([w.HTML("a")]).layout.max_width
    '100%'
    """
    return w.VBox(list(children), layout=w.Layout(max_width="100%", **layout))


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

    Displayed, a widget carries the course's :data:`STYLESHEET` (a hidden
    ``<style>`` child added to its root, last) and, besides the live widget, a
    static ``image/png`` of its state (:meth:`picture`) for viewers that cannot
    run widgets (GitHub, nbviewer). The picture is the widget's tree drawn as
    laid out: its ``ipywidgets.Image`` values, its text (inline SVG included)
    and its controls' values; a subclass with a part the picture cannot read
    (a drawing canvas) gives a stand-in for it in :meth:`_picture_parts`.
    """

    def __init__(self) -> None:
        self.error_box = w.HTML(value="", layout=w.Layout(display="none"))
        self.error_box.add_class("cnnlab-error")
        self.last_error: BaseException | None = None
        # Set by the subclass; no placeholder box, which would live on unclosed once replaced.
        self.root: w.Box = None  # type: ignore[assignment]
        self._quiet_depth = 0
        self._stylesheet = w.HTML(value=f"<style>{STYLESHEET}</style>", layout=w.Layout(display="none"))
        self._stylesheet.add_class("cnnlab-stylesheet")
        #: Why the last static picture could not be drawn (None when it was).
        self.picture_error: BaseException | None = None

    # ------------------------------------------------------------------ display
    @property
    def css_class(self) -> str:
        """The CSS class of this widget's outer box, e.g. ``cnnlab-kernel-explorer`` (a hook for browser tests)."""
        return "cnnlab-" + re.sub(r"(?<!^)(?=[A-Z])", "-", type(self).__name__).lower()

    def _repr_mimebundle_(self, **kwargs):
        self.root.add_class("cnnlab-widget")
        self.root.add_class(self.css_class)
        if self._stylesheet not in self.root.children:
            self.root.children = (*self.root.children, self._stylesheet)
        if self.root.layout.max_width is None:  # never wider than the notebook column
            self.root.layout.max_width = "100%"
        bundle = self.root._repr_mimebundle_(**kwargs)
        if bundle is not None:
            # A short, stable text form: the default repr of a container lists every
            # child's state (image bytes included), which is long and changes per run.
            bundle["text/plain"] = repr(self)
            png = self._static_png()
            if png is not None:
                bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle

    def picture(self):
        """The widget's state as one RGB ``PIL.Image``, at most 900 pixels wide: what a static viewer shows.

        Examples
        --------
        >>> class Hello(WidgetBase):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.root = w.VBox([w.HTML("<b>Hello</b>"), w.IntSlider(3, description="Steps"), self.error_box])
        >>> picture = Hello().picture()
        >>> picture.mode, picture.width <= 900, picture.getextrema() != ((255, 255),) * 3
        ('RGB', True, True)
        """
        from ._picture import widget_picture

        return widget_picture(self.root, parts=self._picture_parts(), footer=self.picture_footer)

    #: The line under the static picture (None: no line).
    picture_footer: str | None = PICTURE_FOOTER

    def _picture_parts(self) -> dict:
        """Stand-in pictures for parts of the tree a static picture cannot read: ``{widget: PIL.Image}``.

        Empty by default: images, text (inline SVG included) and controls are drawn from their values.
        """
        return {}

    def _static_png(self) -> bytes | None:
        """:meth:`picture` as PNG bytes, or None if it cannot be drawn (the live widget displays all the same)."""
        from ._picture import encode_png

        try:
            png = encode_png(self.picture())
        except Exception as error:  # noqa: BLE001 - a static picture must never keep the widget from showing
            self.picture_error = error
            return None
        self.picture_error = None
        return png

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

    def _unless_quiet(self, handler: Callable) -> Callable:
        """``handler`` as an observer that does nothing when the change happens inside :meth:`quiet`.

        For observers that do more than refresh (:meth:`_on_change` is ``_unless_quiet(refresh)``):
        the widget sets its own controls inside :meth:`quiet`, and their observers stay still.

        Examples
        --------
        >>> widget, seen = WidgetBase(), []
        >>> slider = w.IntSlider(0)
        >>> slider.observe(widget._unless_quiet(lambda change: seen.append(change["new"])), names="value")
        >>> slider.value = 1
        >>> with widget.quiet():
        ...     slider.value = 2
        >>> seen
        [1]
        """
        def observer(change) -> None:
            if not self._quiet_depth:
                handler(change)

        return observer

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
            f'<div class="cnnlab-error-message" style="color:{css("error")};border:1px solid {css("error")};'
            f'padding:4px 8px;border-radius:4px">'
            f"<b>{html.escape(type(error).__name__)}</b>: {html.escape(str(error))}"
            f'<span class="cnnlab-error-where" style="color:{css("muted")}">{html.escape(where)}</span></div>'
        )
        self.error_box.layout.display = None

    def clear_error(self) -> None:
        self.last_error = None
        self.error_box.value = ""
        self.error_box.layout.display = "none"
