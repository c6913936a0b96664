"""GET never writes: every GET route of the app, as each role (pegawai, atasan, admin,
anonymous) and with ids that name real objects of the demo, leaves every table exactly
as it was (row count and a checksum of every row), and none answers a 5xx.

Sessions live in the signed cookie (``slide_the_idle_timeout`` renews the cookie, not a
row), so a renewed session is not a write; a flash message is not one either.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
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
    Target,
    Unit,
    WorkEntry,
)
from portal.seed.demo import ADMIN, ATASAN, PEGAWAI, seed_demo
from tests.factories import signed_in

# What each URL argument names, and the values to try for the arguments naming no row.
MODELS = {
    "batch_id": ImportBatch,
    "employee_id": Employee,
    "entry_id": WorkEntry,
    "evaluation_id": Evaluation,
    "evidence_id": Evidence,
    "job_id": Job,
    "period_id": Period,
    "target_id": Target,
    "unit_id": Unit,
}
FIXED = {"extension": ["csv", "xlsx"], "sub_period": [1, 2, 3]}
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
        from flask import url_for

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


@pytest.fixture
def demo(app):
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


def test_no_get_route_writes_anything_for_any_role(app, demo, make_client):
    roles, _job = demo
    urls = get_urls(app)
    assert len(urls) > 60
    clients = {
        role: make_client() if who is None else signed_in(make_client(), who)
        for role, who in roles.items()
    }
    before = table_state()
    failures = []
    for url in urls:
        for role, client in clients.items():
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((role, url, response.status_code))
    after = table_state()
    assert failures == []
    if after != before:
        changed = sorted(name for name in before if before[name] != after[name])
        pytest.fail(f"GET requests changed {changed}; culprit: {_culprit(urls, clients)}")


def _culprit(urls, clients) -> list[tuple[str, str]]:
    """The (role, url) pairs that write, found one request at a time (on failure only)."""
    found = []
    for url in urls:
        for role, client in clients.items():
            before = table_state()
            client.get(url)
            if table_state() != before:
                found.append((role, url))
    return found


def test_the_walk_includes_the_letter_download_and_the_verification(app, demo):
    urls = get_urls(app)
    assert any(u.endswith("/surat.pdf") for u in urls)
    assert any(u.startswith("/cek-surat/") for u in urls)
    assert any(u.startswith("/pekerjaan/") for u in urls)


def _letters() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(Letter.id)).all())


def test_a_letter_is_recorded_by_the_cetak_post_and_only_downloaded_by_get(app, make_client):
    seed_demo()
    evaluation = next(e for e in db.session.scalars(select(Evaluation)) if e.is_final)
    client = signed_in(make_client(), evaluation.evaluator)
    url = f"/evaluasi/{evaluation.id}/surat.pdf"

    # Not printed yet: the download sends the user to the button, and writes nothing.
    before = table_state()
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/evaluasi/{evaluation.period_id}/pegawai/")
    assert table_state() == before

    # Without the CSRF token the print is refused and records nothing.
    assert client.post(f"/evaluasi/{evaluation.id}/cetak", csrf=False).status_code == 400
    assert table_state() == before

    # "Cetak" records the letter once, however often it is pressed.
    for _ in range(2):
        printed = client.post(f"/evaluasi/{evaluation.id}/cetak")
        assert printed.status_code == 303 and printed.headers["Location"] == url
    assert _letters() == 1
    code = db.session.scalar(select(Letter.code))

    # The download is the PDF and writes nothing; the public page confirms the code.
    before = table_state()
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    anonymous = make_client()
    check = anonymous.get(f"/cek-surat/{code}")
    assert check.status_code == 200 and evaluation.employee.nip in check.get_data(as_text=True)
    assert table_state() == before


def test_only_those_who_see_the_evaluation_may_print_it(app, make_client):
    seed_demo()
    evaluation = next(e for e in db.session.scalars(select(Evaluation)) if e.is_final)
    stranger = db.session.scalar(
        select(Employee).where(
            Employee.id.not_in([evaluation.employee_id, evaluation.evaluator_id]),
            Employee.is_admin.is_(False),
            Employee.atasan_id.is_not(None),
        )
    )
    before = table_state()
    refused = signed_in(make_client(), stranger).post(f"/evaluasi/{evaluation.id}/cetak")
    assert refused.status_code in (403, 404)
    assert signed_in(make_client(), stranger).post("/evaluasi/99999999999/cetak").status_code == 404
    assert table_state() == before
