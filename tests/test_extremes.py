"""Every control of every page at its extremes: no exception, every chart still shown, and no NaN or inf as text.

Each control is moved in turn, from the page's defaults, to its ends (sliders, log sliders and number inputs at min
and max, log sliders also at two seeded random values between; a multiselect empty and full) and to every option
(selects, radios, toggles); after each move the page must show its charts (as many as at its defaults, unless
the control adds or removes one) and no sentence, metric or table cell may read "nan" or "inf": a diverged quantity
is worded ("diverged at step k", "overflow"). A page that keeps its cost bounded reduces its work itself and says
so (work budgets).

Cost: one rerun per tried value. A control is put back to its default in the same rerun that moves the next control
(one control off its default at a time, as if each move started from the defaults), and a page's controls are split
into PARTS test items, each opening the page afresh, so that the two pytest workers share a long sweep.
"""
import random
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
# Pages that train or race start the sweep from a short run on little data (each control is still tried at its ends,
# with the others at these values; the page's work budget bounds the most expensive one).
START = {"pages/regularization.py": {"it": "100", "m": "100"},
         "pages/initialization.py": {"iters": "100", "depth": "10", "width": "50"},
         "pages/optimizer_arena.py": {"steps": "50"}}
# Test items a page's sweep is split into (its controls dealt round-robin): the pages whose reruns cost the most.
PARTS = {"pages/optimizer_arena.py": 2, "pages/initialization.py": 2, "pages/regularization.py": 3,
         "pages/lr_decay.py": 2, "pages/softmax.py": 2, "pages/batch_norm.py": 2}
RANDOM_INSIDE = 2  # seeded random options of a log slider tried besides its ends
# Controls that add or remove a chart; at every other control's ends a page shows as many charts as at its defaults.
ADDS_OR_REMOVES_CHARTS = {("pages/optimizer_arena.py", "show3d"), ("pages/lr_decay.py", "show")}


def extremes(w) -> list:
    """The values a control is tried at: its ends (a log slider also at seeded random options), or every option."""
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
    if kind == "SelectSlider":
        inside = random.Random(w.key).sample(opts[1:-1], min(RANDOM_INSIDE, max(len(opts) - 2, 0)))
        opts = [opts[0], *sorted(inside, key=opts.index), opts[-1]]
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


def check(at, page: str, what: str, charts: int | None = None) -> None:
    """No exception, a chart shown (``charts`` of them, if given), and no NaN or inf as text."""
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert at.get("plotly_chart"), f"{what}: no chart shown"
    if charts is not None:
        assert len(at.get("plotly_chart")) == charts, f"{what}: {len(at.get('plotly_chart'))} charts, not {charts}"
    bad = [t for t in shown_text(at) if DELIBERATE.get(page, NAN_TEXT).search(t)]
    assert not bad, f"{what}: NaN/inf shown as text: {bad[:3]}"


def _find(at, kind: str, key: str):
    return next((w for w in getattr(at, kind) if w.key == key), None)


def _usable(w) -> bool:
    return w is not None and not getattr(w, "disabled", False)


def _at(at, control: tuple, value) -> bool:
    """Whether ``control`` (kind, key) shows ``value`` (or is not shown: its state is then dropped)."""
    w = _find(at, *control)
    if w is None:
        return True
    shown = list(w.value) if isinstance(w.value, tuple) else w.value
    value = list(value) if isinstance(value, tuple) else value
    return shown == value or str(shown) == str(value)


def _move(at, control: tuple, value, back: tuple | None) -> None:
    """Rerun with ``control`` (kind, key) at ``value`` and ``back`` (kind, key, default), the control moved before,
    at its default: in one rerun, or one at a time if a callback of one of them moved the other."""
    if back:
        _find(at, *back[:2]).set_value(back[2])
    _find(at, *control).set_value(value).run()
    if back and not (_at(at, back[:2], back[2]) and _at(at, control, value)):
        for (kind, key), v in ((back[:2], back[2]), (control, value)):
            if (w := _find(at, kind, key)) is not None:
                w.set_value(v).run()


def _cases():
    for page in PAGES:
        n = PARTS.get(page, 1)
        for part in range(n):
            yield pytest.param(page, part, id=page if n == 1 else f"{page}-{part + 1}of{n}")


@pytest.mark.parametrize(("page", "part"), list(_cases()))
def test_every_control_at_its_extremes(page, part):
    at = open_page(page, timeout=180, **START.get(page, {}))
    check(at, page, f"{page} at its defaults")
    charts = len(at.get("plotly_chart"))  # every control at either end still shows every chart
    specs = [(kind, w.key) for kind in WIDGET_KINDS if kind != "text_input" for w in getattr(at, kind)
             if w.key and not w.key.startswith("_") and w.key not in SKIP]
    # each control's default and the values it is tried at, read at the page's defaults
    mine = specs[part::PARTS.get(page, 1)]
    plan = [(kind, key, w.value, extremes(w)) for kind, key in mine if _usable(w := _find(at, kind, key))]
    tried, back = 0, None  # back: (kind, key, default) of the control still off its default
    for kind, key, default, values in plan:
        if back and not _usable(_find(at, kind, key)):  # hidden or disabled by the control still moved
            _find(at, *back[:2]).set_value(back[2]).run()
            back = None
        for value in values:
            if not _usable(_find(at, kind, key)):
                break
            _move(at, (kind, key), value, back)
            back = None
            tried += 1
            check(at, page, f"{page} with {key} = {value!r}",
                  None if (page, key) in ADDS_OR_REMOVES_CHARTS else charts)
        back = (kind, key, default) if _find(at, kind, key) is not None else None
    assert len(plan) >= len(mine) // 2, f"{page}: only {len(plan)} of {len(mine)} controls were shown to try"
    assert tried == sum(len(p[3]) for p in plan), f"{page}: {tried} of {sum(len(p[3]) for p in plan)} values tried"
