import app


def test_home_lists_every_page(app_tab):
    page = app_tab
    page.switch()
    page.get_by_role("heading", name="optim-viz").wait_for()
    for _, _, title, _, _ in app.available_pages():
        page.get_by_text(title).first.wait_for()
