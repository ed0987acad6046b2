"""`make serve WORKERS=N [PORT=8501]`: N Streamlit processes behind nginx, for a lecture hall.

Workers listen on 127.0.0.1:PORT+1 .. PORT+N (headless); nginx listens on PORT and proxies to them with sticky
sessions (a route cookie hashed onto the workers) and the websocket upgrade for ``/_stcore/stream``.
Every worker gets the same ``server.cookieSecret`` (``$OPTIM_VIZ_COOKIE_SECRET``, else generated once into
``~/.config/optim-viz/cookie_secret``), so any worker accepts what another one signed.

Who does what when a worker fails:
- nginx (passive): a worker that refuses a connection is skipped (``max_fails``/``fail_timeout``) and the request
  goes to the next one (``proxy_next_upstream error timeout``). This catches a dead worker at once, but not a hung
  one: the kernel still accepts its connections, and a websocket handshake would wait for the read timeout.
- this script's watchdog (active): polls each worker's ``/_stcore/health`` every ``--health-interval`` s. After
  ``--health-fails`` failures in a row it marks the worker ``down`` in nginx's upstream and reloads nginx (new
  sessions go elsewhere; open sockets are left alone); when the health answers again, it is put back. A worker
  that exited is restarted at once; one hung for longer than ``--restart-after`` s is killed and restarted.

The state (ports, PIDs, up/down) is written to ``$TMPDIR/optim-viz-serve-PORT.json`` for tests and
``bench.load``. Everything stops on SIGINT/SIGTERM, each process by its own PID.
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX_HINT = "nginx not found: install it with `apt-get install -y nginx-light` (Debian), or run `make serve`"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def state_path(port: int) -> Path:
    return Path(tempfile.gettempdir(), f"optim-viz-serve-{port}.json")


def cookie_secret() -> str:
    """The one secret every worker shares: $OPTIM_VIZ_COOKIE_SECRET, else a file generated once (mode 0600)."""
    if os.environ.get("OPTIM_VIZ_COOKIE_SECRET"):
        return os.environ["OPTIM_VIZ_COOKIE_SECRET"]
    path = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"), "optim-viz", "cookie_secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another serve.py made it first: use that one
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    for _ in range(50):
        if secret := path.read_text().strip():
            return secret
        time.sleep(0.1)  # created but not written yet
    raise RuntimeError(f"empty cookie secret in {path}")


UNPRIVILEGED = ("nobody", "nogroup")  # nginx's worker processes when serve.py runs as root


def render(listen: str, workers: list[Worker], prefix: Path, expose_upstream: bool = False) -> str:
    """nginx.conf for these workers; a worker that is not up is listed as ``down`` (its hash slots are kept).
    ``expose_upstream`` adds an X-Upstream header naming the worker (for the fault tests; it tells a client
    the internal layout, so it is off unless asked for)."""
    servers = "\n".join(
        f"        server 127.0.0.1:{w.port} max_fails=1 fail_timeout=10s{'' if w.status == 'up' else ' down'};"
        for w in workers)
    user = (f"user {' '.join(UNPRIVILEGED)};  # root starts nginx; its workers drop to an unprivileged user"
            if os.geteuid() == 0 else "# (not root: nginx runs as the current user)")
    upstream = "add_header X-Upstream $upstream_addr always;" if expose_upstream else "# no X-Upstream header"
    return (TEMPLATE.read_text().replace("{{USER}}", user).replace("{{PREFIX}}", str(prefix))
            .replace("{{LISTEN}}", listen).replace("{{SERVERS}}", servers).replace("{{UPSTREAM_HEADER}}", upstream))


def app_pages(app: Path = ROOT / "app.py") -> list[str]:
    """URL paths of the pages in ``app.PAGES`` (read from the source: importing app.py would run Streamlit)."""
    for node in ast.parse(app.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return [Path(entry[1]).stem for entry in ast.literal_eval(node.value)]
    raise LookupError(f"no PAGES list in {app}")


# The environment of every server process (the Makefile exports the same for `make run`): one BLAS thread (threaded
# BLAS on small matrices made a deep network's pass 15× slower on 2 shared cores), and two glibc malloc arenas instead
# of one per thread (8 per core): each session's script thread otherwise allocates in an arena of its own, and after
# 30 load users left, the idle sweep got the process back to 383 MB from 214 MB; with two arenas to 255 MB from
# 215 MB, the peak 420 MB instead of 529 MB, at the same CPU per rerun. glibc reads it when the process starts.
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


def warm(port: int, pages: list[str] | None = None, timeout: float = 180) -> None:
    """Run the home page and ``pages`` (default: every page) once on the worker, one after the other, before it takes
    students.

    The first run of a page imports what it needs (the library, pandas, kaleido…). When that import runs while other
    sessions render figures, they can see a half-imported module: plotly checks ``sys.modules`` for pandas, and 6 of
    30 students opening pages at once on a fresh server got "partially initialized module 'pandas' has no
    attribute 'Series'". Warmed page by page, everything is imported once, alone."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    end = time.monotonic() + timeout
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                 open_timeout=timeout) as ws:
        for page in ["", *(app_pages() if pages is None else pages)]:
            msg = BackMsg()
            msg.rerun_script.page_name = page
            ws.send(msg.SerializeToString())
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(ws.recv(timeout=max(end - time.monotonic(), 0.1)))
                if reply.WhichOneof("type") == "script_finished" and reply.script_finished != 2:  # 2: early, rerun
                    break


def _die_with_parent() -> None:
    """In the child: get SIGTERM if this script dies (even by SIGKILL), so no worker outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Worker:
    """One `streamlit run app.py` on 127.0.0.1:port."""

    def __init__(self, port: int, prefix: Path, env: dict, ttl: int):
        self.port, self.prefix, self.env, self.ttl = port, prefix, env, ttl
        self.proc: subprocess.Popen | None = None
        self.status = "starting"  # starting | up | down
        self.fails = 0
        self.bad_since: float | None = None
        self.restarts = 0

    def start(self) -> None:
        log = open(self.prefix / f"worker-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false",
             "--server.disconnectedSessionTTL", str(self.ttl)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent)
        log.close()
        self.status, self.fails, self.bad_since = "starting", 0, None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)

    def healthy(self, timeout: float) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=timeout) as r:
                return r.read() == b"ok"
        except OSError:
            return False


class Serve:
    def __init__(self, args):
        self.args = args
        self.nginx = nginx_binary()
        if not self.nginx:
            sys.exit(NGINX_HINT)
        self.prefix = Path(tempfile.mkdtemp(prefix=f"optim-viz-serve-{args.port}-"))
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "tmp" / d).mkdir(parents=True)
        if os.geteuid() == 0:  # nginx's unprivileged workers buffer large bodies there
            os.chmod(self.prefix, 0o755)
            for d in [self.prefix / "tmp", *(self.prefix / "tmp").iterdir()]:
                shutil.chown(d, *UNPRIVILEGED)
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret(), **SERVER_ENV}
        self.workers = [Worker(args.port + i, self.prefix, env, args.session_ttl) for i in range(1, args.workers + 1)]
        self.nginx_proc: subprocess.Popen | None = None
        self.stopping = False

    def log(self, text: str) -> None:
        print(f"serve: {time.strftime('%H:%M:%S')} {text}", flush=True)

    def write_state(self) -> None:
        state = {"port": self.args.port, "prefix": str(self.prefix), "pid": os.getpid(),
                 "nginx_pid": self.nginx_proc.pid if self.nginx_proc else None,
                 "workers": [{"port": w.port, "pid": w.proc.pid if w.proc else None, "status": w.status,
                              "restarts": w.restarts} for w in self.workers]}
        tmp = state_path(self.args.port).with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(state_path(self.args.port))

    def configure(self) -> None:
        """Write nginx.conf from the workers' status and, if nginx runs, reload it (graceful: open sockets stay)."""
        conf = self.prefix / "nginx.conf"
        conf.write_text(render(f"{self.args.bind}:{self.args.port}", self.workers, self.prefix,
                               self.args.expose_upstream))
        if self.nginx_proc and self.nginx_proc.poll() is None:
            self.nginx_proc.send_signal(signal.SIGHUP)
        self.write_state()

    def start(self) -> None:
        for w in self.workers:
            w.start()
        self.log(f"starting {len(self.workers)} workers on ports "
                 f"{self.workers[0].port}..{self.workers[-1].port} (logs in {self.prefix})")
        end = time.monotonic() + self.args.start_timeout
        while time.monotonic() < end and not all(w.healthy(2) for w in self.workers):
            if any(w.proc.poll() is not None for w in self.workers):
                raise RuntimeError(f"a worker exited at start: see {self.prefix}/worker-*.log")
            time.sleep(0.5)
        for w in self.workers:
            w.status = "up" if w.healthy(2) and self.warmed(w) else "starting"
        if not any(w.status == "up" for w in self.workers):
            raise RuntimeError(f"no worker became healthy in {self.args.start_timeout:g} s")
        self.configure()
        self.nginx_proc = subprocess.Popen(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e",
             str(self.prefix / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=open(self.prefix / "nginx.stderr", "ab"),
            start_new_session=True, preexec_fn=_die_with_parent)
        end = time.monotonic() + 15
        while time.monotonic() < end:
            with contextlib.suppress(OSError):
                host = "127.0.0.1" if self.args.bind in ("0.0.0.0", "*") else self.args.bind.strip("[]")
                if urllib.request.urlopen(f"http://{host}:{self.args.port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            if self.nginx_proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'nginx.stderr').read_text()[-1000:]}")
            time.sleep(0.2)
        self.write_state()
        self.log(f"serving http://{self.args.bind}:{self.args.port} with {len(self.workers)} workers "
                 f"(nginx PID {self.nginx_proc.pid}); Ctrl-C stops everything")

    def warmed(self, w: Worker) -> bool:
        try:
            warm(w.port, self.args.warm)
            return True
        except Exception as e:  # noqa: BLE001 (any failure only delays the worker; the watchdog retries)
            self.log(f"worker {w.port} warm-up failed ({type(e).__name__}: {e}); will retry")
            return False

    def check(self, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        """One watchdog round: poll every worker's health at once and act on what changed."""
        health = dict(zip(self.workers, pool.map(lambda w: w.healthy(self.args.health_timeout), self.workers)))
        changed = False
        now = time.monotonic()
        for w, ok in health.items():
            if w.proc.poll() is not None:
                self.log(f"worker {w.port} (PID {w.proc.pid}) exited with {w.proc.returncode}: restarting it")
                w.restarts += 1
                w.start()
                changed = True
            elif ok:
                w.fails, w.bad_since = 0, None
                if w.status == "starting" and not self.warmed(w):
                    continue
                if w.status != "up":
                    self.log(f"worker {w.port} healthy: in")
                    w.status, changed = "up", True
            else:
                w.fails += 1
                w.bad_since = w.bad_since or now
                if w.status == "up" and w.fails >= self.args.health_fails:
                    self.log(f"worker {w.port} failed {w.fails} health checks: out")
                    w.status, changed = "down", True
                elif w.status == "down" and now - w.bad_since > self.args.restart_after:
                    self.log(f"worker {w.port} unhealthy for {now - w.bad_since:.0f} s: killing and restarting it")
                    w.kill()
                    w.restarts += 1
                    w.start()
                    changed = True
                elif w.status == "starting" and now - w.bad_since > self.args.start_timeout:
                    w.kill()
                    w.restarts += 1
                    w.start()
                    changed = True
        if changed:
            self.configure()

    def watch(self) -> None:
        with concurrent.futures.ThreadPoolExecutor(len(self.workers)) as pool:
            while not self.stopping:
                if self.nginx_proc.poll() is not None:
                    self.log(f"nginx exited ({self.nginx_proc.returncode}); stopping")
                    return
                self.check(pool)
                time.sleep(self.args.health_interval)

    def stop(self) -> None:
        if self.nginx_proc and self.nginx_proc.poll() is None:
            self.nginx_proc.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.nginx_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.nginx_proc.pid, signal.SIGKILL)
                self.nginx_proc.wait(timeout=5)
        for w in self.workers:
            w.kill(signal.SIGTERM)
            w.kill(signal.SIGKILL)
        with contextlib.suppress(OSError):
            state_path(self.args.port).unlink()
        if not self.args.keep_logs:
            shutil.rmtree(self.prefix, ignore_errors=True)
        self.log("stopped")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="deploy/serve.py", description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=8501, help="nginx's port; workers take PORT+1..PORT+N")
    ap.add_argument("--bind", default="0.0.0.0", help="nginx's listen address (workers stay on 127.0.0.1)")
    ap.add_argument("--session-ttl", type=int, default=120, help="server.disconnectedSessionTTL of each worker (s)")
    ap.add_argument("--health-interval", type=float, default=1.0)
    ap.add_argument("--health-timeout", type=float, default=2.0)
    ap.add_argument("--health-fails", type=int, default=3, help="failed checks in a row before a worker is out")
    ap.add_argument("--restart-after", type=float, default=60.0, help="restart a worker unhealthy this long (s)")
    ap.add_argument("--start-timeout", type=float, default=120.0)
    ap.add_argument("--expose-upstream", action="store_true", help="name the answering worker in an X-Upstream header")
    ap.add_argument("--keep-logs", action="store_true", help="keep the nginx and worker logs after stopping")
    ap.add_argument("--warm", type=lambda s: [p for p in s.split(",") if p], default=None, metavar="PAGE,…",
                    help="pages each worker runs once before it takes students (default: every page; a page left out "
                         "imports what it needs during a student's first visit)")
    args = ap.parse_args(argv)
    if args.warm is not None and (unknown := sorted(set(args.warm) - set(app_pages()))):
        ap.error(f"--warm: no such page {', '.join(unknown)}; the pages are {', '.join(app_pages())}")
    if not 1 <= args.workers <= 16:
        ap.error("workers must be 1..16")
    if not 1024 <= args.port <= 65535 - args.workers:
        ap.error("port must leave room for PORT+1..PORT+WORKERS")
    serve = Serve(args)

    def on_signal(signum, frame):
        serve.stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        serve.start()
        serve.watch()
    except KeyboardInterrupt:
        pass
    except RuntimeError as e:
        print(f"serve: {e}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        serve.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
