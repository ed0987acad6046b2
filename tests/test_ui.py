"""The shared widgets' URL round-trip: valid link values are applied, bad ones reported and defaulted."""
from streamlit.testing.v1 import AppTest

import optim_viz_ui as ui

SCRIPT = """
import optim_viz_ui as ui
ui.page_header("t", "intro")
ui.slider("Steps", 1, 1000, 300, key="steps")
ui.log_slider("Learning rate", 1e-4, 1.0, 0.01, key="lr")
ui.select("Surface", ["bowl", "rosenbrock"], "bowl", key="surface")
ui.toggle("Same", False, key="same")
ui.multiselect("Opts", ["sgd", "adam", "rmsprop"], ["sgd"], key="opts")
ui.url_report()
"""


def run(**query):
    at = AppTest.from_string(SCRIPT)
    at.query_params.update(query)
    return at.run()


def test_defaults_leave_the_url_empty():
    at = run()
    assert not at.exception and not at.warning
    assert dict(at.query_params) == {}


def test_valid_link_values_are_applied():
    at = run(steps="42", lr="0.3", surface="rosenbrock", same="1", opts="adam,rmsprop")
    assert not at.warning
    assert at.slider(key="steps").value == 42
    assert at.select_slider(key="lr").value == 0.3
    assert at.selectbox(key="surface").value == "rosenbrock"
    assert at.toggle(key="same").value is True
    assert at.multiselect(key="opts").value == ["adam", "rmsprop"]


def test_bad_values_fall_back_with_a_message_naming_the_parameter():
    at = run(steps="5000", lr="abc", surface="__import__", same="maybe", opts="adam,evil", bogus="1")
    text = " ".join(w.value for w in at.warning)
    for key in ("steps", "lr", "surface", "same", "opts", "bogus"):
        assert f"`{key}" in text
    assert at.slider(key="steps").value == 300
    assert at.select_slider(key="lr").value == 0.01
    assert at.selectbox(key="surface").value == "bowl"
    assert "bogus" not in at.query_params


def test_changed_widget_is_written_to_the_url():
    at = run()
    at.slider(key="steps").set_value(7).run()
    assert at.query_params["steps"] == ["7"] or at.query_params["steps"] == "7"


def test_log_values_are_log_spaced_and_cover_the_range():
    v = ui.log_values(1e-4, 1.0)
    assert v[0] == 1e-4 and v[-1] == 1.0 and all(a < b for a, b in zip(v, v[1:]))
    assert ui.fmt(1e-8) == "1e-08" and ui.fmt(0.003) == "0.003"


def test_reset_returns_a_changed_widget_to_its_default_once():
    at = AppTest.from_string("""
import streamlit as st
import optim_viz_ui as ui
if st.button("reset", key="_r"):
    ui.reset("steps")
ui.slider("Steps", 1, 1000, 300, key="steps")
""").run()
    at.slider(key="steps").set_value(7).run()
    at.button(key="_r").click().run()
    assert at.slider(key="steps").value == 300  # the reset applies at the widget's next show...
    at.slider(key="steps").set_value(9).run()
    at.run()
    assert at.slider(key="steps").value == 9  # ...and only once


def test_state_set_by_code_drives_the_widget_without_a_conflicting_default():
    at = AppTest.from_string("""
import streamlit as st
import optim_viz_ui as ui
if st.button("go", key="_g"):
    st.session_state["steps"] = 42
ui.slider("Steps", 1, 1000, 300, key="steps")
""").run()
    at.button(key="_g").click().run()
    assert at.slider(key="steps").value == 42
    assert not at.warning and not at.exception


def test_escape_md_escapes_every_markdown_character():
    assert ui.escape_md("x**2 + 10*y_1") == r"x\*\*2 \+ 10\*y\_1"
    assert ui.escape_md("[a](b) <i> `c` #") == r"\[a\]\(b\) \<i\> \`c\` \#"


def test_link_text_cannot_escape_the_warning_code_span():
    at = run(steps="`[click me](http://example.invalid)`", **{"x`[y](z)": "1"})
    text = " ".join(w.value for w in at.warning)
    assert "`[click" not in text and "](http" in text  # shown inside the code span, never as a link
    assert text.count("`") % 2 == 0


def test_ordinals_read_as_english():
    got = [ui.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112)]
    assert got == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th",
                   "112th"]


def test_table_sends_rows_as_arrow_and_shows_the_same_cells():
    at = AppTest.from_string("""
import optim_viz_ui as ui
ui.table([{"run": "L2", "dev error": "8.3%", "x": 0.25, "n": 3}, {"run": "Dropout", "dev error": "6.7%", "x": -1.5,
          "n": 12}])
ui.table([{"mixed": 1}, {"mixed": "text"}])  # Arrow cannot type this column: Streamlit's own conversion shows it
""").run()
    assert not at.exception
    first, mixed = (d.value for d in at.dataframe)
    assert list(first.columns) == ["run", "dev error", "x", "n"]
    assert first.values.tolist() == [["L2", "8.3%", 0.25, 3], ["Dropout", "6.7%", -1.5, 12]]
    assert [str(v) for v in mixed["mixed"]] == ["1", "text"]
    sent = [d.proto.arrow_data.data for d in at.dataframe]
    assert b"pandas" not in sent[0] and b"pandas" in sent[1]  # our Arrow table; the fallback through pandas



def test_static_table_sends_what_st_table_sends_and_renders_the_styler_once(monkeypatch):
    import pandas as pd
    from pandas.io.formats.style import Styler

    renders = []
    translate = Styler._translate
    monkeypatch.setattr(Styler, "_translate", lambda self, *a, **k: renders.append(1) or translate(self, *a, **k))
    df = pd.DataFrame({"run": ["constant α", "decay"], "J − J*": [1.2345e-3, 5.6e-5], "accuracy": [0.8571, 0.9]})
    cached = df.style.hide(axis="index").format({"J − J*": "{:.2e}", "accuracy": "{:.1%}"}).set_uuid("t")
    at = AppTest.from_function(_static_and_plain_tables, args=(cached, df)).run()
    first = len(renders)  # one static_table and one st.table rendered
    at.run()
    assert not at.exception
    assert len(renders) - first == first // 2 > 0  # the second run renders st.table's Styler only
    ours, theirs = (t.proto.arrow_data.SerializeToString() for t in at.table)
    assert ours == theirs
    assert all(shown.encode() in ours for shown in ("1.23e-03", "5.60e-05", "85.7%", "90.0%"))  # the display values


def _static_and_plain_tables(cached, df):
    import streamlit as st

    import optim_viz_ui as ui

    ui.static_table(cached)  # the same Styler object every run, as a figure_cache function returns it
    st.table(df.style.hide(axis="index").format({"J − J*": "{:.2e}", "accuracy": "{:.1%}"}).set_uuid("t"))
