"""The monitoring dashboard, its drill-down and XLSX export, and the period progress page:
every figure against a small organisation built by hand, permissions, bad parameters.

The organisation (today is 15 June 2026; reports are due on the 5th of the next month, so
January to May are due):

    A (top)          admin, head
      A1             boss (atasan: head)                  target evaluated, final: Sangat Baik
        A1a          s1, s2 (atasan: boss)                s1 approved, final: Baik; s2 drafted
                                                          and discussed only
    B (top)          s3 (atasan: head), gone (inactive)   s3 reported; gone's targets not counted
    another instansi: stranger admin with a unit and a period
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import scoring
from portal.extensions import db
from portal.models import Employee, EntryStatus, Evaluation, Period, Unit
from portal.plans.services import find_plan
from portal.reports.queries import late_months, targets_for_report
from tests.reporting_helpers import TODAY, add, entry, fix_today
from tests.reporting_helpers import sign_in as reporting_sign_in
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, EVALUATED, REPORTED


@dataclass
class Org:
    a: Unit
    a1: Unit
    a1a: Unit
    b: Unit
    admin: Employee
    head: Employee
    boss: Employee
    s1: Employee
    s2: Employee
    s3: Employee
    gone: Employee
    period: Period
    other_unit: Unit
    other_period: Period
    stranger: Employee


def _at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _evaluate(employee, period, evaluator, predikat, rating=None, objection=None):
    evaluation = Evaluation(
        plan_id=find_plan(employee, period).id,
        employee_id=employee.id,
        period_id=period.id,
        instansi_id=employee.instansi_id,
        evaluator_id=evaluator.id,
        status="final",
        predikat=predikat,
        organisation_rating=rating,
        evaluated_at=_at(date(2026, 6, 1)),
        objection_status=objection,
        employee_response="object" if objection else None,
        responded_at=_at(date(2026, 6, 3)) if objection else None,
    )
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


@pytest.fixture
def org(factory, monkeypatch) -> Org:
    fix_today(monkeypatch)
    instansi = factory.instansi()
    a = factory.unit(instansi, code="A", name="Sekretariat Uji")
    a1 = factory.unit(instansi, code="A1", name="Bagian Uji", parent_id=a.id)
    a1a = factory.unit(instansi, code="A1a", name="Subbagian Uji", parent_id=a1.id)
    b = factory.unit(instansi, code="B", name="Dinas Uji")
    admin = factory.employee(a, is_admin=True)
    head = factory.employee(a, jabatan="Kepala")
    boss = factory.employee(a1, atasan=head, jabatan="Kepala Bagian")
    s1 = factory.employee(a1a, atasan=boss)
    s2 = factory.employee(a1a, atasan=boss)
    s3 = factory.employee(b, atasan=head)
    gone = factory.employee(b, atasan=head)
    period = factory.period(instansi)
    factory.target(boss, period, state=EVALUATED)
    t1 = factory.target(s1, period, state=APPROVED)
    factory.target(s2, period, state=DRAFTED)
    factory.target(s2, period, state=DISCUSSED)
    t3 = factory.target(s3, period, state=REPORTED)
    factory.target(gone, period, state=APPROVED)
    # s1: January on time (pending), February reported after its deadline (pending),
    # nothing for March to May: four late months. Accepted work in June is not due yet.
    add(
        entry(t1, date(2026, 1, 20), created_at=_at(date(2026, 1, 20))),
        entry(t1, date(2026, 2, 20), created_at=_at(date(2026, 3, 10))),
        entry(t1, date(2026, 6, 2), status=EntryStatus.ACCEPTED),
    )
    # s3: every due month on time, three entries still pending (evaluator: head).
    add(
        *(
            entry(
                t3,
                date(2026, month, 10),
                status=EntryStatus.PENDING if month <= 3 else EntryStatus.ACCEPTED,
            )
            for month in range(1, 6)
        )
    )
    gone.active = False
    _evaluate(boss, period, head, "Sangat Baik", rating="Istimewa")
    _evaluate(s1, period, boss, "Baik", rating="Baik", objection="open")
    other = factory.instansi()
    other_unit = factory.unit(other)
    stranger = factory.employee(other_unit, is_admin=True)
    other_period = factory.period(other)
    db.session.commit()
    return Org(
        a,
        a1,
        a1a,
        b,
        admin,
        head,
        boss,
        s1,
        s2,
        s3,
        gone,
        period,
        other_unit,
        other_period,
        stranger,
    )


@pytest.fixture
def sign_in(make_client):
    return lambda employee: reporting_sign_in(make_client, employee)


def _page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _dashboard(org):
    from portal.monitoring import queries, services

    scope = queries.Scope(org.admin.instansi_id, org.period, TODAY)
    return services.dashboard(scope, [org.period])


def _unit_board(org, unit):
    from portal.monitoring import queries, services

    scope = queries.Scope(org.admin.instansi_id, org.period, TODAY, unit)
    return services.dashboard(scope, [org.period])


# --- the figures ---------------------------------------------------------------------------


def test_instansi_level_figures_per_top_level_unit(org, app):
    board = _dashboard(org)
    rows = {row.unit.code: row.figures for row in board.rows}
    assert list(rows) == ["A", "B"]
    a, b = rows["A"], rows["B"]
    assert (a.employees, b.employees) == (5, 1)  # the inactive employee is not counted
    assert (a.without_plan, b.without_plan) == (3, 0)  # admin, head, s2
    assert dict(a.states) == {EVALUATED: 1, APPROVED: 1, DRAFTED: 1, DISCUSSED: 1}
    assert dict(b.states) == {REPORTED: 1}
    # s1: February to May; boss (evaluated target, no entries): January to May.
    assert (a.late_employees, a.late_months) == (2, 9)
    assert (b.late_employees, b.late_months) == (0, 0)
    assert (a.pending, b.pending) == (2, 3)
    assert dict(a.predikats) == {"Sangat Baik": 1, "Baik": 1}
    assert not b.predikats
    assert (a.evaluated, a.awaiting_evaluation, b.evaluated, b.awaiting_evaluation) == (2, 0, 0, 1)
    total = board.total
    assert (total.employees, total.without_plan, total.pending, total.targets) == (6, 3, 5, 5)


def test_late_months_are_the_monthly_reports_own(org, app):
    """The dashboard's late months are the ones the monthly report flags."""
    targets = targets_for_report(org.s1.id, org.period.id)
    assert late_months(org.s1.id, org.period, targets, TODAY) == [2, 3, 4, 5]
    board = _dashboard(org)
    late = {item.employee.id: item.months for item in board.late}
    assert late == {org.s1.id: [2, 3, 4, 5], org.boss.id: [1, 2, 3, 4, 5]}


def test_lists_of_the_instansi(org, app):
    board = _dashboard(org)
    gaps = {gap.employee.id: (gap.targets, gap.furthest) for gap in board.without_plan}
    assert gaps == {org.admin.id: (0, None), org.head.id: (0, None), org.s2.id: (2, DISCUSSED)}
    backlog = [(item.evaluator.id, item.pending) for item in board.backlog]
    assert backlog == [(org.head.id, 3), (org.boss.id, 2)]
    assert board.backlog_total == 2
    assert board.backlog[1].age_days(TODAY) == (TODAY - date(2026, 1, 20)).days


def test_unit_level_splits_children_and_direct_staff(org, app):
    board = _unit_board(org, org.a1)
    assert [row.unit.code for row in board.rows] == ["A1a"]
    child = board.rows[0].figures
    assert (child.employees, child.without_plan, child.late_months, child.pending) == (2, 1, 4, 2)
    assert board.direct.figures.employees == 1  # boss
    assert board.total.employees == 3
    assert [s.employee.id for s in board.staff] == [org.boss.id]
    assert board.staff[0].figures.late_months == 5
    assert [u.code for u in board.trail] == ["A"]
    # Organisation ratings: A1a's from s1's evaluation, A1's from boss's.
    assert board.rows[0].organisation_rating == "Baik"
    assert board.rows[0].warnings == scoring.distribution_warnings("Baik", ["Baik"])
    assert len(board.rows[0].warnings) == 2
    assert board.direct.organisation_rating == "Istimewa"
    assert board.direct.warnings == []  # 1 of 2 Sangat Baik in the subtree: allowed


def test_rating_is_the_one_most_often_recorded(org, factory, app):
    s4 = factory.employee(org.a1a, atasan=org.boss)
    factory.target(s4, org.period, state=EVALUATED)
    _evaluate(s4, org.period, org.boss, "Baik", rating="Istimewa")
    s5 = factory.employee(org.a1a, atasan=org.boss)
    factory.target(s5, org.period, state=EVALUATED)
    _evaluate(s5, org.period, org.boss, "Sangat Baik", rating="Istimewa")
    db.session.commit()
    row = _unit_board(org, org.a1).rows[0]
    assert row.organisation_rating == "Istimewa"
    assert row.warnings == []


def test_no_distribution_warnings_in_scheme_a(org, app):
    org.period.scheme = "pp46"
    db.session.commit()
    board = _unit_board(org, org.a1)
    assert board.rows[0].warnings == [] and board.direct.warnings == []
    assert board.predikats == scoring.PREDIKAT_PP46


# --- the pages -----------------------------------------------------------------------------


def test_dashboard_page(org, sign_in, no_inline_code):
    page = _page(sign_in(org.admin), "/admin/pemantauan")
    assert "Sekretariat Uji" in page and "Dinas Uji" in page
    # Only top-level units are rows at the instansi level.
    assert f"/admin/pemantauan/unit/{org.a1.id}?" not in page
    assert f'hx-get="/admin/pemantauan/unit/{org.a.id}?periode={org.period.id}"' in page
    assert 'hx-target="#monitoring-level"' in page and 'hx-push-url="true"' in page
    assert org.s2.display_name in page  # without an approved plan
    assert org.head.display_name in page  # longest verification queue
    assert "autofocus>Seluruh instansi" not in page and ">Seluruh instansi</h2>" in page
    assert "breadcrumb-trail" not in page  # nothing above the instansi


def test_drill_down_fragment(org, sign_in, no_inline_code):
    client = sign_in(org.admin)
    url = f"/admin/pemantauan/unit/{org.a1.id}?periode={org.period.id}"
    fragment = _page(client, url, htmx=True)
    assert "<html" not in fragment and 'id="level-title"' in fragment
    assert "autofocus" in fragment  # focus moves to the new level's heading
    assert "Subbagian Uji" in fragment and org.boss.display_name in fragment
    # Breadcrumbs: the whole instansi, then A, then A1 as the current page.
    assert fragment.index("Seluruh instansi") < fragment.index("Sekretariat Uji")
    assert 'aria-current="page">Bagian Uji' in fragment
    for warning in scoring.distribution_warnings("Baik", ["Baik"]):
        assert warning in fragment
    full = _page(client, url)
    assert "<html" in full and "Subbagian Uji" in full and "autofocus" not in full


def test_default_period_is_the_open_one(org, factory, sign_in):
    factory.period(
        org.a.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
        status="closed",
    )
    db.session.commit()
    page = _page(sign_in(org.admin), "/admin/pemantauan")
    assert f'<option value="{org.period.id}" selected>' in page


def test_export_workbook(org, sign_in):
    response = sign_in(org.admin).get(f"/admin/pemantauan/ekspor.xlsx?periode={org.period.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == [
        "Status target per unit",
        "Tanpa SKP disetujui",
        "Laporan terlambat",
        "Antrean verifikasi",
        "Distribusi predikat",
    ]
    states = [list(r) for r in book["Status target per unit"].iter_rows(values_only=True)]
    header, *units, total = states
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in units}
    assert list(by_code) == ["A", "A1", "A1a", "B"]
    assert by_code["A"]["Pegawai aktif"] == 2 and by_code["A1a"]["Pegawai aktif"] == 2
    assert by_code["A1a"]["Draf"] == 1 and by_code["A1a"]["Disetujui"] == 1
    assert by_code["B"]["Dilaporkan"] == 1 and by_code["A1"]["Dievaluasi"] == 1
    assert total[1] == "Jumlah" and total[2] == 6 and total[-1] == 5
    gaps = [r for r in book["Tanpa SKP disetujui"].iter_rows(min_row=2, values_only=True)]
    assert sorted(r[0] for r in gaps) == sorted([org.admin.nip, org.head.nip, org.s2.nip])
    late = [r for r in book["Laporan terlambat"].iter_rows(min_row=2, values_only=True)]
    assert sorted((r[0], r[4]) for r in late if r[0] == org.s1.nip) == sorted(
        (org.s1.nip, label) for label in ("Feb 2026", "Mar 2026", "Apr 2026", "Mei 2026")
    )
    assert len(late) == 9
    backlog = [r for r in book["Antrean verifikasi"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[3]) for r in backlog] == [(org.head.nip, 3), (org.boss.nip, 2)]
    spread = [list(r) for r in book["Distribusi predikat"].iter_rows(values_only=True)]
    head_row, *rows, total_row = spread
    a1a = dict(zip(head_row, next(r for r in rows if r[0] == "A1a"), strict=True))
    assert a1a["Baik"] == 1 and a1a["Predikat organisasi"] == "Baik"
    assert "paling banyak 70%" in a1a[head_row[-1]]
    assert total_row[head_row.index("Sangat Baik")] == 1 and total_row[head_row.index("Baik")] == 1


def test_export_of_a_unit_covers_its_subtree(org, sign_in):
    url = f"/admin/pemantauan/ekspor.xlsx?periode={org.period.id}&unit={org.a1.id}"
    response = sign_in(org.admin).get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book["Status target per unit"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["A1", "A1a", None]  # and the total row
    gaps = [r[0] for r in book["Tanpa SKP disetujui"].iter_rows(min_row=2, values_only=True)]
    assert gaps == [org.s2.nip]


def test_period_progress_page(org, sign_in, no_inline_code):
    page = _page(sign_in(org.admin), f"/admin/periode/{org.period.id}/progres")
    assert "Belum punya SKP disetujui padahal batas perencanaan sudah lewat" in page
    for person in (org.admin, org.head, org.s2):
        assert person.display_name in page
    assert (
        org.s3.display_name not in page.split("Laporan bulanan terlambat")[1].split("Evaluasi")[0]
    )
    assert 'id="eval-progress" max="6" value="2"' in page  # evaluated, of six active
    assert '<dd class="num">1</dd>' in page  # reported and waiting: s3
    objections = page.split("Keberatan menunggu keputusan")[-1]
    assert org.s1.display_name in objections and org.boss.display_name in objections


def test_progress_before_the_planning_deadline(org, sign_in, monkeypatch):
    fix_today(monkeypatch, date(2026, 1, 15))
    page = _page(sign_in(org.admin), f"/admin/periode/{org.period.id}/progres")
    assert "padahal batas perencanaan sudah lewat" not in page
    assert "Tidak ada laporan bulanan yang terlambat." in page


# --- permissions and bad parameters --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/pemantauan",
        "/admin/pemantauan/unit/{a1}",
        "/admin/pemantauan/ekspor.xlsx",
        "/admin/periode/{period}/progres",
    ],
)
def test_only_admins_of_the_instansi(org, sign_in, url):
    url = url.format(a1=org.a1.id, period=org.period.id)
    for person in (org.head, org.boss, org.s1):
        assert sign_in(person).get(url).status_code == 403
    assert sign_in(org.admin).get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/pemantauan/unit/{other_unit}",
        "/admin/pemantauan/unit/999999",
        "/admin/pemantauan?periode={other_period}",
        "/admin/pemantauan?periode=999999",
        "/admin/pemantauan?periode=abc",
        "/admin/pemantauan?periode=%C2%B2",
        "/admin/pemantauan/unit/{a1}?periode={other_period}",
        "/admin/pemantauan/ekspor.xlsx?unit={other_unit}",
        "/admin/pemantauan/ekspor.xlsx?unit=abc",
        "/admin/pemantauan/ekspor.xlsx?periode={other_period}",
        "/admin/periode/{other_period}/progres",
        "/admin/periode/999999/progres",
    ],
)
def test_other_instansi_and_unknown_ids_are_not_found(org, sign_in, url):
    url = url.format(a1=org.a1.id, other_unit=org.other_unit.id, other_period=org.other_period.id)
    response = sign_in(org.admin).get(url)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_other_instansi_admin_is_not_told_the_unit_exists(org, sign_in):
    client = sign_in(org.stranger)
    assert client.get(f"/admin/pemantauan/unit/{org.a1.id}").status_code == 404
    assert client.get(f"/admin/periode/{org.period.id}/progres").status_code == 404
    page = _page(client, "/admin/pemantauan")
    assert "Sekretariat Uji" not in page


def test_signed_out_goes_to_sign_in(org, client):
    response = client.get("/admin/pemantauan")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_instansi_without_periods(factory, sign_in):
    unit = factory.unit()
    admin = factory.employee(unit, is_admin=True)
    db.session.commit()
    response = sign_in(admin).get("/admin/pemantauan")
    assert response.status_code == 404
    assert "Belum ada periode penilaian" in response.get_data(as_text=True)


def test_nav_link_for_admins_only(org, sign_in):
    assert 'href="/admin/pemantauan"' in _page(sign_in(org.admin), "/")
    assert 'href="/admin/pemantauan"' not in _page(sign_in(org.s1), "/")


def test_export_is_audited(org, sign_in):
    from portal.models import AuditEvent

    sign_in(org.admin).get(f"/admin/pemantauan/ekspor.xlsx?unit={org.a1.id}")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "monitoring.export")
    ).all()
    assert [(e.actor_id, e.summary["unit_id"]) for e in events] == [(org.admin.id, org.a1.id)]


# --- statement counts ----------------------------------------------------------------------


def _grow(org, factory, count: int) -> None:
    """``count`` more staff spread over A1a and B, each with an approved target, a late
    month, a pending entry and a final evaluation, and a few without a plan."""
    for i in range(count):
        unit, boss = (org.a1a, org.boss) if i % 2 else (org.b, org.head)
        person = factory.employee(unit, atasan=boss)
        if i % 5 == 0:
            factory.target(person, org.period, state=DRAFTED)
            continue
        target = factory.target(person, org.period, state=APPROVED)
        db.session.add(entry(target, date(2026, 1, 12)))
        if i % 3 == 0:
            _evaluate(person, org.period, boss, "Baik", rating="Baik")
    db.session.commit()


def _statements(count_statements, client, url: str, **kwargs) -> int:
    from flask import current_app

    app = current_app._get_current_object()
    with app.app_context():
        client.get(url, **kwargs)  # warm: the first request of a client may load more
    with app.app_context(), count_statements() as counter:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize(
    "url, htmx",
    [
        ("/admin/pemantauan", False),
        ("/admin/pemantauan/unit/{a}", True),
        ("/admin/pemantauan/unit/{a1}", True),
        ("/admin/pemantauan/ekspor.xlsx?unit={a}", False),
        ("/admin/periode/{period}/progres", False),
    ],
)
def test_statement_count_does_not_grow(org, factory, sign_in, count_statements, url, htmx):
    url = url.format(a=org.a.id, a1=org.a1.id, period=org.period.id)
    client = sign_in(org.admin)
    _grow(org, factory, 5)
    small = _statements(count_statements, client, url, htmx=htmx)
    _grow(org, factory, 55)
    large = _statements(count_statements, client, url, htmx=htmx)
    assert small == large


def test_one_month_due(org, app):
    """On 10 February only January is due: s1 reported it in time, boss did not."""
    from portal.monitoring import queries

    scope = queries.Scope(org.admin.instansi_id, org.period, date(2026, 2, 10))
    per_bucket = queries.figures(queries.members(scope), org.period, scope.today)
    assert per_bucket[org.a.id].late_months == 1 and per_bucket[org.a.id].late_employees == 1
