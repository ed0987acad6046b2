"""Shared links: a link opens the same view, even as the very first visit to a fresh server."""
from browser_support import open_tab, streamlit_server

RACE = "document.querySelectorAll('.js-plotly-plot')[0]"


def test_first_visit_by_link_gets_the_app_navigation_and_the_linked_view(browser):
    with streamlit_server() as url:  # fresh: Streamlit has not run app.py yet
        tab = open_tab(browser, url)
        tab.goto_app("optimizer_arena", surface="himmelblau", opts="adam,sgd", steps="50", present="1")
        tab.wait_for_function(f"{RACE}?._fullData?.length >= 6")
        names = tab.evaluate(f"{RACE}._fullData.map(t => t.name)")
        assert "Adam" in names and "Gradient descent" in names and "Momentum" not in names
        assert tab.evaluate(f"{RACE}._transitionData?._frames?.length ?? {RACE}._transitionData._frames.length") == 51
        # app.py's navigation (titled sections) and presentation toggle are there, not the bare pages/ listing
        tab.get_by_text("Optimization algorithms").first.wait_for()
        assert tab.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode").count() == 1
        assert tab.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"] input').first.is_checked()
        # the link to copy reproduces the link, host and page included, as its text and its target
        box = tab.locator('[data-testid="stCaptionContainer"]').filter(has_text="Link to this view").last
        link = box.locator("a").inner_text()
        assert box.locator("a").get_attribute("href") == link
        assert link.startswith(f"{url}/optimizer_arena?") and "surface=himmelblau" in link and "steps=50" in link
        tab.close()


def test_link_with_bad_values_shows_which_parameters_were_ignored(page):
    page.goto_app("optimizer_arena", steps="99999", surface="nope", bogus="1")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 10")
    text = page.locator('[data-testid="stAlert"]').all_inner_texts()
    joined = " ".join(text)
    assert "steps" in joined and "surface" in joined and "bogus" in joined


def test_a_custom_function_link_shows_the_expression_literally(page):
    page.goto_app("optimizer_arena", surface="custom", expr="x**2%2B10*y**2")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 10")
    caption = page.get_by_text("Your function f(x, y)").first.inner_text()
    assert "x**2+10*y**2" in caption.replace(" ", "")
