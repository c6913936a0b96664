"""Benchmarks: performance figures live here, not in timed tests.

    .venv/bin/python benchmarks/run.py [--rounds 5]

Builds a throwaway SQLite database with the demo agency, then measures, on this
machine: rendering one evaluation letter (target: under 0.5 s), and the server time
of the htmx partials (target: a few milliseconds each).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from portal import create_app
from portal.extensions import db


def measure(function, rounds: int) -> tuple[float, float]:
    function()  # warm caches (templates, fonts)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "benchmark",
            "UPLOAD_FOLDER": str(folder / "uploads"),
        }
    )
    with app.app_context():
        from portal.evaluations import letter
        from portal.models import Employee, Evaluation
        from portal.seed.demo import ATASAN, DEMO_PASSWORD, seed_demo

        db.create_all()
        seed_demo()
        evaluation = db.session.scalars(
            select(Evaluation).where(Evaluation.status == "final")
        ).first()
        actor = evaluation.evaluator
        with app.test_request_context():
            median, worst = measure(
                lambda: letter.evaluation_letter(evaluation, actor), args.rounds
            )
        db.session.rollback()
        print(
            f"evaluation letter (PDF)          median {median * 1000:7.1f} ms   "
            f"max {worst * 1000:7.1f} ms   target < 500 ms"
        )

        client = app.test_client()
        page = client.get("/masuk").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/masuk", data={"nip": ATASAN.nip, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        boss = db.session.scalar(select(Employee).where(Employee.nip == ATASAN.nip))
        period_id = db.session.scalar(
            select(Evaluation.period_id).where(Evaluation.employee_id == boss.id)
        )
        partials = {
            "inbox badge": "/perlu-tindakan/jumlah",
            "monthly sum": f"/skp/{period_id}/rincian-bulanan?quantity=12&month_1=1&month_2=3",
            "spread evenly": f"/skp/{period_id}/rincian-bulanan?quantity=12&spread=1",
            "employee search": "/admin/pegawai?q=a",
        }
        for name, url in partials.items():
            median, worst = measure(
                lambda url=url: client.get(url, headers={"HX-Request": "true"}), args.rounds * 4
            )
            print(
                f"partial: {name:<22} median {median * 1000:7.1f} ms   max {worst * 1000:7.1f} ms"
            )


if __name__ == "__main__":
    main()
