"""Indonesian names for the audit log's action keys and object types.

Every key that ``portal.audit.record`` is called with has a label here, grouped by area
for the viewer's filter; a key without one (a new action, an old row) shows as it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# (area, {action key: label}), in the order the filter lists them.
ACTION_GROUPS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        _l("Akun dan sesi"),
        {
            "auth.login": _l("Masuk"),
            "auth.logout": _l("Keluar"),
            "auth.login_failed": _l("Gagal masuk"),
            "auth.lockout": _l("Akun dikunci sementara"),
            "auth.login_blocked": _l("Percobaan masuk ditolak (terkunci)"),
            "auth.password_changed": _l("Kata sandi diganti"),
            "auth.password_change_failed": _l("Gagal mengganti kata sandi"),
            "employee.language": _l("Bahasa tampilan diganti"),
        },
    ),
    (
        _l("Data pegawai"),
        {
            "employee.create": _l("Pegawai ditambahkan"),
            "employee.update": _l("Data pegawai diubah"),
            "employee.create_admin": _l("Admin instansi dibuat"),
            "employee.deactivate": _l("Pegawai dinonaktifkan"),
            "unit.create": _l("Unit kerja ditambahkan"),
            "unit.update": _l("Unit kerja diubah"),
            "import.upload": _l("Berkas impor diunggah"),
            "import.commit": _l("Impor data diterapkan"),
            "import.discard": _l("Impor data dibatalkan"),
            "import.export": _l("Data pegawai diekspor"),
        },
    ),
    (
        _l("Periode penilaian"),
        {
            "period.create": _l("Periode dibuat"),
            "period.update": _l("Periode diubah"),
            "period.open": _l("Periode dibuka"),
            "period.close": _l("Periode ditutup"),
            "period.reopen": _l("Periode dibuka kembali"),
        },
    ),
    (
        _l("Pergantian atasan dan pejabat penilai"),
        {
            "reassign.supervisor": _l("Atasan pegawai diganti"),
            "reassign.handover": _l("Pekerjaan atasan diserahterimakan"),
            "target.reassign": _l("Pejabat penilai target diganti"),
            "evaluation.reassign": _l("Pejabat penilai evaluasi diganti"),
            "target.interim_note": _l("Catatan serah terima pada target"),
            "evaluation.reopen": _l("Evaluasi dibuka kembali (admin)"),
        },
    ),
    (
        _l("SKP dan target"),
        {
            "plan.create": _l("SKP dibuat"),
            "plan.variant": _l("Pendekatan atau bentuk SKP diubah"),
            "plan.expectations": _l("Ekspektasi khusus pimpinan pada SKP diubah"),
            "plan.lampiran": _l("Lampiran SKP diubah"),
            "target.create": _l("Target ditambahkan"),
            "target.update": _l("Target diubah"),
            "target.delete": _l("Target dihapus"),
            "target.comment": _l("Komentar pada target"),
            "target.submit": _l("Target diajukan ke atasan"),
            "target.request_revision": _l("Target dikembalikan untuk perbaikan"),
            "target.approve": _l("Target disetujui"),
            "target.reopen": _l("Target dibuka kembali untuk pembahasan"),
            "target.submit_report": _l("Realisasi dikirim untuk evaluasi"),
            "target.return_report": _l("Laporan realisasi dikembalikan"),
            "target.evaluate": _l("Target dievaluasi"),
            "target.evaluate_unreported": _l("Target dievaluasi tanpa laporan akhir"),
            "target.follow_up": _l("Target ditindaklanjuti"),
            "target.revert": _l("Target dikembalikan ke tahap sebelumnya (admin)"),
            "target.revert_unreported": _l(
                "Target tanpa laporan akhir dikembalikan ke “Disetujui” (admin)"
            ),
            "target.rate_month": _l("Kualitas bulanan dinilai"),
        },
    ),
    (
        _l("Laporan harian"),
        {
            "entry.create": _l("Laporan harian dibuat"),
            "entry.update": _l("Laporan harian diubah"),
            "entry.resubmit": _l("Laporan harian diajukan ulang"),
            "entry.delete": _l("Laporan harian dihapus"),
            "entry.accept": _l("Laporan harian diterima"),
            "entry.reject": _l("Laporan harian ditolak"),
        },
    ),
    (
        _l("Laporan bulanan"),
        {
            "monthly_report.create": _l("Laporan bulanan dibuat"),
            "monthly_report.save": _l("Laporan bulanan disimpan"),
            "monthly_report.submit": _l("Laporan bulanan dikirim ke atasan"),
            "monthly_report.accept": _l("Laporan bulanan diterima atasan"),
            "monthly_report.return_report": _l("Laporan bulanan dikembalikan ke pegawai"),
        },
    ),
    (
        _l("Evaluasi dan tindak lanjut"),
        {
            "evaluation.save": _l("Evaluasi disimpan"),
            "evaluation.departure": _l("Evaluasi disimpan, berbeda dari saran sistem"),
            "evaluation.finish": _l("Evaluasi diselesaikan"),
            "evaluation.exclude": _l("Target dikecualikan dari evaluasi"),
            "evaluation.include": _l("Pengecualian target dari evaluasi dibatalkan"),
            "evaluation.agree": _l("Pegawai menyetujui evaluasi"),
            "evaluation.object": _l("Pegawai mengajukan keberatan"),
            "evaluation.objection_decided": _l("Keberatan diputuskan"),
            "follow_up.add": _l("Tindak lanjut ditambahkan"),
            "follow_up.close": _l("Tindak lanjut diselesaikan"),
            "letter.print": _l("Surat evaluasi dicetak"),
            "periodic.save": _l("Evaluasi periodik disimpan"),
            "periodic.finish": _l("Evaluasi periodik diselesaikan"),
            "periodic.acknowledge": _l("Pegawai menerima hasil evaluasi periodik"),
        },
    ),
    (
        _l("Pemberitahuan dan email"),
        {
            "notification.read": _l("Pemberitahuan ditandai dibaca"),
            "notification.read_all": _l("Semua pemberitahuan ditandai dibaca"),
            "evaluator_report.create": _l("Pegawai melaporkan pejabat penilai salah"),
            "evaluator_report.close": _l("Laporan pejabat penilai ditutup tanpa perubahan"),
            "mail.retry": _l("Email gagal dikirim ulang"),
            "mail.test": _l("Email uji dikirim"),
            "notification.preferences": _l("Pengaturan pemberitahuan diubah"),
            "notify_settings.update": _l("Ambang pengingat diubah"),
        },
    ),
    (
        _l("Sistem"),
        {
            "auditlog.export": _l("Log audit diekspor"),
            "monitoring.export": _l("Rekap pemantauan diekspor"),
            "seed.demo": _l("Data demo dimuat"),
        },
    ),
)

ACTION_LABELS: dict[str, str] = {
    key: label for _area, actions in ACTION_GROUPS for key, label in actions.items()
}

# The kinds of object an event can be about (``AuditEvent.object_type``, the model's name).
OBJECT_LABELS: dict[str, str] = {
    "Employee": _l("Pegawai"),
    "Plan": _l("SKP"),
    "Target": _l("Target"),
    "WorkEntry": _l("Laporan harian"),
    "Evaluation": _l("Evaluasi"),
    "PeriodicEvaluation": _l("Evaluasi periodik"),
    "FollowUpItem": _l("Tindak lanjut"),
    "Letter": _l("Surat evaluasi"),
    "Period": _l("Periode"),
    "Unit": _l("Unit kerja"),
    "Instansi": _l("Instansi"),
    "ImportBatch": _l("Impor data"),
    "Notification": _l("Pemberitahuan"),
    "EvaluatorReport": _l("Laporan pejabat penilai"),
    "MailMessage": _l("Email"),
}


def action_label(action: str) -> str:
    """The label of an action key; the key itself when it has none."""
    return str(ACTION_LABELS.get(action, action))


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return str(OBJECT_LABELS.get(object_type, object_type))
