"""Demo plans: a cascade down the Bagian Organisasi chain, every planning state, comments.

Everything goes through the real services and the one transition function, so the
history, audit log and versions are exactly what users would have produced.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from portal.extensions import db
from portal.models import Employee, Period, Target
from portal.models.periods import PeriodStatus
from portal.plans import services
from portal.plans.services import TargetInput, spread_evenly
from portal.policy import PlanRef
from portal.seed.evaluations import evaluate_and_follow_up
from portal.seed.monthly import accepted_months
from portal.seed.reports import report_months
from workflows import engine

AS3_TARGETS = [
    ("Meningkatnya kualitas tata kelola kelembagaan perangkat daerah", 4, "laporan"),
    ("Meningkatnya kualitas layanan administrasi pimpinan", 12, "laporan"),
]
# The Asisten holds a JPT position: the JPT form, kuantitatif, a perspektif on each IKI,
# and IKI beyond kuantitas (issue 14: every variant of the SKP shows in the demo).
AS3_FURTHER = [
    {
        "quality_indicator": "Persentase rekomendasi kelembagaan yang ditindaklanjuti",
        "quality_target": 80,
        "perspektif": {"kuantitas": "proses_bisnis", "kualitas": "penerima_layanan"},
    },
    {
        "time_indicator": "Waktu penyelesaian laporan layanan administrasi",
        "perspektif": {"kuantitas": "penerima_layanan", "waktu": "penguatan_internal"},
    },
]
KABAG_TARGETS = [
    ("Tersusunnya rekomendasi penataan kelembagaan perangkat daerah", 4, "rekomendasi", 0),
    ("Terlaksananya evaluasi reformasi birokrasi", 2, "laporan", 0),
]
ATASAN_TARGETS = [
    (
        "Tersusunnya dokumen analisis jabatan dan analisis beban kerja perangkat daerah",
        12,
        "dokumen",
        0,
    ),
    ("Terlaksananya evaluasi kelembagaan perangkat daerah", 4, "laporan", 0),
    ("Tersusunnya peta jabatan perangkat daerah", 6, "dokumen", 0),
]


def _target(
    owner,
    period,
    title,
    quantity,
    unit,
    parent=None,
    *,
    monthly=None,
    cost=None,
    indicator="",
    kind=services.TargetKind.UTAMA,
    assigned_by=None,
    **further,
) -> Target:
    values = {"quality_target": 100, "time_months": period.month_count, **further}
    data = TargetInput(
        title=title,
        kind=kind,
        parent_id=parent.id if parent else None,
        indicator=indicator or f"Jumlah {unit} yang diselesaikan tepat waktu",
        lower_is_better=False,
        quantity=quantity,
        quantity_unit=unit,
        cost=cost,
        monthly=monthly or spread_evenly(quantity, period.month_count),
        assigned_by_nip=assigned_by.nip if assigned_by else "",
        **values,
    )
    return services.create_target(PlanRef(owner, period), data, owner)


def _advance(target: Target, *steps: tuple[str, Employee, str]) -> None:
    for trigger, actor, reason in steps:
        engine.fire(target, trigger, actor, reason=reason)


def _comment(target: Target, author: Employee, body: str) -> None:
    services.add_comment(target, author, body, secrets.token_hex(16))


def seed_plans(instansi_id: int, people: dict[str, Employee]) -> dict[str, Target]:
    """Create the demo plans once; return the targets later seeds build on (empty when
    the plans already existed)."""
    exists = db.session.scalar(select(Target.id).where(Target.instansi_id == instansi_id).limit(1))
    if exists is not None:
        return {}
    periods = {
        p.name: p
        for p in db.session.scalars(select(Period).where(Period.instansi_id == instansi_id))
    }
    last, current = sorted(periods.values(), key=lambda p: p.start_date)[-2:]
    named: dict[str, Target] = {}
    sekda, as3, kabag = people["SETDA"], people["AS3"], people["ORG"]
    atasan, pegawai, admin, clerk = (
        people["ATASAN"],
        people["PEGAWAI"],
        people["ADMIN"],
        people["CLERK"],
    )

    # Last year's plan, evaluated and followed up, to copy from and compare against.
    last.status = PeriodStatus.OPEN
    db.session.flush()
    for title, quantity, unit in (
        ("Menyusun analisis jabatan unit kerja", 10, "dokumen"),
        ("Menyiapkan bahan evaluasi kelembagaan", 4, "laporan"),
    ):
        t = _target(pegawai, last, title, quantity, unit)
        _advance(t, ("submit", pegawai, ""), ("approve", atasan, ""))
        report_months(t, atasan, last.month_count, pending_last=False)
        accepted_months(pegawai, last, atasan, range(1, last.month_count + 1))
        _advance(t, ("submit_report", pegawai, ""))
    evaluate_and_follow_up(pegawai, last, atasan)
    last.status = PeriodStatus.CLOSED
    db.session.flush()

    # This year's cascade: Asisten 3 → Kepala Bagian Organisasi → Kasubbag → staff.
    as3_targets = []
    for (title, quantity, unit), further in zip(AS3_TARGETS, AS3_FURTHER, strict=True):
        t = _target(as3, current, title, quantity, unit, **further)
        _advance(t, ("submit", as3, ""), ("approve", sekda, ""))
        as3_targets.append(t)
    kabag_targets = []
    for title, quantity, unit, parent in KABAG_TARGETS:
        t = _target(kabag, current, title, quantity, unit, as3_targets[parent])
        _advance(t, ("submit", kabag, ""), ("approve", as3, ""))
        kabag_targets.append(t)
    atasan_targets = []
    for title, quantity, unit, parent in ATASAN_TARGETS:
        t = _target(atasan, current, title, quantity, unit, kabag_targets[parent])
        _advance(t, ("submit", atasan, ""), ("approve", kabag, ""))
        atasan_targets.append(t)
    named.update({f"atasan_{i}": t for i, t in enumerate(atasan_targets)})
    # A result outside the cascade: the SKP's "B. Tambahan".
    extra = _target(
        atasan,
        current,
        "Terlaksananya sosialisasi SKP PermenPANRB 6/2022 di lingkungan bagian",
        1,
        "kegiatan",
        kind=services.TargetKind.TAMBAHAN,
        indicator="Jumlah kegiatan sosialisasi yang terlaksana",
    )
    _advance(extra, ("submit", atasan, ""), ("approve", kabag, ""))

    # The demo employee: one of each planning state.
    approved = _target(
        pegawai, current, "Menyusun analisis jabatan unit kerja", 6, "dokumen", atasan_targets[0]
    )
    _advance(approved, ("submit", pegawai, ""), ("approve", atasan, ""))
    discussed = _target(
        pegawai,
        current,
        "Menyusun analisis beban kerja unit kerja",
        6,
        "dokumen",
        atasan_targets[0],
    )
    _advance(discussed, ("submit", pegawai, ""))
    _comment(discussed, atasan, "Enam dokumen cukup realistis. Mohon prioritaskan unit pelayanan.")
    _comment(discussed, pegawai, "Baik, Bu. Urutannya saya mulai dari Dinas Kesehatan.")
    backloaded = _target(
        pegawai,
        current,
        "Menyiapkan bahan evaluasi kelembagaan",
        4,
        "laporan",
        atasan_targets[1],
        monthly=[0] * 9 + [1, 1, 2],
    )
    _advance(backloaded, ("submit", pegawai, ""))
    revised = _target(pegawai, current, "Menyusun kajian penyederhanaan birokrasi", 2, "kajian")
    _advance(
        revised,
        ("submit", pegawai, ""),
        (
            "request_revision",
            atasan,
            "Tautkan ke target atasan dan rinci jadwalnya: satu kajian per semester.",
        ),
    )
    _comment(revised, pegawai, "Siap, Bu. Saya perbaiki minggu ini.")
    named["pegawai_approved"] = approved

    for index, (title, quantity, unit) in enumerate(
        (
            ("Menyusun formasi kebutuhan jabatan fungsional", 4, "dokumen"),
            ("Memutakhirkan peta jabatan perangkat daerah", 6, "dokumen"),
        ),
        1,
    ):
        t = _target(admin, current, title, quantity, unit, atasan_targets[2])
        _advance(t, ("submit", admin, ""), ("approve", atasan, ""))
        named[f"admin_{index}"] = t
    for title, quantity, unit in (
        ("Mengelola surat masuk dan keluar subbagian", 600, "surat"),
        ("Menyusun notulen rapat koordinasi", 24, "notulen"),
    ):
        t = _target(clerk, current, title, quantity, unit, atasan_targets[1])
        _advance(t, ("submit", clerk, ""))

    # Peers with the same jabatan elsewhere: what the analysis compares against.
    peers = db.session.scalars(
        select(Employee)
        .where(
            Employee.instansi_id == instansi_id,
            Employee.jabatan == pegawai.jabatan,
            Employee.id != pegawai.id,
        )
        .order_by(Employee.nip)
    ).all()
    for index, peer in enumerate(peers):
        t = _target(
            peer, current, "Menyusun analisis jabatan unit kerja", 12 + index % 5, "dokumen"
        )
        _advance(t, ("submit", peer, ""))
    # A tim kerja across units: the Kasubbag, as ketua tim, assigned an RHK to an analyst
    # of another unit (penugasan dari), which is in discussion with that analyst's atasan.
    member = next((p for p in peers if p.atasan_id not in (None, atasan.id)), None)
    if member is not None:
        t = _target(
            member,
            current,
            "Menyusun bahan rapat tim kerja penataan kelembagaan",
            4,
            "laporan",
            assigned_by=atasan,
        )
        _advance(t, ("submit", member, ""))
        _comment(t, atasan, "Sebagai ketua tim: mohon bahan rapat dikirim seminggu sebelumnya.")
        named["tim_kerja"] = t
    db.session.flush()
    return named
