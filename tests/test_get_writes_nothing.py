"""GET never writes: every GET route of the app, as each role (pegawai, atasan, admin,
anonymous) and with ids that name real objects of the demo, leaves every table exactly
as it was (row count and a checksum of every row), and none answers a 5xx.

Sessions live in the signed cookie (``slide_the_idle_timeout`` renews the cookie, not a
row), so a renewed session is not a write; a flash message is not one either.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    Letter,
)
from portal.seed.demo import seed_demo
from tests.factories import signed_in
from tests.walk_helpers import get_urls, seed_walk_demo, table_state


@pytest.fixture
def demo(app):
    return seed_walk_demo()


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
