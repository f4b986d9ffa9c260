"""The layout checks themselves, on a page made for them: each defect is found, a right layout passes.

No JupyterLab: a static page with the same structure (an output area holding a widget box).
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from layout import changed_fraction, contrast_problems, layout_problems
from PIL import Image

pytestmark = pytest.mark.browser


def _png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


GOOD = f"""
<label class="widget-label" style="width:200px">Kernel</label>
<button style="width:200px">Show model answer</button>
<input type="number" value="-0.43" style="width:120px">
<input type="text" value="12.6 MB" style="width:120px">
<select style="width:200px"><option>sobel x</option></select>
<img src="{_png(40, 20)}" style="width:200px; height:auto">
<img src="{_png(40, 20)}" style="width:300px; height:300px; object-fit:contain">
<img src="" style="display:none">
<div class="widget-inline-hbox" style="display:flex"><label class="widget-label" style="width:110px">Size</label><div><button>3</button></div></div>
"""

BAD = f"""
<label class="widget-label" style="width:40px; display:inline-block">A long description</label>
<button style="width:60px; white-space:nowrap; overflow:hidden">Show model answer</button>
<input type="number" value="-0.43210" style="width:40px">
<select style="width:60px"><option>two 3×3 convs vs one 5×5</option></select>
<img src="{_png(40, 20)}" style="width:200px; height:200px">
<img src="" style="width:50px; height:50px">
<div style="width:1200px">too wide</div>
<div class="widget-toggle-buttons"><label class="widget-label">Channels</label><div><button>red</button></div></div>
"""


def _widget(page, body: str):
    page.set_content(f"""<div class="jp-OutputArea-output" style="width:900px; overflow:auto; font:13px sans-serif">
        <div class="cnnlab-widget" style="overflow:visible">{body}</div></div>""")
    return page.locator(".cnnlab-widget")


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    yield page
    page.close()


def test_a_right_layout_passes(page):
    assert layout_problems(_widget(page, GOOD)) == []


def test_each_defect_is_found(page):
    found = "\n".join(layout_problems(_widget(page, BAD)))
    for expected in ['clipped: <label.widget-label> "A long description"', 'clipped: <button> "Show model answer"',
                     'clipped: <input[type=number]> "-0.43210"', 'clipped: <select> "two 3×3 convs vs one 5×5"',
                     "image: <img> ", "% off", "broken image shown", 'overflow: <div> "too wide"',
                     "overflow: the output area: scrollWidth", "overflow: the widget box: scrollWidth",
                     'label: <label.widget-label> "Channels": not beside its control']:
        assert expected in found, f"{expected!r} not reported in:\n{found}"


def test_a_changed_picture_is_told_from_an_unchanged_one(page):
    widget = _widget(page, '<div id="box" style="width:300px; height:200px; background:#fff"></div>')
    before = widget.screenshot()
    assert changed_fraction(before, widget.screenshot()) == 0.0
    page.evaluate("document.getElementById('box').style.background = '#000'")
    assert changed_fraction(before, widget.screenshot()) == pytest.approx(300 / 900)  # the box, in a 900 px row


READABLE = """<div style="background:#111; color:rgba(255, 255, 255, 0.54)">muted text on the dark theme's background</div>
<button style="background:#fff; color:#000">Check</button>
<button disabled style="background:#111; color:#222">a disabled control is exempt</button>
<svg width="200" height="40"><rect width="200" height="40" fill="#e3f2fd"/><text x="5" y="25" fill="#333">a box</text></svg>
"""

UNREADABLE = """<div style="background:#111"><span style="color:#333">dark text on a dark background</span>
<input type="text" value="typed" style="background:#111; color:#222"></div>
<div style="background:#fff"><svg width="200" height="40"><rect width="200" height="40" fill="#000"/>
<text x="5" y="25" fill="#222">dark SVG text on a dark box</text></svg></div>
"""


def test_text_against_its_background_is_told_readable_or_not(page):
    assert contrast_problems(_widget(page, READABLE)) == []
    found = "\n".join(contrast_problems(_widget(page, UNREADABLE)))
    for expected in ['<span> "dark text on a dark background"', '<input> "typed"', '<text> "dark SVG text on a dark box"']:
        assert expected in found, f"{expected!r} not reported in:\n{found}"
    assert found.count("contrast: ") == 3, found
