"""What every page offers: presentation mode (projector-sized charts that follow the user) and chart export."""
import pytest

import app
from helpers import assert_ok, charts, open_page

PAGES = [file for _, file, *_ in app.available_pages()]


@pytest.mark.parametrize("page", PAGES)
def test_presentation_mode_enlarges_every_chart(page):
    normal = open_page(page)
    at = open_page(page, present="1")
    assert_ok(at)
    assert at.toggle(key="presentation").value is True
    assert not any("present" in w.value for w in at.warning)
    big, small = charts(at), charts(normal)
    assert big and len(big) == len(small)
    for fig in big:
        assert fig["layout"]["font"]["size"] == 20
    for fig in small:
        assert fig["layout"].get("font", {}).get("size", 12) < 20


def test_presentation_mode_follows_the_user_across_pages():
    at = open_page(PAGES[0])
    at.toggle(key="presentation").set_value(True).run()
    for page in PAGES[1:]:
        at.switch_page(page).run()
        assert_ok(at)
        assert at.toggle(key="presentation").value is True
        assert charts(at)[0]["layout"]["font"]["size"] == 20


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_on_the_page_can_be_exported(page):
    from optim_viz import export

    at = open_page(page)
    assert_ok(at)
    box = at.selectbox(key="_export_chart")
    assert len(box.options) == len(charts(at))
    labels = [b.label for b in at.get("download_button")]
    assert "Offline HTML" in labels and "Data as CSV" in labels
    assert ("PNG" in labels) == (export.png_unavailable() is None)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_a_copyable_link_with_its_state(page):
    at = open_page(page)
    at.toggle(key="presentation").set_value(True).run()
    link = next(c.value for c in at.caption if c.value.startswith("Link to this view"))
    assert "present=1" in link and not at.code  # a markdown link: st.code loads a highlighter (0.7 s a tab)


@pytest.mark.parametrize("page", PAGES)
def test_presentation_mode_collapses_controls_in_the_page_body(page):
    at = open_page(page, present="1")
    expanders = [e for e in at.expander if e.label == "Controls"]
    body_controls = page not in ("pages/optimizer_arena.py", "pages/ewma.py", "pages/mini_batch.py")  # sidebar
    assert bool(expanders) == body_controls
    assert not any(e.label == "Controls" for e in open_page(page).expander)
