// Layout invariants of one widget, checked in the page (see layout.py, which evaluates this function).
//
// Called with the widget's outer element (the `.cnnlab-widget` box); returns a list of problems,
// each {kind, element, detail}, empty when the widget is laid out right:
//   overflow  - the widget, or part of it, sticks out of its output area (the notebook column), or
//               the output area / the widget / a scrollable box inside it scrolls sideways;
//   image     - an <img> shown at another aspect ratio than its picture's (beyond 2 %), cropped by
//               object-fit: cover, still loading, or broken (the broken-image icon: shown, nothing loaded);
//   clipped   - text wider than its box: labels, slider readouts, buttons (scrollWidth > clientWidth),
//               the value of a text or number box and the selected option of a dropdown (text width
//               measured on a canvas in the element's own font, against the box's content width);
//   label     - a control's description not beside the control it names (wrapped onto a line above it,
//               as ipywidgets 8.1 lays out a ToggleButtons unless the course's stylesheet rows it).
// Hidden elements (display: none, visibility: hidden, zero size) are not checked.
async (root) => {
  const TOLERANCE_PX = 1;
  const RATIO_TOLERANCE = 0.02;
  const IMAGE_LOAD_MS = 3000;
  const problems = [];
  const report = (kind, element, detail) => problems.push({kind, element, detail});
  const round = v => Math.round(v * 10) / 10;

  // Images that are still loading get a moment (an update just set a new src).
  const images = [...root.querySelectorAll('img')];
  const deadline = performance.now() + IMAGE_LOAD_MS;
  while (images.some(i => !i.complete) && performance.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }

  const shown = el => {
    if (!el.isConnected || el.getClientRects().length === 0) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.visibility === 'collapse') return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const textOf = el => {
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') return el.value || el.placeholder || '';
    if (el.tagName === 'SELECT') return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '';
    if (el.tagName === 'IMG') return el.alt || (el.getAttribute('src') || '(no src)').slice(0, 30);
    return el.innerText || el.textContent || '';
  };
  const describe = el => {
    const classes = [...el.classList].filter(c => !c.startsWith('lm-') && !c.startsWith('p-')).slice(0, 3);
    const type = el.tagName === 'INPUT' ? `[type=${el.type}]` : '';
    let text = textOf(el).replace(/\s+/g, ' ').trim();
    if (text.length > 40) text = text.slice(0, 39) + '…';
    return `<${el.tagName.toLowerCase()}${type}${classes.map(c => '.' + c).join('')}> "${text}"`;
  };
  const px = (style, name) => parseFloat(style.getPropertyValue(name)) || 0;
  const contentBox = el => {  // the box the content is drawn in: border box minus borders and padding
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    return {
      width: rect.width - px(style, 'border-left-width') - px(style, 'border-right-width')
             - px(style, 'padding-left') - px(style, 'padding-right'),
      height: rect.height - px(style, 'border-top-width') - px(style, 'border-bottom-width')
              - px(style, 'padding-top') - px(style, 'padding-bottom'),
      style,
    };
  };
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (text, style) => {
    canvas.font = [style.fontStyle, style.fontVariant, style.fontWeight, style.fontSize, style.fontFamily].join(' ');
    const spacing = parseFloat(style.letterSpacing) || 0;
    return canvas.measureText(text).width + spacing * text.length;
  };
  // Chromium draws a number box's spin buttons inside its content box; measure their width once,
  // as the difference between a number box's and a text box's scroll width for the same long value.
  const spinButtonWidth = (() => {
    const probe = type => {
      const input = document.createElement('input');
      input.type = type;
      input.value = '1'.repeat(60);
      input.style.cssText = 'position:absolute;left:-9999px;top:0;width:40px;padding:0;border:0;font:13px sans-serif';
      document.body.appendChild(input);
      const width = input.scrollWidth;
      input.remove();
      return width;
    };
    return Math.max(0, probe('number') - probe('text'));
  })();

  // 1. No horizontal overflow of the notebook column.
  const output = root.closest('.jp-OutputArea-output');
  if (!output) {
    report('overflow', describe(root), 'the widget is not inside a JupyterLab output area (.jp-OutputArea-output)');
  } else {
    const column = output.getBoundingClientRect();
    const box = root.getBoundingClientRect();
    if (box.left < column.left - TOLERANCE_PX || box.right > column.right + TOLERANCE_PX) {
      report('overflow', 'the widget box',
             `spans x = ${round(box.left - column.left)}…${round(box.right - column.left)} px of an output area ` +
             `${round(column.width)} px wide (width ${round(box.width)} px)`);
    }
    if (output.scrollWidth > output.clientWidth + TOLERANCE_PX) {
      report('overflow', 'the output area',
             `scrollWidth ${output.scrollWidth} > clientWidth ${output.clientWidth} (it scrolls sideways)`);
    }
    // Parts of the widget outside the column (only the outermost of them: their children follow).
    const outside = [];
    for (const el of root.querySelectorAll('*')) {  // document order: a box comes before what it holds
      if (outside.some(o => o.contains(el)) || !shown(el)) continue;
      const rect = el.getBoundingClientRect();
      if (rect.right > column.right + TOLERANCE_PX || rect.left < column.left - TOLERANCE_PX) {
        outside.push(el);
        report('overflow', describe(el),
               `spans x = ${round(rect.left - column.left)}…${round(rect.right - column.left)} px of an output ` +
               `area ${round(column.width)} px wide`);
      }
    }
  }
  if (root.scrollWidth > root.clientWidth + TOLERANCE_PX) {
    report('overflow', 'the widget box', `scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}`);
  }
  for (const el of root.querySelectorAll('*')) {  // a box inside the widget with its own horizontal scroll bar
    const overflowX = getComputedStyle(el).overflowX;
    if ((overflowX === 'auto' || overflowX === 'scroll') && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
        && shown(el) && el.scrollWidth > el.clientWidth + TOLERANCE_PX) {
      report('overflow', describe(el), `scrolls sideways: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    }
  }

  // 2. Images at their natural aspect ratio, and none broken.
  for (const img of images) {
    if (!shown(img)) continue;
    if (!img.complete) {
      report('image', describe(img), `still loading after ${IMAGE_LOAD_MS / 1000} s`);
      continue;
    }
    if (img.naturalWidth === 0 || img.naturalHeight === 0) {
      const rect = img.getBoundingClientRect();
      report('image', describe(img),
             `broken image shown (${round(rect.width)}×${round(rect.height)} px box, nothing loaded: ` +
             `src ${img.getAttribute('src') ? 'does not decode' : 'is empty'})`);
      continue;
    }
    const {width, height, style} = contentBox(img);
    const natural = img.naturalWidth / img.naturalHeight;
    let shownWidth = width, shownHeight = height;
    const fit = style.objectFit;
    if (fit === 'contain' || fit === 'scale-down') {  // the picture is fitted inside the box, ratio kept
      let scale = Math.min(width / img.naturalWidth, height / img.naturalHeight);
      if (fit === 'scale-down') scale = Math.min(scale, 1);
      shownWidth = img.naturalWidth * scale;
      shownHeight = img.naturalHeight * scale;
    } else if (fit === 'cover') {
      const boxRatio = width / height;
      if (Math.abs(boxRatio / natural - 1) > RATIO_TOLERANCE) {
        report('image', describe(img),
               `cropped by object-fit: cover: box ${round(width)}×${round(height)} px (ratio ${boxRatio.toFixed(3)}) ` +
               `for a ${img.naturalWidth}×${img.naturalHeight} picture (ratio ${natural.toFixed(3)})`);
      }
      continue;
    } else if (fit === 'none') {
      continue;  // drawn at its natural size
    }
    const error = (shownWidth / shownHeight) / natural - 1;
    if (!(Math.abs(error) <= RATIO_TOLERANCE)) {
      report('image', describe(img),
             `shown ${round(shownWidth)}×${round(shownHeight)} px (ratio ${(shownWidth / shownHeight).toFixed(3)}) ` +
             `for a ${img.naturalWidth}×${img.naturalHeight} picture (ratio ${natural.toFixed(3)}): ` +
             `${(error * 100).toFixed(1)} % off (tolerance ${RATIO_TOLERANCE * 100} %)`);
    }
  }

  // 3. No text clipped inside its box.
  const boxes = new Set(root.querySelectorAll(
    '.widget-label, .widget-label-basic, .widget-readout, button, .widget-toggle-button'));
  for (const el of boxes) {
    if (!shown(el) || !textOf(el).trim()) continue;
    if (el.scrollWidth > el.clientWidth + TOLERANCE_PX) {
      report('clipped', describe(el), `text needs ${el.scrollWidth} px, box shows ${el.clientWidth} px`);
    }
  }
  for (const input of root.querySelectorAll('input[type=text], input[type=number]')) {
    const text = input.value || input.placeholder;
    if (!shown(input) || !text) continue;
    const {width, style} = contentBox(input);
    const room = width - (input.type === 'number' ? spinButtonWidth : 0);
    const needed = textWidth(text, style);
    if (needed > room + TOLERANCE_PX) {
      report('clipped', describe(input),
             `${input.value ? 'value' : 'placeholder'} needs ${round(needed)} px, the box shows ${round(room)} px` +
             (input.type === 'number' ? ` (content ${round(width)} px less ${spinButtonWidth} px of spin buttons)` : ''));
    }
  }
  for (const select of root.querySelectorAll('select')) {
    if (!shown(select) || select.multiple || select.size > 1 || select.selectedIndex < 0) continue;
    const {width, style} = contentBox(select);
    const arrow = style.appearance === 'none' ? 0 : 20;  // a native arrow is drawn inside the content box
    const text = select.options[select.selectedIndex].text;
    const needed = textWidth(text, style);
    if (needed > width - arrow + TOLERANCE_PX) {
      report('clipped', describe(select),
             `selected option needs ${round(needed)} px, the box shows ${round(width - arrow)} px`);
    }
  }

  // 4. Every control's description sits beside the control, on its line: one label style.
  for (const label of root.querySelectorAll('.widget-inline-hbox > .widget-label, .widget-toggle-buttons > .widget-label')) {
    if (!shown(label) || !textOf(label).trim()) continue;
    const body = [...label.parentElement.children].find(c => c !== label && shown(c));
    if (!body) continue;
    const l = label.getBoundingClientRect(), b = body.getBoundingClientRect();
    const middle = (l.top + l.bottom) / 2;
    if (middle < b.top - TOLERANCE_PX || middle > b.bottom + TOLERANCE_PX || l.right > b.left + TOLERANCE_PX) {
      report('label', describe(label),
             `not beside its control: the label spans x = ${round(l.left)}…${round(l.right)}, ` +
             `y = ${round(l.top)}…${round(l.bottom)} px; the control x = ${round(b.left)}…${round(b.right)}, ` +
             `y = ${round(b.top)}…${round(b.bottom)} px`);
    }
  }
  return problems;
}
