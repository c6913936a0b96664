"""The SKP's perilaku kerja section (the BerAKHLAK values with their panduan perilaku and
the supervisor's ekspektasi khusus pimpinan) and its lampiran: who sets them and when,
bad input, stale forms and races, and where they are shown (the plan page, the periodic
and the annual evaluation screens)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import audit, scoring
from portal.berakhlak import BY_KEY, KEYS, VALUES
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Cadence,
    EntryStatus,
    Plan,
    PlanExpectation,
    PlanLampiran,
)
from portal.plans import expectations as service
from portal.plans.expectations import (
    CHANGED_ELSEWHERE,
    NO_LONGER_DISCUSSED,
    TermsInput,
    load_terms,
)
from portal.policy import Action, PlanRef, can
from portal.policy_messages import EXPECTATIONS_AGREED, NOT_PERMITTED
from tests.reporting_helpers import add, entry, fix_today, sign_in
from workflows import engine
from workflows.states import APPROVED, DISCUSSED

SERVICE = "Memahami dan memenuhi kebutuhan masyarakat"


@pytest.fixture
def w(factory, monkeypatch):
    """head → boss → owner, peer; an admin; a stranger of another instansi who evaluates
    there. The owner's plan: one target in discussion, one approved."""
    fix_today(monkeypatch)
    head, boss, (owner, peer) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    _, stranger, _ = factory.team(1)
    period = factory.period(owner.instansi)
    discussed = factory.target(owner, period, state=DISCUSSED, title="Target dibahas")
    approved = factory.target(owner, period, state=APPROVED, title="Target disetujui")
    db.session.commit()

    class W:
        pass

    world = W()
    world.__dict__.update(
        head=head,
        boss=boss,
        owner=owner,
        peer=peer,
        admin=admin,
        stranger=stranger,
        period=period,
        discussed=discussed,
        approved=approved,
        plan=discussed.plan,
    )
    return world


def url(w, employee=None, period=None) -> str:
    return f"/skp/{(period or w.period).id}/pegawai/{(employee or w.owner).id}/perilaku"


def form(plan: Plan, **changes) -> dict:
    data = {f"ekspektasi_{key}": "" for key in KEYS}
    data.update(dukungan_sumber_daya="", skema_pertanggungjawaban="", konsekuensi="")
    data["version"] = str(plan.version)
    data.update(changes)
    return data


def stored(plan_id: int) -> tuple:
    """Everything this feature writes: the plan's version, its expectations, lampiran and
    audit rows."""
    db.session.expire_all()
    return (
        db.session.get(Plan, plan_id).version,
        sorted(
            db.session.execute(
                select(PlanExpectation.value_key, PlanExpectation.text).where(
                    PlanExpectation.plan_id == plan_id
                )
            ).all()
        ),
        db.session.execute(
            select(
                PlanLampiran.dukungan_sumber_daya,
                PlanLampiran.skema_pertanggungjawaban,
                PlanLampiran.konsekuensi,
            ).where(PlanLampiran.plan_id == plan_id)
        ).all(),
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("plan.expectations", "plan.lampiran")))
        ),
    )


# -- the data -------------------------------------------------------------------------------


def test_the_seven_values_are_the_scoring_engines_with_three_key_behaviours_each():
    assert tuple(v.name for v in VALUES) == scoring.BERAKHLAK
    assert all(len(v.panduan) == 3 and v.makna for v in VALUES)
    assert BY_KEY["berorientasi_pelayanan"].panduan == (
        SERVICE,
        "Ramah, cekatan, solutif, dan dapat diandalkan",
        "Melakukan perbaikan tiada henti",
    )
    assert len(set(KEYS)) == 7 and all(k.isascii() and k.islower() for k in KEYS)


# -- who may, and when ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("boss", True), ("owner", False), ("peer", False), ("head", False), ("admin", False)],
)
def test_only_the_evaluator_sets_them_while_the_plan_is_discussed(w, make_client, who, allowed):
    client = sign_in(make_client, getattr(w, who))
    before = stored(w.plan.id)
    response = client.post(url(w), form(w.plan, ekspektasi_akuntabel="Tepat waktu."))
    assert response.status_code == (303 if allowed else 403)
    if not allowed:  # the plain refusal: it tells them nothing
        assert str(NOT_PERMITTED) in response.get_data(as_text=True)
    assert (stored(w.plan.id) != before) is allowed
    assert (client.get(url(w)).status_code == 200) is allowed


def test_a_pp46_plan_has_no_perilaku_kerja_section(w, factory, make_client):
    from portal.models import Scheme

    last = factory.period(
        w.owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
        scheme=Scheme.PP46,
    )
    factory.target(w.owner, last, state=DISCUSSED)
    db.session.commit()
    boss = sign_in(make_client, w.boss)
    assert boss.get(url(w, period=last)).status_code == 403
    page = boss.get(f"/skp/{last.id}/pegawai/{w.owner.id}").get_data(as_text=True)
    assert "perilaku-title" not in page and "lampiran-title" not in page
    assert "perilaku-title" in boss.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").get_data(
        as_text=True
    )


def test_a_plan_of_another_instansi_or_nobody_is_404(w, make_client):
    stranger = sign_in(make_client, w.stranger)
    before = stored(w.plan.id)
    assert stranger.get(url(w)).status_code == 404
    assert stranger.post(url(w), form(w.plan, ekspektasi_loyal="x")).status_code == 404
    boss = sign_in(make_client, w.boss)
    assert boss.post(f"/skp/{w.period.id}/pegawai/999999/perilaku", form(w.plan)).status_code == 404
    assert boss.get(f"/skp/999999/pegawai/{w.owner.id}/perilaku").status_code == 404
    assert stored(w.plan.id) == before


def test_the_evaluator_sets_them_and_the_employee_reads_them_on_the_plan(w, make_client):
    boss = sign_in(make_client, w.boss)
    page = boss.get(url(w)).get_data(as_text=True)
    assert SERVICE in page and "Tidak menyalahgunakan kewenangan jabatan" in page
    version = w.plan.version
    response = boss.post(
        url(w),
        form(
            w.plan,
            ekspektasi_berorientasi_pelayanan="Menjawab setiap surat\r\ndalam tiga hari kerja.",
            ekspektasi_kolaboratif="Aktif di tim kerja SAKIP.",
            dukungan_sumber_daya="Akses aplikasi e-Kinerja dan pelatihan analis.",
            skema_pertanggungjawaban="Laporan bulanan; evaluasi triwulanan.",
            konsekuensi="Pembinaan bila dua triwulan di bawah ekspektasi.",
        ),
    )
    assert response.status_code == 303
    terms = load_terms(db.session.get(Plan, w.plan.id))
    assert terms.version == version + 1
    assert terms.expectations == {
        "berorientasi_pelayanan": "Menjawab setiap surat\ndalam tiga hari kerja.",
        "kolaboratif": "Aktif di tim kerja SAKIP.",
    }
    assert terms.lampiran["konsekuensi"].startswith("Pembinaan")
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "Plan", AuditEvent.actor_id == w.boss.id
        )
    ).all()
    assert sorted(actions) == ["plan.expectations", "plan.lampiran"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.expectations"))
    assert event.subject_id == w.owner.id
    assert event.summary["changes"]["Kolaboratif"] == ["", "Aktif di tim kerja SAKIP."]

    owner = sign_in(make_client, w.owner)
    plan_page = owner.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").get_data(as_text=True)
    assert "Aktif di tim kerja SAKIP." in plan_page and SERVICE in plan_page
    assert "Akses aplikasi e-Kinerja" in plan_page
    assert url(w) not in plan_page  # the employee reads, does not edit
    assert url(w) in boss.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").get_data(as_text=True)


def test_emptying_an_expectation_removes_it(w, make_client):
    boss = sign_in(make_client, w.boss)
    boss.post(url(w), form(w.plan, ekspektasi_loyal="Menjaga rahasia data pegawai."))
    db.session.expire_all()
    assert boss.post(url(w), form(db.session.get(Plan, w.plan.id))).status_code == 303
    assert load_terms(db.session.get(Plan, w.plan.id)).expectations == {}


def test_once_every_target_is_approved_they_are_read_only(w, make_client):
    boss = sign_in(make_client, w.boss)
    assert boss.post(url(w), form(w.plan, ekspektasi_adaptif="Cepat belajar.")).status_code == 303
    engine.fire(db.session.merge(w.discussed), "approve", w.boss)
    db.session.commit()
    plan = db.session.get(Plan, w.plan.id)
    before = stored(plan.id)
    refused = boss.get(url(w))
    assert refused.status_code == 403
    assert str(EXPECTATIONS_AGREED).split(";")[0] in refused.get_data(as_text=True)
    assert boss.post(url(w), form(plan, ekspektasi_adaptif="Lain.")).status_code == 403
    assert stored(plan.id) == before
    page = boss.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").get_data(as_text=True)
    assert "Cepat belajar." in page and "Disetujui bersama target SKP." in page
    assert url(w) not in page
    # Reopened for discussion: open again.
    engine.fire(db.session.merge(w.discussed), "reopen", w.boss, reason="Target diubah")
    db.session.commit()
    assert boss.get(url(w)).status_code == 200


# -- bad input ------------------------------------------------------------------------------

BAD = [
    ("ekspektasi_akuntabel", "x" * 1001, "paling banyak 1000 karakter"),
    ("ekspektasi_akuntabel", "Tepat\x07waktu", "karakter yang tidak diizinkan"),
    ("ekspektasi_harmonis", "Nol\x00byte", "karakter yang tidak diizinkan"),
    ("konsekuensi", "y" * 2001, "Paling banyak 2000 karakter"),
    ("dukungan_sumber_daya", "a\x1bb", "karakter yang tidak diizinkan"),
    ("ekspektasi_jujur", "Selalu jujur.", "“jujur” tidak dikenal"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"), BAD, ids=[b[0] + str(i) for i, b in enumerate(BAD)]
)
def test_bad_input_is_422_with_the_field_named_and_changes_nothing(
    w, make_client, name, value, message
):
    boss = sign_in(make_client, w.boss)
    before = stored(w.plan.id)
    response = boss.post(
        url(w), form(w.plan, ekspektasi_kompeten="Ikut pelatihan.", **{name: value})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if not name.endswith("jujur"):
        assert f'id="f-{name}-error"' in html and 'aria-invalid="true"' in html
    assert stored(w.plan.id) == before


def test_the_service_refuses_an_unknown_value_and_a_long_text(w, app):
    ref = PlanRef(w.owner, w.period, w.plan)
    with app.test_request_context():
        with pytest.raises(InvalidInput) as unknown:
            service.save_terms(ref, TermsInput({"jujur": "x"}, {}), w.boss, w.plan.version)
        assert "ekspektasi_jujur" in unknown.value.errors
        with pytest.raises(InvalidInput) as long:
            service.save_terms(ref, TermsInput({"loyal": "x" * 1001}, {}), w.boss, w.plan.version)
        assert "ekspektasi_loyal" in long.value.errors


# -- stale forms and races ------------------------------------------------------------------


def test_a_stale_form_is_409_with_the_fresh_texts_and_changes_nothing(w, make_client):
    boss = sign_in(make_client, w.boss)
    shown = form(w.plan)  # both tabs show version 1
    assert boss.post(url(w), {**shown, "ekspektasi_loyal": "Versi pertama."}).status_code == 303
    before = stored(w.plan.id)
    response = boss.post(url(w), {**shown, "ekspektasi_loyal": "Versi kedua."})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(CHANGED_ELSEWHERE).split(";")[0] in html
    assert "Versi pertama." in html and "Versi kedua." not in html
    assert f'name="version" value="{before[0]}"' in html
    assert stored(w.plan.id) == before


def test_a_form_without_its_version_is_refused(w, make_client):
    boss = sign_in(make_client, w.boss)
    data = form(w.plan, ekspektasi_loyal="x")
    del data["version"]
    before = stored(w.plan.id)
    assert boss.post(url(w), data).status_code == 422
    assert stored(w.plan.id) == before


def test_the_plan_approved_meanwhile_is_a_conflict(w, app):
    """The policy saw the plan in discussion; its last target was approved before the
    save claimed the plan: the save is refused and writes nothing."""
    ref = PlanRef(w.owner, w.period, w.plan)
    with app.test_request_context():
        assert can(w.boss, Action.SET_EXPECTATIONS, ref)  # cached for this request
        engine.fire(w.discussed, "approve", w.boss)
        with pytest.raises(Conflict) as lost:
            service.save_terms(ref, TermsInput({"loyal": "x"}, {}), w.boss, w.plan.version)
    assert lost.value.message == str(NO_LONGER_DISCUSSED)


def test_a_save_that_lost_the_race_to_the_approval_shows_what_was_approved(
    w, make_client, monkeypatch
):
    """The request was let in while the plan was discussed; its last target was approved
    before the save claimed the plan: 409, the approved texts shown read-only."""
    from portal import policy

    _set(w, harmonis="Santun kepada operator.")
    engine.fire(db.session.merge(w.discussed), "approve", w.boss)
    db.session.commit()
    real, seen_open = policy.plan_in_discussion, iter((True, True))
    monkeypatch.setattr(
        policy, "plan_in_discussion", lambda plan: next(seen_open, None) or real(plan)
    )
    before = stored(w.plan.id)
    response = sign_in(make_client, w.boss).post(
        url(w), form(db.session.get(Plan, w.plan.id), ekspektasi_harmonis="Lain.")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(NO_LONGER_DISCUSSED).split(";")[0] in html
    assert "Santun kepada operator." in html and "<textarea" not in html
    assert stored(w.plan.id) == before


@pytest.mark.commits
def test_two_editors_racing_one_wins_the_other_gets_a_conflict(w, app, monkeypatch):
    plan_id, owner_id, period_id, boss_id = w.plan.id, w.owner.id, w.period.id, w.boss.id
    version = w.plan.version
    record = audit.record

    def slow_record(*args, **kwargs):  # the first writer holds its transaction open
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.3)
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)
    db.session.rollback()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(text: str) -> None:
        from portal.models import Employee, Period

        with app.app_context(), app.test_request_context():
            try:
                employee = db.session.get(Employee, owner_id)
                ref = PlanRef(
                    employee, db.session.get(Period, period_id), db.session.get(Plan, plan_id)
                )
                boss = db.session.get(Employee, boss_id)
                can(boss, Action.SET_EXPECTATIONS, ref)
                barrier.wait(timeout=10)
                service.save_terms(ref, TermsInput({"loyal": text}, {}), boss, version)
                db.session.commit()
                outcomes.append(text)
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(t,)) for t in ("Satu.", "Dua.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0] in ("Dua.", "Satu.") and outcomes.count("conflict") == 1
    [winner] = [o for o in outcomes if o != "conflict"]
    db.session.expire_all()
    assert load_terms(db.session.get(Plan, plan_id)).expectations == {"loyal": winner}
    assert db.session.get(Plan, plan_id).version == version + 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "plan.expectations")
        )
        == 1
    )


# -- carried into the evaluations -----------------------------------------------------------


def _set(w, **texts) -> None:
    for key, text in texts.items():
        db.session.add(PlanExpectation(plan_id=w.plan.id, value_key=key, text=text))
    db.session.commit()


def test_the_periodic_screen_shows_each_values_expectation(w, make_client):
    w.period.cadence = Cadence.TRIWULANAN
    add(entry(w.approved, date(2026, 1, 12), status=EntryStatus.ACCEPTED))
    _set(w, akuntabel="Laporan keuangan tanpa catatan.", adaptif="Memakai aplikasi baru.")
    boss = sign_in(make_client, w.boss)
    html = boss.get(f"/evaluasi-periodik/{w.period.id}/pegawai/{w.owner.id}/1").get_data(
        as_text=True
    )
    assert html.count('class="expectation"') == 2
    assert "Laporan keuangan tanpa catatan." in html
    # Next to the value it belongs to: Akuntabel is the second value (index 1).
    assert 'id="f-behaviour_1-expectation"' in html
    assert 'aria-describedby="f-behaviour_1-expectation' in html


def test_the_annual_screen_shows_each_values_expectation(w, make_client):
    _set(w, kompeten="Lulus uji kompetensi analis.")
    boss = sign_in(make_client, w.boss)
    html = boss.get(f"/evaluasi/{w.period.id}/pegawai/{w.owner.id}").get_data(as_text=True)
    assert "Lulus uji kompetensi analis." in html
    assert 'id="f-berakhlak_2-expectation"' in html


# -- the demo -------------------------------------------------------------------------------


def test_the_demo_employee_reads_the_expectations_and_lampiran_their_atasan_set(
    app, make_client, monkeypatch
):
    from portal.models import Employee
    from portal.seed.demo import ATASAN, PEGAWAI, seed_demo
    from portal.seed.perilaku import EXPECTATIONS, LAMPIRAN

    fix_today(monkeypatch)
    seed_demo()
    pegawai = db.session.scalar(select(Employee).where(Employee.nip == PEGAWAI.nip))
    atasan = db.session.scalar(select(Employee).where(Employee.nip == ATASAN.nip))
    plan = db.session.scalar(
        select(Plan).where(Plan.employee_id == pegawai.id).order_by(Plan.id.desc())
    )
    assert load_terms(plan).expectations == EXPECTATIONS
    page_url = f"/skp/{plan.period_id}/pegawai/{pegawai.id}"
    mine = sign_in(make_client, pegawai).get(page_url).get_data(as_text=True)
    assert EXPECTATIONS["loyal"] in mine and LAMPIRAN["konsekuensi"] in mine
    theirs = sign_in(make_client, atasan).get(page_url).get_data(as_text=True)
    assert f"{page_url}/perilaku" in theirs


# -- statement counts -----------------------------------------------------------------------


def _statements(count_statements, client, url: str) -> int:
    """One GET's statements, in a session of its own as in production (warmed first)."""
    from flask import current_app

    app = current_app._get_current_object()
    with app.app_context():
        client.get(url)
    with app.app_context(), count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_pages_cost_the_same_for_5_and_50_targets_with_expectations(
    w, factory, make_client, count_statements
):
    """The plan page (the employee's and the evaluator's), the edit page, the periodic and
    the annual screen read the expectations in a fixed number of statements."""
    w.period.cadence = Cadence.TRIWULANAN
    _set(w, **{key: f"Ekspektasi {key}." for key in KEYS})
    db.session.add(PlanLampiran(plan_id=w.plan.id, konsekuensi="Pembinaan."))
    db.session.commit()
    plan = f"/skp/{w.period.id}/pegawai/{w.owner.id}"
    pages = [
        (w.owner, plan),
        (w.boss, plan),
        (w.boss, url(w)),
        (w.boss, f"/evaluasi-periodik/{w.period.id}/pegawai/{w.owner.id}/1"),
        (w.boss, f"/evaluasi/{w.period.id}/pegawai/{w.owner.id}"),
    ]
    clients = {who.id: sign_in(make_client, who) for who in (w.owner, w.boss)}

    def measure() -> list[int]:
        return [_statements(count_statements, clients[who.id], page) for who, page in pages]

    def grow(count: int) -> None:
        for i in range(count):
            factory.target(w.owner, w.period, state=APPROVED, title=f"Target tambahan {i}")
        db.session.commit()

    grow(5)
    small = measure()
    grow(45)
    assert measure() == small
    html = clients[w.owner.id].get(plan).get_data(as_text=True)
    assert html.count('class="expectation"') == 7 and html.count('class="card target"') == 52
