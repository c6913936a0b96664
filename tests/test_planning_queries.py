"""Statement counts: the inbox, my plan and a subordinate's plan (with its analysis)
issue the same number of SQL statements with 5 and with 50 subordinates or targets.

Each test measures a page at 5, grows the data to 50 and measures again. The data
touches every branch the templates render: cascade parents and their owners, revision
requests, last period's targets, peers with the same jabatan, every planning state.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import current_app

from portal.extensions import db
from portal.models.periods import PeriodStatus
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows import engine

SMALL, LARGE = 5, 50


@pytest.fixture
def sign_in(make_client):
    return lambda employee: signed_in(make_client(), employee)


@pytest.fixture
def team(factory, monkeypatch):
    fix_today(monkeypatch, PLANNING_DAY)  # no month has ended: no report is due yet
    head, boss, (owner,) = factory.team(1)
    last = factory.period(
        owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
    )
    period = factory.period(owner.instansi)
    parents = [factory.target(boss, period, title=f"Sasaran bagian {i}") for i in range(3)]
    db.session.commit()
    return {
        "factory": factory,
        "head": head,
        "boss": boss,
        "owner": owner,
        "last": last,
        "period": period,
        "parents": parents,
    }


def _statements(count_statements, client, url: str) -> int:
    """The statements of one GET, in a session of its own as in production (the test's
    session would otherwise lend the request every object it already holds)."""
    app = current_app._get_current_object()
    with app.app_context():
        client.get(url)  # warm: the first request of a client may load more (its session)
    with app.app_context(), count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _add_targets(team, owner, count: int, start: int) -> None:
    """``count`` more targets of ``owner``, in every planning state, half of them aligned."""
    factory, period, boss = team["factory"], team["period"], team["boss"]
    evaluator = owner.atasan
    for i in range(start, start + count):
        parent = team["parents"][i % 3] if owner.atasan_id == boss.id and i % 2 else None
        target = factory.target(
            owner, period, title=f"Menyusun laporan kegiatan {i}", parent=parent
        )
        kind = i % 4
        if kind >= 1:
            engine.fire(target, "submit", owner)
        if kind == 1:
            engine.fire(target, "request_revision", evaluator, reason=f"Perbaiki {i}")
        if kind == 3:
            engine.fire(target, "approve", evaluator)
    db.session.commit()


def _add_history(team, owner, count: int, start: int) -> None:
    """Last period's targets of ``owner``, for the analysis to compare against."""
    team["last"].status = PeriodStatus.OPEN
    for i in range(start, start + count):
        team["factory"].target(
            owner, team["last"], title=f"Menyusun laporan kegiatan {i}", quantity=6
        )
    team["last"].status = PeriodStatus.CLOSED
    db.session.commit()


def _add_subordinates(team, count: int) -> None:
    """``count`` more subordinates of the supervisor, each with one submitted target (every
    other one supporting a supervisor's target)."""
    factory, boss, period = team["factory"], team["boss"], team["period"]
    people = [factory.employee(boss.unit, atasan=boss) for _ in range(count)]
    for n, person in enumerate(people):
        parent = team["parents"][n % 3] if n % 2 else None
        target = factory.target(
            person, period, title=f"Menyusun laporan kegiatan {n}", parent=parent
        )
        engine.fire(target, "submit", person)
    db.session.commit()


def test_the_inbox_and_the_cascade_cost_the_same_for_5_and_50_subordinates(
    team, sign_in, count_statements
):
    boss, period = team["boss"], team["period"]
    pages = ["/perlu-tindakan", f"/skp/{period.id}/kaskade"]
    _add_subordinates(team, SMALL)
    _add_targets(team, boss, SMALL, 0)  # the evaluator's own drafts and revision requests
    client = sign_in(boss)
    small = [_statements(count_statements, client, url) for url in pages]

    _add_subordinates(team, LARGE - SMALL)
    _add_targets(team, boss, LARGE - SMALL, SMALL)
    large = [_statements(count_statements, client, url) for url in pages]
    inbox = client.get("/perlu-tindakan").get_data(as_text=True)
    assert inbox.count('class="who"') >= 2 * LARGE - LARGE // 2  # the 50 are on the page
    assert large == small


def test_the_badge_costs_the_same_whatever_waits(team, sign_in, count_statements):
    client = sign_in(team["boss"])
    small = _statements(count_statements, client, "/perlu-tindakan/jumlah")
    _add_subordinates(team, SMALL)
    assert _statements(count_statements, client, "/perlu-tindakan/jumlah") == small


def test_my_plan_and_the_subordinates_plan_cost_the_same_for_5_and_50_targets(
    team, sign_in, count_statements
):
    owner, boss = team["owner"], team["boss"]
    url = f"/skp/{team['period'].id}/pegawai/{owner.id}"
    _add_targets(team, owner, SMALL, 0)
    _add_history(team, owner, SMALL, 0)
    _add_subordinates(team, SMALL)  # peers with the same jabatan, for the analysis
    mine, theirs = sign_in(owner), sign_in(boss)
    small = (_statements(count_statements, mine, url), _statements(count_statements, theirs, url))

    _add_targets(team, owner, LARGE - SMALL, SMALL)
    _add_history(team, owner, LARGE - SMALL, SMALL)
    _add_subordinates(team, LARGE - SMALL)
    large = (_statements(count_statements, mine, url), _statements(count_statements, theirs, url))
    assert mine.get(url).get_data(as_text=True).count('class="card target"') == LARGE
    html = theirs.get(url).get_data(as_text=True)
    assert html.count('<div class="analysis">') == LARGE
    assert "Median rekan sejabatan" in html and "6 laporan" in html
    assert large == small


# -- the approve from a card ------------------------------------------------------------------

# Eleven since the card's analysis also reads when each target was first submitted
# (issue 14 item 10: a late plan is flagged).
APPROVE_FROM_CARD_MAX = 11


def test_approving_from_a_card_is_one_short_request_with_the_badge_along(
    team, sign_in, count_statements
):
    """The supervisor approves a target from its card (htmx): one request of at most
    eleven statements, and the inbox badge rides along as an out-of-band swap instead of
    a second request."""
    owner, boss = team["owner"], team["boss"]
    _add_history(team, owner, SMALL, 0)  # the card's analysis has something to compare
    target = team["factory"].target(owner, team["period"], parent=team["parents"][0])
    engine.fire(target, "submit", owner)
    waiting = team["factory"].target(owner, team["period"])
    engine.fire(waiting, "submit", owner)  # still in the supervisor's inbox afterwards
    db.session.commit()
    client = sign_in(boss)
    url, form = f"/target/{target.id}/aksi/approve", {"version": "2", "view": "card"}
    app = current_app._get_current_object()
    with app.app_context():
        client.get(f"/skp/{team['period'].id}/pegawai/{owner.id}")  # the page, and its token
    with app.app_context(), count_statements() as counter:
        response = client.post(url, form, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert html.lstrip().startswith(f'<article class="card target" id="target-{target.id}"')
    assert "Disetujui" in html and '<div class="analysis">' in html
    badge = re.search(r'<span id="inbox-badge"[^>]*hx-swap-oob="true"[^>]*>(\d+)<', html)
    # The supervisor's own drafts (the cascade parents) and the other target still wait.
    assert badge and int(badge.group(1)) == len(team["parents"]) + 1
    assert "HX-Trigger" not in response.headers  # no second request for the badge
    assert counter.count <= APPROVE_FROM_CARD_MAX, "\n".join(counter.statements)
