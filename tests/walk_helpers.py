"""Walking the app: every GET route filled with real ids, the demo's people by role, and
every table's state (for "nothing changed")."""

from __future__ import annotations

import hashlib
import itertools

from flask import url_for
from sqlalchemy import select

from portal.evaluations import letter as evaluation_letter
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Employee,
    Evaluation,
    Evidence,
    ImportBatch,
    Job,
    Letter,
    Period,
    Plan,
    Target,
    Unit,
    WorkEntry,
)
from portal.seed.demo import ADMIN, ATASAN, PEGAWAI, seed_demo

# What each URL argument names, and the values to try for the arguments naming no row.
MODELS = {
    "batch_id": ImportBatch,
    "employee_id": Employee,
    "entry_id": WorkEntry,
    "evaluation_id": Evaluation,
    "evidence_id": Evidence,
    "job_id": Job,
    "period_id": Period,
    "plan_id": Plan,
    "target_id": Target,
    "unit_id": Unit,
}
FIXED = {"extension": ["csv", "xlsx"], "sub_period": [1, 2, 3], "month": [1, 2, 3]}
PER_ARGUMENT = 2  # the ids tried per argument (the first, the last)


# What a GET may append: the audit log records who downloaded personal data (an access
# record that UU PDP accountability asks for, append-only, not a change of any state).
ACCESS_RECORDS = ("import.export", "auditlog.export", "monitoring.export")


def table_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, read afresh (the audit log
    without its access records)."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        if table.name == AuditEvent.__tablename__:
            query = query.where(table.c.action.not_in(ACCESS_RECORDS))
        rows = db.session.execute(query).all()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        state[table.name] = (len(rows), digest)
    return state


def _values(name: str) -> list:
    if name in FIXED:
        return FIXED[name]
    if name == "code":
        codes = list(db.session.scalars(select(Letter.code)))
        return codes or ["AAAA-AAAA-AAAA-AAAA"]
    ids = list(db.session.scalars(select(MODELS[name].id).order_by(MODELS[name].id)))
    chosen = ids[: PER_ARGUMENT // 2] + ids[-(PER_ARGUMENT // 2) :]
    return list(dict.fromkeys(chosen)) or [1]


def get_urls(app) -> list[str]:
    """Every GET route, each filled with real ids (a few combinations each)."""
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            names = sorted(rule.arguments)
            choices = [_values(n) for n in names]
            combos = list(itertools.product(*choices))
            step = max(1, len(combos) // 4)
            for combo in combos[::step]:
                urls.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
    return list(dict.fromkeys(urls))


def seed_walk_demo():
    """The demo, a printed letter and a finished job; the people by role (anonymous: None)."""
    seed_demo()
    by_nip = {e.nip: e for e in db.session.scalars(select(Employee))}
    atasan = by_nip[ATASAN.nip]
    # A printed letter and a finished job, so that their pages are walked too.
    final = db.session.scalars(select(Evaluation)).all()
    for evaluation in final:
        if evaluation.is_final:
            evaluation_letter.record(evaluation_letter.letter_data(evaluation), atasan)
            break
    db.session.commit()
    job = Job(
        kind="unit_letters",
        params={},
        status="done",
        created_by_id=atasan.id,
        instansi_id=atasan.instansi_id,
    )
    db.session.add(job)
    db.session.commit()
    roles = {
        "pegawai": by_nip[PEGAWAI.nip],
        "atasan": atasan,
        "admin": by_nip[ADMIN.nip],
        "anonymous": None,
    }
    return roles, job
