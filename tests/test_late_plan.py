"""The supervisor's analysis flags a late plan (issue 14 item 10): a target created or
first submitted after the period's planning deadline (*batas penyusunan SKP*), or with
monthly targets already in the past when it was submitted, is flagged, and the deadline
is shown beside the analysis."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.plans import analysis
from tests.reporting_helpers import fix_today, sign_in
from workflows import engine

DEADLINE = date(2026, 1, 31)  # the factory's period: 2026, deadline 31 January
OK_NOTE = "Tidak ada catatan: target selaras dan rinciannya wajar."


def at(day: date) -> datetime:
    """Ten in the morning in Jakarta: the same day in the agency's zone and in UTC."""
    return datetime.combine(day, time(3), tzinfo=UTC)


@pytest.fixture
def team(factory, monkeypatch):
    fix_today(monkeypatch, date(2026, 12, 10))
    head, boss, (owner, _colleague) = factory.team(2)
    period = factory.period(owner.instansi)
    parent = factory.target(boss, period, title="Terwujudnya tata kelola kepegawaian")
    db.session.commit()
    return SimpleNamespace(factory=factory, boss=boss, owner=owner, period=period, parent=parent)


def planned(team, created: date, submitted: tuple[date, ...] = (), **values):
    """An aligned target of the owner created on ``created`` and submitted on each day of
    ``submitted`` (returned for revision in between)."""
    target = team.factory.target(team.owner, team.period, parent=team.parent, **values)
    target.created_at = at(created)
    for index, day in enumerate(submitted):
        if index:
            returned = engine.fire(target, "request_revision", team.boss, reason="Perbaiki.")
            returned.occurred_at = at(day)
        history = engine.fire(target, "submit", team.owner)
        history.occurred_at = at(day)
    db.session.commit()
    return target


CASES = {
    "created and submitted in December": (
        date(2026, 12, 1),
        (date(2026, 12, 2),),
        {},
        True,
        [
            "Dibuat 1 Desember 2026, setelah batas penyusunan SKP (31 Januari 2026).",
            "Diajukan 2 Desember 2026, setelah batas penyusunan SKP (31 Januari 2026).",
            "11 dari 12 target bulanan sudah lewat saat diajukan.",
        ],
    ),
    "drafted in time, submitted in March": (
        date(2026, 1, 10),
        (date(2026, 3, 5),),
        {},
        True,
        [
            "Diajukan 5 Maret 2026, setelah batas penyusunan SKP (31 Januari 2026).",
            "2 dari 12 target bulanan sudah lewat saat diajukan.",
        ],
    ),
    "in time, resubmitted after a revision in March": (
        date(2026, 1, 10),
        (date(2026, 1, 20), date(2026, 3, 5)),
        {},
        False,
        [],
    ),
    "in time": (date(2026, 1, 10), (date(2026, 1, 20),), {}, False, []),
    "a draft never submitted, months past today": (
        date(2026, 1, 10),
        (),
        {},
        False,
        ["11 dari 12 target bulanan sudah lewat."],
    ),
    "only the months that carry a target count": (
        date(2026, 1, 10),
        (date(2026, 1, 20),),
        {"quantity": 2},  # March and September
        False,
        [],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_analysis_flags_late_plans_and_months_already_past(team, case):
    created, submitted, values, late, expected = CASES[case]
    target = planned(team, created, submitted, **values)
    result = analysis.analyse(team.owner, team.period, [target])[target.id]
    assert result.deadline == DEADLINE
    assert result.late is late
    timing = [w for w in result.warnings if "batas penyusunan" in w or "target bulanan" in w]
    assert timing == expected


def test_months_past_at_submission_count_only_months_with_a_target(team):
    team.period.planning_deadline = date(2026, 12, 31)
    db.session.commit()
    target = planned(team, date(2026, 5, 1), (date(2026, 5, 2),), quantity=2)
    assert [m.month for m in target.months if m.quantity] == [3, 9]
    result = analysis.analyse(team.owner, team.period, [target])[target.id]
    assert result.late is False
    assert "1 dari 2 target bulanan sudah lewat saat diajukan." in result.warnings


def test_the_supervisor_sees_the_flag_and_the_deadline_on_the_plan(team, make_client):
    late = planned(team, date(2026, 12, 1), (date(2026, 12, 2),), title="Tersusunnya laporan A")
    in_time = planned(team, date(2026, 1, 10), (date(2026, 1, 20),), title="Tersusunnya data B")
    page = sign_in(make_client, team.boss).get(f"/skp/{team.period.id}/pegawai/{team.owner.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cards = {t.id: html.split(f'id="target-{t.id}"', 1)[1][:6000] for t in (late, in_time)}
    late_card, in_time_card = cards[late.id], cards[in_time.id]
    assert "Batas penyusunan SKP" in late_card and "31 Januari 2026" in late_card
    assert '<span class="tag tag--warn">terlambat</span>' in late_card
    assert "11 dari 12 target bulanan sudah lewat saat diajukan." in late_card
    assert OK_NOTE not in late_card.split("</article>", 1)[0]
    in_time_card = in_time_card.split("</article>", 1)[0]
    assert "31 Januari 2026" in in_time_card and "terlambat" not in in_time_card
    assert OK_NOTE in in_time_card


def test_the_target_page_flags_it_too_and_speaks_english(team, make_client):
    target = planned(team, date(2026, 12, 1), (date(2026, 12, 2),))
    team.boss.language = "en"
    db.session.commit()
    html = sign_in(make_client, team.boss).get(f"/target/{target.id}").get_data(as_text=True)
    assert "after the SKP planning deadline (January 31, 2026)" in html
    assert "11 of 12 monthly targets were already past when submitted." in html
