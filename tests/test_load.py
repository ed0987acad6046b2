"""bench/load.py: simulated students over Streamlit's websocket, against a server of its own (loopback only)."""
import os
import random
import socket
import subprocess
import urllib.parse

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider

from bench import load
from deploy import serve

# ---------------------------------------------------------------------------------------------- safety


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test: a refused target must be refused before connecting."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"connection attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket.socket, "connect_ex", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket, "getaddrinfo", forbidden)
    monkeypatch.setattr(load, "own_server", forbidden)


@pytest.mark.parametrize("url", [
    "http://10.0.0.1:8501", "http://192.168.1.20", "http://example.com:8501", "http://0.0.0.0:8501",
    "http://127.0.0.1.nip.io:8501", "http://[::ffff:a00:1]:8501", "http://2130706433:8501", "https://127.0.0.1",
    "file:///etc/passwd", "http://user@8.8.8.8/",
])
def test_a_non_loopback_target_is_refused_before_any_connection(url, no_network, capsys):
    assert load.main(["--url", url, "--users", "1", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("load: ") and "loopback" in err  # a message, not a traceback
    with pytest.raises(load.Refused):
        load.loopback_url(url)


@pytest.mark.parametrize(("url", "host", "port"), [
    ("http://127.0.0.1:8501", "127.0.0.1", 8501), ("http://localhost:9000/", "127.0.0.1", 9000),
    ("http://[::1]:8501", "::1", 8501), ("http://127.3.4.5", "127.3.4.5", 80), ("ws://127.0.0.1:1", "127.0.0.1", 1),
])
def test_loopback_targets_are_accepted(url, host, port):
    assert load.loopback_url(url) == (host, port)


@pytest.mark.parametrize("argv", [
    ["--users", "201"], ["--users", "0"], ["--duration", "601"], ["--duration", "0"], ["--max-reruns", "100001"],
    ["--think", "5,1"], ["--workers", "9"], ["--pages", "no_such_page"],
])
def test_bounds_are_refused_before_any_connection(argv, no_network, capsys):
    assert load.main(["--url", "http://127.0.0.1:9", *argv]) == 2
    assert capsys.readouterr().err.startswith("load: ")


def test_pages_are_read_from_app_pages():
    pages = load.app_pages()
    assert "optimizer_arena" in pages and "softmax" in pages and all("/" not in p for p in pages)


# ---------------------------------------------------------------------------------------------- the protocol


def element(kind: str, **fields) -> Element:
    e = Element()
    getattr(e, kind).SetInParent()
    for k, v in fields.items():
        target = getattr(e, kind)
        if isinstance(v, list):
            getattr(target, k).extend(v)
        else:
            setattr(target, k, v)
    return e


def forward(e: Element) -> bytes:
    msg = ForwardMsg()
    msg.delta.new_element.CopyFrom(e)
    return msg.SerializeToString()


def test_a_slider_sends_a_double_array_on_its_step_grid():
    w = load.widget_from_element(element("slider", id="$$ID-abc-steps", min=10, max=1000, step=10,
                                         default=[300], data_type=Slider.INT, type=Slider.SLIDER))
    assert (w.kind, w.key, w.state) == ("slider", "steps", [300.0])
    rng = random.Random(1)
    for _ in range(200):
        v = load.fresh_state(w, rng)
        assert len(v) == 1 and 10 <= v[0] <= 1000 and v[0] % 10 == 0 and v != [300.0]
    s = load.state_proto(load.Widget(w.id, w.kind, w.proto, [120.0]))
    assert s.WhichOneof("value") == "double_array_value" and list(s.double_array_value.data) == [120.0]


def test_a_select_slider_sends_its_formatted_option_string():
    options = ["0.0001", "0.001", "0.01", "0.1"]
    w = load.widget_from_element(element("slider", id="$$ID-x-lr", options=options, default=[2],
                                         type=Slider.SELECT_SLIDER, data_type=Slider.INT))
    assert (w.kind, w.state) == ("select_slider", ["0.01"])
    new = load.fresh_state(w, random.Random(0))
    assert len(new) == 1 and new[0] in options and new != ["0.01"]
    s = load.state_proto(load.Widget(w.id, w.kind, w.proto, new))
    assert s.WhichOneof("value") == "string_array_value" and list(s.string_array_value.data) == new


def test_a_value_the_server_set_is_the_state_sent_back():
    w = load.widget_from_element(element("slider", id="$$ID-x-steps", min=10, max=1000, step=10, default=[300],
                                         value=[120], set_value=True, type=Slider.SLIDER))
    assert w.state == [120.0]
    sel = load.widget_from_element(element("selectbox", id="$$ID-y-surface", options=["a", "b"], default=0,
                                           raw_value="b", set_value=True))
    assert sel.state == "b" and load.state_proto(sel).string_value == "b"


def test_other_controls_stay_within_their_bounds():
    rng = random.Random(3)
    num = load.widget_from_element(element("number_input", id="$$ID-n-k", min=1, max=7, has_min=True, has_max=True,
                                           step=1, default=3, data_type=0))
    multi = load.widget_from_element(element("multiselect", id="$$ID-m-opts", options=list("abcde"), default=[0, 1],
                                             max_selections=3))
    box = load.widget_from_element(element("checkbox", id="$$ID-c-bc", default=True))
    assert (num.state, multi.state, box.state) == (3, ["a", "b"], True)
    for _ in range(100):
        v = load.fresh_state(num, rng)
        assert v == int(v) and 1 <= v <= 7 and v != 3
        m = load.fresh_state(multi, rng)
        assert 1 <= len(m) <= 3 and len(set(m)) == len(m) and set(m) <= set("abcde")
    assert load.fresh_state(box, rng) is False
    assert load.state_proto(num).WhichOneof("value") == "double_value"
    assert list(load.state_proto(multi).string_array_value.data) == ["a", "b"]


def test_exception_elements_and_the_end_of_a_run_are_read_from_the_deltas():
    run = load.RunResult({}, [], "")
    assert not load.read_message(forward(element("exception", type="ValueError", message="boom")), run)
    assert not load.read_message(forward(element("exception", type="Deprecation", message="w", is_warning=True)),
                                 run)
    assert not load.read_message(forward(element("slider", id="$$ID-a-steps", min=0, max=1, step=1, default=[0])),
                                 run)
    done = ForwardMsg()
    done.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    assert load.read_message(done.SerializeToString(), run)
    assert run.exceptions == ["ValueError: boom"] and list(run.widgets) == ["$$ID-a-steps"] and run.status == "ok"


def test_the_backmsg_carries_page_query_and_every_widget_state():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    w = load.widget_from_element(element("checkbox", id="$$ID-c-bc", default=True))
    msg = BackMsg()
    msg.ParseFromString(load.rerun_backmsg("optimizer_arena", "", "steps=120", {w.id: w}))
    cs = msg.rerun_script
    assert (cs.page_name, cs.page_script_hash, cs.query_string) == ("optimizer_arena", "", "steps=120")
    assert [(s.id, s.bool_value) for s in cs.widget_states.widgets] == [("$$ID-c-bc", True)]
    msg.ParseFromString(load.rerun_backmsg("optimizer_arena", "h4sh", "", {}))
    assert (msg.rerun_script.page_name, msg.rerun_script.page_script_hash) == ("", "h4sh")


# ---------------------------------------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def server():
    with load.own_server(workers=1, ttl=3) as url:
        yield url


def test_two_users_against_a_real_server(server):
    report = load.run(users=2, duration=10, url=server, think=(1.0, 2.0), seed=0,
                      pages=["optimizer_arena", "ewma"], settle=0)
    assert report.errors == []
    assert len(report.opens) == 2 and report.reruns >= 4  # each user opened its page and moved controls
    assert len(report.latencies) == report.reruns and all(0 < t < load.RERUN_TIMEOUT for t in report.latencies)
    assert report.throughput == pytest.approx(report.reruns / report.duration)
    assert report.rss_before > 30 and report.rss_peak >= report.rss_before and report.server_cpu > 0
    # the server took the moved widget states: a moved URL control shows up in the page's query string
    moved = [(what.split("=", 1)[0], dict(urllib.parse.parse_qsl(query))) for _, _, what, _, query in report.log
             if what != "open" and not what.startswith("_")]
    assert moved and any(key in query for key, query in moved)
    assert "p95" in report.text() and "0 errors" in report.text()


def test_the_server_is_found_by_its_port(server):
    port = load.loopback_url(server)[1]
    pids = load.listeners(port)
    assert len(pids) == 1 and load.rss_mb(pids) > 30 and load.cpu_seconds(pids) > 0
    assert load.listeners(load.free_port()) == set()


# ---------------------------------------------------------------------------------------------- make serve's nginx.conf


def test_the_nginx_config_lists_the_workers_and_is_valid(tmp_path):
    workers = [serve.Worker(9001, tmp_path, {}, 10), serve.Worker(9002, tmp_path, {}, 10)]
    workers[0].status, workers[1].status = "up", "starting"
    conf = serve.render("127.0.0.1:9000", workers, tmp_path)
    assert "{{" not in conf and "listen 127.0.0.1:9000;" in conf and "hash $route consistent;" in conf
    assert "server 127.0.0.1:9001 max_fails=1 fail_timeout=10s;" in conf
    assert "server 127.0.0.1:9002 max_fails=1 fail_timeout=10s down;" in conf  # not healthy yet: no students
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "proxy_read_timeout 1h;" in conf
    # the worker's address stays internal unless the fault tests ask for it; nginx's workers never run as root
    assert "X-Upstream" not in conf.split("# no X-Upstream")[0]
    assert "add_header X-Upstream $upstream_addr always;" in serve.render("127.0.0.1:9000", workers, tmp_path, True)
    assert ("user nobody nogroup;" in conf) == (os.geteuid() == 0) and "user root" not in conf
    nginx = serve.nginx_binary()
    if not nginx:
        pytest.skip(serve.NGINX_HINT)
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / d).mkdir(parents=True)
    (tmp_path / "nginx.conf").write_text(conf)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e",
                            str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr


def test_one_cookie_secret_for_every_worker(tmp_path, monkeypatch):
    monkeypatch.delenv("OPTIM_VIZ_COOKIE_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    first = serve.cookie_secret()
    assert len(first) == 64 and serve.cookie_secret() == first  # generated once, then read back
    assert (tmp_path / "optim-viz" / "cookie_secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("OPTIM_VIZ_COOKIE_SECRET", "from-the-environment")
    assert serve.cookie_secret() == "from-the-environment"
