"""Every widget of the notebooks, operated in JupyterLab in Chromium as a learner would."""

from __future__ import annotations

import pytest
from harness import NotebookPage
from layout import contrast_problems
from scenarios import NOTEBOOKS, SCENARIOS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages(browser, lab, screenshots):
    opened: dict[str, NotebookPage] = {}

    def get(notebook: str, wait: bool = True) -> NotebookPage:
        if notebook not in opened:
            page = NotebookPage(browser, lab, notebook, screenshots)
            page.open_and_run_all(wait=wait)
            opened[notebook] = page
        return opened[notebook]

    yield get
    for page in opened.values():
        page.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_without_errors_in_the_browser(pages, notebook):
    page = pages(notebook)
    assert page.page.locator(".cnnlab-widget").count() >= 1, "no cnnlab widget was displayed"
    assert page.problems() == []


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_widgets_no_scenario_operates_keep_their_layout(pages, notebook):
    """The layout invariants (see layout.py) for the widgets of the notebook that no scenario covers."""
    covered = [(s.widget, s.index) for s in SCENARIOS if s.notebook == notebook]
    findings = pages(notebook).layout_of_widgets(skip=covered)
    assert not findings, findings.message()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_widget_responds_to_the_learner(pages, scenario):
    """Every step has its effect, changes the picture, and leaves the widget's layout right."""
    page = pages(scenario.notebook, wait=not scenario.while_running)
    shots, findings = page.run_scenario(scenario)
    assert all(path.stat().st_size > 0 for path in shots)
    problems = page.problems()
    assert not findings and not problems, "\n".join(
        filter(None, [findings.message(), problems and f"problems on the page: {problems}"]))


#: The dark theme first: the light one is where the notebooks are left (JupyterLab saves the choice).
THEMES = ("JupyterLab Dark", "JupyterLab Light")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_widgets_text_reads_in_the_dark_theme_and_the_light(pages, notebook):
    """Widget text takes JupyterLab's theme colours: none is dark on dark, or light on light (issue 18).

    Runs after the scenarios (it switches the theme of the whole JupyterLab); the dark-theme
    screenshots go beside theirs, named ``dark-…``.
    """
    page = pages(notebook)
    found = []
    try:
        for theme in THEMES:
            page.set_theme(theme)
            for name, index, widget in page.widgets():
                widget.scroll_into_view_if_needed()
                found += [f"{theme}, {name} #{index}: {problem}" for problem in contrast_problems(widget)]
                if theme == "JupyterLab Dark":
                    page.screenshot(widget, f"dark-{notebook[:2]}-{name.removeprefix('cnnlab-')}-{index}")
    finally:
        page.set_theme("JupyterLab Light")
    assert not found, "\n".join(found)
