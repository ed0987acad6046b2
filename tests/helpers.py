"""Shared test helpers: AppTest runs of a page and reading its Plotly charts."""
import base64
import json
import os
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _navigation_only() -> None:
    """Make AppTest run app.py's st.navigation on every run, as a live server does after its first run.

    AppTest resets Streamlit's legacy `pages/`-directory flag before each run, so every run would first
    execute the page file alone and then rerun through app.py (ui.page_header's guard), which drops button
    clicks. The direct-link first visit itself is covered by the browser tests."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class NavigationOnly(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = NavigationOnly


_navigation_only()


def _compile_once() -> None:
    """Let AppTest compile each script once per process, as a live server does (its ScriptCache lives as long as
    the server). AppTest makes a new ScriptCache for every run, so every rerun re-parsed and re-compiled app.py
    and the page (with Streamlit's magic AST pass: ~70 ms a page), a cost no user pays."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


_compile_once()


def _scan_components_once() -> None:
    """Scan the installed packages for Streamlit components once per process, as a live server does at its start.
    Every new AppTest scanned every distribution's metadata again: ~15% of the CPU of the AppTest suite."""
    import functools

    import streamlit.components.v2.manifest_scanner as scanner

    scanner.scan_component_manifests = functools.cache(scanner.scan_component_manifests)


def _wait_without_polling() -> None:
    """Wait for an AppTest run by joining its script thread, instead of Streamlit's 1 ms polling loop: the loop
    took the GIL a thousand times a second from the script it waited for (~6% of the AppTest suite's CPU, and
    slower reruns in the bench). A run that outlasts its timeout still stops and raises as before."""
    import streamlit.testing.v1.local_script_runner as local_script_runner

    def require_widgets_deltas(runner, timeout: float = 3) -> None:
        thread = runner._script_thread
        thread.join(timeout)
        if thread.is_alive() and not runner.script_stopped():
            runner.request_stop()
            runner.join()
            raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")

    local_script_runner.require_widgets_deltas = require_widgets_deltas


_scan_components_once()
_wait_without_polling()
# Users see a redacted error (.streamlit/config.toml); a failing test should show the real one.
import streamlit.config  # noqa: E402

streamlit.config.set_option("client.showErrorDetails", "full")


def open_page(page: str, timeout: float = 60, **query) -> AppTest:
    """Run app.py, switch to ``page`` (e.g. "pages/ewma.py"), return the AppTest after the run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    return at


OPTIONS: dict[str, list] = {}  # widget key → the option values a select widget was given (AppTest shows labels)


def _record_options() -> None:
    """Remember the options each keyed select widget is given, so a test can set any of them by value."""
    import functools

    import streamlit as st

    def recording(fn):
        @functools.wraps(fn)
        def wrapper(label, options=(), *args, **kwargs):
            if kwargs.get("key"):
                OPTIONS[kwargs["key"]] = list(options)
            return fn(label, options, *args, **kwargs)
        return wrapper

    for name in ("selectbox", "radio", "select_slider", "multiselect"):
        setattr(st, name, recording(getattr(st, name)))


_record_options()


def _read_only(*_, **__):
    raise RuntimeError("this AppTest is shared by a module's tests and read-only: open your own with open_page()")


def shared_page(page: str, **query) -> AppTest:
    """``open_page`` for a module-scoped fixture: reading it is allowed, rerunning it is refused (a test that
    moved a control on a shared page would change what the tests after it see)."""
    at = open_page(page, **query)
    at.run = _read_only
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            w.set_value = _read_only
    return at


def charts(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page as its figure JSON."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


WIDGET_KINDS = ("slider", "select_slider", "selectbox", "multiselect", "toggle", "number_input", "text_input", "radio")


def widget(at: AppTest, key: str):
    """The widget with this key, whatever its kind."""
    for kind in WIDGET_KINDS:
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def apply_preset(page: str, name: str, preset: tuple[str, dict] = ("", {})) -> AppTest:
    """Open ``page`` and choose the classic demonstration ``name``; check it ran, shows its explanation
    and set every widget it names (``preset`` is the page's (explanation, {widget key: value}))."""
    explanation, values = preset
    at = open_page(page)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    assert any(name in i.value and explanation[:40] in i.value for i in at.info), name
    assert not any("names controls this page does not have" in e.value for e in at.error), name
    for key, value in values.items():
        assert widget(at, key).value == value, key
    return at


def array(v):
    """A chart's data array: plotly 7 sends NumPy arrays as {'dtype', 'bdata', 'shape'}; lists of numbers
    come back as floats (None → NaN), other lists as they are."""
    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if v.get("shape") else a
    try:  # numbers, with None (a gap) as NaN
        return np.array([np.nan if x is None else x for x in v], dtype=float)
    except (TypeError, ValueError):  # labels
        return np.asarray(v)


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def screenshot(tab, name: str):
    """Save a PNG of the whole page under artifacts/ and return its path; only with OPTIM_VIZ_SCREENSHOTS=1
    (`make screenshots`): the layout test's 28 captures cost Chromium ~13 s of CPU and the test 18 s.

    Streamlit scrolls an inner container, so a 'full page' capture would stop at the window: the window
    is stretched to the content's height for the capture, then restored."""
    if not os.environ.get("OPTIM_VIZ_SCREENSHOTS"):
        return None
    out = Path(__file__).resolve().parents[1] / "artifacts"
    out.mkdir(exist_ok=True)
    path = out / f"{name}.png"
    size = tab.viewport_size or {"width": 1500, "height": 1000}
    height = tab.evaluate("Math.max(...Array.from(document.querySelectorAll('[data-testid=\"stMain\"], "
                          "[data-testid=\"stAppViewContainer\"], body')).map(e => e.scrollHeight))")
    tab.set_viewport_size({"width": size["width"], "height": min(max(int(height), size["height"]), 8000)})
    from browser_support import SETTLED

    tab.evaluate(SETTLED)  # the charts re-layout to the new window (a scrollbar went, so they are wider)
    tab.screenshot(path=str(path))
    tab.set_viewport_size(size)
    return path


def decoded(v):
    """Typed arrays as lists (NaN as None) so two encodings of the same numbers compare equal."""
    if isinstance(v, dict):
        if "bdata" in v:
            a = np.asarray(array(v), float).ravel()
            return [None if np.isnan(x) else round(float(x), 12) for x in a]
        return {k: decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        if v and all(isinstance(x, (int, float)) or x is None for x in v):
            return [None if x is None or x != x else round(float(x), 12) for x in v]
        return [decoded(x) for x in v]
    return v


def check_spec_figure(fig) -> None:
    """A figure built as a plain spec (plots.FrozenFigure) validates as a go.Figure (no misspelt or misplaced
    property) and sends exactly what plotly's own serialization of it would."""
    import plotly.graph_objects as go
    import plotly.io as pio

    valid = go.Figure(fig.to_dict())
    assert len(valid.data) == len(fig.figure.data) > 0
    assert decoded(fig.to_dict()) == decoded(json.loads(pio.to_json(fig.figure, validate=False)))


def count_training_work(monkeypatch) -> list:
    """Patch ``minibatch.train_many`` to record the work (``minibatch.train_work``) of every run a page makes."""
    from optim_viz import minibatch as MB

    spent, real = [], MB.train_many

    def counting(X, Y, batch_size, epochs, optimizer="sgd", rates=(0.1,), *args, **kw):
        spent.append(MB.train_work(Y.size, batch_size, epochs, optimizer, len(rates)))
        return real(X, Y, batch_size, epochs, optimizer, rates, *args, **kw)

    monkeypatch.setattr(MB, "train_many", counting)
    return spent
