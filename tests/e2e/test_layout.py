"""Issue 12's layout check: every page (and the home page) at 1024×768 in presentation mode and at 1400×1000,
measured in the DOM of a real browser, fails on clipped or overlapping text:

- text: words cut by an ancestor that hides or scrolls its overflow (ellipsis metrics, tables off the right edge)
  in markdown, captions, metrics, headings, alerts and ``st.table``; ``st.dataframe`` (Glide draws into a canvas)
  by each column's width against the width its header and cells need, and by columns scrolled off the right edge;
- katex: a formula wider than its box;
- plotly: inside each chart, a legend covering a title, axis title, annotation (subplot titles), tick label or bar
  label; a title, annotation or tick label outside the chart's own box; an axis title on its tick labels; two titles
  on each other; a Play/Pause button on the slider's label; a plot area squeezed below 120 × 80 px;
- fold (presentation size only): the first screen shows at least 300 px (or all) of the page's first chart.

Each page is visited once per size, in one tab per size that loads the app once and then moves from page to page by
the sidebar's links, as a user does (a fresh tab load costs 4–5 s here; the check makes sure that presentation mode is
still on, or off, after each switch, and that the window has its size); every failure names the page, the size, the
element and its text. Full-page screenshots go to ``artifacts/screenshots/<page>_<size>.png``.
"""
from pathlib import Path

import pytest

import app
from browser_support import READY, SETTLED, open_tab, switch_page
from helpers import screenshot

SIZES = {"present_1024x768": (1024, 768, True), "1400x1000": (1400, 1000, False)}
PAGES = ["home", *(Path(p[1]).stem for p in app.PAGES)]
CHECKS = ("text", "katex", "plotly", "fold")
FOLD_PX = 300  # of the first chart, on the first screen in presentation mode

# (page, size, check): why it is still expected to fail. strict: a fixed one must leave this list.
KNOWN: dict[tuple[str, str, str], str] = {}

MEASURE = r"""(opts) => {
  const out = {text: [], katex: [], plotly: [], fold: []};
  const MIN_PLOT = [120, 80];  // px: a plot area squeezed smaller by its labels and legend shows nothing
  const main = document.querySelector('[data-testid="stMain"]');
  const R = e => e.getBoundingClientRect();
  const shown = r => r.width > 0.5 && r.height > 0.5;
  const words = s => (s || '').replace(/<br>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 70);
  const cut = (a, b) => a.right > b.right + 1.5 || a.left < b.left - 1.5;
  const apart = (a, b) => a.bottom <= b.top + 1 || a.top >= b.bottom - 1;
  const meets = (a, b, tol = 1) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
                                   Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  const mainBox = R(main);

  // 1. Text cut by an ancestor that hides or scrolls its overflow, or running off the page.
  const TEXT = ['stMarkdownContainer', 'stCaptionContainer', 'stMetric', 'stTable', 'stHeading', 'stAlert']
    .map(t => `[data-testid="${t}"]`).join(', ');
  const reported = new Set();
  for (const box of main.querySelectorAll(TEXT)) {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!node.textContent.trim() || reported.has(el) ||
          el.closest('.katex, [data-testid="stHeaderActionElements"], details:not([open]) > :not(summary)')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      if (!shown(r)) continue;
      let why = null, hidden = false;
      for (let a = el; a && a !== main && !why && !hidden; a = a.parentElement) {
        const cs = getComputedStyle(a), ar = R(a);
        if (cs.overflowY !== 'visible' && apart(r, ar)) hidden = true;  // scrolled or folded out of sight
        else if (cs.overflowX !== 'visible' && (cut(r, ar) ||
                 cs.textOverflow === 'ellipsis' && a.scrollWidth > a.clientWidth + 1))
          why = `cut at ${Math.round(ar.width)} px by <${a.tagName.toLowerCase()} ` +
                `${a.dataset.testid || String(a.className).split(' ')[0]}> (overflow ${cs.overflowX})`;
      }
      if (hidden) continue;
      if (!why && cut(r, mainBox)) why = 'runs off the page';
      if (why) { reported.add(el); out.text.push(`'${words(el.textContent)}': ${why}`); }
    }
  }
  // st.dataframe draws into a canvas: each column's width against what its header and cells need (Glide's props).
  for (const df of main.querySelectorAll('[data-testid="stDataFrame"]')) {
    const canvas = df.querySelector('[data-testid="data-grid-canvas"]');
    if (!canvas || !shown(R(canvas))) continue;
    const head = words(Array.from(canvas.querySelectorAll('th')).map(t => t.textContent).join(' | '));
    const scroller = df.querySelector('.dvn-scroller');
    if (scroller && scroller.scrollWidth > scroller.clientWidth + 1)
      out.text.push(`table '${head}': ${scroller.scrollWidth} px of columns in a ${scroller.clientWidth} px box ` +
                    `(off the right edge)`);
    let f = canvas[Object.keys(canvas).find(k => k.startsWith('__reactFiber'))], grid = null, theme = null;
    for (let i = 0; f && i < 80; i++, f = f.return) {
      const p = f.memoizedProps || {};
      if (!grid && p.getCellContent && Array.isArray(p.columns) && p.columns.every(c => typeof c.width === 'number'))
        grid = p;
      if (!theme && p.theme && p.theme.fontFamily) theme = p.theme;
    }
    if (!grid || !theme) {
      out.text.push(`table '${head}': its column widths cannot be read (Glide changed?)`);
      continue;
    }
    const ctx = document.createElement('canvas').getContext('2d');
    const need = (s, style) => { ctx.font = `${style} ${theme.fontFamily}`; return ctx.measureText(String(s)).width; };
    const pad = 2 * (theme.cellHorizontalPadding ?? 8);
    grid.columns.forEach((c, i) => {
      let worst = [need(c.title, theme.headerFontStyle), c.title];
      for (let row = 0; row < Math.min(grid.rows, 200); row++) {
        const cell = grid.getCellContent([i, row]);
        const s = cell.displayData ?? cell.data ?? '';
        const w = need(s, theme.baseFontStyle);
        if (w > worst[0]) worst = [w, s];
      }
      if (worst[0] + pad > c.width + 1)
        out.text.push(`table column '${words(c.title)}': '${words(String(worst[1]))}' needs ` +
                      `${Math.ceil(worst[0] + pad)} px, the column is ${Math.round(c.width)} px (truncated)`);
    });
  }

  // 2. Formulas wider than their box.
  for (const k of main.querySelectorAll('.katex-display, .katex')) {
    if (k.classList.contains('katex') && k.closest('.katex-display')) continue;
    if (k.closest('details:not([open]) > :not(summary)')) continue;
    const box = k.closest('[data-testid="stMarkdownContainer"]') || k.parentElement;
    const r = R(k.classList.contains('katex-display') ? k.querySelector('.katex-html') || k : k);
    if (!shown(r)) continue;
    // 3 px: KaTeX lets an italic glyph overhang its box (st.latex's box is as wide as the formula)
    if (k.scrollWidth > k.clientWidth + 3 && getComputedStyle(k).overflowX !== 'visible' || cut(r, R(box)))
      out.katex.push(`formula '${words(k.querySelector('annotation')?.textContent || k.textContent)}' is ` +
                     `${Math.round(Math.max(r.width, k.scrollWidth))} px wide in a ${Math.round(R(box).width)} px box`);
  }

  // 3. Inside each chart.
  Array.from(main.querySelectorAll('.js-plotly-plot')).forEach((plot, n) => {
    const box = R(plot);
    if (!shown(box)) return;
    const all = sel => Array.from(plot.querySelectorAll(sel)).filter(e => e.textContent.trim() && shown(R(e)));
    const titles = all('.infolayer text[class$="title"]');
    const axisTitles = titles.filter(e => /^[xy]\d*title$/.test(e.getAttribute('class')));
    const notes = all('.infolayer .annotation-text-g text');
    const ticks = all('[class$="tick"] > text, [class$="tick2"] > text');
    const labels = all('.bars text, .textpoint text, .slider-label, .slider-current-value');
    const legends = Array.from(plot.querySelectorAll('.legend')).filter(e => shown(R(e)));
    const t = plot.layout?.title;
    const name = words(typeof t === 'string' ? t : t?.text) || words(notes[0]?.textContent) || `chart ${n + 1}`;
    const kind = e => e.closest('.annotation') ? 'annotation' : e.closest('[class$="tick"]') ? 'tick label'
      : e.classList.contains('gtitle') ? 'title'
      : /title$/.test(e.getAttribute('class') || '') ? 'axis title' : 'label';
    const say = e => `${kind(e)} '${words(e.textContent)}'`;
    const where = `chart '${name}'`;
    for (const lg of legends) {
      const lr = R(lg.querySelector('.bg') || lg);
      for (const e of [...titles, ...notes, ...ticks, ...labels])
        if (meets(lr, R(e), 2)) out.plotly.push(`${where}: legend '${words(lg.textContent)}' covers ${say(e)}`);
    }
    for (const e of [...titles, ...notes, ...ticks]) {
      const r = R(e);
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.plotly.push(`${where}: ${say(e)} runs outside the chart (${Math.round(r.left - box.left)}..` +
                        `${Math.round(r.right - box.left)} px of ${Math.round(box.width)})`);
    }
    for (const a of axisTitles) {
      const on = ticks.find(e => meets(R(a), R(e), 1));
      if (on) out.plotly.push(`${where}: ${say(a)} sits on ${say(on)}`);
    }
    const heads = [...titles, ...notes];
    for (let i = 0; i < heads.length; i++)
      for (let j = i + 1; j < heads.length; j++)
        if (meets(R(heads[i]), R(heads[j]), 1)) out.plotly.push(`${where}: ${say(heads[i])} overlaps ${say(heads[j])}`);
    for (const d of plot.querySelectorAll('.draglayer .nsewdrag')) {
      const r = R(d);
      if (r.width < MIN_PLOT[0] || r.height < MIN_PLOT[1])
        out.plotly.push(`${where}: a plot area collapsed to ${Math.round(r.width)} × ${Math.round(r.height)} px`);
    }
    for (const b of plot.querySelectorAll('.updatemenu-button'))
      for (const e of labels)
        if (meets(R(b), R(e), 1)) out.plotly.push(`${where}: button '${words(b.textContent)}' covers ${say(e)}`);
  });

  // 4. The first screen shows the page's main (first) chart.
  if (opts.fold) {
    const first = Array.from(main.querySelectorAll('.js-plotly-plot')).find(p => shown(R(p)));
    if (first) {
      const r = R(first), seen = Math.min(innerHeight, r.bottom) - Math.max(0, r.top);
      const t = first.layout?.title;
      if (seen < Math.min(opts.fold, r.height) - 1)
        out.fold.push(`main chart '${words(typeof t === 'string' ? t : t?.text)}' shows ` +
                      `${Math.max(0, Math.round(seen))} of ${Math.round(r.height)} px on the first screen ` +
                      `(its top at ${Math.round(r.top)} of ${innerHeight} px)`);
    }
  }
  return out;
}"""


PRESENTING = ("document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stCheckbox\"] input')?.checked"
              " === true && new URLSearchParams(location.search).get('present') === '1'")


@pytest.fixture(scope="module")
def measured(browser, server_url):
    """``measured(page, size)``: the failures found on that page at that size, by check (each visit made once)."""
    shots = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, str], dict] = {}
    tabs: dict[str, object] = {}  # size → its tab

    def measure(page: str, size: str) -> dict:
        if (page, size) not in done:
            width, height, present = SIZES[size]
            if size not in tabs:
                for other in tabs.values():  # one tab at a time: a tab in the background draws late
                    other.close()
                tabs.clear()
                tab = tabs[size] = open_tab(browser, server_url)
                tab.set_viewport_size({"width": width, "height": height})
                # the first visit after a server start leaves Streamlit's pages-directory mode
                tab.goto_app("", **({"present": "1"} if present else {}))
                tab.wait_for_function(READY, timeout=180_000)
            tab = tabs[size]
            if tab.evaluate("location.pathname") != f"/{'' if page == 'home' else page}":
                switch_page(tab, "" if page == "home" else page)  # 180 s: a training page on a busy 2-core machine
            assert tab.evaluate(PRESENTING) == present, f"{page} at {size}: presentation mode is not {present}"
            assert tab.evaluate("[innerWidth, innerHeight]") == [width, height], f"{page} at {size}: window size"
            tab.evaluate(SETTLED)  # plotly's autosize and automargin redraws
            done[page, size] = tab.evaluate(MEASURE, {"fold": FOLD_PX if present else 0})
            screenshot(tab, f"screenshots/{page}_{size}")
        return done[page, size]

    yield measure
    for tab in tabs.values():
        tab.close()


def _cases():
    for size, (_, _, present) in SIZES.items():  # size by size: each size's tab visits every page in turn
        for page in PAGES:
            for check in CHECKS:
                if check == "fold" and (not present or page == "home"):
                    continue
                known = KNOWN.get((page, size, check))
                marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
                yield pytest.param(page, size, check, id=f"{page}-{size}-{check}", marks=marks)


@pytest.mark.parametrize(("page", "size", "check"), list(_cases()))
def test_layout(measured, page, size, check):
    found = measured(page, size)[check]
    assert not found, f"{page} at {size}, {check}:\n  " + "\n  ".join(found)
