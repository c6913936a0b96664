"""Benchmark: the monitoring pages at 20,000 employees (figures, not timed tests).

    .venv/bin/python benchmarks/monitoring.py [--employees 20000] [--entries 200]
        [--rounds 7] [--sqlite PATH]

Builds the ``seed-scale`` agency (units four levels deep, two approved targets per
employee, ``--entries`` daily entries each, a third evaluated) in a SQLite database — a
throwaway one, or ``--sqlite PATH`` kept between runs (seeded only when empty) — and, when
``PORTAL_BENCH_POSTGRES_URL`` is set (``postgresql+psycopg://user@host/db``, a database
that may be filled), in PostgreSQL too. Then, signed in as an admin of the agency through
the Flask test client, it times each monitoring request and prints the median and the
95th percentile in milliseconds, with the number of SQL statements:

- the dashboard at the instansi level, a top-level unit and a unit two levels down
  (drill-downs as htmx fragments),
- the XLSX export of the unit two levels down,
- the period's progress page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

from portal import create_app
from portal.extensions import db


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(url: str, employees: int, entries: int, folder: Path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "UPLOAD_FOLDER": str(folder)}
    )
    with app.app_context():
        from flask_migrate import upgrade

        from portal.models import Employee, Instansi
        from portal.seed.scale import seed_scale
        from portal.seed.scale_work import seed_work

        upgrade()
        if db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE")) is None:
            started = time.perf_counter()
            seed_scale(employees)
            instansi_id = db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE"))
            seed_work(instansi_id, entries)
            print(f"  seeded in {time.perf_counter() - started:.0f} s")
        instansi_id = db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE"))
        # The admin is a member of staff with no subordinates, as an instansi's personnel
        # admin usually is: the navigation's own queries (inbox, team) stay small.
        admin = db.session.scalar(
            select(Employee)
            .where(
                Employee.instansi_id == instansi_id,
                Employee.jabatan == "Analis Kebijakan",
            )
            .order_by(Employee.id)
            .limit(1)
        )
        admin.is_admin = True
        admin_id = admin.id
        db.session.commit()
    return app, admin_id


def urls(app) -> dict[str, tuple[str, bool]]:
    from portal.models import Instansi, Period, Unit

    with app.app_context():
        instansi_id = db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE"))
        period_id = db.session.scalar(select(Period.id).where(Period.instansi_id == instansi_id))
        top = db.session.scalar(
            select(Unit.id).where(Unit.instansi_id == instansi_id, Unit.parent_id.is_(None))
        )
        second = db.session.scalar(select(Unit.id).where(Unit.parent_id == top).limit(1))
        third = db.session.scalar(select(Unit.id).where(Unit.parent_id == second).limit(1))
    return {
        "dashboard: instansi": (f"/admin/pemantauan?periode={period_id}", False),
        "dashboard: top-level unit": (f"/admin/pemantauan/unit/{top}?periode={period_id}", True),
        "dashboard: level-3 unit": (f"/admin/pemantauan/unit/{third}?periode={period_id}", True),
        "XLSX export: level-3 unit": (
            f"/admin/pemantauan/ekspor.xlsx?periode={period_id}&unit={third}",
            False,
        ),
        "period progress": (f"/admin/periode/{period_id}/progres", False),
    }


def measure(app, admin_id: int, rounds: int) -> None:
    from portal.models import Employee

    client = app.test_client()
    with app.app_context():
        admin = db.session.get(Employee, admin_id)
        with client.session_transaction() as session:
            session["_user_id"] = admin.get_id()
            session["_fresh"] = True
        statements = {"count": 0}

        def count(*_args):
            statements["count"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
    for name, (url, htmx) in urls(app).items():
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(url, headers=headers)  # warm: templates, caches
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(rounds):
            statements["count"] = 0
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"  {name:<28} median {statistics.median(samples):8.1f} ms   "
            f"p95 {percentile(samples, 0.95):8.1f} ms   {statements['count']:3d} statements"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=200, help="daily entries per employee")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sqlite", help="a SQLite file to keep (seeded only when empty)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-monitoring-"))
    path = Path(args.sqlite) if args.sqlite else folder / "bench.sqlite3"
    targets = [("SQLite", f"sqlite:///{path.resolve()}")]
    if os.environ.get("PORTAL_BENCH_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["PORTAL_BENCH_POSTGRES_URL"]))
    for name, url in targets:
        print(f"{name}: {args.employees} employees, {args.entries} entries each")
        app, admin_id = prepare(url, args.employees, args.entries, folder)
        measure(app, admin_id, args.rounds)


if __name__ == "__main__":
    main()
