"""Every control of every page at its extremes: no exception, a chart still shown, and no NaN or inf as text.

Each control is moved in turn, from the page's defaults, to its ends (sliders and number inputs at min and max, a
multiselect empty and full) and to every option (selects, radios, toggles); after each move the page must show a
chart and no sentence, metric or table cell may read "nan" or "inf": a diverged quantity is worded ("diverged at
step k", "overflow"). A page that keeps its cost bounded reduces its work itself and says so (work budgets).
"""
import re

import pytest

import app
from helpers import OPTIONS, WIDGET_KINDS, open_page

PAGES = [p[1] for p in app.PAGES]
SKIP = {"presentation"}  # restyles the page only
# Python and pandas print a NaN as "nan" and an overflow as "inf": never on a page. Two pages show the formula as
# written failing on purpose ("e^z overflows to inf, and inf / inf is NaN"; batch norm with ε = 0 gives "NaN (0/0)"):
# there only an unformatted "nan" is a defect.
NAN_TEXT = re.compile(r"(?<![\w.])[-−+]?(nan|inf|NaN|Inf)(?![\w])")
DELIBERATE = dict.fromkeys(["pages/softmax.py", "pages/batch_norm.py"], re.compile(r"(?<![\w.])[-−+]?nan(?![\w])"))
# Pages that train or race start the sweep from a short run (each control is still tried at its ends; the page's work
# budget bounds the most expensive one).
START = {"pages/regularization.py": {"it": "100"}, "pages/initialization.py": {"iters": "100"},
         "pages/optimizer_arena.py": {"steps": "50"}}


def extremes(w) -> list:
    """The values a control is tried at: its ends, or every option."""
    kind = type(w).__name__
    if kind == "Toggle":
        return [not w.value]
    if kind in ("Slider", "NumberInput"):
        if isinstance(w.value, (tuple, list)):
            return [(w.min, w.min + (w.step or 1)), (w.max - (w.step or 1), w.max)]
        return [v for v in (w.min, w.max) if v is not None and v != w.value]
    opts = OPTIONS.get(w.key, [])
    if kind == "Multiselect":
        return [[], list(dict.fromkeys(opts))]
    return [o for o in opts if str(o) != str(w.value)]


def shown_text(at) -> list[str]:
    """Every sentence, caption, message, metric and table cell on the page."""
    text = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "latex")
            for e in getattr(at, kind)]
    text += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    for kind in ("table", "dataframe"):
        for t in getattr(at, kind):
            df = t.value
            text += [" ".join(map(str, df.columns))] + [" ".join(map(str, row)) for row in df.astype(str).values]
    return [str(t) for t in text]


def check(at, page: str, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert at.get("plotly_chart"), f"{what}: no chart shown"
    bad = [t for t in shown_text(at) if DELIBERATE.get(page, NAN_TEXT).search(t)]
    assert not bad, f"{what}: NaN/inf shown as text: {bad[:3]}"


def _find(at, kind: str, key: str):
    return next((w for w in getattr(at, kind) if w.key == key), None)


@pytest.mark.parametrize("page", PAGES)
def test_every_control_at_its_extremes(page):
    at = open_page(page, timeout=180, **START.get(page, {}))
    check(at, page, f"{page} at its defaults")
    specs = [(kind, w.key) for kind in WIDGET_KINDS if kind != "text_input" for w in getattr(at, kind)
             if w.key and not w.key.startswith("_") and w.key not in SKIP]
    tried = 0
    for kind, key in specs:
        w = _find(at, kind, key)
        if w is None or getattr(w, "disabled", False):  # hidden by an earlier control
            continue
        default = w.value
        for value in extremes(w):
            if (w := _find(at, kind, key)) is None:
                break
            w.set_value(value).run()
            tried += 1
            check(at, page, f"{page} with {key} = {value!r}")
        if (w := _find(at, kind, key)) is not None:
            w.set_value(default).run()
    assert tried >= len(specs) // 2, f"{page}: only {tried} of {len(specs)} controls were tried"
