"""`make load USERS=N`: simulated students speaking Streamlit's websocket protocol as the browser does.

Each user opens a random page of ``app.PAGES`` over ``/_stcore/stream`` (a ``BackMsg`` whose ``rerun_script``
carries ``query_string``, ``page_name``/``page_script_hash`` and ``widget_states``), reads the widgets out of the
``ForwardMsg`` deltas the server sends (ids, kinds, bounds: no hard-coded ids), and every 2–4 s of think time moves
one random control to a fresh seeded value within its bounds, sending every widget's state as the browser does
(a slider as ``double_array_value``, a select_slider as its formatted option string in ``string_array_value``,
a selectbox/radio as ``string_value``, a multiselect as ``string_array_value``, a number input as
``double_value``, a checkbox/toggle as ``bool_value``).

Per rerun it times BackMsg sent → ``script_finished``; errors are exception elements in the deltas, dropped
sockets, failed connections and timeouts. It prints p50/p95/max latency, reruns/s, the server's CPU and the
server's RSS (every process listening on the port, via /proc) before, at peak and after the users leave.

Safety: loopback targets only (127.0.0.0/8, ::1, localhost), checked before any connection; users ≤ 200,
duration ≤ 600 s, reruns ≤ 100,000; every wait has a timeout and the run stops by itself.

    python -m bench.load --users 10 --duration 60                    # starts its own server (and stops it)
    python -m bench.load --users 60 --workers 2                      # its own `deploy/serve.py` with 2 workers
    python -m bench.load --users 30 --url http://127.0.0.1:8501      # a server that is already running
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import ipaddress
import json
import math
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import optim_viz_memory

ROOT = Path(__file__).resolve().parents[1]
MAX_USERS = 200
MAX_DURATION = 600.0
MAX_RERUNS = 100_000
RERUN_TIMEOUT = 120.0  # a rerun slower than this counts as an error (the socket is then reopened)
MAX_MESSAGE = 64 * 2**20  # the largest ForwardMsg accepted (the Arena's maxima send ~3 MB)
# Controls a student moves: the widget kinds, and keys left alone (the export picker only chooses what to download).
SKIP_KEYS = ("_export",)


class Refused(ValueError):
    """A target or a bound the load client will not use."""


# ---------------------------------------------------------------------------------------------------- safety


def loopback_url(url: str) -> tuple[str, int]:
    """(host, port) of ``url`` if its host is a loopback address, else Refused; no name is ever resolved."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "ws"):
        raise Refused(f"only http:// or ws:// URLs on loopback are accepted, not {url!r}")
    host = (parts.hostname or "").lower()
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Refused(f"refusing {parts.hostname!r}: the load client targets loopback addresses only "
                      "(127.0.0.0/8, ::1, localhost)")
    try:
        port = parts.port or 80
    except ValueError as e:
        raise Refused(f"bad port in {url!r}") from e
    return host, port


def bounded(users: int, duration: float, max_reruns: int, think: tuple[float, float]) -> None:
    if not 1 <= users <= MAX_USERS:
        raise Refused(f"users must be 1..{MAX_USERS}, not {users}")
    if not 0 < duration <= MAX_DURATION:
        raise Refused(f"duration must be in (0, {MAX_DURATION:g}] s, not {duration}")
    if not 1 <= max_reruns <= MAX_RERUNS:
        raise Refused(f"max reruns must be 1..{MAX_RERUNS}, not {max_reruns}")
    if not 0 <= think[0] <= think[1] <= 60:
        raise Refused(f"think time must be 0 ≤ lo ≤ hi ≤ 60 s, not {think}")


# ---------------------------------------------------------------------------------------------------- pages


def app_pages() -> list[str]:
    """URL paths of the pages in ``app.PAGES``."""
    from deploy.serve import app_pages as pages

    return pages()


# ---------------------------------------------------------------------------------------------------- widgets


@dataclasses.dataclass
class Widget:
    """A control as the browser knows it: its proto (bounds, options) and the state it would send."""
    id: str
    kind: str  # slider, select_slider, selectbox, radio, multiselect, number_input, checkbox
    proto: object
    state: object  # list[float] | list[str] | str | float | bool

    @property
    def key(self) -> str:
        """The user key at the end of Streamlit's element id (``$$ID-<hash>-<key>``)."""
        return self.id.rsplit("-", 1)[-1] if self.id.startswith("$$ID-") else ""


def widget_from_element(element) -> Widget | None:
    """The Widget for a delta's element, with the state the browser would report for it, or None."""
    kind = element.WhichOneof("type")
    p = getattr(element, kind) if kind else None
    if kind == "slider":
        if p.type == p.SELECT_SLIDER:
            if not p.options:
                return None
            state = list(p.raw_value) if p.set_value and p.raw_value else [p.options[int(i)] for i in p.default]
            return Widget(p.id, "select_slider", p, state)
        return Widget(p.id, "slider", p, list(p.value if p.set_value else p.default))
    if kind in ("selectbox", "radio"):
        if p.set_value and p.raw_value:
            state = p.raw_value
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            state = p.options[p.default]
        else:
            return None
        return Widget(p.id, kind, p, state)
    if kind == "multiselect":
        state = list(p.raw_values) if p.set_value else [p.options[i] for i in p.default if 0 <= i < len(p.options)]
        return Widget(p.id, kind, p, state)
    if kind == "number_input":
        return Widget(p.id, kind, p, p.value if p.set_value else p.default)
    if kind == "checkbox":
        return Widget(p.id, kind, p, p.value if p.set_value else p.default)
    return None


def state_proto(w: Widget):
    """The WidgetState protobuf the browser sends for ``w``."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    s = WidgetState(id=w.id)
    if w.kind == "slider":
        s.double_array_value.data.extend(w.state)
    elif w.kind in ("select_slider", "multiselect"):
        s.string_array_value.data.extend(w.state)
    elif w.kind in ("selectbox", "radio"):
        s.string_value = w.state
    elif w.kind == "number_input":
        s.double_value = w.state
    else:
        s.bool_value = w.state
    return s


def _stepped(rng: random.Random, lo: float, hi: float, step: float, integer: bool) -> float:
    n = int(round((hi - lo) / step)) if step > 0 else 0
    v = lo + rng.randint(0, n) * step if n > 0 else rng.uniform(lo, hi)
    v = min(max(v, lo), hi)
    return float(round(v)) if integer else round(v, 12)


def fresh_state(w: Widget, rng: random.Random):
    """A new state for ``w`` within its bounds (a different value where the control has more than one)."""
    p = w.proto
    for _ in range(20):
        if w.kind == "slider":
            vals = sorted(_stepped(rng, p.min, p.max, p.step, p.data_type == p.INT) for _ in w.state)
            new = vals
        elif w.kind == "select_slider":
            new = sorted((rng.choice(p.options) for _ in w.state), key=list(p.options).index)
        elif w.kind in ("selectbox", "radio"):
            new = rng.choice(p.options)
        elif w.kind == "multiselect":
            cap = p.max_selections or len(p.options)
            new = rng.sample(list(p.options), rng.randint(1, max(1, min(cap, len(p.options)))))
        elif w.kind == "number_input":
            lo = p.min if p.has_min else w.state - 10 * (p.step or 1)
            hi = p.max if p.has_max else w.state + 10 * (p.step or 1)
            new = _stepped(rng, lo, hi, p.step or (1 if p.data_type == p.INT else (hi - lo) / 100),
                           p.data_type == p.INT)
        else:
            new = not w.state
        if new != w.state:
            return new
    return new


def movable(widgets: dict[str, Widget]) -> list[Widget]:
    return [w for w in widgets.values() if not w.proto.disabled and not w.key.startswith(SKIP_KEYS)
            and not (w.kind in ("selectbox", "radio", "select_slider", "multiselect") and len(w.proto.options) < 2)]


# ---------------------------------------------------------------------------------------------------- a rerun


@dataclasses.dataclass
class RunResult:
    """What the server sent for one rerun."""
    widgets: dict[str, Widget]
    exceptions: list[str]
    status: str
    query_string: str | None = None
    page_script_hash: str | None = None
    session_id: str | None = None
    bytes: int = 0


def read_message(data: bytes, run: RunResult) -> bool:
    """Fold one ForwardMsg into ``run``; True when it is the end of the script run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(data)
    run.bytes += len(data)
    kind = msg.WhichOneof("type")
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        if element.WhichOneof("type") == "exception" and not element.exception.is_warning:
            run.exceptions.append(f"{element.exception.type}: {element.exception.message[:200]}")
        else:
            w = widget_from_element(element)
            if w is not None:
                run.widgets[w.id] = w
    elif kind == "page_info_changed":
        run.query_string = msg.page_info_changed.query_string
    elif kind == "navigation":
        run.page_script_hash = msg.navigation.page_script_hash
    elif kind == "new_session":
        run.session_id = msg.new_session.initialize.session_id or None
        run.page_script_hash = msg.new_session.page_script_hash or run.page_script_hash
    elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
        run.exceptions.append("script compilation exception")
    elif kind == "page_not_found":
        run.exceptions.append(f"page not found: {msg.page_not_found.page_name}")
    elif kind == "script_finished":
        names = {0: "ok", 1: "compile error", 2: "stopped early for a rerun", 3: "ok"}
        run.status = names.get(msg.script_finished, str(msg.script_finished))
        if msg.script_finished == 1:
            run.exceptions.append("script compile error")
        return True
    return False


def rerun_backmsg(page: str, page_hash: str, query_string: str, widgets: dict[str, Widget]) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = query_string
    cs.page_script_hash = page_hash
    cs.page_name = "" if page_hash else page
    cs.widget_states.widgets.extend(state_proto(w) for w in widgets.values())
    return msg.SerializeToString()


# ---------------------------------------------------------------------------------------------------- users


@dataclasses.dataclass
class Stats:
    latencies: list[float] = dataclasses.field(default_factory=list)  # seconds, every finished rerun
    opens: list[float] = dataclasses.field(default_factory=list)  # the subset that opened a page
    errors: list[str] = dataclasses.field(default_factory=list)
    log: list[tuple[int, str, str, float, str]] = dataclasses.field(default_factory=list)  # user, page, what, s, URL
    reruns: int = 0
    bytes: int = 0
    sent: int = 0
    kinds: dict[str, int] = dataclasses.field(default_factory=dict)  # errors by kind
    recovered: int = 0  # reconnections whose next rerun succeeded

    def error(self, kind: str, text: str) -> None:
        self.errors.append(text)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


class User:
    """One student: a browser tab on one page, moving a control after each think time."""

    def __init__(self, n: int, url: str, pages: list[str], stats: Stats, rng: random.Random,
                 think: tuple[float, float], deadline: float, max_reruns: int):
        self.n, self.url, self.stats, self.rng = n, url, stats, rng
        self.think, self.deadline, self.max_reruns = think, deadline, max_reruns
        self.page = rng.choice(pages)
        self.page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}
        self.session_id = ""
        self.cookie = ""
        self.verbose = False
        self.dropped = False  # the last socket dropped or timed out; the next rerun tells if the user recovered

    def left(self) -> float:
        return self.deadline - time.monotonic()

    async def rerun(self, ws, opening: bool, what: str) -> None:
        if self.stats.sent >= self.max_reruns:
            raise asyncio.CancelledError
        self.stats.sent += 1
        run = RunResult({}, [], "no script_finished")
        t0 = time.perf_counter()
        await ws.send(rerun_backmsg(self.page, self.page_hash, self.query_string, self.widgets))
        async with asyncio.timeout(RERUN_TIMEOUT):
            # a run that ends early for st.rerun() goes on as a new run: the rerun ends with the last one
            while not read_message(await ws.recv(), run) or run.status == "stopped early for a rerun":
                pass
        dt = time.perf_counter() - t0
        self.stats.bytes += run.bytes
        self.stats.latencies.append(dt)
        self.stats.reruns += 1
        if opening:
            self.stats.opens.append(dt)
        for e in run.exceptions:
            self.stats.error("exception", f"user {self.n} {self.page} {what}: {e}")
        if self.dropped and not run.exceptions:
            self.stats.recovered += 1
        self.dropped = False
        # widgets not drawn by this run are gone from the page; a value the server set (a preset, the URL) wins
        self.widgets = {i: self.widgets[i] if i in self.widgets and not _server_set(w) else w
                        for i, w in run.widgets.items()}
        self.query_string = run.query_string if run.query_string is not None else self.query_string
        self.stats.log.append((self.n, self.page, what, dt, self.query_string))
        if self.verbose:
            print(f"user {self.n:3d} {self.page:<22} {dt * 1000:7.0f} ms  {what}  ?{self.query_string}", flush=True)
        self.page_hash = run.page_script_hash or self.page_hash
        self.session_id = run.session_id or self.session_id

    async def session(self) -> None:
        """One websocket: open the page (or resume it after a reconnect), then move controls until the deadline."""
        import websockets

        headers = {"Cookie": self.cookie} if self.cookie else {}
        async with asyncio.timeout(30):
            ws = await websockets.connect(
                self.url.replace("http", "ws", 1) + "/_stcore/stream", max_size=MAX_MESSAGE,
                # browsers send "streamlit, <xsrf token>, <session id>"; no xsrf token here (no auth cookie to guard)
                subprotocols=["streamlit", "xsrf", self.session_id] if self.session_id else ["streamlit"],
                additional_headers=headers, open_timeout=30, ping_interval=None)
        async with ws:
            cookie = ws.response.headers.get("Set-Cookie", "")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            await self.rerun(ws, opening=True, what="open")
            while True:
                pause = self.rng.uniform(*self.think)
                if self.left() < pause:
                    return
                await asyncio.sleep(pause)
                choices = movable(self.widgets)
                if not choices:
                    continue
                w = self.rng.choice(choices)
                new = fresh_state(w, self.rng)
                self.widgets[w.id] = dataclasses.replace(w, state=new)
                await self.rerun(ws, opening=False, what=f"{w.key or w.id}={new!r}")

    async def run(self) -> None:
        import websockets

        await asyncio.sleep(self.rng.uniform(0, self.think[1]))  # students do not all click in the same ms
        while self.left() > 1:
            try:
                await self.session()
                return
            except asyncio.CancelledError:
                return
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as e:
                kind = "timeout" if isinstance(e, TimeoutError) else "dropped socket"
                self.stats.error(kind, f"user {self.n} {self.page}: {kind}: {type(e).__name__} {str(e)[:120]}")
                self.dropped = True
                await asyncio.sleep(1.0)  # the browser retries the same way: reconnect, rerun with its URL


def _server_set(w: Widget) -> bool:
    return bool(getattr(w.proto, "set_value", False))


# ---------------------------------------------------------------------------------------------------- /proc


def listeners(port: int) -> set[int]:
    """PIDs of the processes with a listening TCP socket on ``port`` (IPv4 or IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{cols[9]}]")
    pids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in inodes for fd in (d / "fd").iterdir()):
                    pids.add(int(d.name))
    return pids


def rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
            total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    return total / 1024


def cpu_seconds(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError), open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def serve_ports(port: int) -> list[int]:
    """The worker ports of a `deploy/serve.py` fronting ``port`` (from its state file), else [port]."""
    with contextlib.suppress(OSError, ValueError, KeyError):
        state = json.loads(Path(tempfile.gettempdir(), f"optim-viz-serve-{port}.json").read_text())
        return [int(w["port"]) for w in state["workers"]]
    return [port]


class ServerWatch:
    """RSS and CPU of every process listening on the server's ports, sampled until stopped."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.peak = 0.0

    def pids(self) -> set[int]:
        return set().union(*(listeners(p) for p in self.ports))

    def rss(self) -> float:
        mb = rss_mb(self.pids())
        self.peak = max(self.peak, mb)
        return mb

    async def sample(self, every: float = 0.5) -> None:
        while True:
            await asyncio.to_thread(self.rss)
            await asyncio.sleep(every)


# ---------------------------------------------------------------------------------------------------- servers


def free_port(span: int = 1) -> int:
    """A loopback port p with p..p+span-1 all free."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p + span < 65535 and all(_free(p + i) for i in range(span)):
            return p
    raise OSError("no free port range")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_healthy(url: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy in {timeout:g} s")


@contextlib.contextmanager
def own_server(workers: int, ttl: float, log_path: str | None = None):
    """A server of our own on a free loopback port: `streamlit run app.py`, or `deploy/serve.py` for workers > 1.

    Stopped by its own PID (its process group) when the block ends."""
    port = free_port(workers + 1)
    from deploy.serve import SERVER_ENV

    env = {**os.environ, **SERVER_ENV}
    if workers <= 1:
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--server.disconnectedSessionTTL", str(int(ttl))]
    else:
        cmd = [sys.executable, "deploy/serve.py", "--workers", str(workers), "--port", str(port),
               "--bind", "127.0.0.1", "--session-ttl", str(int(ttl))]
    # a file, not a pipe: a pipe nobody reads would block a server that logs a lot
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url)
            if workers > 1:
                for p in serve_ports(port):
                    wait_healthy(f"http://127.0.0.1:{p}")
            if workers <= 1:  # deploy/serve.py warms its workers itself
                from deploy.serve import warm

                warm(port)  # as `make serve` does: every page once before the students come (see its docstring)
        except TimeoutError:
            proc.terminate()
            log.seek(0)
            raise RuntimeError(f"server did not start: {log.read().decode(errors='replace')[-2000:]}") from None
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


# ---------------------------------------------------------------------------------------------------- the run


@dataclasses.dataclass
class Report:
    users: int
    duration: float
    reruns: int
    latencies: list[float]
    opens: list[float]
    errors: list[str]
    throughput: float
    rss_before: float
    rss_peak: float
    rss_after: float
    rss_settled: float | None
    server_cpu: float  # CPU seconds the server spent during the users' run
    machine_busy: float  # cores busy on the whole machine during the run (of os.cpu_count())
    client_cpu: float
    megabytes: float
    log: list[tuple[int, str, str, float, str]]
    kinds: dict[str, int] = dataclasses.field(default_factory=dict)
    recovered: int = 0

    def pct(self, q: float, xs: list[float] | None = None) -> float:
        xs = sorted(self.latencies if xs is None else xs)
        return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else float("nan")  # nearest rank

    def text(self) -> str:
        ms = [x * 1000 for x in self.latencies]
        lines = [
            f"users {self.users}, {self.duration:.0f} s: {self.reruns} reruns, {self.throughput:.2f} reruns/s, "
            f"{len(self.errors)} errors",
            f"rerun latency (BackMsg sent → script_finished): p50 {self.pct(.5) * 1000:.0f} ms, "
            f"p95 {self.pct(.95) * 1000:.0f} ms, max {max(ms, default=float('nan')):.0f} ms"
            f" (page opens: p50 {self.pct(.5, self.opens) * 1000:.0f} ms over {len(self.opens)})",
            f"server CPU {self.server_cpu:.1f} s = {self.server_cpu / self.duration:.2f} cores, "
            f"{self.server_cpu / max(self.reruns, 1) * 1000:.0f} ms CPU per rerun; whole machine "
            f"{self.machine_busy:.2f} of {os.cpu_count()} cores busy; this client {self.client_cpu:.1f} s CPU; "
            f"{self.megabytes:.1f} MB received",
            f"server RSS: before {self.rss_before:.0f} MB, peak {self.rss_peak:.0f} MB, "
            f"after {self.rss_after:.0f} MB"
            + (f", after the session TTL and the idle sweep {self.rss_settled:.0f} MB" if self.rss_settled is not None
               else ""),
        ]
        if self.errors:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
            lines.append(f"errors by kind: {kinds}; reconnections whose next rerun succeeded: {self.recovered}")
        lines += [f"  error: {e}" for e in self.errors[:10]]
        if len(self.errors) > 10:
            lines.append(f"  … and {len(self.errors) - 10} more")
        return "\n".join(lines)


async def drive(url: str, users: int, duration: float, think: tuple[float, float], seed: int,
                max_reruns: int, pages: list[str], ports: list[int], settle: float, verbose: bool = False) -> Report:
    watch = ServerWatch(ports)
    rss_before = watch.rss()
    watch.peak = rss_before
    pids = watch.pids()
    cpu0, busy0, usage0 = cpu_seconds(pids), machine_busy(), resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    stats = Stats()
    sampler = asyncio.create_task(watch.sample())
    crowd = [User(i, url, pages, stats, random.Random(seed * 100_003 + i), think, t0 + duration, max_reruns)
             for i in range(users)]
    for u in crowd:
        u.verbose = verbose
    try:
        async with asyncio.timeout(duration + RERUN_TIMEOUT + 30):  # stops by itself, whatever the server does
            await asyncio.gather(*(u.run() for u in crowd))
    except TimeoutError:
        stats.error("timeout", "the run overran its deadline")
    elapsed = time.monotonic() - t0
    pids |= watch.pids()
    cpu1, busy1, usage1 = cpu_seconds(pids), machine_busy(), resource.getrusage(resource.RUSAGE_SELF)
    sampler.cancel()
    await asyncio.sleep(1.0)
    rss_after = watch.rss()
    settled = None
    if settle > 0:
        await asyncio.sleep(settle)
        settled = watch.rss()
    return Report(
        users=users, duration=elapsed, reruns=stats.reruns, latencies=stats.latencies, opens=stats.opens,
        errors=stats.errors, throughput=stats.reruns / elapsed, rss_before=rss_before, rss_peak=watch.peak,
        rss_after=rss_after, rss_settled=settled, server_cpu=cpu1 - cpu0,
        machine_busy=(busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1) * (os.cpu_count() or 1),
        client_cpu=(usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime),
        megabytes=stats.bytes / 1e6, log=stats.log, kinds=stats.kinds, recovered=stats.recovered)


# After the last user leaves: the session TTL, then the idle sweeper's wait and poll (optim_viz_memory), then 5 s
SWEPT = optim_viz_memory.IDLE_S + optim_viz_memory.POLL_S + 5


def _run(coro):
    """``asyncio.run``, in a thread of its own when this thread already runs an event loop (Playwright's sync API
    keeps one running in a test process that also drove a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def run(users: int = 2, duration: float = 10.0, url: str | None = None, think: tuple[float, float] = (2.0, 4.0),
        seed: int = 0, max_reruns: int = 20_000, pages: list[str] | None = None, workers: int = 1,
        ttl: float = 10.0, settle: float | None = None, rss_ports: list[int] | None = None,
        verbose: bool = False, server_log: str | None = None) -> Report:
    """Run the crowd and return its Report. Without ``url``, against a server of our own (stopped afterwards)."""
    bounded(users, duration, max_reruns, think)
    if not 1 <= workers <= 8:
        raise Refused(f"workers must be 1..8, not {workers}")
    pages = pages or app_pages()
    if url is not None:
        _, port = loopback_url(url)  # before any connection
        url = url.rstrip("/").replace("localhost", "127.0.0.1", 1)
        return _run(drive(url, users, duration, think, seed, max_reruns, pages,
                                 rss_ports or serve_ports(port), settle or 0.0, verbose))
    with own_server(workers, ttl, server_log) as own:
        port = loopback_url(own)[1]
        return _run(drive(own, users, duration, think, seed, max_reruns, pages,
                                 rss_ports or serve_ports(port), SWEPT + ttl if settle is None else settle, verbose))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds the users keep moving controls")
    ap.add_argument("--url", help="a running server on loopback; default: start our own")
    ap.add_argument("--workers", type=int, default=1, help="own server only: >1 runs deploy/serve.py with nginx")
    ap.add_argument("--think", default="2,4", help="think time range in seconds, lo,hi")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pages", help="comma-separated URL paths (default: every page of app.PAGES)")
    ap.add_argument("--max-reruns", type=int, default=20_000)
    ap.add_argument("--ttl", type=float, default=10.0, help="own server's server.disconnectedSessionTTL (s)")
    ap.add_argument("--settle", type=float, help="seconds to wait after the users leave before the last RSS "
                    f"(default: TTL + {SWEPT} s for our own server, when its idle sweep has run; 0 for --url)")
    ap.add_argument("--rss-ports", help="comma-separated ports whose listeners count as the server")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every rerun")
    ap.add_argument("--server-log", help="own server only: write its output (tracebacks) to this file")
    args = ap.parse_args(argv)
    try:
        lo, hi = (float(x) for x in args.think.split(","))
        pages = args.pages.split(",") if args.pages else None
        if pages and (unknown := set(pages) - set(app_pages())):
            raise Refused(f"unknown page(s): {', '.join(sorted(unknown))}")
        rss_ports = [int(p) for p in args.rss_ports.split(",")] if args.rss_ports else None
        if args.settle is not None and not 0 <= args.settle <= 600:
            raise Refused("settle must be 0..600 s")
        report = run(args.users, args.duration, args.url, (lo, hi), args.seed, args.max_reruns, pages,
                     args.workers, args.ttl, args.settle, rss_ports, args.verbose, args.server_log)
    except (Refused, ValueError) as e:
        print(f"load: {e}", file=sys.stderr)
        return 2
    print(report.text())
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
