"""The planning forms: the target editor with its monthly breakdown, a comment, a
transition's reason, the bulk choice of targets, and the version a draft is deleted at.

Each form validates what a person typed and hands the service a typed value
(:class:`~portal.plans.services.TargetInput`); the services check the rest against the
database. The messages are the constants below, so that tests can name them.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import AnyOf, DataRequired, StopValidation, ValidationError

from portal.forms import (
    ConfirmField,
    PlainText,
    PortalForm,
    VersionedIdsField,
    VersionField,
    WholeNumberField,
)
from portal.models import Period, Scheme, Target, TargetKind
from portal.models.plans import ASPECT_ORDER, IndicatorAspect, Pendekatan, Perspektif, SkpForm
from portal.nip import normalise
from portal.plans.services import (
    COMMENT_MAX,
    COST_MAX,
    INDICATOR_MAX,
    LEADER_PARENT_INVALID,
    PERSPEKTIF_NOT_ALLOWED,
    QUANTITY_MAX,
    TITLE_MAX,
    UNIT_MAX,
    TargetInput,
)
from portal.web import whole_number

TITLE_REQUIRED = _l("Judul target wajib diisi.")
TITLE_TOO_LONG = _l("Judul target paling banyak %(max)s karakter (terisi %(count)s).")
INDICATOR_TOO_LONG = _l("Indikator paling banyak %(max)s karakter.")
UNIT_REQUIRED = _l("Satuan wajib diisi, misalnya “laporan” atau “dokumen”.")
UNIT_TOO_LONG = _l("Satuan paling banyak %(max)s karakter.")
KIND_INVALID = _l("Jenis target harus Utama atau Tambahan.")
PARENT_INVALID = _l(
    "Target atasan tidak valid: pilih salah satu target atasan langsung Anda pada "
    "periode yang sama."
)
MONTHLY_MISMATCH = _l(
    "Jumlah target bulanan %(total)s belum sama dengan kuantitas tahunan %(quantity)s."
)
MONTH_LABEL = _l("Target bulan ke-%(month)s")
COMMENT_REQUIRED = _l("Tulis komentar terlebih dahulu.")
COMMENT_TOO_LONG = _l("Komentar paling banyak %(max)s karakter.")
COMMENT_FORM_INCOMPLETE = _l("Formulir tidak lengkap; muat ulang halaman.")
NONE_CHOSEN = _l("Pilih minimal satu target.")
IKI_REQUIRED = _l("Tulis IKI kuantitas: setiap rencana hasil kerja punya minimal satu IKI.")
IKI_DUPLICATE = _l("IKI ini sama dengan IKI lain pada target ini; tiap IKI harus berbeda.")
IKI_NEEDS_COST = _l("IKI biaya perlu target biaya; isi Biaya atau kosongkan IKI biaya.")
LOWER_IS_BETTER_ZERO = _l(
    "IKI yang makin rendah makin baik perlu target lebih dari 0: capaiannya dihitung "
    "(1 + (1 − R/T)) × 100%."
)
ALIGNMENT_UNKNOWN = _l("Pilih “Mendukung target atasan” atau “Penugasan dari ketua tim”.")
LEADER_REQUIRED = _l("Tulis NIP ketua tim yang memberi penugasan.")
LEADER_NIP_INVALID = _l("NIP ketua tim terdiri dari 18 angka.")
PERSPEKTIF_REQUIRED = _l("Pilih perspektif IKI ini (SKP JPT dengan pendekatan kuantitatif).")
PERSPEKTIF_UNKNOWN = _l("Perspektif tidak dikenal.")
VARIANT_UNKNOWN = _l("Pilihan tidak dikenal.")

_FALSE = (False, "", "0", "false", "no", "off", "n")


def _squash(value: str | None) -> str:
    """One space between words, none around: a title is one line."""
    return " ".join((value or "").split())


def _at_most(limit: int, message, *, counted: bool = False):
    def check(form, field) -> None:
        length = len(field.data or "")
        if length > limit:
            values = {"max": limit, "count": length} if counted else {"max": limit}
            raise StopValidation(str(message) % values)

    return check


class MonthlyBreakdown(FieldList):
    """One whole number per month of the period, named ``month_1`` … ``month_N`` (its
    fields' ids ``f-month_1`` …); an empty month is 0. Each month carries its own label,
    which the number parser's messages name ("Target bulan ke-3 tidak boleh negatif.")."""

    def __init__(self, label=None, validators=None, *, months: int, **kwargs) -> None:
        month = WholeNumberField(minimum=0, maximum=QUANTITY_MAX, optional=True)
        super().__init__(
            month,
            label,
            validators,
            min_entries=months,
            max_entries=months,
            separator="_",
            **kwargs,
        )
        self.months = months

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        # Exactly the period's months, numbered from 1, whatever the request holds.
        values = [] if data is unset_value or data is None else list(data)
        self.entries, self.last_index, self.object_data = [], 0, values
        for index in range(1, self.months + 1):
            self._add_entry(formdata, values[index - 1] if index <= len(values) else unset_value)

    def _add_entry(self, formdata=None, data=unset_value, index=None) -> Field:
        index = self.last_index + 1 if index is None else index
        self.last_index = index
        field = self.meta.bind_field(
            self._form,
            self.unbound_field,
            {
                "name": f"{self.name}{self._separator}{index}",
                "id": f"{self.id}{self._separator}{index}",
                "label": MONTH_LABEL % {"month": index},
                "_meta": self.meta,
                "translations": self._translations,
            },
        )
        field.index = index
        field.short_name = str(index)
        field.process(formdata, data)
        self.entries.append(field)
        return field

    @property
    def quantities(self) -> list[int]:
        return [entry.data or 0 for entry in self.entries]

    @property
    def raw_values(self) -> list[str]:
        """What is shown in the inputs: as typed, or as stored."""
        return [entry._value() for entry in self.entries]


class TargetForm(PortalForm):
    """The target editor. Build it with :func:`target_form`: the time and the months
    depend on the period, the cascade parent on the supervisor's targets."""

    title = StringField(
        _l("Judul target (rencana hasil kerja)"),
        id="f-title",
        filters=[_squash],
        validators=[
            PlainText(),
            DataRequired(TITLE_REQUIRED),
            _at_most(TITLE_MAX, TITLE_TOO_LONG, counted=True),
        ],
    )
    kind = SelectField(
        _l("Jenis"),
        id="f-kind",
        choices=[
            SelectChoice(TargetKind.UTAMA.value, _l("Utama")),
            SelectChoice(TargetKind.TAMBAHAN.value, _l("Tambahan")),
        ],
        default=TargetKind.UTAMA.value,
        filters=[lambda value: value or TargetKind.UTAMA.value],
        validate_choice=False,  # refused below, in words
    )
    # Scheme B: the RHK supports the atasan's RHK (the cascade), or is a *penugasan dari*
    # a ketua tim of a tim kerja, named by NIP.
    alignment = RadioField(
        _l("Asal target"),
        choices=[
            SelectChoice("atasan", _l("Mendukung target atasan")),
            SelectChoice("penugasan", _l("Penugasan dari ketua tim")),
        ],
        default="atasan",
        filters=[lambda value: value or "atasan"],
        validate_choice=False,  # refused below, in words
    )
    parent_id = SelectField(_l("Mendukung target atasan"), id="f-parent_id", validate_choice=False)
    leader_parent_id = SelectField(
        _l("RHK ketua tim yang didukung"), id="f-leader_parent_id", validate_choice=False
    )
    assigned_by_nip = StringField(
        _l("NIP ketua tim"),
        id="f-assigned_by_nip",
        description=_l("Pegawai instansi Anda yang memimpin tim kerja, selain atasan langsung."),
        filters=[lambda value: normalise(value or "")],
        validators=[PlainText()],
    )
    indicator = StringField(
        _l("Indikator kinerja individu (IKI)"),
        id="f-indicator",
        description=_l("Ukuran keberhasilan target, misalnya “Persentase laporan tepat waktu”."),
        filters=[_squash],
        validators=[PlainText(), _at_most(INDICATOR_MAX, INDICATOR_TOO_LONG)],
    )
    lower_is_better = BooleanField(
        _l("Makin rendah realisasi makin baik (misalnya jumlah keluhan)"), false_values=_FALSE
    )
    quantity = WholeNumberField(_l("Kuantitas"), id="f-quantity", minimum=1, maximum=QUANTITY_MAX)
    quantity_unit = StringField(
        _l("Satuan"),
        id="f-quantity_unit",
        description=_l("laporan, dokumen, kegiatan…"),
        filters=[_squash],
        validators=[
            PlainText(),
            DataRequired(UNIT_REQUIRED),
            _at_most(UNIT_MAX, UNIT_TOO_LONG),
        ],
    )
    quality_target = WholeNumberField(
        _l("Target kualitas"), id="f-quality_target", minimum=1, maximum=100, optional=True
    )
    cost = WholeNumberField(
        _l("Biaya"),
        id="f-cost",
        description=_l("Boleh ditulis 170.395.000"),
        minimum=1,
        maximum=COST_MAX,
        optional=True,
    )
    # Scheme B's further IKI: each counts when its statement is written.
    quality_indicator = StringField(
        _l("IKI kualitas"),
        id="f-quality_indicator",
        description=_l(
            "Misalnya “Persentase laporan tanpa revisi”; diukur dengan target kualitas."
        ),
        filters=[_squash],
        validators=[PlainText(), _at_most(INDICATOR_MAX, INDICATOR_TOO_LONG)],
    )
    quality_lower_is_better = BooleanField(
        _l("Kualitas: makin rendah makin baik (misalnya persentase kesalahan)"),
        false_values=_FALSE,
    )
    time_indicator = StringField(
        _l("IKI waktu"),
        id="f-time_indicator",
        description=_l("Misalnya “Waktu penyelesaian”; diukur dengan target waktu (bulan)."),
        filters=[_squash],
        validators=[PlainText(), _at_most(INDICATOR_MAX, INDICATOR_TOO_LONG)],
    )
    cost_indicator = StringField(
        _l("IKI biaya"),
        id="f-cost_indicator",
        description=_l("Misalnya “Realisasi anggaran kegiatan”; diukur dengan target biaya."),
        filters=[_squash],
        validators=[PlainText(), _at_most(INDICATOR_MAX, INDICATOR_TOO_LONG)],
    )
    version = VersionField()

    months: int = 12
    sum_error: str = ""
    scheme: Scheme = Scheme.PERMENPANRB_6_2022
    uses_perspektif: bool = False

    @property
    def scheme_b(self) -> bool:
        return self.scheme == Scheme.PERMENPANRB_6_2022

    def iki_fields(self) -> list[tuple[IndicatorAspect, Field]]:
        """Each aspect's IKI statement field (kuantitas: the indicator)."""
        return [
            (IndicatorAspect.KUANTITAS, self.indicator),
            (IndicatorAspect.KUALITAS, self.quality_indicator),
            (IndicatorAspect.WAKTU, self.time_indicator),
            (IndicatorAspect.BIAYA, self.cost_indicator),
        ]

    def perspektif_field(self, aspect: IndicatorAspect) -> Field:
        return self[f"perspektif_{aspect.value}"]

    def _validate_indicators(self) -> bool:
        """Scheme B: a kuantitas IKI always, no two alike, a cost for a biaya IKI, and the
        perspektif exactly where the plan's form wants one."""
        valid = True
        if not (self.indicator.data or "").strip() and not self.indicator.errors:
            self.indicator.errors = [*self.indicator.errors, str(IKI_REQUIRED)]
            valid = False
        seen: set[str] = set()
        for aspect, field in self.iki_fields():
            text = (field.data or "").strip().casefold()
            if text and text in seen and not field.errors:
                field.errors = [*field.errors, str(IKI_DUPLICATE)]
                valid = False
            seen.add(text)
            chosen = self.perspektif_field(aspect)
            present = aspect == IndicatorAspect.KUANTITAS or bool(text)
            if chosen.data and chosen.data not in {p.value for p in Perspektif}:
                chosen.errors = [str(PERSPEKTIF_UNKNOWN)]
                valid = False
            elif chosen.data and not self.uses_perspektif:
                chosen.errors = [str(PERSPEKTIF_NOT_ALLOWED)]
                valid = False
            elif self.uses_perspektif and present and not chosen.data:
                chosen.errors = [str(PERSPEKTIF_REQUIRED)]
                valid = False
        if (self.cost_indicator.data or "").strip() and self.cost.data is None:
            if not self.cost.errors:
                self.cost.errors = [*self.cost.errors, str(IKI_NEEDS_COST)]
            valid = False
        return valid

    def validate_kind(self, field) -> None:
        if field.data not in {kind.value for kind in TargetKind}:
            raise ValidationError(str(KIND_INVALID))

    def validate_alignment(self, field) -> None:
        if field.data not in ("atasan", "penugasan"):
            raise ValidationError(str(ALIGNMENT_UNKNOWN))

    def validate_assigned_by_nip(self, field) -> None:
        if not self.scheme_b or self.alignment.data != "penugasan":
            return
        if not field.data:
            raise ValidationError(str(LEADER_REQUIRED))
        if len(field.data) != 18 or not field.data.isascii() or not field.data.isdigit():
            raise ValidationError(str(LEADER_NIP_INVALID))

    def validate_leader_parent_id(self, field) -> None:
        if self.assigned and field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(str(LEADER_PARENT_INVALID))

    @property
    def assigned(self) -> bool:
        """Whether the RHK is a penugasan dari a ketua tim (scheme B only)."""
        return self.scheme_b and self.alignment.data == "penugasan"

    def validate_parent_id(self, field) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(str(PARENT_INVALID))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        typed = (self.quantity.raw_text or "").strip()
        if self.lower_is_better.data and self.quantity.data is None and typed == "0":
            self.quantity.errors = [str(LOWER_IS_BETTER_ZERO)]
        if self.scheme_b and not self._validate_indicators():
            valid = False
        months_ok = not any(entry.errors for entry in self.month.entries)
        if self.quantity.data is not None and months_ok:
            total = sum(self.month.quantities)
            if total != self.quantity.data:
                self.sum_error = str(MONTHLY_MISMATCH) % {
                    "total": total,
                    "quantity": self.quantity.data,
                }
                valid = False
        return valid

    def to_input(self) -> TargetInput:
        return TargetInput(
            title=self.title.data,
            kind=TargetKind(self.kind.data),
            parent_id=int(self.parent_id.data)
            if self.parent_id.data and not self.assigned
            else None,
            indicator=self.indicator.data,
            lower_is_better=self.lower_is_better.data,
            quantity=self.quantity.data,
            quantity_unit=self.quantity_unit.data,
            quality_target=100 if self.quality_target.data is None else self.quality_target.data,
            time_months=self.months if self.time_months.data is None else self.time_months.data,
            cost=self.cost.data,
            monthly=self.month.quantities,
            assigned_by_nip=self.assigned_by_nip.data if self.assigned else "",
            leader_parent_id=int(self.leader_parent_id.data)
            if self.assigned and self.leader_parent_id.data
            else None,
            **(self._further_indicators() if self.scheme_b else {}),
        )

    def _further_indicators(self) -> dict:
        return {
            "quality_indicator": self.quality_indicator.data or "",
            "quality_lower_is_better": bool(self.quality_lower_is_better.data),
            "time_indicator": self.time_indicator.data or "",
            "cost_indicator": self.cost_indicator.data or "",
            "perspektif": {
                aspect.value: self.perspektif_field(aspect).data
                for aspect in ASPECT_ORDER
                if self.uses_perspektif and self.perspektif_field(aspect).data
            },
        }

    @property
    def monthly_sum(self) -> int | None:
        """The running sum of what the months show; None while one is not a number."""
        return running_sum(self.month.raw_values)

    @property
    def shown_quantity(self) -> int | None:
        return whole_number(self.quantity._value().replace(".", ""))


def _shown_indicators(target: Target) -> dict:
    """The editor's values of a stored target's further IKI and perspektif."""
    values: dict = {}
    names = {
        IndicatorAspect.KUALITAS: "quality_indicator",
        IndicatorAspect.WAKTU: "time_indicator",
        IndicatorAspect.BIAYA: "cost_indicator",
    }
    for row in target.indicators:
        if row.aspect in names:
            values[names[row.aspect]] = row.text
        if row.aspect == IndicatorAspect.KUALITAS:
            values["quality_lower_is_better"] = row.lower_is_better
        if row.perspektif:
            values[f"perspektif_{row.aspect.value}"] = row.perspektif.value
    return values


def running_sum(values: list[str]) -> int | None:
    total = 0
    for value in values:
        number = whole_number(str(value or "0").replace(".", "") or "0")
        if number is None:
            return None
        total += number
    return total


def target_form(
    period: Period,
    candidates: list[Target],
    *,
    shown: Target | None = None,
    versioned: bool = False,
    formdata=unset_value,
    meta: dict | None = None,
    uses_perspektif: bool = False,
    leader_targets: list[Target] | None = None,
) -> TargetForm:
    """The editor for a target of ``period``. Without ``formdata`` (and outside a POST)
    it shows ``shown`` as stored, or the defaults of a new target; a submitted form reads
    only what was sent. ``versioned``: editing a stored target (its version is sent)."""
    months = period.month_count

    class PeriodTargetForm(TargetForm):
        pass

    PeriodTargetForm.months = months
    PeriodTargetForm.scheme = period.scheme
    PeriodTargetForm.uses_perspektif = uses_perspektif
    for aspect in ASPECT_ORDER:
        setattr(
            PeriodTargetForm,
            f"perspektif_{aspect.value}",
            SelectField(
                _l("Perspektif"),
                id=f"f-perspektif_{aspect.value}",
                choices=[
                    SelectChoice("", _l("— pilih perspektif —")),
                    *(SelectChoice(p.value, p.label) for p in Perspektif),
                ],
                validate_choice=False,  # refused in words, in _validate_indicators
            ),
        )
    PeriodTargetForm.time_months = WholeNumberField(
        _l("Target waktu"), id="f-time_months", minimum=1, maximum=months, optional=True
    )
    PeriodTargetForm.month = MonthlyBreakdown(_l("Target bulanan"), id="f-month", months=months)
    if not versioned:
        PeriodTargetForm.version = None
    kwargs: dict = {"meta": meta} if meta else {}
    if formdata is not unset_value:
        kwargs["formdata"] = formdata
    if shown is not None:
        kwargs.update(
            obj=shown,
            kind=shown.kind.value,
            parent_id="" if shown.assigned_by_id else str(shown.parent_id or ""),
            leader_parent_id=str(shown.parent_id or "") if shown.assigned_by_id else "",
            alignment="penugasan" if shown.assigned_by_id else "atasan",
            assigned_by_nip=shown.assigned_by.nip if shown.assigned_by else "",
            month=shown.monthly_quantities,
            **_shown_indicators(shown),
        )
    else:
        kwargs.update(quality_target=100, time_months=months)
    form = PeriodTargetForm(**kwargs)
    form.parent_id.choices = [
        SelectChoice("", _l("— belum dipilih (belum selaras) —")),
        *(SelectChoice(str(c.id), c.title) for c in candidates),
    ]
    form.leader_parent_id.choices = [
        SelectChoice("", _l("— tidak ada RHK ketua tim yang dipilih —")),
        *(SelectChoice(str(c.id), c.title) for c in leader_targets or []),
    ]
    return form


class CommentForm(PortalForm):
    """A comment in the target's discussion; the token makes a double submit one comment."""

    body = TextAreaField(
        _l("Tulis komentar"),
        id="comment-body",
        filters=[lambda value: (value or "").strip()],
        validators=[
            DataRequired(COMMENT_REQUIRED),
            PlainText(multiline=True),
            _at_most(COMMENT_MAX, COMMENT_TOO_LONG),
        ],
    )
    form_token = StringField(filters=[lambda value: (value or "").strip()[:64]])

    def validate_form_token(self, field) -> None:
        if len(field.data) < 16:
            raise ValidationError(str(COMMENT_FORM_INCOMPLETE))

    def first_error(self) -> str:
        for name in ("body", "form_token", "csrf_token"):
            field = self._fields.get(name)
            if field is not None and field.errors:
                return str(field.errors[0])
        return ""


def fresh_comment_form() -> CommentForm:
    """An empty comment form with a new token."""
    return CommentForm(formdata=None, form_token=secrets.token_hex(16))


class VersionForm(PortalForm):
    """A change of a shown object: the version it was shown with."""

    version = VersionField()

    def first_error(self) -> str:
        return next((str(m[0]) for m in self.errors.values() if m), "")


class DeleteTargetForm(VersionForm):
    """A draft's delete, confirmed on its own page first."""

    confirmed = ConfirmField()


class TransitionForm(VersionForm):
    """A button of a target: its version, the reason where the trigger asks for one, and
    which part of the page it came from (its card, or the target page)."""

    reason = TextAreaField(validators=[PlainText(multiline=True)])
    view = StringField(filters=[lambda value: "card" if value == "card" else "detail"])


class BulkForm(PortalForm):
    """The targets chosen for one trigger together."""

    target = VersionedIdsField(default=dict)

    def validate_target(self, field) -> None:
        if not field.data:
            raise StopValidation(str(NONE_CHOSEN))


class PlanVariantForm(PortalForm):
    """The plan's pendekatan and form (scheme B), with the plan's version."""

    pendekatan = RadioField(
        _l("Pendekatan"),
        choices=[SelectChoice(p.value, p.label) for p in Pendekatan],
        validators=[AnyOf([p.value for p in Pendekatan], message=VARIANT_UNKNOWN)],
        validate_choice=False,
    )
    skp_form = RadioField(
        _l("Bentuk SKP"),
        choices=[SelectChoice(f.value, f.label) for f in SkpForm],
        validators=[AnyOf([f.value for f in SkpForm], message=VARIANT_UNKNOWN)],
        validate_choice=False,
    )
    version = VersionField()
