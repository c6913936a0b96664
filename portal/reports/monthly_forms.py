"""The monthly report's forms: the employee's words per target (capaian, kendala,
rencana tindak lanjut) and the supervisor's review (a rating and feedback per target,
then accept or return with a reason). One ``FieldList`` row per target.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Regexp, StopValidation
from wtforms.widgets import TextInput

from portal.forms import IdField, PlainText, PortalForm, VersionField, WholeNumberField
from portal.reports.monthly_reports import TargetReview, TargetWords

TEXT_MAX = 2000
REASON_MAX = 2000
TARGETS_MAX = 100  # more rows than any plan has targets names nothing

TEXT_TOO_LONG = _l("Isian ini paling banyak %(max)s karakter.", max=TEXT_MAX)
CHOOSE_ACTION = _l("Pilih simpan draf atau kirim.")
CHOOSE_DECISION = _l("Pilih terima atau kembalikan.")
RETURN_REASON_REQUIRED = _l("Alasan pengembalian wajib diisi.")
REASON_TOO_LONG = _l("Alasan paling banyak %(max)s karakter.", max=REASON_MAX)
OUTDATED = _l("Formulir tidak lengkap; muat ulang halaman.")
NOTE_TOO_LONG = _l("Umpan balik paling banyak %(max)s karakter.", max=TEXT_MAX)


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _text(label):
    return TextAreaField(
        label,
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=TEXT_MAX, message=TEXT_TOO_LONG)],
    )


class TargetWordsForm(Form):
    """One target of the employee's report (a sub-form: the outer form has the CSRF)."""

    target_id = IdField(message=OUTDATED)
    capaian = _text(_l("Capaian bulan ini"))
    kendala = _text(_l("Kendala"))
    rencana = _text(_l("Rencana tindak lanjut bulan berikutnya"))


class MonthlyReportForm(PortalForm):
    version = VersionField()
    action = HiddenField(validators=[AnyOf(("save", "submit"), message=CHOOSE_ACTION)])
    targets = FieldList(FormField(TargetWordsForm), max_entries=TARGETS_MAX)

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def words(self) -> list[TargetWords]:
        return [
            TargetWords(
                e.target_id.data, e.capaian.data or "", e.kendala.data or "", e.rencana.data or ""
            )
            for e in (entry.form for entry in self.targets.entries)
        ]


class TargetReviewForm(Form):
    target_id = IdField(message=OUTDATED)
    rating = WholeNumberField(
        _l("Nilai kualitas (0–100)"), minimum=0, maximum=100, optional=True, widget=TextInput()
    )
    note = TextAreaField(
        _l("Umpan balik"),
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=TEXT_MAX, message=NOTE_TOO_LONG)],
    )


class ReviewForm(PortalForm):
    version = VersionField()
    fingerprint = HiddenField(
        validators=[Regexp(r"^[0-9a-f]{64}$", flags=re.ASCII, message=OUTDATED)]
    )
    decision = HiddenField(validators=[AnyOf(("accept", "return"), message=CHOOSE_DECISION)])
    reason = TextAreaField(
        _l("Alasan pengembalian"),
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=REASON_MAX, message=REASON_TOO_LONG)],
    )
    targets = FieldList(FormField(TargetReviewForm), max_entries=TARGETS_MAX)

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"

    def validate_reason(self, field) -> None:
        if self.decision.data == "return" and not field.data:
            raise StopValidation(str(RETURN_REASON_REQUIRED))

    def reviews(self) -> list[TargetReview]:
        return [
            TargetReview(e.target_id.data, e.rating.data, e.note.data or "")
            for e in (entry.form for entry in self.targets.entries)
        ]
