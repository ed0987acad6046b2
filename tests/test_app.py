from streamlit.testing.v1 import AppTest

import app
from helpers import APP, assert_ok


def test_home_runs_and_links_every_page():
    at = AppTest.from_file(APP).run()
    assert_ok(at)
    assert "optim-viz" in at.title[0].value
    for _, file, *_ in app.available_pages():
        assert (app.ROOT / file).exists()


def test_every_page_file_is_listed_and_every_listed_file_exists(monkeypatch):
    listed = {file for _, file, *_ in app.PAGES}
    on_disk = {f"pages/{p.name}" for p in (app.ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    monkeypatch.setattr(app, "PAGES", [*app.PAGES, ("x", "pages/missing.py", "Missing", ":material/home:", "")])
    import pytest

    with pytest.raises(FileNotFoundError, match="pages/missing.py"):
        app.available_pages()


def test_make_run_starts_the_app_without_a_file_watcher_unless_asked():
    import os
    import subprocess

    def dry_run(*args):  # the command make would start (under `make test`, make's own flags are dropped)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k not in ("PORT", "WATCH")}
        out = subprocess.run(["make", "-n", "--no-print-directory", "run", *args], cwd=app.ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout
        return next(line for line in out.splitlines() if "streamlit run app.py" in line)

    assert dry_run().endswith("streamlit run app.py --server.port 8501 --server.fileWatcherType none")
    assert dry_run("WATCH=auto").endswith("--server.fileWatcherType auto")
