"""Benchmark: requests per second of the portal's pages against a Flask hello world.

    .venv/bin/python benchmarks/pages.py [--seconds 4] [--connections 8] [--only NAME]

In one run: builds the demo agency (``seed-demo``) in a throwaway SQLite database, starts
the portal (``wsgi:app``) and a Flask hello world (``benchmarks/hello.py``), both on
gunicorn with two sync workers, signs in as the demo users over HTTP, and measures each
page with ``wrk`` (``apt-get install wrk``) or, when wrk is not installed, with a small
load generator of threads in this script (slower itself, so its figures are lower; the
ratio is what to compare). Every page is measured right after a fresh measurement of the
hello world, so a busy machine weighs on both sides of a ratio alike.

The goal (issue 11): every page at least 8 % of the hello world, the inbox badge 20 %.
Signing in (POST) is reported too, but it is Argon2id on purpose (64 MiB, t=3): it is
meant to be slow and is not held to the goal.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 2
GOAL = 8.0
BADGE_GOAL = 20.0


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # a key of the sign-ins below, or "" for an anonymous request
    path: str
    htmx: bool = False
    method: str = "GET"
    body: str = ""
    goal: float | None = GOAL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: Path) -> dict[str, str]:
    """The demo agency in ``database``; returns the paths to measure, by role."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Employee, Evaluation, Plan, Target
    from portal.routing import current_period
    from portal.seed.demo import ATASAN, PEGAWAI, seed_demo

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "benchmark"}
    )
    with app.app_context():
        db.create_all()
        seed_demo()
        pegawai = db.session.scalar(select(Employee).where(Employee.nip == PEGAWAI.nip))
        atasan = db.session.scalar(select(Employee).where(Employee.nip == ATASAN.nip))
        period = current_period(pegawai.instansi_id)
        plan = db.session.scalar(
            select(Plan).where(Plan.employee_id == pegawai.id, Plan.period_id == period.id)
        )
        target_id = db.session.scalar(
            select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id).limit(1)
        )
        # The subordinate of the atasan whose evaluation screen has the most to show.
        evaluated = db.session.scalar(
            select(Evaluation.employee_id)
            .join(Employee, Employee.id == Evaluation.employee_id)
            .where(Employee.atasan_id == atasan.id, Evaluation.period_id == period.id)
            .limit(1)
        )
        month = min(max(1, time.localtime().tm_mon), period.month_count)
        paths = {
            "plan": f"/skp/{period.id}/pegawai/{pegawai.id}",
            "target": f"/target/{target_id}",
            "month": f"/laporan/pegawai/{pegawai.id}/periode/{period.id}?bulan={month}",
            "evaluation": f"/evaluasi/{period.id}/pegawai/{evaluated or pegawai.id}",
        }
        db.engine.dispose()
    return paths


class Server:
    """A gunicorn with two sync workers, stopped with :meth:`stop`."""

    def __init__(
        self, name: str, app: str, chdir: Path, env: dict, log: Path, ready: str = "/"
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
            [
                str(GUNICORN),
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(chdir),
                app,
            ],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(self.port, "GET", ready)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} did not start; see {log}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def request(port: int, method: str, path: str, headers=None, body: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def session_cookie(headers) -> str:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("portal_session="):
            return value.split(";", 1)[0]
    raise SystemExit("no session cookie in the response")


def sign_in(port: int, nip: str, password: str) -> tuple[str, str]:
    """Sign in over HTTP; returns (session cookie, CSRF token of that session)."""
    cookie, token = login_form(port)
    status, headers, _ = request(
        port,
        "POST",
        "/masuk",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"nip": nip, "password": password, "csrf_token": token}),
    )
    assert status == 302, f"sign-in as {nip}: {status}"
    return session_cookie(headers), token


def login_form(port: int) -> tuple[str, str]:
    status, headers, page = request(port, "GET", "/masuk")
    assert status == 200, status
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return session_cookie(headers), token


def headers_for(page: Page, cookies: dict[str, str]) -> dict[str, str]:
    headers = {}
    if page.user:
        headers["Cookie"] = cookies[page.user]
    if page.htmx:
        headers["HX-Request"] = "true"
    if page.method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def wrk(port: int, page: Page, headers: dict, seconds: float, connections: int) -> float:
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{round(seconds)}s",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    script = None
    if page.method == "POST":
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        body = page.body.replace("\\", "\\\\").replace('"', '\\"')
        script.write(f'wrk.method = "POST"\nwrk.body = "{body}"\n')
        script.close()
        command += ["--script", script.name]
    command.append(f"http://127.0.0.1:{port}{page.path}")
    try:
        output = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=True
        ).stdout
    finally:
        if script:
            os.unlink(script.name)
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"{page.name}: error responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def threads(port: int, page: Page, headers: dict, seconds: float, connections: int) -> float:
    """The fallback load generator: ``connections`` threads, each reusing its connection
    while the server keeps it open (gunicorn's sync workers close it after each answer)."""
    stop = time.monotonic() + seconds
    done = [0] * connections
    failures: list[int] = []

    def worker(slot: int) -> None:
        conn = None
        while time.monotonic() < stop:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(page.method, page.path, body=page.body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                failures.append(response.status)
            done[slot] += 1
            if response.will_close:
                conn.close()
                conn = None

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(slot,)) for slot in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise SystemExit(f"{page.name}: error responses {sorted(set(failures))}")
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", help="measure only pages whose name contains this")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from portal.seed.demo import ADMIN, ATASAN, DEMO_PASSWORD, PEGAWAI

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-pages-"))
    database = folder / "bench.sqlite3"
    print(f"Seeding the demo agency in {database} …", flush=True)
    paths = seed(database)
    env = {
        "PORTAL_DATABASE_URL": f"sqlite:///{database}",
        "PORTAL_SECRET_KEY": "benchmark",
        "PORTAL_UPLOAD_FOLDER": str(folder / "uploads"),
    }
    env.pop("PORTAL_REDIS_URL", None)
    portal = Server("portal", "wsgi:app", ROOT, env, folder / "portal.log", "/healthz")
    hello = Server("hello", "hello:app", ROOT / "benchmarks", {}, folder / "hello.log")
    try:
        cookies = {}
        for role, nip in (("pegawai", PEGAWAI.nip), ("atasan", ATASAN.nip), ("admin", ADMIN.nip)):
            cookies[role], _ = sign_in(portal.port, nip, DEMO_PASSWORD)
        cookies["form"], token = login_form(portal.port)
        pages = [
            Page("sign-in (GET)", "", "/masuk"),
            Page("home: pegawai", "pegawai", "/"),
            Page("home: atasan", "atasan", "/"),
            Page("home: admin", "admin", "/"),
            Page("inbox", "atasan", "/perlu-tindakan"),
            Page("inbox badge", "atasan", "/perlu-tindakan/jumlah", htmx=True, goal=BADGE_GOAL),
            Page("plan", "pegawai", paths["plan"]),
            Page("target page", "pegawai", paths["target"]),
            Page("daily log", "pegawai", "/laporan"),
            Page("month view", "pegawai", paths["month"]),
            Page("verification queue", "atasan", "/verifikasi"),
            Page("team", "atasan", "/tim"),
            Page("evaluation screen", "atasan", paths["evaluation"]),
            Page("monitoring", "admin", "/admin/pemantauan"),
            # Last: the Argon2 requests still queued when a measurement ends would weigh
            # on the next page.
            Page(
                "sign-in (POST, Argon2id)",
                "form",
                "/masuk",
                method="POST",
                body=urlencode(
                    {"nip": PEGAWAI.nip, "password": DEMO_PASSWORD, "csrf_token": token}
                ),
                goal=None,
            ),
        ]
        if args.only:
            pages = [page for page in pages if args.only in page.name]
        for page in pages:
            headers = headers_for(page, cookies)
            status, _, _ = request(portal.port, page.method, page.path, headers, page.body)
            expected = 302 if page.method == "POST" else 200
            assert status == expected, f"{page.name} {page.path}: {status}"
        load = wrk if shutil.which("wrk") else threads
        print(
            f"gunicorn, {WORKERS} sync workers each; load: "
            f"{'wrk' if load is wrk else 'Python threads (wrk not installed)'}, "
            f"{args.connections} connections, {args.seconds:g} s per measurement"
        )
        print(f"{'page':<26} {'portal req/s':>12} {'hello req/s':>12} {'ratio':>8}  goal")
        misses = 0
        hello_page = Page("hello", "", "/")
        for page in pages:
            base = load(hello.port, hello_page, {}, args.seconds, args.connections)
            rate = load(
                portal.port, page, headers_for(page, cookies), args.seconds, args.connections
            )
            ratio = 100 * rate / base
            verdict = "" if page.goal is None else ("ok" if ratio >= page.goal else "MISSED")
            misses += verdict == "MISSED"
            goal = "—" if page.goal is None else f"≥ {page.goal:g} %"
            print(f"{page.name:<26} {rate:12.0f} {base:12.0f} {ratio:7.1f} %  {goal} {verdict}")
        print(f"{misses} page(s) below the goal." if misses else "Every page meets the goal.")
    finally:
        portal.stop()
        hello.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
