"""The only Streamlit code pages share: widget groups, caching policy and chart display."""
from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable

import numpy as np

# Imported before any page runs: plotly looks pandas up in sys.modules when it validates a figure, and two
# sessions' first runs at once could find it half-imported ("partially initialized module 'pandas'").
import pandas  # noqa: F401
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

# Streamlit compiles a regex of every emoji when this module is first imported (0.55 s here), which happened in the
# middle of whichever rerun first showed an alert: a user's moved control. It is paid once, with the first page.
import streamlit.emojis  # noqa: F401

from optim_viz import figures

# Bounded caches: a figure is up to ~1 MB, so 32 of each kind keeps the server well under its memory budget.
data_cache = st.cache_data(max_entries=64, ttl=3600)


def _function_keys_once_per_code() -> None:
    """Streamlit names a cached function's cache by hashing its source, read with ``inspect.getsource`` (which
    tokenizes the page file) each time the decorator runs, and a page's decorators run on every rerun: 10–25 ms of
    every rerun here. The key depends only on the function's code, which a server compiles once per script, so it
    is kept per code object (a changed file compiles to new code and gets its key anew). Relies on Streamlit
    internals (pinned in constraints.txt); tests/test_ui_frame.py checks the keys equal Streamlit's own."""
    from streamlit.runtime.caching import cache_utils

    original = cache_utils._make_function_key
    if getattr(original, "per_code", False):
        return
    keys: dict = {}

    def function_key(cache_type, func) -> str:
        code = getattr(func, "__code__", None)
        if code is None:
            return original(cache_type, func)
        k = (cache_type, code, func.__module__, func.__qualname__)
        if k not in keys:
            if len(keys) > 1000:  # only a developer's edits make new code objects: keep the memo small anyway
                keys.clear()
            keys[k] = original(cache_type, func)
        return keys[k]

    function_key.per_code, function_key.original = True, original
    cache_utils._make_function_key = function_key


def _styled_tables_marshalled_once() -> None:
    """``st.table`` of a pandas Styler renders the Styler's display values through pandas on every call (~13 ms a
    table a rerun here). A Styler shown through ``static_table`` is marshalled once per position on the page and
    its message copied after that. Relies on Streamlit internals (pinned in constraints.txt); tests/test_ui.py
    checks the message equals Streamlit's own."""
    from streamlit.elements import table as table_module

    original = table_module.marshall_table
    if getattr(original, "once", False):
        return
    lock = threading.Lock()  # marshalling runs the Styler's own (mutating) render: one session at a time

    def marshall_table(proto, data, default_uuid=None):
        done = getattr(data, "_marshalled", None)
        if done is None:  # not a static_table Styler
            return original(proto, data, default_uuid)
        if default_uuid not in done:
            with lock:
                if default_uuid not in done:
                    original(proto, data, default_uuid)
                    done[default_uuid] = proto.SerializeToString()
                    return
        proto.ParseFromString(done[default_uuid])

    marshall_table.once, marshall_table.original = True, original
    table_module.marshall_table = marshall_table


_function_keys_once_per_code()
figures.style.serialize_once()  # st.plotly_chart gets each cached figure's JSON as made once
_styled_tables_marshalled_once()


def static_table(styler, **kwargs):
    """``st.table`` of a pandas Styler that a ``figure_cache`` function made (the same object every rerun, read-only):
    its display values are rendered once, not on every rerun."""
    if getattr(styler, "_marshalled", None) is None:
        styler._marshalled = {}
    return st.table(styler, **kwargs)


def figure_cache(func=None, *, max_entries: int = 32):
    """``@figure_cache`` or ``@figure_cache(max_entries=8)``: st.cache_resource, bounded, one hour. What the function
    returns is built once and treated as read-only. Give a smaller bound to a function whose results are large."""
    cache = st.cache_resource(max_entries=max_entries, ttl=3600)
    return cache(func) if func is not None else cache


_GC_TUNED = []


def tune_garbage_collector() -> None:
    """Once per process (call from app.py): keep Python's cycle collector off the rerun path.

    After the first run has imported everything, ``gc.freeze`` moves the ~1M long-lived objects of Streamlit,
    Plotly and NumPy out of the collector's reach, and a larger first-generation threshold makes collections
    rarer. Measured over 37 moved Arena controls: with the defaults, 8 full collections took 2.3 s and stalled
    single reruns by up to 0.56 s; frozen with (50000, 20, 20), none ran and the worst rerun fell by ~200 ms.
    Cyclic garbage is still collected, only less often; reference counting frees everything else at once."""
    if not _GC_TUNED:
        _GC_TUNED.append(True)
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)


def log_values(lo: float, hi: float) -> list[float]:
    """Readable log-spaced values from lo to hi: 1, 1.1, 1.2, 1.5, 2, 2.5, 3, ... 9 times each power of ten
    (the fine steps near 1 let a demo sit just above a stability limit such as α = 0.11)."""
    return list(_log_scale(lo, hi)[0])


@functools.lru_cache(maxsize=64)
def _log_scale(lo: float, hi: float) -> tuple[tuple[float, ...], np.ndarray, dict]:
    """``log_values(lo, hi)``, their log10 and their labels, made once per range (a page shows its log sliders
    on every rerun)."""
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    mantissas = (1, 1.1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
    vals = {float(f"{m * 10.0**d:.2g}") for d in decades for m in mantissas}
    options = tuple(sorted(v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)))
    return options, np.log10(options), {v: fmt(v) for v in options}


def log_slider(label: str, lo: float, hi: float, value: float, key: str, help: str | None = None) -> float:
    """A slider over log-spaced values (for learning rates, ε, λ); shows e.g. 0.003 or 1e-08."""
    options, logs, labels = _log_scale(lo, hi)
    snap = lambda v: options[int(np.argmin(np.abs(logs - np.log10(v))))]  # noqa: E731  (the nearest in log scale)
    value = snap(value)
    _from_url(key, lambda raw: snap(_in_range(lo, hi, float)(raw)), f"a number from {fmt(lo)} to {fmt(hi)}")
    start = {"value": value} if _starts_fresh(key, value, lambda v: v in labels) else {}
    out = st.select_slider(label, options=options, **start, key=key,
                           help=help, format_func=lambda v: labels.get(v) or fmt(v))
    _to_url(key, out, value, fmt)
    return out


def fmt(v: float) -> str:
    """Compact number with two significant digits: 0.003, 0.11, 1.5e-08 (distinct for every log_values entry)."""
    return f"{v:.2g}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def chart(fig: go.Figure, key: str | None = None, **kwargs):
    """Show a Plotly figure at full width (no Streamlit theme override, so our colours hold).
    In presentation mode a copy gets larger fonts and markers (the cached figure is never mutated). What is sent
    is frozen once per figure object, so a rerun that shows a cached figure costs ~1 ms per chart."""
    shown = figures.style.presented(fig) if st.session_state.get(PRESENT) else figures.style.frozen(fig)
    st.session_state.setdefault(_CHARTS, {})[key or f"chart {len(st.session_state[_CHARTS]) + 1}"] = shown
    return st.plotly_chart(shown, width="stretch", theme=None, key=key, **kwargs)


_CHARTS = "_charts_this_run"


def table(rows: list[dict], **kwargs):
    """``st.dataframe`` of plain rows (dicts with the same keys), full width, no index. The rows go as an Arrow
    table: Streamlit's own conversion of a list goes through pandas and costs ~3 ms a table on every rerun, an Arrow
    table ~0.1 ms. Rows Arrow cannot type (a column mixing numbers and text) go through Streamlit as before."""
    try:
        data = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        data = rows
    return st.dataframe(data, **{"hide_index": True, "width": "stretch", **kwargs})


def _chart_title(key: str, fig: go.Figure) -> str:
    text = figures.style.frozen(fig).title
    return f"{text} ({key})" if text else key


def png_of(fig: go.Figure) -> bytes:
    """``export.figure_png(fig)``, rendered once per figure object: kaleido takes 2–12 s and ~13 MB a call, and a
    cached figure is the same object for everyone who shows the same settings."""
    from optim_viz import export

    done = getattr(fig, "_png_bytes", None)
    if done is None:
        done = export.figure_png(fig)
        fig._png_bytes = done
    return done


def export_section() -> None:
    """An 'Export' expander offering any chart shown on this page as offline HTML, CSV of its data, or PNG."""
    from optim_viz import export

    shown = st.session_state.get(_CHARTS, {})
    if not shown:
        return
    with st.expander("Export a chart (offline HTML, CSV, PNG)"):
        key = st.selectbox("Chart", list(shown), key="_export_chart", format_func=lambda k: _chart_title(k, shown[k]))
        fig = shown[key]
        c1, c2, c3 = st.columns(3)
        c1.download_button("Offline HTML", lambda: export.figure_html(fig), f"{key}.html", "text/html",
                           on_click="ignore", help="Interactive, plotly.js included (~5 MB); works without internet.")
        c2.download_button("Data as CSV", lambda: export.figure_csv(fig), f"{key}.csv", "text/csv",
                           on_click="ignore", help="Every trace's points: trace, panel, point, x, y, z.")
        if missing := export.png_unavailable():
            c3.button("PNG", disabled=True, help=missing, key="_export_png_missing")
            c3.caption(missing)
        else:
            c3.download_button("PNG", lambda: png_of(fig), f"{key}.png", "image/png", on_click="ignore",
                               help="A static image (takes a few seconds).")


def share_link() -> None:
    """The link to this exact view (every control is in it), as a link to copy."""
    from urllib.parse import urlencode

    query = urlencode({k: st.query_params[k] for k in st.query_params})  # percent-encodes all but [A-Za-z0-9_.-~]
    link = (st.context.url or "") + (f"?{query}" if query else "")
    # A markdown link, not st.code: st.code's copy button loads a syntax highlighter that costs every fresh tab
    # ~0.7 s of script evaluation here. The link text is a code span, so no "_" in it turns into italics.
    st.caption("Link to this view: copy it to share exactly what you see (right-click → copy link; it is also in "
               "the address bar)." + (f"  \n[`{link}`]({link})" if link else "  \n(this page at its defaults)"))


def page_footer(export: bool = True) -> None:
    """Call at the end of every page: the link report, the shareable link and (unless the page has its
    own) the export section."""
    url_report()
    share_link()
    if export:
        export_section()


# ---------------------------------------------------------------------------------------------
# Presentation mode: larger type, high contrast, controls collapsed; it survives page switches
# (session state) and is part of every link (?present=1).

PRESENT = "_presenting"  # survives page switches (a widget's own state is dropped when its page changes)
_PRESENT_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stAppViewContainer"], [data-testid="stHeader"] { background: #ffffff; color: #000000; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p { color: #000000 !important; font-size: 1.05rem !important; }
[data-testid="stCaptionContainer"] *, .stCaption, small { color: #111111 !important; }
h1 { font-size: 2.2rem !important; padding: 0 0 0.3rem !important; }
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: min(2.4rem, 26cqi) !important; white-space: normal !important; overflow-wrap: anywhere; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
[data-testid="stTable"] table { font-size: 1rem !important; width: 100% !important; min-width: 0 !important; }
[data-testid="stTable"] :is(th, td), [data-testid="stTable"] :is(th, td) * { white-space: normal !important;
  overflow-wrap: anywhere !important; word-break: break-word; }
[data-testid="stPageLink"] * { white-space: normal !important; overflow: visible !important; height: auto !important; }
.katex-display { font-size: 0.95em; }
.katex-display > .katex, .katex-display > .katex > .katex-html { white-space: normal !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 3.25rem 2.5rem 2rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p { line-height: 1.45; }
[data-testid="stHeading"] h2, [data-testid="stHeading"] h3 { padding: 0.35rem 0 0.3rem !important; }
</style>"""


def control_columns(spec):
    """st.columns for a page's controls; in presentation mode they sit in a collapsed 'Controls' expander,
    so the charts fill the screen (one click opens them)."""
    box = st.expander("Controls", expanded=False) if st.session_state.get(PRESENT) else st.container()
    return box.columns(spec)


def presentation_mode() -> bool:
    """The sidebar toggle for presentation mode (call once per run, from app.py)."""
    if PRESENT not in st.session_state:
        st.session_state[PRESENT] = st.query_params.get("present") == "1"
    st.session_state["presentation"] = st.session_state[PRESENT]  # the widget is new on every page

    def remember():
        st.session_state[PRESENT] = st.session_state["presentation"]

    on = st.sidebar.toggle("Presentation mode", key="presentation", on_change=remember,
                           help="Larger type and markers, high contrast, controls collapsed: for a projector.")
    if on:
        st.query_params["present"] = "1"
        st.html(_PRESENT_CSS)
    else:
        st.query_params.pop("present", None)
    return on


def presets(options: dict[str, tuple[str, dict]], key: str = "_preset") -> None:
    """A 'classic demonstrations' picker: each option is (explanation, {widget key: value}). Choosing one
    resets this page's linked widgets to their defaults, applies the values, and shows the explanation."""
    def apply():
        name = st.session_state[key]
        if name in options:
            values = options[name][1]
            # Every other control goes back to its default, shown now or not (a control hidden by the last
            # preset must not keep that preset's value), and leaves the link.
            stale = {k for k in st.session_state if not k.startswith("_") and k != "presentation"}
            reset(*((stale | st.session_state.get(_SEEN, set())) - set(values)))
            st.session_state[_RESET] -= set(values)  # an earlier reset still pending must not undo this preset
            for k in [k for k in st.query_params if k not in values and k != "present"]:
                del st.query_params[k]
            st.session_state.update(values)
            st.session_state["_preset_note"] = f"**{name}.** {options[name][0]}"
            st.session_state[_PRESET_KEYS] = {k for k in values if not k.startswith("_")}

    st.selectbox("Classic demonstrations", ["(choose one)", *options], key=key, on_change=apply,
                 help="Sets up a classic demonstration in one click; every control stays adjustable.")
    if note := st.session_state.pop("_preset_note", None):
        st.info(note)


def escape_md(text: str) -> str:
    """``text`` shown literally in Markdown (a user's ``x**2`` must not turn into bold)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~$" else c for c in text)


def explain(text: str) -> None:
    """A short 'what to look for' note under a chart."""
    st.caption(text)


def guarded(run: Callable[[], object], what: str):
    """Run ``run()``; on a ValueError show a clear message instead of a traceback, return None."""
    try:
        return run()
    except ValueError as err:
        st.error(f"{what}: {err}")
        return None


# ---------------------------------------------------------------------------------------------
# Widgets that round-trip through the URL: a widget's value is written to the query string when
# it differs from the default, and read back (validated) when a link opens a fresh session.
# An unknown, malformed or out-of-range parameter falls back to the default with a message.

_SEEN = "_url_keys_this_run"


def _leave_pages_directory_mode() -> None:
    """Streamlit runs the very first session after a server start in the legacy `pages/`-directory mode
    when it opens on a page URL (it only learns that app.py calls st.navigation once app.py has run), so
    a shared link would bypass app.py's navigation and page config. Switch the mode off and rerun."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, intro: str) -> None:
    """Title and one-paragraph introduction; starts the page's record of URL parameters."""
    _leave_pages_directory_mode()
    st.session_state[_SEEN] = set()
    st.session_state[_CHARTS] = {}
    st.title(title)
    st.markdown(intro)
    _RUN.notices = st.container()  # link problems show here, where they are seen, not in a folded control panel


_RUN = threading.local()  # this script run's own objects (each run has its own thread)


def _notices():
    """Where a page's link problems are shown: under its introduction (the page itself before the header ran)."""
    return getattr(_RUN, "notices", None) or st


def _code(text: str, limit: int = 40) -> str:
    """Link text safe inside a Markdown code span: no backtick can close it, no newline can break it."""
    return text[:limit].replace("`", "'").replace("\n", " ").replace("\r", " ")


def _sent_by_browser(key: str) -> bool:
    """Whether the browser sent this widget's value with this run. Only a session that starts mid-visit gets
    one (after a reconnect to another worker, when the one that served the page died): the browser's value is
    the student's last move, the link lags one move behind it, so the link must not undo it."""
    from streamlit.runtime.state.common import user_key_from_element_id
    from streamlit.runtime.state.session_state_proxy import get_session_state

    states = getattr(getattr(getattr(get_session_state(), "_state", None), "_new_widget_state", None), "states", {})
    return any(user_key_from_element_id(wid) == key for wid in states)


def _from_url(key: str, parse: Callable[[str], object], describe: str) -> None:
    st.session_state.setdefault(_SEEN, set()).add(key)
    if key in st.session_state or key not in st.query_params or _sent_by_browser(key):
        return
    raw = st.query_params[key]
    try:
        st.session_state[key] = parse(raw)
    except (ValueError, TypeError, KeyError):
        _notices().warning(f"Ignored link parameter `{key}={_code(raw)}`: expected {describe}. Using the default.")
        del st.query_params[key]


def _to_url(key: str, value, default, text: Callable[[object], str] = str) -> None:
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = text(value)


_RESET = "_reset_to_default"


def reset(*keys: str) -> None:
    """Return these widgets to their defaults on their next show (e.g. a new surface brings its own start).

    Popping a widget's state would not do: the browser keeps showing the old value and sends it back."""
    st.session_state.setdefault(_RESET, set()).update(keys)


def _starts_fresh(key: str, default, valid: Callable[[object], bool] = lambda v: True) -> bool:
    """Whether a widget should be given its default as a parameter (its first show). Otherwise session
    state drives it: the value from the last run, a link, a preset or a click, which then also reaches
    the browser. A reset, or a value the widget can no longer show (its range or options changed), is
    replaced by the default through session state first."""
    pending_reset = key in st.session_state.get(_RESET, ())
    if pending_reset:
        st.session_state[_RESET].discard(key)
    if key not in st.session_state:
        return True
    if pending_reset or not valid(st.session_state[key]):
        st.session_state[key] = default
    return False


def _in_range(lo, hi, cast):
    def parse(raw: str):
        v = cast(raw)
        if not (lo <= v <= hi) or v != v:
            raise ValueError
        return v
    return parse


def _ranged(widget, label: str, lo, hi, value, key: str, step, help: str | None, **kw):
    """A numeric widget (int or float by the type of ``value``) whose link value must lie in [lo, hi]."""
    cast = int if isinstance(value, int) else float
    _from_url(key, _in_range(lo, hi, cast), f"a number from {lo} to {hi}")
    fresh = _starts_fresh(key, value, lambda v: isinstance(v, (int, float)) and lo <= v <= hi)
    start = {"value": value} if fresh else {}
    out = widget(label, lo, hi, **start, step=step, key=key, help=help, **kw)
    _to_url(key, out, value)
    return out


def slider(label: str, lo, hi, value, key: str, step=None, help: str | None = None, **kw):
    """st.slider with URL round-trip."""
    return _ranged(st.slider, label, lo, hi, value, key, step, help, **kw)


def number(label: str, lo, hi, value, key: str, step=None, help: str | None = None, **kw):
    """st.number_input with URL round-trip."""
    return _ranged(st.number_input, label, lo, hi, value, key, step, help, **kw)


def select(label: str, options: list, value, key: str, format_func=str, help: str | None = None,
           radio: bool = False, **kw):
    """st.selectbox (or st.radio) whose URL form is ``str(option)``."""
    by_text = {str(o): o for o in options}
    _from_url(key, lambda raw: by_text[raw], "one of " + ", ".join(by_text))
    widget = st.radio if radio else st.selectbox
    start = {"index": options.index(value)} if _starts_fresh(key, value, lambda v: v in options) else {}
    out = widget(label, options, **start, key=key, format_func=format_func, help=help, **kw)
    _to_url(key, out, value)
    return out


def multiselect(label: str, options: list, value: list, key: str, format_func=str, help: str | None = None):
    """st.multiselect; URL form is the chosen options joined by commas."""
    by_text = {str(o): o for o in options}
    # an option listed twice (in a link, or in a widget state sent over the websocket) counts once
    _from_url(key, lambda raw: list(dict.fromkeys(by_text[r] for r in raw.split(",") if r)),
              "a comma list of " + ", ".join(by_text))
    fresh = _starts_fresh(key, value, lambda v: isinstance(v, list) and all(o in options for o in v))
    if not fresh and len(set(map(str, st.session_state[key]))) < len(st.session_state[key]):
        st.session_state[key] = list(dict.fromkeys(st.session_state[key]))
    start = {"default": value} if fresh else {}
    out = list(dict.fromkeys(st.multiselect(label, options, **start, key=key, format_func=format_func, help=help)))
    _to_url(key, out, value, lambda v: ",".join(map(str, v)))
    return out


def toggle(label: str, value: bool, key: str, help: str | None = None) -> bool:
    """st.toggle; URL form is 1 or 0."""
    _from_url(key, lambda raw: {"1": True, "0": False, "true": True, "false": False}[raw.lower()], "1 or 0")
    start = {"value": value} if _starts_fresh(key, value, lambda v: isinstance(v, bool)) else {}
    out = st.toggle(label, **start, key=key, help=help)
    _to_url(key, out, value, lambda v: "1" if v else "0")
    return out


def text(label: str, value: str, key: str, max_chars: int = 300, help: str | None = None) -> str:
    """st.text_input with URL round-trip. The text is only data: whoever uses it must validate it."""
    def parse(raw: str) -> str:
        if len(raw) > max_chars:
            raise ValueError
        return raw

    _from_url(key, parse, f"text of at most {max_chars} characters")
    fresh = _starts_fresh(key, value, lambda v: isinstance(v, str) and len(v) <= max_chars)
    out = st.text_input(label, **({"value": value} if fresh else {}), key=key, max_chars=max_chars, help=help)
    _to_url(key, out, value)
    return out


_PRESET_KEYS = "_preset_keys_applied"
PRESET_UNKNOWN = "names controls this page does not have"


def url_report() -> None:
    """Call at the end of a page: link parameters that no widget of this page knows are reported and dropped;
    a preset that named a control the page did not show is reported (a renamed widget broke it)."""
    seen = st.session_state.get(_SEEN, set())
    if missing := st.session_state.pop(_PRESET_KEYS, set()) - seen:
        _notices().error(f"This demonstration {PRESET_UNKNOWN}: {', '.join(sorted(missing))}. Please report it.")
    unknown = [k for k in st.query_params if k not in seen and k != "present" and not k.startswith("_")]
    for k in unknown:
        del st.query_params[k]
    if unknown:
        _notices().warning("Ignored unknown link parameter(s): " + ", ".join(f"`{_code(k)}`" for k in unknown[:10]))
    _RUN.notices = None
