"""Drive a notebook in JupyterLab as a learner would, and check what its widgets show.

A scenario is data: which notebook, which widget (its CSS class and position), which actions
(press keys on a slider, pick from a dropdown, type a number, click a button, upload a file)
and what must be true afterwards (an image's ``src`` changed and loaded, the widget's text
contains a phrase). See ``scenarios.py``; CONTRIBUTING.md explains how to add one.
Initially and after every step the widget's layout is checked too (``layout.py``): nothing
wider than the notebook column, images at their aspect ratio, no text clipped, and a visible
change made by every action.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from layout import MIN_CHANGED_FRACTION, PIXEL_LEVELS, Findings, changed_fraction, layout_problems, timed

RUN_TIMEOUT_MS = 240_000
STEP_TIMEOUT_MS = 20_000
#: The browser window. With JupyterLab's file browser open (its default) the notebook's output
#: area is then 900 px wide: the column every widget must fit in (see CONTRIBUTING.md). Tall enough
#: that a tall widget's screenshot is not overlaid by the notebook's toolbar and status bar.
VIEWPORT = {"width": 1332, "height": 1500}

# ----------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class Action:
    """One user action on a widget; ``describe`` is what a person would say they did."""

    kind: str
    label: str = ""
    value: object = None
    times: int = 1

    def describe(self) -> str:
        if self.kind == "press":
            return f"press {self.value} ×{self.times} on the '{self.label}' slider"
        if self.kind == "select":
            return f"pick '{self.value}' in '{self.label}'"
        if self.kind == "toggle":
            return f"press the '{self.value}' toggle button"
        if self.kind == "click":
            return f"click '{self.label}'" + (f" (button #{self.times})" if self.times else "")
        if self.kind == "choose":
            return f"choose the option starting '{self.value}'"
        if self.kind == "write":
            return f"write {self.value!r} in text area #{self.times}"
        if self.kind == "check":
            return f"tick '{self.label}'"
        if self.kind == "type":
            return f"type {self.value} into '{self.label}'"
        if self.kind == "upload":
            return f"upload {Path(str(self.value)).name}"
        if self.kind == "draw":
            return f"draw a stroke through {len(self.value)} points on the canvas"
        return self.kind


def press(label: str, key: str = "ArrowRight", times: int = 1) -> Action:
    """Focus the handle of the slider described ``label`` and press ``key`` ``times`` times."""
    return Action("press", label, key, times)


def select(label: str, option: str) -> Action:
    """Pick the option whose text is ``option`` in the dropdown described ``label``."""
    return Action("select", label, option)


def toggle(option: str) -> Action:
    """Press the toggle button whose text is ``option``."""
    return Action("toggle", value=option)


def click(text: str, index: int = 0) -> Action:
    """Click the button whose text is ``text`` (the ``index``-th of them, when several have it)."""
    return Action("click", text, times=index)


def choose(option: str) -> Action:
    """Click the radio button whose text starts with ``option``."""
    return Action("choose", value=option)


def write(text: str, index: int = 0) -> Action:
    """Type ``text`` into the ``index``-th multi-line text area of the widget."""
    return Action("write", value=text, times=index)


def check(label: str) -> Action:
    """Click the checkbox described ``label``."""
    return Action("check", label)


def type_into(label: str, value, index: int | None = None) -> Action:
    """Type ``value`` into the number box described ``label`` (or the ``index``-th number box) and press Enter."""
    return Action("type", label, value, index if index is not None else -1)


def upload(path) -> Action:
    """Choose ``path`` in the widget's file chooser."""
    return Action("upload", value=str(path))


def draw(*points: tuple[float, float]) -> Action:
    """Press the mouse at the first point of the widget's drawing canvas, drag through the others, release."""
    return Action("draw", value=tuple(points))


# ----------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Expect:
    kind: str
    value: object = None

    def describe(self) -> str:
        return {"image": f"image #{self.value} changed and loaded", "text": f"text shows {self.value!r}",
                "svg": "diagram redrawn", "no_text": f"text no longer shows {self.value!r}",
                "page_text": f"the notebook shows {self.value!r}"}[self.kind]


def image_changed(index: int = 0) -> Expect:
    """The ``index``-th image of the widget has a new ``src`` and has finished loading it."""
    return Expect("image", index)


def shows(text: str) -> Expect:
    """The widget's visible text contains ``text``."""
    return Expect("text", text)


def page_shows(text: str) -> Expect:
    """Some output of the notebook (not only the widget) contains ``text``: e.g. a later cell ran."""
    return Expect("page_text", text)


def svg_changed() -> Expect:
    """The widget's SVG diagram was redrawn."""
    return Expect("svg")


@dataclass(frozen=True)
class Step:
    action: Action
    expect: tuple[Expect, ...]
    same_picture: str = ""  # why this action changes nothing on screen, by design; empty: it must change pixels


@dataclass(frozen=True)
class Scenario:
    """The widgets of one notebook to operate, in order."""

    notebook: str
    widget: str          # CSS class, e.g. "cnnlab-kernel-explorer"
    steps: tuple[Step, ...]
    index: int = 0       # which widget of that class in the notebook
    initially: tuple[Expect, ...] = field(default_factory=tuple)
    while_running: bool = False  # operate the widget while the notebook's cells still run (e.g. Stop a training)

    @property
    def id(self) -> str:
        return f"{self.notebook[:2]}-{self.widget.removeprefix('cnnlab-')}-{self.index}"


def step(action: Action, *expect: Expect, same_picture: str = "") -> Step:
    """Do ``action``, then wait for each of ``expect``; the widget's picture must change.

    ``same_picture="reason"`` exempts a step whose action changes nothing on screen by design
    (say why); every other step must change more than 0.1 % of the widget's pixels.
    """
    return Step(action, tuple(expect), same_picture)


# ----------------------------------------------------------------------------- the page

_KERNEL_STATUS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return kernel ? kernel.status : null;
}"""


class NotebookPage:
    """A notebook open in JupyterLab, with every console error and page error recorded."""

    def __init__(self, browser, lab, notebook: str, screenshots: Path):
        self.lab, self.notebook, self.screenshots = lab, notebook, screenshots
        self.page = browser.new_page(viewport=VIEWPORT)
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))

    def open_and_run_all(self, wait: bool = True) -> None:
        """Open the notebook, run all cells and (if ``wait``) wait until every cell has run."""
        page = self.page
        page.goto(self.lab.notebook_url(self.notebook))
        page.wait_for_selector(".jp-NotebookPanel", timeout=RUN_TIMEOUT_MS)
        self._accept_kernel_dialog()
        page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=RUN_TIMEOUT_MS)
        # Not awaited: the command's promise settles only when the last cell has run, and a cell
        # that trains until Stop is clicked (``wait=False``) would block Playwright forever.
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        if not wait:
            return
        # Running: some prompt shows [*]; done: the kernel is idle and no prompt shows [*].
        page.wait_for_function(
            f"""() => ({_KERNEL_STATUS})() === 'idle'
                 && document.querySelectorAll('.jp-Cell.jp-CodeCell').length > 0
                 && ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))
                 && [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                      .every(p => /\\[\\d+\\]/.test(p.textContent))""",
            timeout=RUN_TIMEOUT_MS, polling=500)

    def _accept_kernel_dialog(self) -> None:
        dialog = self.page.locator(".jp-Dialog .jp-mod-accept")
        try:
            dialog.wait_for(timeout=1500)
        except Exception:  # noqa: BLE001 - no dialog: the notebook's kernel started by itself
            return
        dialog.click()

    # -------------------------------------------------------------- checks on the whole page
    def cell_errors(self) -> list[str]:
        return self.page.locator('[data-mime-type="application/vnd.jupyter.error"]').all_inner_texts()

    def widget_errors(self) -> list[str]:
        return [t for t in self.page.locator(".cnnlab-error").all_inner_texts() if t.strip()]

    def problems(self) -> list[str]:
        found = [f"console: {e}" for e in self.console_errors]
        found += [f"cell error: {e[:300]}" for e in self.cell_errors()]
        found += [f"widget error: {e}" for e in self.widget_errors()]
        return found

    # -------------------------------------------------------------- one widget
    def widget(self, css_class: str, index: int = 0, timeout: float = STEP_TIMEOUT_MS):
        locator = self.page.locator(f".{css_class}").nth(index)
        locator.wait_for(timeout=timeout)
        locator.scroll_into_view_if_needed()
        return locator

    def _state(self, widget) -> dict:
        return widget.evaluate("""w => ({
            images: [...w.querySelectorAll('img.widget-image')].map(i => i.src),
            svg: [...w.querySelectorAll('svg')].map(s => s.outerHTML.length + ':' + s.outerHTML).join('|'),
        })""")

    def perform(self, widget, action: Action) -> None:
        if action.kind == "press":
            control = widget.locator(".widget-slider", has=self.page.locator(f"label:text-is('{action.label}')"))
            handle = control.locator(".noUi-handle").first
            handle.focus()
            for _ in range(action.times):
                handle.press(str(action.value))
        elif action.kind == "select":
            control = widget.locator(".widget-dropdown", has=self.page.locator(f"label:text-is('{action.label}')"))
            control.locator("select").select_option(label=str(action.value))
        elif action.kind == "toggle":
            widget.locator(".widget-toggle-button", has_text=re.compile(rf"^\s*{re.escape(str(action.value))}\s*$")) \
                .first.click()
        elif action.kind == "click":
            widget.locator("button.widget-button", has_text=action.label).nth(action.times).click()
        elif action.kind == "choose":
            widget.locator(".widget-radio-box label", has_text=str(action.value)).first.click()  # its text, as a person does
        elif action.kind == "write":
            area = widget.locator(".widget-textarea textarea").nth(action.times)
            area.fill(str(action.value))
            area.press("Tab")  # leave the box, as a person would before clicking Check
        elif action.kind == "check":
            widget.locator(".widget-checkbox", has_text=action.label).locator("input").click()
        elif action.kind == "type":
            if action.times >= 0:
                box = widget.locator(".widget-text input").nth(action.times)
            else:
                box = widget.locator(".widget-text", has=self.page.locator(f"label:text-is('{action.label}')")) \
                    .locator("input")
            box.fill(str(action.value))
            box.press("Enter")
        elif action.kind == "draw":
            surface = widget.locator("canvas").first
            box = surface.bounding_box()
            mouse = self.page.mouse
            (x, y), *rest = action.value
            mouse.move(box["x"] + x, box["y"] + y)
            mouse.down()
            for x, y in rest:
                mouse.move(box["x"] + x, box["y"] + y, steps=8)
            mouse.up()
        elif action.kind == "upload":  # click the upload button and answer the file chooser, as a person does
            with self.page.expect_file_chooser(timeout=STEP_TIMEOUT_MS) as chooser:
                widget.locator(".widget-upload").first.click()
            chooser.value.set_files(str(action.value))
        else:  # pragma: no cover
            raise ValueError(f"unknown action {action.kind!r}")

    def wait_for(self, widget, expect: Expect, before: dict) -> None:
        if expect.kind == "image":
            widget.page.wait_for_function(
                """([w, index, old]) => {
                    const img = w.querySelectorAll('img.widget-image')[index];
                    return img && img.src !== old && img.complete && img.naturalWidth > 0;
                }""",
                arg=[widget.element_handle(), expect.value, before["images"][expect.value]],
                timeout=STEP_TIMEOUT_MS, polling=50)
        elif expect.kind == "svg":
            widget.page.wait_for_function(
                """([w, old]) => [...w.querySelectorAll('svg')].map(s => s.outerHTML.length + ':' + s.outerHTML)
                                  .join('|') !== old""",
                arg=[widget.element_handle(), before["svg"]], timeout=STEP_TIMEOUT_MS, polling=50)
        elif expect.kind == "page_text":
            widget.page.wait_for_function(
                "text => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => o.innerText.includes(text))",
                arg=str(expect.value), timeout=STEP_TIMEOUT_MS, polling=100)
        elif expect.kind in ("text", "no_text"):
            present = expect.kind == "text"
            widget.page.wait_for_function(
                "([w, text, present]) => w.innerText.includes(text) === present",
                arg=[widget.element_handle(), str(expect.value), present], timeout=STEP_TIMEOUT_MS, polling=50)

    def picture(self, widget) -> bytes:
        """The widget as it looks now (PNG bytes), with nothing hovered or focused in it.

        The mouse leaves and the focus is taken off the widget first, so that a hover shade or a
        focus ring is never taken for a change a step made; animations are settled.
        """
        self.page.mouse.move(0, 0)
        widget.evaluate("w => { const a = document.activeElement; if (a && w.contains(a)) a.blur(); }")
        return widget.screenshot(animations="disabled")

    def save(self, png: bytes, name: str) -> Path:
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        path.write_bytes(png)
        return path

    def screenshot(self, widget, name: str) -> Path:
        return self.save(self.picture(widget), name)

    def _check_change(self, before: bytes, after: bytes, name: str) -> list[str]:
        """A problem unless more than 0.1 % of the widget's pixels changed between ``before`` and ``after``."""
        with timed("pixel comparisons"):
            fraction = changed_fraction(before, after)
        if fraction > MIN_CHANGED_FRACTION:
            return []
        self.save(before, f"{name}-before")
        width, height = Image.open(io.BytesIO(after)).size
        return [f"no visible change: {fraction:.3%} of the widget's {width}×{height} px changed by more than "
                f"{PIXEL_LEVELS}/255 (needs > {MIN_CHANGED_FRACTION:.1%}; compare {name}-before.png with {name}.png)"]

    def run_scenario(self, scenario: Scenario) -> tuple[list[Path], Findings]:
        """Operate one widget step by step; return the screenshots taken and the layout problems found.

        The layout checks run initially and after every step, and every step must change the
        widget's picture (unless it says ``same_picture``); what they find is collected, not raised,
        so that one report lists all of it.
        """
        # A widget of a notebook still running appears when its cell runs (after TensorFlow's import).
        widget = self.widget(scenario.widget, scenario.index,
                             timeout=RUN_TIMEOUT_MS if scenario.while_running else STEP_TIMEOUT_MS)
        findings = Findings(f"{scenario.notebook}, {scenario.widget} #{scenario.index}")
        for expect in scenario.initially:
            self.wait_for(widget, expect, self._state(widget))
        findings.add("initially", layout_problems(widget))
        shots = [self.screenshot(widget, f"{scenario.id}-before")]
        for number, current in enumerate(scenario.steps, 1):
            moment = f"step {number}"
            before = self._state(widget)
            with timed("screenshots before each step"):
                picture = self.picture(widget)
            self.perform(widget, current.action)
            for expect in current.expect:
                try:
                    self.wait_for(widget, expect, before)
                except Exception as error:  # noqa: BLE001 - re-raised with what the learner did
                    shot = self.screenshot(widget, f"{scenario.id}-step{number}-failed")
                    raise AssertionError(
                        f"{scenario.notebook}, {scenario.widget} #{scenario.index}, step {number}: after "
                        f"'{current.action.describe()}', expected {expect.describe()} within "
                        f"{STEP_TIMEOUT_MS / 1000:.0f} s (screenshot: {shot}); problems on the page: "
                        f"{self.problems() or 'none'}\n{findings.message()}"
                    ) from error
            assert not self.widget_errors(), f"step {number} ({current.action.describe()}): {self.widget_errors()}"
            after = self.picture(widget)
            shots.append(self.save(after, f"{scenario.id}-step{number}"))
            if not current.same_picture:
                findings.add(moment, self._check_change(picture, after, f"{scenario.id}-step{number}"))
            findings.add(moment, layout_problems(widget), action=current.action.describe())
        return shots, findings

    def set_theme(self, theme: str) -> None:
        """Switch JupyterLab to ``theme`` ("JupyterLab Dark", "JupyterLab Light"), as Settings ▸ Theme does."""
        self.page.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
        self.page.wait_for_function("theme => document.body.dataset.jpThemeName === theme", arg=theme,
                                    timeout=STEP_TIMEOUT_MS)
        self.page.wait_for_timeout(300)  # the new theme's variables reach every element

    def widgets(self):
        """Every cnnlab widget on the page: ``(css class, index among those of its class, locator)``."""
        roots = self.page.locator(".cnnlab-widget")
        names = roots.evaluate_all("""roots => roots.map(root =>
            [...root.classList].find(c => c.startsWith('cnnlab-') && c !== 'cnnlab-widget') || 'cnnlab-widget')""")
        seen: dict[str, int] = {}
        for number, name in enumerate(names):
            seen[name] = seen.get(name, -1) + 1
            yield name, seen[name], roots.nth(number)

    def layout_of_widgets(self, skip=()) -> Findings:
        """The layout problems of every cnnlab widget on the page as it is.

        ``skip`` holds the (css class, index) pairs of the widgets that scenarios check.
        """
        findings = Findings(f"{self.notebook}, the widgets no scenario operates")
        roots = self.page.locator(".cnnlab-widget")
        found = roots.evaluate_all(
            """(roots, skip) => roots.map(root => ({
                name: [...root.classList].find(c => c.startsWith('cnnlab-') && c !== 'cnnlab-widget')
                      || 'cnnlab-widget',
                covered: skip.some(([css, index]) => document.querySelectorAll('.' + css)[index] === root),
            }))""", [list(pair) for pair in skip])
        seen: dict[str, int] = {}
        for number, root in enumerate(found):
            index = seen[root["name"]] = seen.get(root["name"], -1) + 1
            if root["covered"]:
                continue
            widget = roots.nth(number)
            widget.scroll_into_view_if_needed()
            findings.add(f"{root['name']} #{index}", layout_problems(widget))
        return findings

    def close(self) -> None:
        self.page.close()
