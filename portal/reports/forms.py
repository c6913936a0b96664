"""The reporting forms: the daily entry (new and edited), deleting an entry, and the
supervisor's decision on one entry or a selection (the monthly report's forms, with the
quality rating, are in ``monthly_forms``).

Each field carries its rules and their messages; a route validates the form and hands
the service a typed value (``EntryInput``). The entry form is built with what its rules
need to know: the owner, the targets they may report on, and the
entry being edited (its own minutes and files count for nothing against it).
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal import clock, policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import (
    ConfirmField,
    IsoDateField,
    PlainText,
    PortalForm,
    VersionedIdsField,
    VersionField,
    WholeNumberField,
    bounded_id,
)
from portal.models import Target, WorkEntry
from portal.policy import Action
from portal.reports import evidence, queries
from portal.reports.services import EntryInput
from portal.reports.verification import REASON_MAX

DESCRIPTION_MAX = 2000
ENTRY_QUANTITY_MAX = 10_000
COST_MAX = 1_000_000_000_000
MINUTES_PER_DAY = 24 * 60
LINKS_MAX = 5
LINK = re.compile(r"^https?://[^\s<>\"']{3,490}$", re.IGNORECASE)

NOT_YOUR_TARGET = _l("Pilih salah satu target Anda yang sudah disetujui.")
FUTURE_DATE = _l("Tanggal laporan tidak boleh di masa depan.")
OUTSIDE_PERIOD = _l("Tanggal harus di dalam periode %(period)s (%(start)s s.d. %(end)s).")
DESCRIBE_WORK = _l("Uraikan pekerjaan yang dilakukan.")
DESCRIPTION_TOO_LONG = _l("Uraian paling banyak %(max)s karakter.", max=DESCRIPTION_MAX)
DAY_OVER_24_HOURS = _l(
    "Total durasi pada tanggal ini menjadi %(minutes)s menit, lebih dari 24 jam."
)
TOO_MANY_LINKS = _l("Paling banyak %(max)s tautan.", max=LINKS_MAX)
BAD_LINK = _l("Setiap tautan harus diawali http:// atau https:// (satu per baris).")
TOO_MANY_FILES = _l("Paling banyak %(max)s berkas bukti per laporan.")
CHOOSE_DECISION = _l("Pilih terima atau tolak.")
REASON_REQUIRED = _l("Alasan penolakan wajib diisi.")
REASON_TOO_LONG = _l("Alasan paling banyak %(max)s karakter.", max=REASON_MAX)
SELECT_SOME = _l("Pilih minimal satu laporan.")


def _one_line(value):
    """Runs of spaces and line breaks become one space (the log shows one paragraph)."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _target_id(value) -> int | None:
    """The chosen target's id, or ``None`` for anything that names no target."""
    if isinstance(value, int):
        return value
    return bounded_id(value)


def max_files() -> int:
    return current_app.config.get("PORTAL_EVIDENCE_MAX_FILES", 5)


class EntryForm(PortalForm):
    """One day's work on one target. ``targets`` are the owner's reportable targets
    (``queries.reportable_targets``), in the order the select offers them."""

    entry_date = IsoDateField(_l("Tanggal"), id="f-entry_date")
    target_id = SelectField(
        _l("Target"), coerce=_target_id, validate_choice=False, id="f-target_id"
    )
    description = TextAreaField(
        _l("Uraian pekerjaan"),
        filters=[_one_line],
        validators=[
            DataRequired(DESCRIBE_WORK),
            PlainText(),
            Length(max=DESCRIPTION_MAX, message=DESCRIPTION_TOO_LONG),
        ],
        id="f-description",
    )
    # The labels are the words the number messages use ("Kuantitas tidak boleh …");
    # the template draws the longer captions.
    quantity = WholeNumberField(
        _l("Kuantitas"), minimum=0, maximum=ENTRY_QUANTITY_MAX, widget=TextInput(), id="f-quantity"
    )
    minutes = WholeNumberField(
        _l("Durasi (menit)"),
        minimum=1,
        maximum=MINUTES_PER_DAY,
        widget=TextInput(),
        id="f-minutes",
    )
    cost = WholeNumberField(
        _l("Biaya"), minimum=0, maximum=COST_MAX, optional=True, widget=TextInput(), id="f-cost"
    )
    files = MultipleFileField(_l("Bukti dukung (PDF, JPEG, PNG; opsional)"), id="f-files")
    links = TextAreaField(
        _l("Tautan bukti (opsional, satu per baris)"),
        validators=[PlainText(multiline=True)],
        id="f-links",
    )

    def __init__(
        self,
        *args,
        owner_id: int,
        targets: list[Target],
        existing: WorkEntry | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id = owner_id
        self.targets = {t.id: t for t in targets}
        self.existing = existing
        self.target_id.choices = [
            SelectChoice(t.id, f"{t.title} ({t.quantity_unit})") for t in targets
        ]
        self.checked_files: list[evidence.CheckedFile] = []
        self.form_error: str | None = None

    @property
    def target(self) -> Target | None:
        return self.targets.get(self.target_id.data)

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in (self.links.data or "").splitlines() if line.strip()]

    def validate_entry_date(self, field) -> None:
        if field.data is None:
            return
        if field.data > clock.today():
            raise ValidationError(str(FUTURE_DATE))
        target = self.target
        if target is not None and not (
            target.period.start_date <= field.data <= target.period.end_date
        ):
            raise ValidationError(
                str(OUTSIDE_PERIOD)
                % {
                    "period": target.period.name,
                    "start": target.period.start_date.strftime("%d-%m-%Y"),
                    "end": target.period.end_date.strftime("%d-%m-%Y"),
                }
            )

    def validate_target_id(self, field) -> None:
        if self.target is not None:
            return
        # Say why when it is the owner's own target in a period that is not open.
        own = db.session.get(Target, field.data) if field.data is not None else None
        if own is not None and own.owner_id == self.owner_id and not own.period.is_open:
            self.form_error = policy.period_refusal(own.period, Action.EDIT_ENTRY)
        raise StopValidation(str(NOT_YOUR_TARGET))

    def validate_minutes(self, field) -> None:
        day = self.entry_date.data
        if field.data is None or day is None or self.entry_date.errors:
            return
        used = queries.minutes_logged(
            self.owner_id, day, excluding=self.existing.id if self.existing else None
        )
        if used + field.data > MINUTES_PER_DAY:
            raise ValidationError(str(DAY_OVER_24_HOURS) % {"minutes": used + field.data})

    def validate_files(self, field) -> None:
        uploads = [f for f in field.data or [] if f and (f.filename or f.content_length)]
        limit = max_files()
        already = len(self.existing.evidence) if self.existing else 0
        if len(uploads) + already > limit:
            raise ValidationError(str(TOO_MANY_FILES) % {"max": limit})
        for upload in uploads:
            try:
                self.checked_files.append(evidence.check(upload))
            except InvalidInput as exc:
                raise ValidationError(exc.message) from None

    def validate_links(self, field) -> None:
        links = self.link_list
        if len(links) > LINKS_MAX:
            raise ValidationError(str(TOO_MANY_LINKS))
        if any(not LINK.match(link) for link in links):
            raise ValidationError(str(BAD_LINK))

    def entry_input(self) -> EntryInput:
        """The validated entry, for ``services.create_entry`` or ``update_entry``."""
        return EntryInput(
            entry_date=self.entry_date.data,
            target=self.target,
            description=self.description.data,
            quantity=self.quantity.data,
            minutes=self.minutes.data,
            cost=self.cost.data,
            links=self.link_list,
            files=list(self.checked_files),
        )


class NewEntryForm(EntryForm):
    """The daily log's form. ``form_token`` makes a post that arrives twice (a double
    click, a retry) one entry: see ``services.entry_for_token``."""

    form_token = HiddenField()


class EditEntryForm(EntryForm):
    version = VersionField()


class DeleteEntryForm(PortalForm):
    version = VersionField()
    confirmed = ConfirmField()


class VerificationForm(PortalForm):
    """Accept or reject one entry; a rejection says why."""

    decision = HiddenField(validators=[AnyOf(("accept", "reject"), message=CHOOSE_DECISION)])
    version = VersionField()
    reason = TextAreaField(
        _l("Alasan penolakan"),
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=REASON_MAX, message=REASON_TOO_LONG)],
    )

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"

    def validate_reason(self, field) -> None:
        if self.decision.data == "reject" and not field.data:
            raise StopValidation(str(REASON_REQUIRED))


class AcceptSelectedForm(PortalForm):
    """Accept every ticked entry at once; each is named as ``id:version``."""

    entry = VersionedIdsField(validators=[DataRequired(SELECT_SOME)])
