"""The reporting read side: the monthly report page (calendar, chart, ratings, late
months), the team view, and fixed statement counts whatever the volume."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import EntryStatus, Evidence
from portal.reports import charts, queries
from tests.reporting_helpers import add, build_world, entry, sign_in
from workflows.targets import APPROVED

ACCEPTED, PENDING, REJECTED = EntryStatus.ACCEPTED, EntryStatus.PENDING, EntryStatus.REJECTED


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _report_url(w, month: int | str | None = 6, employee=None) -> str:
    employee = employee or w.owner
    url = f"/laporan/pegawai/{employee.id}/periode/{w.period.id}"
    return url if month is None else f"{url}?bulan={month}"


def _at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# -- the monthly report page ---------------------------------------------------------------


def test_the_calendar_marks_weekends_holidays_and_days_with_entries(w, login_as):
    add(
        entry(w.target, date(2026, 6, 2)),
        entry(w.target, date(2026, 6, 2), status=ACCEPTED),
        entry(w.target, date(2026, 6, 3), status=REJECTED),  # not a day with work
    )
    html = login_as(w.owner).get(_report_url(w)).get_data(as_text=True)
    cell = (
        r'<td class="calendar__day([^"]*)">\s*(?:<a [^>]*>)?\s*<span class="calendar__num">(\d+)<'
    )
    cells = {day: classes for classes, day in re.findall(cell, html)}
    assert len(cells) == 30
    assert "is-holiday" in cells["1"]  # Hari Lahir Pancasila
    assert "Hari Lahir Pancasila" in html
    assert "is-weekend" in cells["6"] and "is-weekend" in cells["7"]
    assert "has-entries" in cells["2"] and '2<span class="calendar__unit"> laporan</span>' in html
    assert "has-entries" not in cells["3"]
    assert "is-weekend" not in cells["15"] and "is-holiday" not in cells["15"]
    # Monday first, the 1st of June 2026 being a Monday: no blank cell before it.
    first_row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "calendar__blank" not in first_row


def test_month_calendar_shape(w):
    weeks = queries.month_calendar(w.owner.id, 2026, 2)
    assert all(len(week) == 7 for week in weeks)
    days = [cell.day for week in weeks for cell in week if cell.day]
    assert days == [date(2026, 2, d) for d in range(1, 29)]
    assert weeks[0][6].day == date(2026, 2, 1)  # a Sunday, ending the first week
    assert weeks[0][0].day is None


def test_the_report_shows_targets_against_realisation(w, login_as):
    add(
        entry(w.target, date(2026, 5, 4), quantity=3, cost=250_000, status=ACCEPTED),
        entry(w.target, date(2026, 6, 2), quantity=2, cost=100_000, status=ACCEPTED),
        entry(w.target, date(2026, 6, 3), quantity=9, status=PENDING),
        entry(w.target, date(2026, 6, 4), quantity=9, status=REJECTED),
    )
    html = login_as(w.boss).get(_report_url(w)).get_data(as_text=True)
    stats = dict(
        (label.strip(), value)
        for value, label in re.findall(
            r'<span class="stat__value">([^<]*)</span><span class="stat__label">([^<(]*)', html
        )
    )
    assert stats["target bulan ini"] == "1"
    assert stats["diterima bulan ini"] == "2"
    assert stats["laporan menunggu verifikasi"] == "1"
    assert stats["realisasi kumulatif"] == "5 / 12"
    assert stats["biaya bulan ini"] == "Rp100.000"
    assert "Target tahunan belum tercapai" in html


def test_the_chart_is_svg_with_a_text_alternative_and_its_table(w, login_as):
    add(
        entry(w.target, date(2026, 2, 4), quantity=2, status=ACCEPTED),
        entry(w.target, date(2026, 4, 4), quantity=3, status=ACCEPTED),
    )
    html = login_as(w.owner).get(_report_url(w)).get_data(as_text=True)
    svg = re.search(r'<svg[^>]*role="img"[^>]*>(.*?)</svg>', html, re.S)  # the chart
    assert svg and "aria-labelledby" in svg.group(0)
    assert re.search(r"<title id=\"chart-\d+-title\">[^<]*Realisasi kumulatif", svg.group(1))
    assert re.search(r"<desc id=\"chart-\d+-desc\">[^<]*putus-putus", svg.group(1))
    assert svg.group(1).count("<rect") == 12  # the cumulative target, every month
    assert svg.group(1).count("<circle") == 6  # the realisation, months begun so far
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>',
        html,
    )
    assert [(planned, accepted) for _, planned, accepted in rows] == [
        ("1", "0"),
        ("2", "2"),
        ("3", "2"),
        ("4", "5"),
        ("5", "5"),
        ("6", "5"),
        ("7", "—"),
        ("8", "—"),
        ("9", "—"),
        ("10", "—"),
        ("11", "—"),
        ("12", "—"),
    ]
    assert "cdn" not in html.lower() and "<script" not in svg.group(0)


def test_chart_geometry():
    rows = [(m, m, min(3 * m, 12)) for m in range(1, 13)]
    chart = charts.cumulative_chart(rows, [f"B{m} 2026" for m in range(1, 13)], elapsed=6)
    assert len(chart.planned) == 12 and len(chart.accepted) == 6
    assert [p.value for p in chart.accepted] == [3, 6, 9, 12, 12, 12]
    assert chart.y_ticks[0] == (chart.baseline, 0)
    assert chart.y_ticks[-1][1] >= 12
    xs = [p.x for p in chart.planned]
    assert xs == sorted(xs) and chart.left < xs[0] and xs[-1] < chart.right
    assert chart.accepted[3].y < chart.accepted[0].y  # higher value, higher on the page
    assert chart.polyline(chart.accepted[:2]).count(",") == 2
    empty = charts.cumulative_chart([(1, 0, 0)], ["Jan 2026"], elapsed=0)
    assert empty.accepted == [] and empty.y_ticks[-1][1] >= 1


def test_late_months_are_flagged_to_both_sides(w, login_as):
    add(
        # March: the first report only after the 5 April deadline.
        entry(w.target, date(2026, 3, 30), created_at=_at(date(2026, 4, 20))),
        # April: on time (by 5 May), even if more came later.
        entry(w.target, date(2026, 4, 28), created_at=_at(date(2026, 5, 5), 10)),
        entry(w.target, date(2026, 4, 29), created_at=_at(date(2026, 5, 20))),
        # May: on time. June: its deadline (5 July) has not come.
        entry(w.target, date(2026, 5, 29), created_at=_at(date(2026, 5, 29))),
    )
    targets = queries.targets_for_report(w.owner.id, w.period.id)
    # January and February: no report at all, deadlines gone.
    assert queries.late_months(w.owner.id, w.period, targets, date(2026, 6, 15)) == [1, 2, 3]
    for who in (w.owner, w.boss):
        html = login_as(who).get(_report_url(w)).get_data(as_text=True)
        assert "Laporan terlambat" in html
        late_links = re.findall(r'bulan=(\d+)"[^>]*class="is-late"', html)
        assert late_links == ["1", "2", "3"]


def test_the_deadline_day_itself_is_on_time(w):
    add(entry(w.target, date(2026, 5, 29), created_at=_at(date(2026, 6, 5), 16)))  # 23.00 WIB
    targets = queries.targets_for_report(w.owner.id, w.period.id)
    assert 5 not in queries.late_months(w.owner.id, w.period, targets, date(2026, 6, 15))
    add(entry(w.target, date(2026, 4, 29), created_at=_at(date(2026, 5, 5), 17)))  # 6 May WIB
    assert 4 in queries.late_months(w.owner.id, w.period, targets, date(2026, 6, 15))


def test_the_month_is_chosen_by_the_address(w, login_as):
    owner = login_as(w.owner)
    assert "Mar 2026 · batas laporan" in owner.get(_report_url(w, 3)).get_data(as_text=True)
    for fallback in (None, "0", "13", "x", "²"):
        html = owner.get(_report_url(w, fallback)).get_data(as_text=True)
        assert "Jun 2026 · batas laporan" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("boss", 200),
        ("head", 200),
        ("admin", 200),
        ("colleague", 403),
        ("stranger", 404),
    ],
)
def test_who_may_see_the_monthly_report(w, login_as, who, status):
    assert login_as(getattr(w, who)).get(_report_url(w)).status_code == status


def test_the_monthly_report_of_nothing_is_404(w, factory, login_as):
    owner = login_as(w.owner)
    assert owner.get(f"/laporan/pegawai/{w.owner.id}/periode/999999").status_code == 404
    assert owner.get(f"/laporan/pegawai/999999/periode/{w.period.id}").status_code == 404
    elsewhere = factory.period(w.stranger.instansi, name="Lain")
    db.session.commit()
    assert owner.get(f"/laporan/pegawai/{w.owner.id}/periode/{elsewhere.id}").status_code == 404


def test_my_month_goes_to_this_month_of_the_open_period(w, login_as):
    response = login_as(w.owner).get("/laporan/bulan")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_report_url(w, 6))


def test_my_month_without_an_open_period(w, factory, login_as):
    loner = factory.employee(factory.unit())
    db.session.commit()
    for url in ("/laporan/bulan", "/tim"):
        response = login_as(loner).get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/")


# -- the team view -------------------------------------------------------------------------


def test_the_team_view_lists_every_subordinate_this_month(w, factory, login_as):
    theirs = factory.target(w.colleague, w.period, state=APPROVED, quantity=24)
    add(
        entry(w.target, date(2026, 6, 2), quantity=1, status=ACCEPTED),
        entry(w.target, date(2026, 6, 9), quantity=5, status=PENDING),
        entry(w.target, date(2026, 5, 9), quantity=5, status=ACCEPTED),  # another month
        entry(theirs, date(2026, 6, 3), quantity=3, status=REJECTED),
    )
    rows = {r.employee.id: r for r in queries.team_progress(w.boss.id, w.period, 6)}
    owner, colleague = rows[w.owner.id], rows[w.colleague.id]
    assert (owner.planned, owner.accepted, owner.pending, owner.entries) == (1, 1, 1, 2)
    assert owner.last_entry == date(2026, 6, 9) and owner.percent == 100
    assert (colleague.planned, colleague.accepted, colleague.pending) == (2, 0, 0)
    assert colleague.percent == 0
    html = login_as(w.boss).get("/tim").get_data(as_text=True)
    assert "Kemajuan tim" in html and "Jun 2026" in html
    assert w.owner.name in html and w.colleague.name in html
    head_view = login_as(w.head).get("/tim?bulan=5").get_data(as_text=True)
    assert w.boss.name in head_view and w.owner.name not in head_view
    assert "Mei 2026" in head_view
    assert "tidak memiliki bawahan" in login_as(w.owner).get("/tim").get_data(as_text=True)


def test_recent_first_orders_by_last_use(w, factory):
    a = w.target
    b = factory.target(w.owner, w.period, state=APPROVED)
    c = factory.target(w.owner, w.period, state=APPROVED)
    add(
        entry(a, date(2026, 6, 1), created_at=_at(date(2026, 6, 1))),
        entry(c, date(2026, 6, 2), created_at=_at(date(2026, 6, 2))),
    )
    targets = {t.id: t for t in (a, b, c)}
    assert [t.id for t in queries.recent_first(w.owner.id, targets)] == [c.id, a.id, b.id]
    assert queries.recent_first(w.owner.id, {}) == []


# -- statement counts ----------------------------------------------------------------------


def _fill(w, others, start: int, n: int) -> None:
    """``n`` entries in June spread over the same targets, people, days and statuses,
    every third with a file, so that only the volume differs."""
    targets = [w.target, *others]
    statuses = [PENDING, PENDING, ACCEPTED, REJECTED]
    rows = []
    for i in range(start, start + n):
        rows.append(
            entry(
                targets[i % len(targets)],
                date(2026, 6, 1) + timedelta(days=i % 14),
                minutes=5,
                status=statuses[i % len(statuses)],
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(
        Evidence(
            entry_id=row.id,
            original_name="bukti.pdf",
            stored_name=f"{uuid.uuid4().hex}.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
        for row in rows[::3]
    )
    db.session.commit()


def test_statement_counts_do_not_grow_with_the_volume(w, factory, login_as, count_statements):
    others = [
        factory.target(w.owner, w.period, state=APPROVED),
        factory.target(w.colleague, w.period, state=APPROVED),
    ]
    db.session.commit()
    boss, owner = login_as(w.boss), login_as(w.owner)
    pages = [(boss, "/verifikasi"), (boss, _report_url(w)), (owner, _report_url(w))]

    def measure() -> list[int]:
        counts = []
        for client, url in pages:
            # Each request starts from nothing, as in production: the test's own session
            # (which the requests share) must not serve them objects it already holds.
            db.session.expire_all()
            with count_statements() as counter:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(counter.count)
        return counts

    _fill(w, others, 0, 10)
    measure()  # warm: the first request may load what later ones find cached
    small = measure()
    _fill(w, others, 10, 290)
    large = measure()
    assert large == small, list(zip(pages, small, large, strict=True))
    html = boss.get("/verifikasi").get_data(as_text=True)
    assert "150 laporan bawahan menunggu verifikasi" in html
