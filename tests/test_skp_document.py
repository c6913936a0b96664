"""The SKP PDF in the regulation's layout (issue 14 item 8): only approved content is
official (a DRAF before, marked on every page, without signatures), the approval date and
the pejabat penilai at the time of approval (Plt./Plh. when acting), A. Utama and
B. Tambahan with their IKI, the perilaku kerja and the lampiran, a verification code and
QR checked without storing anything, and no header broken inside a word."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import EvaluatorAssignment, Plan, Target, TargetKind
from portal.models.periods import Scheme
from portal.plans import expectations
from portal.policy import PlanRef
from tests.evaluation_helpers import pdf_text
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows import engine
from workflows.states import DRAFTED

HEADERS = (
    "Rencana hasil kerja pimpinan yang diintervensi",
    "Aspek",
    "Indikator kinerja individu",
    "Target",
    "Kuantitas",
    "Kualitas",
    "Perilaku kerja (BerAKHLAK) dan panduan perilaku",
    "Ekspektasi khusus pimpinan",
    "Dukungan sumber daya",
    "Skema pertanggungjawaban",
    "Konsekuensi",
)


@pytest.fixture
def w(factory, monkeypatch):
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (owner, colleague) = factory.team(2)
    period = factory.period(owner.instansi)
    db.session.commit()
    main = factory.target(
        owner,
        period,
        title="Tersusunnya dokumen analisis jabatan",
        quality_indicator="Persentase dokumen tanpa revisi",
        quality_target=90,
    )
    extra = factory.target(
        owner, period, title="Terlaksananya sosialisasi SKP", kind=TargetKind.TAMBAHAN
    )
    db.session.commit()
    return type(
        "W",
        (),
        {"head": head, "boss": boss, "owner": owner, "period": period, "targets": [main, extra]},
    )


def url(w) -> str:
    return f"/skp/{w.period.id}/pegawai/{w.owner.id}/cetak.pdf"


def approve_all(w, approver=None) -> None:
    for target in w.targets:
        engine.fire(target, "submit", w.owner)
        engine.fire(target, "approve", approver or w.boss)
    db.session.commit()


def test_a_plan_in_discussion_prints_as_a_marked_draft_without_signatures(w, make_client):
    engine.fire(w.targets[0], "submit", w.owner)
    db.session.commit()
    response = signed_in(make_client(), w.owner).get(url(w))
    assert response.status_code == 200
    assert "draf" in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data)
    assert text.count("DRAF") >= pages  # the mark on every page, and the note
    assert "tidak untuk ditandatangani" in text
    assert "Pegawai yang dinilai Pejabat penilai kinerja" in text  # identity block only
    assert "Kode verifikasi" not in text and "Disetujui pejabat penilai" not in text
    assert "Dalam pembahasan" in text and "Draf" in text  # each target's state


def test_an_approved_plan_is_the_official_skp_in_the_regulations_layout(w, make_client):
    plan = db.session.scalar(select(Plan).where(Plan.employee_id == w.owner.id))
    expectations.save_terms(
        PlanRef(w.owner, w.period, plan),
        expectations.TermsInput(
            expectations={"berorientasi_pelayanan": "Menjawab permintaan data dalam 3 hari"},
            lampiran={
                "dukungan_sumber_daya": "Aplikasi anjab-abk daring",
                "skema_pertanggungjawaban": "Laporan bulanan",
                "konsekuensi": "Sesuai PermenPANRB 6/2022",
            },
        ),
        w.boss,
        plan.version,
    )
    db.session.commit()
    approve_all(w)
    text, _pages = pdf_text(signed_in(make_client(), w.owner).get(url(w)).data)
    assert "SASARAN KINERJA PEGAWAI PENDEKATAN HASIL KERJA KUANTITATIF" in text
    assert "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL" in text
    assert "DRAF" not in text
    for header in HEADERS:
        assert header.upper() in text.upper(), header  # whole: no word broken in two
    assert text.index("A. Utama") < text.index("Tersusunnya dokumen analisis jabatan")
    assert text.index("B. Tambahan") < text.index("Terlaksananya sosialisasi SKP")
    assert "Persentase dokumen tanpa revisi" in text and "90%" in text
    assert "Memahami dan memenuhi kebutuhan masyarakat" in text  # the panduan perilaku
    assert "Menjawab permintaan data dalam 3 hari" in text  # the ekspektasi khusus
    assert "Aplikasi anjab-abk daring" in text and "Laporan bulanan" in text  # lampiran
    approved = re.search(r"Disetujui pejabat penilai kinerja pada (\d+ \w+ \d{4})", text)
    assert approved, text[-600:]
    code = re.search(r"Kode verifikasi ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", text)
    assert code and f"NIP {w.boss.nip_display}" in text


def test_the_skp_names_the_evaluator_who_approved_it_acting_as_plt(w, factory, make_client):
    plt = factory.employee(w.boss.unit, jabatan="Kepala Bagian")
    db.session.commit()
    for target in w.targets:
        db.session.add(EvaluatorAssignment(target_id=target.id, evaluator_id=plt.id, acting="plt"))
    db.session.execute(
        update(Target).where(Target.owner_id == w.owner.id).values(evaluator_id=plt.id)
    )
    db.session.commit()
    for target in w.targets:
        db.session.refresh(target)
    approve_all(w, approver=plt)
    # The evaluator changes afterwards: the SKP still names who approved it, as then.
    db.session.execute(
        update(Target).where(Target.owner_id == w.owner.id).values(evaluator_id=w.head.id)
    )
    db.session.commit()
    text, _pages = pdf_text(signed_in(make_client(), w.owner).get(url(w)).data)
    assert f"Plt. {plt.display_name}" in text
    assert w.head.display_name not in text


def test_the_code_verifies_while_the_skp_stands_and_not_after_a_change(w, client, make_client):
    approve_all(w)
    text, _pages = pdf_text(signed_in(make_client(), w.owner).get(url(w)).data)
    code = re.search(r"Kode verifikasi ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", text).group(1)
    plan_id = w.targets[0].plan_id
    page = client.get(f"/cek-skp/{plan_id}/{code}")  # anonymous: the QR's address
    assert page.status_code == 200 and "SKP asli dan masih berlaku." in page.text
    assert w.owner.display_name in page.text
    for wrong in (f"/cek-skp/{plan_id}/AAAA-AAAA-AAAA-AAAA", f"/cek-skp/{plan_id}/x%00y"):
        assert client.get(wrong).status_code == 404
    assert client.get(f"/cek-skp/99999999999999999999/{code}").status_code == 404
    assert client.get(f"/cek-skp/{plan_id + 1000}/{code}").status_code == 404
    engine.fire(w.targets[1], "reopen", w.boss, reason="Tambahkan target waktu.")
    db.session.commit()
    stale = client.get(f"/cek-skp/{plan_id}/{code}")
    assert stale.status_code == 404 and "sudah berubah sejak dicetak" in stale.text


def test_a_scheme_a_period_prints_the_pp46_form(w, factory, make_client):
    pp46 = factory.period(w.owner.instansi, name="PP 46", scheme=Scheme.PP46)
    db.session.commit()
    target = factory.target(w.owner, pp46, title="Menyusun laporan kepegawaian")
    db.session.commit()
    assert target.state == DRAFTED
    response = signed_in(make_client(), w.owner).get(
        f"/skp/{pp46.id}/pegawai/{w.owner.id}/cetak.pdf"
    )
    text, _pages = pdf_text(response.data)
    assert "Kegiatan tugas jabatan" in text and "Kuantitas / output" in text
    assert "PENDEKATAN HASIL KERJA" not in text
