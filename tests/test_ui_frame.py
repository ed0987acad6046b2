"""The page frame: a PNG export is rendered once per figure; link problems are shown where they are seen."""
import plotly.graph_objects as go

import optim_viz_ui as ui
from helpers import assert_ok, open_page
from optim_viz import export


def test_png_is_rendered_once_per_figure(monkeypatch):
    calls = []
    monkeypatch.setattr(export, "figure_png", lambda fig: calls.append(fig) or f"png {len(calls)}".encode())
    a, b = go.Figure(go.Scatter(y=[1, 2])), go.Figure(go.Scatter(y=[3, 4]))
    assert ui.png_of(a) == ui.png_of(a) == b"png 1"
    assert ui.png_of(b) == b"png 2"
    assert calls == [a, b]


def _walk(node, path=()):
    """(element, the kinds of the blocks around it) for every element of the page, in the order shown."""
    children = getattr(node, "children", None)
    if children is None:
        yield node, path
        return
    for child in children.values():
        yield from _walk(child, (*path, getattr(child, "type", "")))


def test_a_bad_link_value_is_reported_under_the_intro_even_when_its_control_is_folded_away():
    at = open_page("pages/gradient_check.py", present="1", bug="no-such-bug", nonsense="1")
    assert_ok(at)
    shown = [(e, path) for e, path in _walk(at.main)]
    kinds = [type(e).__name__ for e, _ in shown]
    warnings = [(i, path) for i, (e, path) in enumerate(shown) if type(e).__name__ == "Warning"]
    texts = " ".join(shown[i][0].value for i, _ in warnings)
    assert "`bug=no-such-bug`" in texts and "`nonsense`" in texts
    first_chart = kinds.index("PlotlyChart") if "PlotlyChart" in kinds else len(kinds)
    for i, path in warnings:
        assert i < first_chart, "a link problem must be seen before the charts"
        assert "expander" not in path, "a link problem must not be folded away"



def test_a_cached_functions_key_is_streamlits_own_and_computed_once_per_code(tmp_path, monkeypatch):
    from streamlit.runtime.caching import cache_utils
    from streamlit.runtime.caching.cache_type import CacheType

    key_of = cache_utils._make_function_key
    assert getattr(key_of, "per_code", False), "optim_viz_ui did not install the per-code function keys"

    def reruns(text: str, name: str, n: int = 2) -> list:
        """``build`` as n reruns of one compiled page define it: new function objects, one code object."""
        page = tmp_path / name
        page.write_text(text)
        code = compile(text, str(page), "exec")
        spaces = [{"__name__": "page"} for _ in range(n)]
        for ns in spaces:
            exec(code, ns)
        return [ns["build"] for ns in spaces]

    first, second = reruns("def build(a):\n    return a + 1\n", "page.py")
    reads = []
    real = cache_utils.inspect.getsource
    monkeypatch.setattr(cache_utils.inspect, "getsource", lambda f: reads.append(f) or real(f))
    key = key_of(CacheType.RESOURCE, first)
    assert key_of(CacheType.RESOURCE, second) == key and len(reads) == 1  # the source is read once
    assert key_of.original(CacheType.RESOURCE, second) == key  # and the key is Streamlit's own
    edited, = reruns("def build(a):\n    return a + 2\n", "edited.py", 1)
    assert key_of(CacheType.RESOURCE, edited) != key  # changed code: a new key
