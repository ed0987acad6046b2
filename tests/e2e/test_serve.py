"""`make serve`: two workers behind nginx. A killed worker's student carries on on the other one, with the same
view rebuilt from the URL; a hung worker is taken out by the watchdog's health check and put back when it answers."""
import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load
from browser_support import ROOT, open_tab
from deploy import serve

RACE = "document.querySelectorAll('.js-plotly-plot')[0]"
GD_LENGTH = f"{RACE}?._fullData?.find(t => t.name === 'Gradient descent')?._length"


def need_nginx():
    if not serve.nginx_binary():
        if os.environ.get("OPTIM_VIZ_REQUIRE_BROWSER"):
            pytest.fail(serve.NGINX_HINT)
        pytest.skip(serve.NGINX_HINT)


def state(port: int) -> dict:
    return json.loads(serve.state_path(port).read_text())


def wait_until(check, timeout: float, what: str, every: float = 0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError, ValueError, KeyError):
            if result := check():
                return result
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def all_up(port: int) -> bool:
    return all(w["status"] == "up" for w in state(port)["workers"])


def upstream(url: str, route: str, timeout: float = 10) -> str:
    """The worker (its port) that nginx sends a request with this route cookie to."""
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": f"ovz_route={route}"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        assert r.read() == b"ok"
        return r.headers["X-Upstream"].rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def served():
    """`deploy/serve.py --workers 2` on free loopback ports, with a quick watchdog, each worker warmed on the page the
    tests open; stopped by its own PID."""
    need_nginx()
    port = load.free_port(3)
    proc = subprocess.Popen(
        [sys.executable, "deploy/serve.py", "--workers", "2", "--expose-upstream", "--port", str(port),
         "--bind", "127.0.0.1",
         "--health-interval", "0.5", "--health-timeout", "1", "--health-fails", "2", "--restart-after", "300",
         "--warm", "optimizer_arena"],  # the one page these tests open: every page would add ~15 s to each (re)start
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: all_up(port) and state(port)["nginx_pid"], 180, "both workers healthy behind nginx")
        yield f"http://127.0.0.1:{port}", port
    finally:
        pids = [w["pid"] for w in state(port)["workers"]] if serve.state_path(port).exists() else []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        for pid in pids:  # every worker stopped with it
            assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()
        assert not serve.state_path(port).exists()


def test_a_killed_worker_hands_its_student_to_the_other_with_the_same_view(browser, served):
    url, port = served
    tab = open_tab(browser, url)
    handshakes = []  # the worker (X-Upstream) that answered each websocket handshake of this tab
    cdp = tab.context.new_cdp_session(tab)
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: handshakes.append(
        {k.lower(): v for k, v in e["response"]["headers"].items()}.get("x-upstream", "").rsplit(":", 1)[-1]))
    finished = []  # every script_finished ForwardMsg the tab received

    def received(e):
        msg = ForwardMsg()
        msg.ParseFromString(base64.b64decode(e["response"]["payloadData"]))
        if msg.WhichOneof("type") == "script_finished":
            finished.append(handshakes[-1])

    cdp.on("Network.webSocketFrameReceived", received)
    cdp.send("Network.enable")
    try:
        tab.goto_app("optimizer_arena", steps=120, opts="sgd,adam")
        tab.wait_for_function(f"{GD_LENGTH} === 121")
        steps = tab.locator('[data-testid="stSlider"]').filter(has_text="Steps")
        assert "120" in steps.inner_text()
        names = tab.evaluate(f"[...new Set({RACE}._fullData.map(t => t.name))].sort()")
        assert "Adam" in names and "Momentum" not in names
        first = handshakes[-1]
        workers = {str(w["port"]): w["pid"] for w in state(port)["workers"]}
        assert first in workers

        os.kill(workers[first], signal.SIGKILL)
        # the browser notices, reconnects through nginx, and lands on the other worker
        for _ in range(240):
            if handshakes[-1] not in ("", first):
                break
            tab.wait_for_timeout(250)
        survivor = handshakes[-1]
        assert survivor != first and survivor in workers
        # Streamlit's frontend keeps the view on a reconnect (it reruns only if a run was in progress), so the
        # student still sees the same controls and chart, with no error shown
        tab.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        assert "120" in steps.inner_text() and tab.evaluate(GD_LENGTH) == 121 and "steps=120" in tab.url
        assert not tab.locator('[data-testid="stException"]').count()

        # The next move is the first run on the new worker: a fresh session, which takes the moved value the
        # browser sends (the URL lags one move behind it) and the rest of the view from the browser and the URL
        steps.locator("input[type=range]").focus()
        tab.keyboard.press("ArrowRight")
        for _ in range(240):
            if survivor in finished:
                break
            tab.wait_for_timeout(250)
        assert survivor in finished, "no script run on the new worker"
        tab.wait_for_function(f"{GD_LENGTH} === 131")
        tab.wait_for_function("() => location.search.includes('steps=130')")
        assert "130" in steps.inner_text() and "opts=sgd" in tab.url
        assert tab.evaluate(f"[...new Set({RACE}._fullData.map(t => t.name))].sort()") == names
        # and it is a live session there: the next move redraws
        steps.locator("input[type=range]").focus()
        tab.keyboard.press("ArrowRight")
        tab.wait_for_function(f"{GD_LENGTH} === 141")
        tab.wait_for_function("() => location.search.includes('steps=140')")
        assert tab.evaluate(f"[...new Set({RACE}._fullData.map(t => t.name))].sort()") == names
        assert handshakes[-1] == survivor and set(finished[finished.index(survivor):]) == {survivor}
        assert not tab.locator('[data-testid="stException"]').count()
        # the watchdog restarted the killed worker on its port and put it back in
        wait_until(lambda: all_up(port), 120, "the killed worker's restart")
        restarted = {str(w["port"]): w for w in state(port)["workers"]}[first]
        assert restarted["pid"] != workers[first] and restarted["restarts"] == 1
    finally:
        tab.close()


def test_every_worker_runs_with_the_server_environment(served):
    """One BLAS thread and two malloc arenas (serve.SERVER_ENV) reach each worker process; glibc reads the arena count
    only at start-up, so it has to be in the environment the worker was started with."""
    _, port = served
    for w in state(port)["workers"]:
        env = dict(kv.split("=", 1) for kv in open(f"/proc/{w['pid']}/environ").read().split("\0") if "=" in kv)
        assert {k: env.get(k) for k in serve.SERVER_ENV} == serve.SERVER_ENV


def test_a_hung_worker_is_taken_out_by_the_health_check_and_put_back(served):
    url, port = served
    wait_until(lambda: all_up(port), 120, "both workers up")
    hung, other = state(port)["workers"]
    routes = [secrets.token_hex(16) for _ in range(12)]
    assert {upstream(url, r) for r in routes} == {str(hung["port"]), str(other["port"])}  # both take students
    os.kill(hung["pid"], signal.SIGSTOP)
    try:
        wait_until(lambda: state(port)["workers"][0]["status"] == "down", 30, "the hung worker to be taken out")

        def only_the_other() -> bool:  # nginx's reload reaches its new worker processes within a moment
            try:
                return {upstream(url, r, timeout=3) for r in routes} == {str(other["port"])}
            except OSError:
                return False

        # every new request, whichever worker its route cookie hashes to, is answered by the other worker
        wait_until(only_the_other, 60, "every route to go to the other worker", every=1)
        assert state(port)["workers"][0]["pid"] == hung["pid"]  # taken out, not killed (yet)
    finally:
        os.kill(hung["pid"], signal.SIGCONT)
    wait_until(lambda: all_up(port), 30, "the recovered worker to be put back")
    assert {upstream(url, r) for r in routes} == {str(hung["port"]), str(other["port"])}
