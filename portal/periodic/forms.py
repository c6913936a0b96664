"""The periodic evaluation's forms: the evaluator's screen, and the employee's
acknowledgement. Each checks the shape of what was posted (length, control characters,
known ratings) and hands the service a typed :class:`PeriodicInput`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation

from portal import scoring
from portal.forms import PlainText, PortalForm, ShownVersionField, VersionField
from portal.periodic.inputs import PeriodicInput
from portal.periodic.messages import TEXT_MAX, TEXT_TOO_LONG, UNKNOWN_DECISION, UNKNOWN_RATING, say
from portal.periodic.queries import Context, saved_inputs


def _stripped(value):
    return (value or "").strip()


def _text(label) -> TextAreaField:
    """A free text: trimmed, at most TEXT_MAX characters, no control characters."""
    return TextAreaField(
        label,
        filters=[_stripped],
        validators=[PlainText(multiline=True), Length(max=TEXT_MAX, message=TEXT_TOO_LONG)],
    )


class Rating:
    """Empty, or one of the three ratings in any letter case; ``data`` becomes its words."""

    def __init__(self, message) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            field.data = None
            return
        try:
            field.data = scoring.Rating.parse(field.data).value
        except ValueError:
            field.data = None
            raise StopValidation(str(self.message)) from None


def _rating(label, message) -> StringField:
    return StringField(label, filters=[_stripped], validators=[PlainText(), Rating(message)])


class PeriodicForm(PortalForm):
    """Built per screen by :func:`periodic_form` (one feedback per target)."""

    version = ShownVersionField()
    action = HiddenField()  # "save" a draft or "finish"
    rating_hasil_kerja = _rating(_l("Rating hasil kerja"), UNKNOWN_DECISION)
    rating_perilaku = _rating(_l("Rating perilaku"), UNKNOWN_DECISION)
    # What the selects showed as the suggestion: kept, it means "follow the suggestion".
    rating_hasil_kerja_suggested = HiddenField(filters=[_stripped])
    rating_perilaku_suggested = HiddenField(filters=[_stripped])
    departure_reason = _text(_l("Alasan berbeda dari saran sistem"))

    target_ids: tuple[int, ...] = ()

    @property
    def finishing(self) -> bool:
        return self.action.data == "finish"

    def _decided(self, name: str) -> str | None:
        field = self[name]
        if field.errors or not field.data:
            return None
        suggested = self[f"{name}_suggested"].data or ""
        return None if field.data == suggested else field.data

    def typed(self) -> PeriodicInput:
        def valid(name):
            field = self[name]
            return None if field.errors else field.data

        return PeriodicInput(
            feedback={tid: valid(f"feedback_{tid}") or "" for tid in self.target_ids},
            ratings={v: valid(f"rating_{i}") for i, v in enumerate(scoring.BERAKHLAK)},
            behaviour_feedback={
                v: valid(f"behaviour_{i}") or "" for i, v in enumerate(scoring.BERAKHLAK)
            },
            rating_hasil_kerja=self._decided("rating_hasil_kerja"),
            rating_perilaku=self._decided("rating_perilaku"),
            departure_reason=valid("departure_reason") or "",
            version=self.version.data,
        )


def periodic_form(ctx: Context, **kwargs) -> PeriodicForm:
    target_ids = tuple(f.target.id for f in ctx.figures)
    fields: dict[str, object] = {
        f"feedback_{tid}": _text(_l("Umpan balik (merujuk bukti dukung)")) for tid in target_ids
    }
    for index, value in enumerate(scoring.BERAKHLAK):
        fields[f"rating_{index}"] = _rating(value, say(UNKNOWN_RATING, value=value.lower()))
        fields[f"behaviour_{index}"] = _text(_l("Umpan balik %(value)s", value=value))
    form_class = type("ScreenPeriodicForm", (PeriodicForm,), {**fields, "target_ids": target_ids})
    return form_class(**kwargs)


def saved_periodic_form(ctx: Context) -> PeriodicForm:
    return periodic_form(ctx, formdata=None, data=saved_inputs(ctx))


class AcknowledgeForm(PortalForm):
    """The employee acknowledges a finished result (the version it was shown with)."""

    version = VersionField()
