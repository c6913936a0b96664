"""What the reassignment screens post, read by Flask-WTF forms.

The screens draw their own inputs (a person picker, radio buttons, hidden preview
fields); these forms read them into typed values. Whom one may choose, which acting role
and how long a note may be are the services' rules (``work.check_recipient``,
``acting.acting_role``, ``work.clean_note``), checked in that order and answered in
words beside the field.
"""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField

from portal.forms import PlainText, PortalForm, VersionField, bounded_id, search_text

SEARCH_MAX = 100
# What a ticked checkbox may post.
TICKED = ("1", "on", "y", "true")
PICKER_FIELDS = ("to", "atasan")


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _search_text(value: str | None) -> str:
    return search_text(value, SEARCH_MAX)


def _picker_field(value: str | None) -> str:
    """Which picker asks: the recipient (``to``, the default) or the new ``atasan``."""
    return value if value in PICKER_FIELDS else "to"


class ChosenPersonField(IntegerField):
    """The id a person picker chose, or ``None`` when nobody (or nothing that can be an
    id) was chosen: the service says then, in words, that someone must be chosen."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist) -> None:
        self.data = bounded_id(valuelist[0] if valuelist else "")


class TickedField(BooleanField):
    """A checkbox: ticked when it posts one of :data:`TICKED` (an unticked box posts
    nothing)."""

    def process_formdata(self, valuelist) -> None:
        self.data = bool(valuelist) and valuelist[0] in TICKED


class _PickerForm(PortalForm):
    """The fields every reassignment screen shares: the picker's search, whether the
    form was sent on (``step``) and the note."""

    q = StringField(filters=[_search_text])
    cari = StringField(filters=[_strip])
    step = StringField(filters=[_strip])
    note = TextAreaField(validators=[PlainText(multiline=True)])

    @property
    def sent(self) -> bool:
        """The form was sent on (a preview or a confirmation), not just opened."""
        return bool(self.step.raw_data)

    @property
    def searching(self) -> bool:
        """The admin pressed "Cari": only list the candidates."""
        return bool(self.cari.data)

    def ticked(self, field: TickedField, default: bool) -> bool:
        """A checkbox: its default until the form was sent."""
        return bool(field.data) if self.sent else default

    def refusals(self) -> dict[str, str]:
        """The form's errors as the screens show them: by field, the version's (a stale
        form) at the top."""
        errors = self.errors_by_field()
        if "version" in errors:
            errors["_"] = errors.pop("version")
        return errors


class HandoverForm(_PickerForm):
    """A departing supervisor's work to one recipient, definitively or acting."""

    to = ChosenPersonField()
    acting = StringField(filters=[_strip])
    set_atasan = TickedField()
    token = HiddenField(filters=[_strip])


class SupervisorForm(_PickerForm):
    """One employee's new atasan langsung, with or without their running work."""

    atasan = ChosenPersonField()
    move_work = TickedField()
    token = HiddenField(filters=[_strip])


class TargetForm(_PickerForm):
    """One target's new evaluator; the version it was shown with."""

    to = ChosenPersonField()
    acting = StringField(filters=[_strip])


class ConfirmTargetForm(TargetForm):
    version = VersionField()


class IdListField(StringField):
    """Comma-separated ids (``3,17``); anything else in the list is left out."""

    def process_formdata(self, valuelist) -> None:
        raw = valuelist[0] if valuelist else ""
        ids = (bounded_id(part) for part in raw.split(",")[:200])
        self.data = {i for i in ids if i is not None}


class PickerSearchForm(_PickerForm):
    """The person picker's search (htmx): for which field, whom to leave out, and who is
    chosen already."""

    field = StringField(filters=[_picker_field])
    exclude = IdListField()
    selected = ChosenPersonField()


class InterimNoteForm(PortalForm):
    """The note left for the next evaluator on the target page."""

    note = TextAreaField(validators=[PlainText(multiline=True)])


def on_get(form_class: type[_PickerForm], args) -> _PickerForm:
    """A screen opened (or searched) by GET reads the query string; no CSRF token."""
    return form_class(formdata=args, meta={"csrf": False})
