"""The forms of the evaluation feature: the evaluation screen, the employee's response
(keberatan), the decision on an objection, a follow-up item and the team's letters.

Each checks the shape of what was posted, with the messages of
``portal.evaluations.messages``, and gives the service a typed value
(``portal.evaluations.inputs``); the meaning (a departure needs a reason, the deadline of an
objection, a new predikat) is the outcome's and the services' to check.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError

from portal import clock, scoring
from portal.evaluations.inputs import (
    Coverage,
    Decision,
    DecisionInput,
    EvaluationInput,
    FollowUpInput,
    Response,
    ResponseInput,
    Responsible,
)
from portal.evaluations.messages import (
    BEHAVIOUR_SCORE,
    DECISION_NEEDS_REASON,
    DESCRIBE_FOLLOW_UP,
    DUE_IN_THE_PAST,
    DUE_NOT_A_DATE,
    DUTY_COUNT,
    NOTES_TOO_LONG,
    PICK_DECISION,
    PICK_FOLLOW_UP_KIND,
    PICK_RATING,
    PICK_RESPONSE,
    TEXT_MAX,
    TEXT_TOO_LONG,
    UNKNOWN_COVERAGE,
    UNKNOWN_HASIL_KERJA,
    UNKNOWN_KREATIVITAS,
    UNKNOWN_ORGANISATION_RATING,
    UNKNOWN_PERILAKU,
    UNKNOWN_RATING,
    UNKNOWN_RESPONSIBLE,
    say,
)
from portal.evaluations.queries import Context, saved_inputs
from portal.forms import IdField, PlainText, PortalForm, ShownVersionField, WholeNumberField
from portal.models import FollowUpKind
from workflows.engine import REASON_MAX

RESPONSE_QUESTION = _l("Apakah Anda setuju dengan evaluasi ini?")

#: The kreativitas levels of PP 46/2011 as the select posts them; "" is none.
KREATIVITAS = ("", "unit", "organisasi", "nasional")


def _stripped(value):
    return (value or "").strip()


def _text(label, *, message=TEXT_TOO_LONG) -> TextAreaField:
    """A free text of the evaluation: trimmed, at most TEXT_MAX characters, no control
    characters (line breaks are fine)."""
    return TextAreaField(
        label,
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=TEXT_MAX, message=message)],
    )


class BehaviourScoreField(Field):
    """A PP 46 behaviour score, 0–100 with decimals (``85,5`` or ``85.5``); ``data`` is a
    float, or None when the value is missing or refused."""

    widget = HiddenField.widget

    def __init__(self, label=None, validators=None, *, aspect: str, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.aspect = aspect

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:g}" if isinstance(self.data, float) else str(self.data)

    def process_formdata(self, valuelist) -> None:
        self.data = None
        raw = ((valuelist[0] if valuelist else "") or "").strip().replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or not 0 <= value <= 100:  # also refuses nan and inf
            raise ValueError(say(BEHAVIOUR_SCORE, aspect=self.aspect))
        self.data = value


class DutyCountField(WholeNumberField):
    """The number of tugas tambahan, 0–100; empty is none. One message for every refusal,
    the one the screen has always given."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, minimum=0, maximum=100, optional=True, **kwargs)

    def _value(self) -> str:
        return super()._value() or "0"

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(DUTY_COUNT)) from None
        if self.data is None:
            self.data = 0


class RatingChoice:
    """One of the three ratings of PermenPANRB 6/2022, in any letter case; the field's
    data becomes the rating's own words."""

    def __init__(self, value: str) -> None:
        self.value = value  # the BerAKHLAK core value rated

    def __call__(self, form, field) -> None:
        if not field.data:
            raise StopValidation(say(PICK_RATING, value=self.value))
        try:
            field.data = scoring.Rating.parse(field.data).value
        except ValueError:
            raise StopValidation(say(UNKNOWN_RATING, value=self.value.lower())) from None


class DecidedRating:
    """The supervisor's decided rating: empty, or still the suggestion the screen showed
    beside it (posted back as ``<name>_suggested``), means "follow the suggestion"; anything
    else must be a rating. See :meth:`EvaluationForm.decided`."""

    def __init__(self, message) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        decided = form.decided(field.name)
        if decided is None:
            return
        try:
            scoring.Rating.parse(decided)
        except ValueError:
            raise StopValidation(str(self.message)) from None


class EvaluationForm(PortalForm):
    """The evaluation screen. Its fields depend on the plan (one feedback per target, the
    scheme's behaviour inputs), so :func:`evaluation_form` builds the class per screen;
    the names are the ones the screen has always posted."""

    version = ShownVersionField()
    action = HiddenField()  # the button pressed: "save" a draft or "finish"
    notes = _text(_l("Catatan untuk pegawai"), message=NOTES_TOO_LONG)

    target_ids: tuple[int, ...] = ()
    unreported_ids: tuple[int, ...] = ()  # approved, not reported: decided on the screen
    aspects: tuple[str, ...] = ()  # scheme A
    values: tuple[str, ...] = ()  # scheme B (BerAKHLAK)

    def decided(self, name: str) -> str | None:
        """The decision posted in ``name``, or None where it follows the suggestion.

        The select starts on the suggestion; when the behaviour ratings move it, the
        decision must move along rather than turn into a departure the supervisor never
        made."""
        raw = self[name].data or ""
        if not raw or raw == self[f"{name}_suggested"].data:
            return None
        return raw

    def typed(self) -> EvaluationInput:
        """What was posted, typed; a refused value is None (see :class:`EvaluationInput`)."""

        def valid(name: str):
            field = self[name]
            return None if field.errors else field.data

        common = {
            "feedback": {tid: self[f"feedback_{tid}"].data or "" for tid in self.target_ids},
            "notes": self.notes.data or "",
            "version": self.version.data,
            "coverage": {
                tid: Coverage(valid(f"coverage_{tid}")) if valid(f"coverage_{tid}") else None
                for tid in self.unreported_ids
            },
            "exclusion_reasons": {
                tid: valid(f"exclusion_reason_{tid}") or "" for tid in self.unreported_ids
            },
        }
        if self.aspects:
            kreativitas = valid("kreativitas")
            return EvaluationInput(
                **common,
                perilaku={a: valid(f"perilaku_{i}") for i, a in enumerate(self.aspects)},
                tugas_tambahan=valid("tugas_tambahan"),
                kreativitas=kreativitas or None,
            )

        def decision(name: str) -> str | None:
            raw = None if self[name].errors else self.decided(name)
            return None if raw is None else scoring.Rating.parse(raw).value

        return EvaluationInput(
            **common,
            berakhlak={v: valid(f"berakhlak_{i}") for i, v in enumerate(self.values)},
            ekspektasi_khusus=self.ekspektasi_khusus.data or "",
            organisation_rating=valid("organisation_rating") or None,
            rating_hasil_kerja=decision("rating_hasil_kerja"),
            rating_perilaku=decision("rating_perilaku"),
            departure_reason=self.departure_reason.data or "",
        )


def evaluation_form(ctx: Context, **kwargs) -> EvaluationForm:
    """The evaluation form of one plan: a feedback per target, and scheme A's behaviour
    aspects, duties and creativity, or scheme B's BerAKHLAK ratings, the unit's rating and
    the decided ratings. ``kwargs`` go to the form (``formdata``, ``data``)."""
    target_ids = [r.target.id for r in ctx.results]
    unreported_ids = [tid for tid in target_ids if tid in ctx.unreported_ids]
    scheme_a, aspects = ctx.scheme_a, ctx.aspects
    fields: dict[str, object] = {
        f"feedback_{tid}": _text(_l("Umpan balik untuk target ini")) for tid in target_ids
    }
    for tid in unreported_ids:
        fields[f"coverage_{tid}"] = StringField(
            _l("Target yang belum dilaporkan"),
            filters=[_stripped],
            validators=[AnyOf(("", *Coverage), message=UNKNOWN_COVERAGE)],
        )
        fields[f"exclusion_reason_{tid}"] = TextAreaField(
            _l("Alasan dikecualikan"),
            filters=[_stripped],
            validators=[
                PlainText(multiline=True),
                Length(max=REASON_MAX, message=TEXT_TOO_LONG),
            ],
        )
    if scheme_a:
        for index, aspect in enumerate(aspects):
            fields[f"perilaku_{index}"] = BehaviourScoreField(aspect, aspect=aspect)
        fields["tugas_tambahan"] = DutyCountField(_l("Jumlah tugas tambahan"))
        fields["kreativitas"] = StringField(
            _l("Kreativitas yang diakui"),
            filters=[lambda value: _stripped(value).lower()],
            validators=[AnyOf(KREATIVITAS, message=UNKNOWN_KREATIVITAS)],
        )
    else:
        for index, value in enumerate(scoring.BERAKHLAK):
            fields[f"berakhlak_{index}"] = StringField(value, validators=[RatingChoice(value)])
        fields["ekspektasi_khusus"] = _text(_l("Ekspektasi khusus pimpinan"))
        fields["organisation_rating"] = StringField(
            _l("Predikat kinerja organisasi (unit)"),
            filters=[_stripped],
            validators=[
                AnyOf(("", *scoring.ORGANISATION_RATINGS), message=UNKNOWN_ORGANISATION_RATING)
            ],
        )
        for name, message in (
            ("rating_hasil_kerja", UNKNOWN_HASIL_KERJA),
            ("rating_perilaku", UNKNOWN_PERILAKU),
        ):
            fields[name] = StringField(validators=[DecidedRating(message)])
            fields[f"{name}_suggested"] = HiddenField()
        fields["departure_reason"] = _text(_l("Alasan berbeda dari saran sistem"))
    form_class = type(
        "ScreenEvaluationForm",
        (EvaluationForm,),
        {
            **fields,
            "target_ids": tuple(target_ids),
            "unreported_ids": tuple(unreported_ids),
            "aspects": tuple(aspects) if scheme_a else (),
            "values": () if scheme_a else scoring.BERAKHLAK,
        },
    )
    return form_class(**kwargs)


class ResponseForm(PortalForm):
    """The employee agrees with the evaluation, or objects (keberatan) with a reason."""

    response = StringField(
        RESPONSE_QUESTION,
        validators=[AnyOf([r.value for r in Response], message=PICK_RESPONSE)],
    )
    reason = _text(_l("Alasan keberatan (wajib bila keberatan)"))

    def typed(self) -> ResponseInput:
        return ResponseInput(Response(self.response.data), self.reason.data or "")


class DecisionForm(PortalForm):
    """The evaluator's supervisor upholds the evaluation or changes the predikat."""

    decision = StringField(
        _l("Keputusan atasan pejabat penilai"),
        validators=[AnyOf([d.value for d in Decision], message=PICK_DECISION)],
    )
    predikat = StringField(_l("Predikat baru"), filters=[_stripped], validators=[PlainText()])
    reason = TextAreaField(
        _l("Alasan keputusan"),
        filters=[_stripped],
        validators=[
            DataRequired(DECISION_NEEDS_REASON),
            PlainText(multiline=True),
            Length(max=TEXT_MAX, message=TEXT_TOO_LONG),
        ],
    )

    def typed(self) -> DecisionInput:
        return DecisionInput(Decision(self.decision.data), self.reason.data, self.predikat.data)


class IsoDateField(Field):
    """A date as ``<input type="date">`` posts it (``2026-12-31``); ``data`` is a date."""

    widget = HiddenField.widget

    def __init__(self, label=None, validators=None, *, message, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        try:
            self.data = date.fromisoformat((valuelist[0] if valuelist else "") or "")
        except ValueError:
            raise ValueError(str(self.message)) from None


def _follow_up_kind(form, field) -> None:
    try:
        field.data = FollowUpKind(field.data or "")
    except ValueError:
        raise StopValidation(str(PICK_FOLLOW_UP_KIND)) from None


class FollowUpForm(PortalForm):
    """One item of the follow-up plan: its kind, what is to be done, by when, by whom."""

    kind = StringField(_l("Jenis"), validators=[_follow_up_kind])
    description = TextAreaField(
        _l("Uraian"),
        filters=[lambda value: " ".join((value or "").split())],
        validators=[
            DataRequired(DESCRIBE_FOLLOW_UP),
            PlainText(),
            Length(max=TEXT_MAX, message=TEXT_TOO_LONG),
        ],
    )
    due_date = IsoDateField(_l("Tenggat"), message=DUE_NOT_A_DATE)
    responsible = StringField(
        _l("Penanggung jawab"),
        filters=[lambda value: value or Responsible.EMPLOYEE.value],
        validators=[AnyOf([r.value for r in Responsible], message=UNKNOWN_RESPONSIBLE)],
    )

    def validate_due_date(self, field) -> None:
        if field.data is not None and field.data < clock.today():
            raise ValidationError(str(DUE_IN_THE_PAST))

    def typed(self) -> FollowUpInput:
        return FollowUpInput(
            self.kind.data,
            self.description.data,
            self.due_date.data,
            Responsible(self.responsible.data),
        )


class TeamLettersForm(PortalForm):
    """Print every final evaluation of one's subordinates in the period."""

    period_id = IdField()


def saved_evaluation_form(ctx: Context) -> EvaluationForm:
    """The evaluation form holding the saved evaluation's inputs (empty without one)."""
    return evaluation_form(ctx, formdata=None, data=saved_inputs(ctx))
