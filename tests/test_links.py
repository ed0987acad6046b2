"""Every page's state round-trips through its link, and a malformed link gives defaults and a message."""
import pytest

import app
from helpers import assert_ok, open_page

PAGES = [file for _, file, *_ in app.available_pages()]
# Pages that train start from a link with little data and few iterations (both still nudged, to their minimum): each
# nudge retrains, and the defaults' data would make the round trip the suite's slowest test.
CHEAP_START = {"pages/regularization.py": {"m": "100", "it": "200"}}
KINDS = ("slider", "select_slider", "selectbox", "toggle", "number_input", "multiselect", "text_input")


def linked_widgets(at):
    """(kind, key, value) of every widget whose value is written to the link."""
    seen = at.session_state["_url_keys_this_run"]
    out = []
    for kind in KINDS:
        for w in getattr(at, kind):
            if w.key in seen:
                out.append((kind, w.key, w.value))
    return out


def nudge(at, kind, key):
    """Move one widget away from its current value (sliders to their minimum, the cheap extreme: fewest
    iterations, smallest network; to the maximum when already at the minimum)."""
    w = getattr(at, kind)(key=key)
    if kind == "toggle":
        w.set_value(not w.value)
    elif kind == "slider" and not isinstance(w.value, tuple):
        w.set_value(w.min if w.value != w.min else w.max)
    elif kind == "selectbox":
        # AppTest's select_index stores the label, which a format_func may not map back: set a raw option
        # instead, recovered (as its link text) from the message a bad link value produces.
        options = link_options(at, key)
        w.set_value(options[-1] if str(w.value) != options[-1] else options[0])
    elif kind == "number_input":
        w.increment()


def link_options(at, key):
    """The link forms of a select's options, as listed by the warning for a bad link value."""
    probe = open_page(at._page_path, **{**CHEAP_START.get(at._page_path, {}), key: "\x00"})
    text = next(w.value for w in probe.warning if f"`{key}=" in w.value)
    return text.split("expected one of ", 1)[1].rsplit(". Using the default.", 1)[0].split(", ")


@pytest.mark.parametrize("page", PAGES)
def test_state_round_trips_through_the_link(page):
    at = open_page(page, **CHEAP_START.get(page, {}))
    at._page_path = page
    assert_ok(at)
    for kind, key, _ in linked_widgets(at):
        if kind in ("toggle", "slider", "selectbox", "number_input"):
            try:
                nudge(at, kind, key)
            except KeyError:  # a widget the page has hidden since the last change: nothing to nudge
                continue
            at.run()  # one change at a time: later widgets may depend on earlier ones
            assert_ok(at)
    state = {key: value for _, key, value in linked_widgets(at)}
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items() if k != "present"}
    assert query, "changed widgets must show up in the link"
    again = open_page(page, **query)
    assert_ok(again)
    assert not again.warning or all("Ignored" not in w.value for w in again.warning)
    restored = {key: value for _, key, value in linked_widgets(again)}
    for key, value in state.items():
        assert restored.get(key) == value, (key, value, restored.get(key))


@pytest.mark.parametrize("page", PAGES)
def test_malformed_link_gives_defaults_and_names_the_parameter(page):
    clean = open_page(page)
    widgets = linked_widgets(clean)
    bad = {key: "%%bad\u0000value" for kind, key, _ in widgets if kind != "text_input"}
    bad["no_such_parameter"] = "1"
    at = open_page(page, **bad)
    assert_ok(at)
    text = " ".join(w.value for w in at.warning)
    for key in bad:
        assert f"`{key}" in text, key
    defaults = {key: value for _, key, value in widgets}
    for _, key, value in linked_widgets(at):
        assert value == defaults.get(key, value), key
