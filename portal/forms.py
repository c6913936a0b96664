"""The pieces every feature's Flask-WTF forms are built from.

One form layer: each form that changes data is a ``PortalForm`` whose fields carry their
validators, so the rules and their messages (in the user's language) live beside the
field. Services never see ``request.form``: a route validates the form and hands the
service a typed value (a dataclass), which the service checks against the database.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import Field, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput

from portal.errors import InvalidInput
from portal.numbers import parse_whole

# The largest id or version a URL or a form may name: PostgreSQL's ``integer``. A larger
# value names nothing, so it is a 404 (URL) or a 422 (form), never a database error.
MAX_ID = 2**31 - 1


def bounded_id(raw) -> int | None:
    """An id, a version or a page number as posted or typed in a URL: ASCII digits within
    ``0..MAX_ID``, else None. The one reading of an id (``"²".isdigit()`` is true, a
    30-digit number overflows the database, and ``int()`` refuses 100,000 digits)."""
    raw = str(raw if raw is not None else "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


REQUIRED = _l("Wajib diisi.")
OUTDATED_FORM = _l("Formulir tidak lengkap (versi). Muat ulang halaman.")
CONTROL_CHARACTERS = _l("Isian ini memuat karakter yang tidak diizinkan.")

# Every C0 control but tab, newline and carriage return; DEL; and the C1 range.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF token included). ``errors_by_field`` is what the templates
    show next to each field on a 422 re-render."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """A post is read as posted even when its body is empty (htmx sends the CSRF
            token in a header): Flask-WTF would treat it as no post at all, and the
            number fields would pass with nothing in them instead of saying they are
            required."""
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None and formdata is not None and form.is_submitted():
                return ImmutableMultiDict()
            return wrapped

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every text field refuses NUL and other control characters, first (before any
        # validator that would look the value up): the one place, so a field without its
        # own PlainText (a hidden field, a password, a search) is covered all the same.
        for field in self._fields.values():
            if isinstance(field, StringField) and not any(
                isinstance(v, PlainText) for v in field.validators
            ):
                multiline = isinstance(field, TextAreaField)
                field.validators = [PlainText(multiline=multiline), *field.validators]

    def errors_by_field(self) -> dict[str, str]:
        return {name: str(messages[0]) for name, messages in self.errors.items() if messages}

    def add_errors(self, errors: dict[str, str]) -> None:
        """Put a service's refusals (``InvalidInput.errors``) next to the fields."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]


class PlainText:
    """Refuses NUL and other control characters; tab and line breaks only where
    ``multiline``. Put it on every text field."""

    def __init__(self, *, multiline: bool = False, message=CONTROL_CHARACTERS) -> None:
        self.multiline = multiline
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if not isinstance(value, str):
            return
        if has_control_characters(value, multiline=self.multiline):
            raise StopValidation(str(self.message))


class WholeNumberField(Field):
    """A whole number typed the Indonesian way (``1.000``, ``Rp 170.395.000``), parsed by
    ``portal.numbers.parse_whole`` with its messages. ``data`` is an ``int`` or ``None``;
    an empty optional field is ``None``."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum: int = 0,
        maximum: int = 10**15,
        optional: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.optional = minimum, maximum, optional
        self.raw_text = ""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist) -> None:
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        if self.optional and not self.raw_text.strip():
            self.data = None
            return
        try:
            self.data = parse_whole(
                self.raw_text, str(self.label.text), minimum=self.minimum, maximum=self.maximum
            )
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from None


class BoundedInteger:
    """An id or version: ASCII digits within ``0..MAX_ID``."""

    def __init__(self, message=None, *, minimum: int = 0) -> None:
        self.message = message
        self.minimum = minimum

    def __call__(self, form, field) -> None:
        value = bounded_id((field.raw_data or [""])[0] if field.raw_data else "")
        if value is None or value < self.minimum:
            raise StopValidation(str(self.message or OUTDATED_FORM))
        field.data = value


class IdField(IntegerField):
    """A hidden id (or a select's id) that must be a whole number in the id range."""

    widget = HiddenField.widget

    def __init__(self, label=None, validators=None, *, message=None, **kwargs) -> None:
        super().__init__(label, [BoundedInteger(message), *(validators or [])], **kwargs)

    def process_formdata(self, valuelist) -> None:
        # BoundedInteger reads raw_data; IntegerField's own parser would raise on
        # "²" or a 30-digit number before the validator could say so in Indonesian.
        self.data = None


class ShownVersionField(HiddenField):
    """The version the evaluation was shown with. A missing or malformed one is None, not
    a form error: the compare-and-swap refuses it as changed elsewhere (409), as it
    refuses any version that is not the current one."""

    def process_formdata(self, valuelist) -> None:
        self.data = bounded_id(valuelist[0] if valuelist else "")


class VersionField(IdField):
    """The version the object was shown with, for the compare-and-swap."""


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether ``value`` holds NUL or another control character (tab and line breaks
    count only when not ``multiline``)."""
    return bool(_CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)))


def search_text(value: str | None, limit: int) -> str:
    """What was typed into a search box, as searched: control characters dropped (a
    search is run as typed, before any validation, and a NUL breaks PostgreSQL's text),
    trimmed, at most ``limit`` characters."""
    return _LINE_BREAK.sub(" ", _CONTROL.sub("", value or "")).strip()[:limit]


class ConfirmField(HiddenField):
    """The "yes" of a delete's confirmation panel. A delete posted without it (the first
    step, a stale page, a forged request) deletes nothing: it shows what would be lost."""

    YES = "1"

    @property
    def given(self) -> bool:
        return self.data == self.YES


def require_plain(value: str, *, multiline: bool = False) -> None:
    """The same check as :class:`PlainText`, for values that do not come from a form
    (imports, command line)."""
    if has_control_characters(value, multiline=multiline):
        raise ValidationError(str(CONTROL_CHARACTERS))


INVALID_DATE = _l("Tanggal tidak valid; gunakan format tahun-bulan-tanggal.")


class IsoDateField(Field):
    """A date typed as ``tahun-bulan-tanggal`` (what ``<input type="date">`` posts),
    read by ``date.fromisoformat``. ``data`` is a ``date`` or ``None``; an empty or
    missing value is refused with ``message``."""

    widget = DateInput()

    def __init__(self, label=None, validators=None, *, message=INVALID_DATE, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist) -> None:
        raw = ((valuelist[0] if valuelist else "") or "").strip()
        try:
            self.data = date.fromisoformat(raw)
        except ValueError:
            self.data = None
            raise ValueError(str(self.message)) from None

    def pre_validate(self, form) -> None:
        # A post without the field at all (an empty body) is not processed: no date.
        if self.data is None and not self.process_errors:
            raise StopValidation(str(self.message))


class VersionedIdsField(Field):
    """The ``id:version`` pairs a bulk form posts (checkboxes sharing one name), as a
    ``dict`` of id to version. A pair that is not two whole numbers in the id range is
    left out: it names nothing the user could have been shown."""

    def process_formdata(self, valuelist) -> None:
        chosen: dict[int, int] = {}
        for raw in valuelist:
            object_id, version = (bounded_id(part) for part in str(raw).partition(":")[::2])
            if object_id is not None and version is not None:
                chosen[object_id] = version
        self.data = chosen


def validate_or_raise(form: PortalForm) -> None:
    """Validate ``form``; on any error raise :class:`InvalidInput` with the errors by
    field, for routes whose refusal is the common error page (or a flash), not the form
    drawn again."""
    if not form.validate():
        raise InvalidInput(errors=form.errors_by_field())
