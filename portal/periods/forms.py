"""The period forms. They draw the fields and carry the CSRF token; every rule (with its
message per field, in the user's language) lives in ``portal.periods.rules``, so the form
and an import or test posting the same fields are checked alike."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from portal.models import Scheme
from portal.periods.rules import DEFAULT_WEIGHTS, EVALUATION_MONTHS_AFTER, MAX_MONTHS


class PeriodForm(FlaskForm):
    name = StringField(
        _l("Nama periode"), description=_l("Misalnya “Tahun 2027” atau “Triwulan I 2027”.")
    )
    start_date = StringField(
        _l("Tanggal mulai"),
        description=_l("Tanggal 1 suatu bulan. Periode paling lama %(max)s bulan.", max=MAX_MONTHS),
    )
    end_date = StringField(_l("Tanggal selesai"), description=_l("Tanggal terakhir suatu bulan."))
    scheme = SelectField(
        _l("Skema penilaian"),
        choices=[(s.value, s.label) for s in Scheme],
        validate_choice=False,  # the rules say which value is wrong, in the user's language
        description=_l(
            "PP 46/2011: nilai angka dari kuantitas, kualitas, waktu dan biaya. "
            "PermenPANRB 6/2022: rating hasil kerja dan perilaku, predikat dari matriks."
        ),
    )
    weight_skp = StringField(_l("Bobot SKP (%)"), default=str(DEFAULT_WEIGHTS[0]))
    weight_perilaku = StringField(_l("Bobot perilaku kerja (%)"), default=str(DEFAULT_WEIGHTS[1]))
    planning_deadline = StringField(
        _l("Batas penyusunan SKP"),
        description=_l("Target pegawai diajukan dan disetujui paling lambat tanggal ini."),
    )
    report_deadline_day = StringField(
        _l("Tanggal batas laporan bulanan"),
        default="5",
        description=_l(
            "Laporan suatu bulan jatuh tempo pada tanggal ini di bulan berikutnya (1–28)."
        ),
    )
    evaluation_deadline = StringField(
        _l("Batas evaluasi (opsional)"),
        description=_l(
            "Evaluasi tahunan selesai paling lambat tanggal ini; boleh sampai "
            "%(months)s bulan setelah periode berakhir.",
            months=EVALUATION_MONTHS_AFTER,
        ),
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan membuka kembali"),
        description=_l("Wajib; dicatat di log audit bersama nama Anda."),
    )
