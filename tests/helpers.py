"""Shared test helpers: AppTest runs of a page and reading its Plotly charts."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str, timeout: float = 60, **query) -> AppTest:
    """Run app.py, switch to ``page`` (e.g. "pages/ewma.py"), return the AppTest after the run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    return at


def charts(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page as its figure JSON."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def screenshot(tab, name: str):
    """Save a full-page PNG of a Playwright tab under artifacts/ and return its path."""
    out = Path(__file__).resolve().parents[1] / "artifacts"
    out.mkdir(exist_ok=True)
    path = out / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path
