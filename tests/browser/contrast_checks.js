// The contrast of every piece of text in one widget against what is behind it (see test_widgets_in_browser.py).
//
// Called with the widget's outer element; returns a list of problems, each {element, detail}, for text whose
// WCAG contrast ratio against its background is below MIN_RATIO. The text colour (its `color`, or `fill` for
// SVG text) is blended over the background, as are translucent backgrounds over what is under them; the
// background of SVG text is the SVG shape drawn under its centre, if any, else the boxes it sits in.
// Disabled controls are left out (WCAG exempts inactive controls), as are hidden elements.
(root) => {
  const MIN_RATIO = 3.0;  // WCAG AA for large text and controls; JupyterLab's own secondary text is about 4.6
  const problems = [];
  const parse = value => {
    const m = /rgba?\(([^)]+)\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const luminance = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const css = c => `rgb(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)})`;
  const boxesBehind = el => {  // the backgrounds of el and all its ancestors, composed from the page down
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(e);
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const e of chain.reverse()) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) colour = over(c, colour);
    }
    return colour;
  };
  const svgBehind = el => {
    const rect = el.getBoundingClientRect();
    const under = document.elementsFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    const base = boxesBehind(el.ownerSVGElement || el);
    for (const shape of under) {
      if (shape === el || !(shape instanceof SVGGeometryElement) || shape.closest('text')) continue;
      if (!el.ownerSVGElement || !el.ownerSVGElement.contains(shape)) continue;
      const style = getComputedStyle(shape);
      const fill = parse(style.fill);
      if (!fill || fill.a === 0) continue;
      return over({...fill, a: fill.a * (parseFloat(style.fillOpacity) || 1)}, base);
    }
    return base;
  };
  const shown = el => {
    if (!el.isConnected || el.getClientRects().length === 0) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const disabled = el => !!el.closest(':disabled, [disabled], .mod-disabled, .jupyter-widgets-disabled');
  const opacity = el => {
    let value = 1;
    for (let e = el; e; e = e.parentElement) value *= parseFloat(getComputedStyle(e).opacity);
    return value;
  };
  const elements = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (walker.currentNode.textContent.trim() && parent && !parent.closest('style, script')) elements.add(parent);
  }
  for (const input of root.querySelectorAll('input[type=text], input[type=number], textarea, select')) {
    if (input.value) elements.add(input);
  }
  for (const el of elements) {
    if (!shown(el) || disabled(el)) continue;
    const style = getComputedStyle(el);
    const svg = el instanceof SVGElement;
    const ink = parse(svg ? style.fill : style.color);
    if (!ink || ink.a === 0) continue;
    const behind = svg ? svgBehind(el) : boxesBehind(el);
    const text = over({...ink, a: ink.a * opacity(el)}, behind);
    const found = ratio(text, behind);
    if (found < MIN_RATIO) {
      const words = (el.value || el.textContent).replace(/\s+/g, ' ').trim().slice(0, 40);
      problems.push({element: `<${el.tagName.toLowerCase()}> "${words}"`,
                     detail: `contrast ${found.toFixed(2)} (needs ${MIN_RATIO}): ${css(text)} on ${css(behind)}`});
    }
  }
  return problems;
}
