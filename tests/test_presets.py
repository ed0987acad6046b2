"""Every page's presets live in optim_viz/presets.py, named after the page, and name only controls the page has.

A renamed widget must fail here, not silently leave a demonstration half-applied. The keys a page has are read from
its source: literal ``key="..."`` arguments, f-string keys (``key=f"{name}_lr"`` matches ``sgd_lr``), and the
page's private ``"_..."`` session keys. Applying each preset in AppTest (the page tests) checks the same at run time.
"""
import pathlib
import re

import pytest

import app
from optim_viz import presets

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
