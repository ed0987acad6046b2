from helpers import APP, assert_ok
from streamlit.testing.v1 import AppTest

import app


def test_home_runs_and_links_every_page():
    at = AppTest.from_file(APP).run()
    assert_ok(at)
    assert "optim-viz" in at.title[0].value
    for _, file, *_ in app.available_pages():
        assert (app.ROOT / file).exists()
