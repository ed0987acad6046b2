"""Every page's presets live in optim_viz/presets.py, named after the page, and name only controls the page has.

A renamed widget must fail here, not silently leave a demonstration half-applied. The keys a page has are read from
its source: literal ``key="..."`` arguments, f-string keys (``key=f"{name}_lr"`` matches ``sgd_lr``), and the
page's private ``"_..."`` session keys. Applying each preset in AppTest (the page tests) checks the same at run time.
"""
import pathlib
import random
import re

import pytest

import app
from helpers import WIDGET_KINDS, assert_ok, open_page
from optim_viz import presets
from optim_viz_ui import PRESET_UNKNOWN

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = {pathlib.Path(p[1]).stem: ROOT / p[1] for p in app.PAGES}


def page_keys(source: str) -> list[re.Pattern]:
    """Patterns of every widget key a page script can create."""
    patterns = [re.escape(k) for k in re.findall(r'key="([^"]+)"', source)]
    patterns += [re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(k)) for k in re.findall(r'key=f"([^"]+)"', source)]
    patterns += [re.escape(k) for k in re.findall(r'"(_[a-z_]+)"', source)]
    return [re.compile(p + r"\Z") for p in patterns]


def test_every_page_has_its_presets_and_only_pages_do():
    assert set(presets.BY_PAGE) == set(PAGES)
    for stem, table in presets.BY_PAGE.items():
        assert table is getattr(presets, stem.upper())
        assert table, f"{stem} has no classic demonstrations"
        assert f"presets.{stem.upper()}" in PAGES[stem].read_text(), f"pages/{stem}.py does not show its presets"


@pytest.mark.parametrize("stem", sorted(presets.BY_PAGE))
def test_every_preset_key_is_a_control_of_its_page(stem):
    keys = page_keys(PAGES[stem].read_text())
    for name, (note, values) in presets.BY_PAGE[stem].items():
        assert note.strip(), name
        unknown = [k for k in values if not any(p.match(k) for p in keys)]
        assert not unknown, f"{stem} preset {name!r} names controls the page does not have: {unknown}"


def test_a_renamed_widget_would_be_caught():
    keys = page_keys('ui.slider("α", 0.1, key="lr")\nui.log_slider("x", key=f"{name}_lr")\nst.session_state["_demo"]')
    assert [k for k in ["lr", "sgd_lr", "_demo", "learning_rate", "lr2"] if not any(p.match(k) for p in keys)] == \
        ["learning_rate", "lr2"]


def _state(at) -> dict:
    """Every control's value and the link, as a user would read them."""
    values = {w.key: w.value for kind in WIDGET_KINDS for w in getattr(at, kind)
              if w.key and not w.key.startswith("_") and w.key != "presentation"}
    return {"controls": values, "link": dict(at.query_params)}


@pytest.mark.parametrize("stem", sorted(presets.BY_PAGE))
def test_a_preset_gives_the_same_page_whatever_came_before(stem):
    """A seeded random sequence of presets (with a control moved between them), then one more: the page equals a
    fresh page where only that last preset was chosen, and no warning about the app's own link parameters."""
    page, names = f"pages/{stem}.py", list(presets.BY_PAGE[stem])
    rng = random.Random(stem)
    last = rng.choice(names)
    at = open_page(page)
    for name in [*rng.sample(names, min(2, len(names))), last]:
        w = at.selectbox(key="_preset")
        (w.set_value(name) if w.value != name else w.set_value("(choose one)").run().selectbox(key="_preset")
         .set_value(name)).run()
        assert_ok(at)
        assert not any("Ignored unknown link parameter" in m.value for m in at.warning), name
        assert not any(PRESET_UNKNOWN in e.value for e in at.error), name
        sliders = [w for w in at.slider if w.key and not w.key.startswith("_") and not isinstance(w.value, tuple)]
        if sliders and name != last:  # the user moves something before the next demonstration
            w = rng.choice(sliders)
            w.set_value(w.min if w.value != w.min else w.max).run()
            assert_ok(at)
    assert at.selectbox(key="_preset").value == last
    fresh = open_page(page)
    fresh.selectbox(key="_preset").set_value(last).run()
    assert _state(at) == _state(fresh), f"{stem}: '{last}' after other presets differs from a fresh page"
