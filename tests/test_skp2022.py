"""The SKP of PermenPANRB 6/2022 (issue 14 items 1-3): several IKI per RHK with their
aspect, target, unit, direction and (JPT, kuantitatif) perspektif; the plan's pendekatan
and form; RHK grouped A. Utama and B. Tambahan; the capaian of an RHK from all its IKI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import scoring
from portal.extensions import db
from portal.models import (
    AuditEvent,
    IndicatorAspect,
    Pendekatan,
    Plan,
    SkpForm,
    Target,
    TargetIndicator,
    TargetKind,
)
from portal.models.periods import Scheme
from portal.plans.forms import (
    IKI_DUPLICATE,
    IKI_NEEDS_COST,
    IKI_REQUIRED,
    LOWER_IS_BETTER_ZERO,
    PERSPEKTIF_REQUIRED,
    PERSPEKTIF_UNKNOWN,
)
from portal.plans.services import (
    PERSPEKTIF_NOT_ALLOWED,
    VARIANT_LOCKED,
    VARIANT_STALE,
    ensure_plan,
)
from portal.ranks import JenisJabatan
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows.states import APPROVED


@pytest.fixture
def w(factory, monkeypatch):
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (owner, colleague) = factory.team(2)
    period = factory.period(owner.instansi)
    db.session.commit()
    return type("W", (), {"head": head, "boss": boss, "owner": owner, "period": period})


def editor_form(**changes) -> dict:
    form = {
        "title": "Tersusunnya laporan analisis jabatan",
        "kind": "utama",
        "indicator": "Jumlah laporan analisis jabatan",
        "quantity": "12",
        "quantity_unit": "laporan",
        "quality_indicator": "Persentase laporan tanpa revisi",
        "quality_target": "90",
        "time_indicator": "Waktu penyelesaian laporan",
        "time_months": "12",
        **{f"month_{i}": "1" for i in range(1, 13)},
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def new_target_url(w, employee=None) -> str:
    return f"/skp/{w.period.id}/pegawai/{(employee or w.owner).id}/target/baru"


def indicators_of(target_id: int) -> list[TargetIndicator]:
    return list(
        db.session.scalars(
            select(TargetIndicator)
            .where(TargetIndicator.target_id == target_id)
            .order_by(TargetIndicator.position)
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- several IKI per RHK ---------------------------------------------------------------


def test_a_target_is_saved_with_each_of_its_iki_and_shown_grouped(w, make_client):
    me = signed_in(make_client(), w.owner)
    saved = me.post(new_target_url(w), editor_form())
    assert saved.status_code == 303, saved.text[:400]
    target = db.session.scalar(select(Target).where(Target.owner_id == w.owner.id))
    rows = [
        (i.aspect, i.text, i.target_value, i.unit, i.lower_is_better)
        for i in indicators_of(target.id)
    ]
    assert rows == [
        (IndicatorAspect.KUANTITAS, "Jumlah laporan analisis jabatan", 12, "laporan", False),
        (IndicatorAspect.KUALITAS, "Persentase laporan tanpa revisi", 90, "%", False),
        (IndicatorAspect.WAKTU, "Waktu penyelesaian laporan", 12, "bulan", True),
    ]
    # The kuantitas IKI is the target's own columns too (the months and reports read them).
    assert (target.indicator, target.quantity, target.quality_target) == (
        "Jumlah laporan analisis jabatan",
        12,
        90,
    )
    me.post(new_target_url(w), editor_form(title="Terlaksananya sosialisasi", kind="tambahan"))
    second = db.session.scalar(select(Target).where(Target.kind == TargetKind.TAMBAHAN))
    page = me.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").text
    a, b = page.index('id="group-A"'), page.index('id="group-B"')
    assert a < page.index(f'id="target-{target.id}"') < b < page.index(f'id="target-{second.id}"')
    assert ">A. Utama</h2>" in page and ">B. Tambahan</h2>" in page
    assert "Persentase laporan tanpa revisi" in page and "90 %" in page
    detail = me.get(f"/target/{target.id}").text
    assert "Waktu penyelesaian laporan" in detail and "makin rendah makin baik" in detail


def test_editing_changes_adds_and_removes_iki_in_place_and_audits_them(w, make_client):
    me = signed_in(make_client(), w.owner)
    me.post(new_target_url(w), editor_form())
    target = db.session.scalar(select(Target).where(Target.owner_id == w.owner.id))
    kuantitas_id = indicators_of(target.id)[0].id
    edited = me.post(
        f"/target/{target.id}/ubah",
        editor_form(
            version=str(target.version),
            indicator="Jumlah dokumen analisis jabatan",
            time_indicator="",
            cost_indicator="Realisasi anggaran penyusunan",
            cost="25.000.000",
        ),
    )
    assert edited.status_code == 303, edited.text[:400]
    rows = indicators_of(target.id)
    assert [r.aspect for r in rows] == [
        IndicatorAspect.KUANTITAS,
        IndicatorAspect.KUALITAS,
        IndicatorAspect.BIAYA,
    ]
    assert rows[0].id == kuantitas_id and rows[0].text == "Jumlah dokumen analisis jabatan"
    assert rows[2].target_value == 25_000_000 and rows[2].lower_is_better
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "target.update")
        .order_by(AuditEvent.id.desc())
    )
    before, after = event.summary["changes"]["indikator"]
    assert any("Waktu penyelesaian laporan" in line for line in before)
    assert any("Realisasi anggaran penyusunan" in line for line in after)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"indicator": ""}, "indicator", IKI_REQUIRED),
        ({"time_indicator": "Jumlah laporan analisis jabatan"}, "time_indicator", IKI_DUPLICATE),
        ({"quality_indicator": "JUMLAH LAPORAN  analisis jabatan"}, "quality_indicator", None),
        ({"cost_indicator": "Realisasi anggaran", "cost": ""}, "cost", IKI_NEEDS_COST),
        (
            {"lower_is_better": "1", "quantity": "0", **{f"month_{i}": "0" for i in range(1, 13)}},
            "quantity",
            LOWER_IS_BETTER_ZERO,
        ),
        ({"perspektif_kuantitas": "penerima_layanan"}, "perspektif_kuantitas", None),
    ],
)
def test_bad_iki_are_refused_with_the_field_named_and_nothing_saved(
    w, make_client, changes, field, message
):
    me = signed_in(make_client(), w.owner)
    refused = me.post(new_target_url(w), editor_form(**changes))
    assert refused.status_code == 422
    expected = {
        "quality_indicator": IKI_DUPLICATE,
        "perspektif_kuantitas": PERSPEKTIF_NOT_ALLOWED,
    }.get(field, message)
    assert str(expected) in refused.text
    assert f'id="f-{field}-error"' in refused.text
    assert count(Target) == 0 and count(TargetIndicator) == 0


def test_a_jpt_plan_with_the_kuantitatif_pendekatan_gives_each_iki_a_perspektif(w, make_client):
    jpt = w.head  # the team's head holds a JPT position: the JPT form
    assert jpt.jenis_jabatan == JenisJabatan.JPT
    me = signed_in(make_client(), jpt)
    form = editor_form(time_indicator="")
    missing = me.post(new_target_url(w, jpt), form)
    assert missing.status_code == 422 and str(PERSPEKTIF_REQUIRED) in missing.text
    forged = me.post(
        new_target_url(w, jpt),
        form | {"perspektif_kuantitas": "rahasia", "perspektif_kualitas": "anggaran"},
    )
    assert forged.status_code == 422 and str(PERSPEKTIF_UNKNOWN) in forged.text
    assert count(Target) == 0
    saved = me.post(
        new_target_url(w, jpt),
        form | {"perspektif_kuantitas": "penerima_layanan", "perspektif_kualitas": "proses_bisnis"},
    )
    assert saved.status_code == 303, saved.text[:400]
    plan = db.session.scalar(select(Plan).where(Plan.employee_id == jpt.id))
    assert (plan.skp_form, plan.pendekatan) == (SkpForm.JPT, Pendekatan.KUANTITATIF)
    target = db.session.scalar(select(Target).where(Target.owner_id == jpt.id))
    assert [i.perspektif.value for i in indicators_of(target.id)] == [
        "penerima_layanan",
        "proses_bisnis",
    ]
    page = me.get(f"/skp/{w.period.id}/pegawai/{jpt.id}").text
    assert "Penerima layanan" in page and "SKP Jabatan Pimpinan Tinggi" in page

    # Leaving the kuantitatif pendekatan clears the perspektif, which no longer applies.
    changed = me.post(
        f"/skp/{w.period.id}/pegawai/{jpt.id}/varian",
        {"pendekatan": "kualitatif", "skp_form": "jpt", "version": str(plan.version)},
    )
    assert changed.status_code == 303
    assert [i.perspektif for i in indicators_of(target.id)] == [None, None]
    db.session.refresh(plan)
    assert plan.pendekatan == Pendekatan.KUALITATIF and plan.version == 2
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan.variant")
    )


def test_the_variant_refuses_a_stale_version_an_unknown_value_and_other_people(
    w, factory, make_client
):
    plan = ensure_plan(w.owner, w.period)
    db.session.commit()
    url = f"/skp/{w.period.id}/pegawai/{w.owner.id}/varian"
    me = signed_in(make_client(), w.owner)
    stale = me.post(url, {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "7"})
    assert stale.status_code == 409 and str(VARIANT_STALE) in stale.text
    for bad in (
        {"pendekatan": "campuran", "skp_form": "ja_jf", "version": "1"},
        {"pendekatan": "kualitatif", "skp_form": "jpt2", "version": "1"},
        {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "99999999999999999999"},
    ):
        assert me.post(url, bad).status_code == 422, bad
    boss = signed_in(make_client(), w.boss)
    assert (
        boss.post(url, {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "1"})
    ).status_code == 403
    stranger = factory.employee(factory.unit(factory.instansi()))
    db.session.commit()
    assert (
        signed_in(make_client(), stranger).post(
            url, {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "1"}
        )
    ).status_code == 404
    db.session.refresh(plan)
    assert (plan.pendekatan, plan.version) == (Pendekatan.KUANTITATIF, 1)
    # Once a target is approved the agreed form stays.
    factory.target(w.owner, w.period, state=APPROVED)
    db.session.commit()
    locked = me.post(url, {"pendekatan": "kualitatif", "skp_form": "ja_jf", "version": "1"})
    assert locked.status_code == 422 and str(VARIANT_LOCKED) in locked.text


# -- the capaian of an RHK from all its IKI --------------------------------------------


def test_the_capaian_of_an_rhk_is_the_mean_of_its_iki_with_the_steps():
    one = scoring.explain_capaian_rhk([("IKI Kuantitas", 12, 9, False)])
    assert one.value == pytest.approx(75.0)
    three = scoring.explain_capaian_rhk(
        [
            ("IKI Kuantitas", 12, 12, False),  # 100
            ("IKI Kualitas", 90, 81, False),  # 90
            ("IKI Waktu", 12, 9, True),  # (1 + (1 - 9/12)) × 100 = 125
        ]
    )
    assert three.value == pytest.approx((100 + 90 + 125) / 3)
    assert three.steps[0].startswith("IKI Kuantitas: Capaian = R / T")
    assert three.steps[-1].startswith("Capaian RHK = rata-rata capaian 3 IKI")
    with pytest.raises(ValueError):
        scoring.explain_capaian_rhk([])


def test_the_evaluation_scores_each_iki_from_its_own_realisation(w, factory):
    from portal.evaluations.scores import indicator_inputs
    from portal.realisation import Realisation

    target = factory.target(
        w.owner,
        w.period,
        state=APPROVED,
        quality_indicator="Persentase laporan tanpa revisi",
        quality_target=80,
        time_indicator="Waktu penyelesaian",
    )
    db.session.commit()
    db.session.refresh(target)
    inputs = indicator_inputs(target, Realisation(target), 72.0, 10)
    assert inputs == [
        ("IKI Kuantitas “Laporan selesai tepat waktu”", 12, 0, False),
        ("IKI Kualitas “Persentase laporan tanpa revisi”", 80, 72.0, False),
        ("IKI Waktu “Waktu penyelesaian”", 12, 10, True),
    ]


def test_a_period_of_scheme_a_keeps_its_own_form(w, factory, make_client):
    pp46 = factory.period(
        w.owner.instansi, name="PP 46", scheme=Scheme.PP46, start_date=w.period.start_date
    )
    db.session.commit()
    me = signed_in(make_client(), w.owner)
    form = me.get(f"/skp/{pp46.id}/pegawai/{w.owner.id}/target/baru").text
    assert 'name="quality_indicator"' not in form and 'name="quantity"' in form
    saved = me.post(
        f"/skp/{pp46.id}/pegawai/{w.owner.id}/target/baru",
        editor_form(indicator="", quality_indicator="ignored in scheme A"),
    )
    assert saved.status_code == 303, saved.text[:300]
    target = db.session.scalar(select(Target).where(Target.period_id == pp46.id))
    assert [i.aspect for i in indicators_of(target.id)] == [IndicatorAspect.KUANTITAS]
    assert target.kind == TargetKind.UTAMA
