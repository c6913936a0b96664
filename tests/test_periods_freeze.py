"""Closing a period freezes it: every request that would change its plans, reports or
evaluations is refused, with a message that says why, and changes nothing at all.

Each request is made by the one person who could make it, and is shown to work while
the period is open (so a refusal is the period's doing, not a bad request). Then the
period is closed and the same request must answer 4xx, name the closed period and leave
every row of the database (and the uploaded files) as it was. The workflow's triggers
are swept from the transition table, each by every role allowed to fire it.

Deliberately still possible after closing: marking an open follow-up item done (open
items carry into the next period until they are closed, shared/domain.md), printing
letters, and everything that is not the period's work (people, passwords, language).
``test_every_post_route_is_swept_or_exempted`` keeps this list honest: a new POST route
fails it until it is added to the sweep or to the exemptions with a reason.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryHistory,
    EntryStatus,
    Evaluation,
    EvaluationTarget,
    EvaluatorAssignment,
    Evidence,
    FollowUpItem,
    FollowUpKind,
    MonthlyQuality,
    MonthlyReport,
    MonthlyReportHistory,
    MonthlyReportTarget,
    MonthlyTarget,
    Period,
    Plan,
    PlanExpectation,
    PlanLampiran,
    Target,
    TargetComment,
    TargetHistory,
    WorkEntry,
)
from portal.models.evaluations import EvaluationStatus
from portal.models.periods import PeriodStatus
from portal.ranks import JenisJabatan
from tests.reporting_helpers import (
    add,
    entry,
    entry_form,
    fix_today,
    png_bytes,
    review_form,
    review_url,
    sign_in,
    submitted_monthly_report,
    uploaded_files,
)
from workflows.targets import (
    APPROVED,
    DISCUSSED,
    DRAFTED,
    EVALUATED,
    FOLLOWED_UP,
    REPORTED,
    TRANSITIONS,
)

CLOSED = "sudah ditutup"


@dataclass
class World:
    period: Period
    last: Period
    head: object
    boss: object
    owner: object
    colleague: object
    other_boss: object
    other_staff: object
    admin: object
    targets: dict  # state → the owner's target in that state
    draft2: Target
    pending: WorkEntry
    pending2: WorkEntry
    own_evaluation: Evaluation  # final, not yet answered by the owner
    objected: Evaluation  # the colleague's, with an open objection
    item: FollowUpItem  # open, on the owner's evaluation, the owner responsible


def _evaluation(plan_id, employee, period, evaluator, **values) -> Evaluation:
    row = Evaluation(
        plan_id=plan_id,
        employee_id=employee.id,
        period_id=period.id,
        instansi_id=period.instansi_id,
        evaluator_id=evaluator.id,
        status=EvaluationStatus.FINAL,
        predikat="Baik",
        rating_hasil_kerja="Sesuai Ekspektasi",
        rating_perilaku="Sesuai Ekspektasi",
        evaluated_at=datetime(2026, 6, 10, 3, tzinfo=UTC),
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(factory, monkeypatch) -> World:
    """One instansi and its period of 2026 (open), with work in every state.

    head → boss → owner, colleague; head → other_boss → other_staff; an admin. Last
    year's period holds a target of the owner, to copy from."""
    fix_today(monkeypatch)
    head, boss, (owner, colleague) = factory.team(2)
    other_boss = factory.employee(
        owner.unit,
        atasan=head,
        jabatan="Kepala Subbagian Umum",
        jenis_jabatan=JenisJabatan.ADMINISTRASI,
        golongan="III/d",
    )
    other_staff = factory.employee(owner.unit, atasan=other_boss)
    admin = factory.employee(owner.unit, is_admin=True)
    last = factory.period(
        owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
    )
    factory.target(owner, last, title="Target tahun lalu")
    last.status = PeriodStatus.CLOSED
    period = factory.period(owner.instansi)
    targets = {
        state: factory.target(owner, period, state=state, title=f"Target {state}")
        for state in (DRAFTED, DISCUSSED, APPROVED, REPORTED, EVALUATED, FOLLOWED_UP)
    }
    draft2 = factory.target(owner, period, title="Draf kedua")
    colleague_target = factory.target(colleague, period, state=EVALUATED)
    factory.target(other_staff, period, state=REPORTED)
    db.session.commit()
    pending, pending2, _accepted = add(
        entry(targets[APPROVED], date(2026, 5, 4)),
        entry(targets[APPROVED], date(2026, 5, 5)),
        entry(targets[APPROVED], date(2026, 4, 6), status=EntryStatus.ACCEPTED),
    )
    submitted_monthly_report(owner, period, 4)
    own = _evaluation(targets[REPORTED].plan_id, owner, period, boss)
    for target in (targets[EVALUATED], targets[REPORTED]):
        db.session.add(EvaluationTarget(evaluation_id=own.id, target_id=target.id, score=100))
    objected = _evaluation(
        colleague_target.plan_id,
        colleague,
        period,
        boss,
        employee_response="object",
        response_reason="Bukti dukung bulan Mei belum dihitung.",
        objection_status="open",
    )
    item = FollowUpItem(
        evaluation_id=own.id,
        employee_id=owner.id,
        instansi_id=period.instansi_id,
        kind=FollowUpKind.PEMBINAAN,
        description="Pendampingan penyusunan laporan",
        responsible_id=owner.id,
        due_date=date(2026, 9, 1),
        created_by_id=boss.id,
    )
    db.session.add(item)
    db.session.commit()
    return World(
        period,
        last,
        head,
        boss,
        owner,
        colleague,
        other_boss,
        other_staff,
        admin,
        targets,
        draft2,
        pending,
        pending2,
        own,
        objected,
        item,
    )


def close(world: World) -> None:
    world.period.status = PeriodStatus.CLOSED
    world.period.closed_at = datetime(2026, 6, 14, 3, tzinfo=UTC)
    world.period.closed_by_id = world.admin.id
    db.session.commit()


# Every table the work of a period lives in; the audit log without sign-ins.
TABLES = (
    Plan,
    PlanExpectation,
    PlanLampiran,
    Target,
    MonthlyTarget,
    TargetHistory,
    TargetComment,
    EvaluatorAssignment,
    WorkEntry,
    Evidence,
    EntryHistory,
    MonthlyQuality,
    MonthlyReport,
    MonthlyReportTarget,
    MonthlyReportHistory,
    Evaluation,
    EvaluationTarget,
    FollowUpItem,
    Period,
)


def snapshot() -> tuple:
    """Every row of every table above, the audit log and the uploaded files."""
    db.session.expire_all()
    rows = []
    for model in TABLES:
        table = model.__table__
        rows.append(
            tuple(
                tuple(map(repr, row))
                for row in db.session.execute(select(table).order_by(*table.primary_key)).all()
            )
        )
    rows.append(
        tuple(
            db.session.execute(
                select(AuditEvent.id, AuditEvent.action).where(AuditEvent.action.not_like("auth.%"))
            ).all()
        )
    )
    rows.append(tuple(uploaded_files(current_app)))
    return tuple(rows)


def text_of(response) -> str:
    import re

    page = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _target_form(**changes) -> dict:
    return {
        "title": "Tersusunnya laporan analisis jabatan",
        "kind": "utama",
        "indicator": "Laporan selesai tepat waktu",
        "quantity": "12",
        "quantity_unit": "laporan",
        "quality_target": "100",
        "time_months": "12",
        **{f"month_{i}": "1" for i in range(1, 13)},
        **changes,
    }


def _evaluation_form(w: World) -> dict:
    data = {f"berakhlak_{i}": "Sesuai Ekspektasi" for i in range(7)}
    data.update({"ekspektasi_khusus": "", "organisation_rating": "Baik", "notes": ""})
    return data


@dataclass(frozen=True)
class Case:
    """One state-changing request: who makes it, how, and what it answers while the
    period is open (``ok``) and once it is closed (``refused``)."""

    name: str
    who: str
    send: Callable
    ok: tuple[int, ...] = (303,)
    refused: int = 403
    # Bulk forms answer each item on the page they redirect to (303 with a flash).
    bulk: bool = False


def _plan(w: World) -> str:
    return f"/skp/{w.period.id}/pegawai/{w.owner.id}"


CASES = [
    # plans
    Case(
        "new target",
        "owner",
        lambda c, w: c.post(f"{_plan(w)}/target/baru", _target_form()),
    ),
    Case(
        # other_boss has no target yet: the plan is made with its variant.
        "the plan's pendekatan and form",
        "other_boss",
        lambda c, w: c.post(
            f"/skp/{w.period.id}/pegawai/{w.other_boss.id}/varian",
            {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "1"},
        ),
    ),
    Case(
        "copy last year's targets",
        "owner",
        lambda c, w: c.post(f"/skp/{w.period.id}/salin"),
    ),
    Case(
        "edit a draft target",
        "owner",
        lambda c, w: c.post(
            f"/target/{w.targets[DRAFTED].id}/ubah",
            _target_form(title="Judul baru", version=str(w.targets[DRAFTED].version)),
        ),
    ),
    Case(
        "delete a draft target",
        "owner",
        lambda c, w: c.post(
            f"/target/{w.targets[DRAFTED].id}/hapus",
            {"version": str(w.targets[DRAFTED].version), "confirmed": "1"},
        ),
    ),
    Case(
        "comment as the owner",
        "owner",
        lambda c, w: c.post(
            f"/target/{w.targets[DRAFTED].id}/komentar",
            {"body": "Mohon arahan.", "form_token": "a" * 32},
        ),
    ),
    Case(
        "comment as the evaluator",
        "boss",
        lambda c, w: c.post(
            f"/target/{w.targets[DISCUSSED].id}/komentar",
            {"body": "Target terlalu rendah.", "form_token": "b" * 32},
        ),
    ),
    Case(
        "submit every draft",
        "owner",
        lambda c, w: c.post(f"{_plan(w)}/ajukan", {"target": f"{w.draft2.id}:{w.draft2.version}"}),
        bulk=True,
    ),
    Case(
        "approve the ticked targets",
        "boss",
        lambda c, w: c.post(
            f"{_plan(w)}/setujui",
            {"target": f"{w.targets[DISCUSSED].id}:{w.targets[DISCUSSED].version}"},
        ),
        bulk=True,
    ),
    Case(
        "set the perilaku kerja expectations and the lampiran",
        "boss",
        lambda c, w: c.post(
            f"{_plan(w)}/perilaku",
            {
                "version": str(w.targets[DISCUSSED].plan.version),
                "ekspektasi_akuntabel": "Laporan tepat waktu.",
                "konsekuensi": "Pembinaan.",
            },
        ),
    ),
    # reports
    Case(
        "log a day's work with evidence",
        "owner",
        lambda c, w: c.post(
            "/laporan",
            {**entry_form(w.targets[APPROVED]), "files": (io.BytesIO(png_bytes()), "foto.png")},
            htmx=True,
            content_type="multipart/form-data",
        ),
        ok=(200,),
        refused=422,
    ),
    Case(
        "edit an entry and upload evidence",
        "owner",
        lambda c, w: c.post(
            f"/laporan/{w.pending.id}/ubah",
            {
                **entry_form(w.targets[APPROVED], entry_date="2026-05-04", quantity="2"),
                "version": str(w.pending.version),
                "files": (io.BytesIO(png_bytes()), "bukti.png"),
            },
            content_type="multipart/form-data",
        ),
    ),
    Case(
        "delete an entry",
        "owner",
        lambda c, w: c.post(
            f"/laporan/{w.pending.id}/hapus", {"version": str(w.pending.version), "confirmed": "1"}
        ),
    ),
    Case(
        "accept an entry",
        "boss",
        lambda c, w: c.post(
            f"/verifikasi/{w.pending.id}",
            {"decision": "accept", "version": str(w.pending.version)},
        ),
    ),
    Case(
        "reject an entry",
        "boss",
        lambda c, w: c.post(
            f"/verifikasi/{w.pending.id}",
            {"decision": "reject", "reason": "Bukti kurang.", "version": str(w.pending.version)},
        ),
    ),
    Case(
        "accept the ticked entries",
        "boss",
        lambda c, w: c.post(
            "/verifikasi/terima", {"entry": f"{w.pending2.id}:{w.pending2.version}"}
        ),
        bulk=True,
    ),
    Case(
        "submit a monthly report",
        "owner",
        lambda c, w: c.post(
            f"/pegawai/{w.owner.id}/laporan-bulanan/{w.period.id}/5",
            {
                "version": "0",
                "action": "submit",
                "targets-0-target_id": str(w.targets[APPROVED].id),
                "targets-0-capaian": "Dua laporan selesai.",
            },
        ),
    ),
    Case(
        "review a monthly report (rate the months' quality)",
        "boss",
        lambda c, w: c.post(
            review_url(w.owner, w.period, 4),
            review_form(
                w.owner,
                w.period,
                4,
                {w.targets[APPROVED]: ("90", "Rapi."), w.targets[REPORTED]: ("85", "")},
            ),
        ),
    ),
    # evaluations
    Case(
        "save an evaluation",
        "other_boss",
        lambda c, w: c.post(
            f"/evaluasi/{w.period.id}/pegawai/{w.other_staff.id}", _evaluation_form(w)
        ),
    ),
    Case(
        "finish an evaluation",
        "other_boss",
        lambda c, w: c.post(
            f"/evaluasi/{w.period.id}/pegawai/{w.other_staff.id}",
            {**_evaluation_form(w), "action": "finish"},
        ),
    ),
    Case(
        "agree with one's evaluation",
        "owner",
        lambda c, w: c.post(f"/evaluasi/{w.own_evaluation.id}/tanggapan", {"response": "agree"}),
    ),
    Case(
        "object to one's evaluation",
        "owner",
        lambda c, w: c.post(
            f"/evaluasi/{w.own_evaluation.id}/tanggapan",
            {"response": "object", "reason": "Realisasi Mei belum dihitung."},
        ),
    ),
    Case(
        "decide an objection",
        "head",
        lambda c, w: c.post(
            f"/evaluasi/{w.objected.id}/keberatan",
            {"decision": "upheld", "reason": "Bukti sudah dihitung."},
        ),
    ),
    Case(
        "add a follow-up item",
        "boss",
        lambda c, w: c.post(
            f"/evaluasi/{w.own_evaluation.id}/tindak-lanjut",
            {
                "kind": "pengembangan_kompetensi",
                "description": "Pelatihan analisis data.",
                "due_date": "2026-10-01",
                "responsible": "employee",
            },
        ),
    ),
    # reassignment (the admin, the evaluator)
    Case(
        "give a target another evaluator",
        "admin",
        lambda c, w: c.post(
            f"/admin/pengalihan/target/{w.targets[APPROVED].id}",
            {
                "to": str(w.other_boss.id),
                "acting": "",
                "note": "Ibu Kabag cuti panjang.",
                "version": str(w.targets[APPROVED].version),
            },
        ),
        refused=422,
    ),
    Case(
        "leave an interim note for the next evaluator",
        "boss",
        lambda c, w: c.post(
            f"/target/{w.targets[APPROVED].id}/catatan-serah-terima",
            {"note": "Laporan Mei sudah saya periksa."},
        ),
        bulk=True,  # answers on the target page it redirects to
    ),
    Case(
        "mark the targets followed up",
        "boss",
        lambda c, w: c.post(f"/evaluasi/{w.own_evaluation.id}/tindaklanjuti"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_request_works_while_the_period_is_open(world, make_client, case):
    """The control: each request of the sweep is a valid one."""
    client = sign_in(make_client, getattr(world, case.who))
    before = snapshot()
    response = case.send(client, world)
    assert response.status_code in case.ok, text_of(response)[:600]
    if case.bulk:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert CLOSED not in page and "alert--error" not in page, text_of(client.get("/"))
    assert snapshot() != before


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_once_closed_the_request_is_refused_and_changes_nothing(world, make_client, case):
    close(world)
    client = sign_in(make_client, getattr(world, case.who))
    before = snapshot()
    response = case.send(client, world)
    if case.bulk:
        assert response.status_code == 303
        page = text_of(client.get(response.headers["Location"]))
    else:
        assert response.status_code == case.refused, text_of(response)[:600]
        page = text_of(response)
    assert f"Periode penilaian {world.period.name} {CLOSED}" in page or (
        "Periode penilaian sudah ditutup" in page
    ), page[:1500]
    assert snapshot() == before


# (trigger, source state, role) for every row of the transition table.
FIRES = sorted(
    {(t.trigger, t.source, role) for t in TRANSITIONS for role in t.roles},
)
ACTOR = {"owner": "owner", "evaluator": "boss", "admin": "admin"}


@pytest.mark.parametrize(("trigger", "source", "role"), FIRES, ids=["-".join(f) for f in FIRES])
def test_no_transition_fires_in_a_closed_period(world, make_client, trigger, source, role):
    close(world)
    target = world.targets[source]
    client = sign_in(make_client, getattr(world, ACTOR[role]))
    before = snapshot()
    response = client.post(
        f"/target/{target.id}/aksi/{trigger}",
        {"version": str(target.version), "reason": "Alasan uji.", "view": "card"},
        htmx=True,
    )
    assert response.status_code == 422, text_of(response)[:600]
    assert "Periode penilaian sudah ditutup" in text_of(response)
    assert snapshot() == before


def test_the_pages_offer_no_change_in_a_closed_period(world, make_client):
    close(world)
    owner = sign_in(make_client, world.owner)
    plan = text_of(owner.get(_plan(world)))
    assert "Periode ini sudah ditutup" in plan
    assert "Tambah target" not in plan and "Ajukan semua draf" not in plan
    daily = owner.get("/laporan").get_data(as_text=True)
    assert 'method="post" action="/laporan"' not in daily  # no target of an open period left


def test_open_follow_up_items_can_still_be_closed(world, make_client):
    """Open items carry into the next period until closed: closing one stays possible
    (by the person responsible or the evaluator) after the period is closed."""
    close(world)
    response = sign_in(make_client, world.owner).post(f"/tindak-lanjut/{world.item.id}/selesai")
    assert response.status_code == 303
    db.session.expire_all()
    assert world.item.status == "done" and world.item.closed_at is not None
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "follow_up.close")
    )
    # Nothing else about the evaluation moved.
    assert world.own_evaluation.status == EvaluationStatus.FINAL


# Every POST route is either swept above or exempt for a stated reason.
SWEPT = {
    "plans.new_target",
    "plans.copy_previous",
    "plans.set_variant",
    "plans.edit_target",
    "plans.delete_target",
    "plans.comment",
    "plans.bulk_submit",
    "plans.bulk_approve",
    "plans.expectations",
    "plans.fire",
    "reports.create_entry",
    "reports.edit_entry",
    "reports.delete_entry",
    "reports.verify",
    "reports.accept_selected",
    "reports.monthly_report_form",
    "reports.monthly_report_review",
    "evaluations.save",
    "evaluations.respond",
    "evaluations.decide",
    "evaluations.add_follow_up",
    "evaluations.complete_follow_up",
    "reassign.confirm_target",
    "reassign.write_note",
}
EXEMPT = {
    "evaluations.close_item": "open follow-up items carry into the next period",
    "evaluations.preview": "computes the outcome shown while typing; saves nothing",
    "evaluations.start_team_letters": "prints letters of final evaluations; changes none",
    "evaluations.print_letter": "records and prints the letter of a final evaluation; changes none",
    "auth.login": "not the work of a period",
    "auth.logout": "not the work of a period",
    "auth.change_password": "not the work of a period",
    "notify.preferences": "a person's mail settings, not the work of a period",
    "notify.retry_mail": "delivers a mail already written; changes no work",
    "notify.test_mail": "a test of the mail settings; changes no work",
    "home.set_language": "not the work of a period",
    "people.employee_create": "people are not the work of a period",
    "people.employee_edit": "people are not the work of a period",
    "imports.upload": "employee data, not the work of a period",
    "imports.commit": "employee data, not the work of a period",
    "imports.discard": "employee data, not the work of a period",
    "reassign.confirm_handover": (
        "moves only the in-flight work of open periods; closed ones stay (test_reassign.py)"
    ),
    "reassign.confirm_supervisor": (
        "moves only the in-flight work of open periods; closed ones stay (test_reassign.py)"
    ),
    "periods.create": "the admin's own period management (tests/test_periods.py)",
    "periods.edit": "refuses a closed period itself (tests/test_periods.py)",
    "periods.open_": "the admin's own period management (tests/test_periods.py)",
    "periods.close": "the admin's own period management (tests/test_periods.py)",
    "periods.reopen": "how a closed period is unfrozen, with a reason (tests/test_periods.py)",
    "periodic.save": "refused in a closed period (tests/test_periodic.py)",
    "periodic.preview": "computes the outcome shown while typing; saves nothing",
    "periodic.acknowledge": "refused in a closed period (tests/test_periodic.py)",
    "notify.open_one": "marks one's own notification read: not the work of a period",
    "notify.mark_read": "marks one's own notification read: not the work of a period",
    "notify.mark_all_read": "marks one's own notifications read: not the work of a period",
    "notify.report_wrong_evaluator": "about the person's supervisor, not the work of a period",
    "notify.close_evaluator_report": "about the person's supervisor, not the work of a period",
    "notify.reminder_thresholds": "the instansi's reminder settings, not the work of a period",
}


def test_every_post_route_is_swept_or_exempted(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    unknown = posts - SWEPT - set(EXEMPT)
    assert not unknown, (
        "POST routes neither swept for the closed-period freeze nor exempted with a reason: "
        f"{sorted(unknown)}"
    )
    assert not (SWEPT | set(EXEMPT)) - posts, "the sweep names routes that no longer exist"
