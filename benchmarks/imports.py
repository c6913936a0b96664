"""Benchmark: an employee import of 20,000 rows (figures, not timed tests).

    .venv/bin/python benchmarks/imports.py [--employees 20000] [--format csv|xlsx]
        [--rounds 5] [--sqlite PATH]

Builds the ``seed-scale`` agency in a SQLite database (a throwaway one, or ``--sqlite
PATH`` kept between runs and seeded only when empty), exports its people (CSV or XLSX) and
changes the jabatan of every tenth row, so the file is a realistic full import: mostly
unchanged rows, some updates. Then, signed in as an admin of the agency through the Flask
test client, it uploads the file once and times, in milliseconds with the number of SQL
statements: the upload (read, plan, store), the first view of the preview, a second
view, and the second page of the changed people.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

from portal import create_app
from portal.extensions import db

CHANGED_EVERY = 10


def prepare(url: str, employees: int, file_format: str, folder: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "PORTAL_IMPORT_FOLDER": str(folder / "imports"),
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from portal.imports import export
        from portal.models import Employee, Instansi
        from portal.seed.scale import seed_scale

        upgrade()
        if db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE")) is None:
            started = time.perf_counter()
            seed_scale(employees)
            print(f"  seeded in {time.perf_counter() - started:.0f} s")
        instansi_id = db.session.scalar(select(Instansi.id).where(Instansi.code == "SCALE"))
        admin = db.session.scalar(
            select(Employee)
            .where(Employee.instansi_id == instansi_id, Employee.jabatan == "Analis Kebijakan")
            .order_by(Employee.id)
            .limit(1)
        )
        admin.is_admin = True
        admin_nip = admin.nip
        db.session.commit()
        rows = [list(row) for row in export.rows(instansi_id)]
        for number, row in enumerate(rows):
            if number % CHANGED_EVERY == 0 and row[0] != admin.nip_display:
                row[4] = f"{row[4]} (baru)"  # Jabatan
        if file_format == "xlsx":
            data = export.xlsx_bytes(iter(rows))
        else:
            data = "".join(export.csv_chunks(iter(rows))).encode("utf-8")
    return app, admin_nip, data


class Statements:
    """The SQL statements the engine has run since :meth:`reset`."""

    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *_args) -> None:
        self.count += 1

    def reset(self) -> None:
        self.count = 0


def timed(client, statements: Statements, method: str, url: str, **kwargs):
    statements.reset()
    started = time.perf_counter()
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code in (200, 303), (url, response.status_code)
    return elapsed, statements.count, response


def measure(app, admin_nip: str, data: bytes, file_format: str, rounds: int) -> None:
    from portal.seed.demo import DEMO_PASSWORD

    client = app.test_client()
    signed = client.post("/masuk", data={"nip": admin_nip, "password": DEMO_PASSWORD})
    assert signed.status_code == 302, signed.status_code
    with app.app_context():
        statements = Statements(db.engine)
    client.get("/admin/impor-pegawai")  # warm: templates
    samples: dict[str, list[tuple[float, int]]] = {}
    for _ in range(rounds):
        form = {"file": (io.BytesIO(data), f"pegawai.{file_format}"), "full_import": "y"}
        elapsed, ran, response = timed(
            client,
            statements,
            "POST",
            "/admin/impor-pegawai",
            data=form,
            content_type="multipart/form-data",
        )
        samples.setdefault("upload (read, plan, store)", []).append((elapsed, ran))
        url = response.headers["Location"]
        for name, page_url in (
            ("preview: first view", url),
            ("preview: second view", url),
            ("preview: page 2", f"{url}?halaman=2"),
        ):
            elapsed, ran, _ = timed(client, statements, "GET", page_url)
            samples.setdefault(name, []).append((elapsed, ran))
        timed(client, statements, "POST", f"{url}/batalkan")
    for name, values in samples.items():
        times = [t for t, _ in values]
        print(
            f"  {name:<28} median {statistics.median(times):9.1f} ms   "
            f"max {max(times):9.1f} ms   {values[-1][1]:3d} statements"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sqlite", help="a SQLite file to keep (seeded only when empty)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-imports-"))
    path = Path(args.sqlite) if args.sqlite else folder / "bench.sqlite3"
    url = f"sqlite:///{path.resolve()}"
    app, admin_nip, data = prepare(url, args.employees, args.format, folder)
    print(
        f"SQLite: a full import of {args.employees} rows, "
        f"{len(data) // 1024} KB of {args.format.upper()}"
    )
    measure(app, admin_nip, data, args.format, args.rounds)


if __name__ == "__main__":
    main()
