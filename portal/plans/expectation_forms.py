"""The form of the SKP's perilaku kerja expectations and lampiran: one text per BerAKHLAK
value (``ekspektasi_<key>``), the three lampiran texts, and the plan's version.

Each text is trimmed, its line breaks made ``\\n``, at most its limit long and free of
control characters. A posted ``ekspektasi_<key>`` naming no value is refused with the
field named (a forged or outdated form), rather than ignored.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import StopValidation

from portal.berakhlak import BY_KEY, VALUES
from portal.forms import PlainText, PortalForm, VersionField
from portal.models.perilaku import EXPECTATION_MAX
from portal.plans.expectations import (
    EXPECTATION_TOO_LONG,
    FIELD_PREFIX,
    LAMPIRAN_FIELDS,
    LAMPIRAN_MAX,
    LAMPIRAN_TOO_LONG,
    UNKNOWN_VALUE,
    PlanTerms,
    TermsInput,
)

LAMPIRAN_LABELS = {
    "dukungan_sumber_daya": _l("Dukungan sumber daya"),
    "skema_pertanggungjawaban": _l("Skema pertanggungjawaban"),
    "konsekuensi": _l("Konsekuensi"),
}
LAMPIRAN_HINTS = {
    "dukungan_sumber_daya": _l(
        "Sumber daya yang disediakan organisasi agar hasil kerja tercapai: anggaran, "
        "sarana, data, pelatihan, pendampingan."
    ),
    "skema_pertanggungjawaban": _l(
        "Bagaimana dan kapan pegawai mempertanggungjawabkan hasil kerjanya, misalnya "
        "laporan bulanan dan evaluasi triwulanan."
    ),
    "konsekuensi": _l(
        "Akibat bila ekspektasi terpenuhi atau tidak terpenuhi, misalnya penghargaan, "
        "pengembangan kompetensi, atau pembinaan."
    ),
}


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _at_most(limit: int, message):
    def check(form, field) -> None:
        if len(field.data or "") > limit:
            raise StopValidation(str(message) % {"max": limit})

    return check


def _area(label, limit: int, message) -> TextAreaField:
    return TextAreaField(
        label, filters=[_text], validators=[PlainText(multiline=True), _at_most(limit, message)]
    )


class ExpectationsForm(PortalForm):
    version = VersionField()

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        # The names posted, for the check of unknown values (WTForms drops them).
        formdata = self.meta.wrap_formdata(self, formdata)
        self.posted_names = list(formdata.keys()) if formdata else []
        super().process(formdata, obj, data, extra_filters, **kwargs)

    def unknown_values(self) -> dict[str, str]:
        errors = {}
        for name in self.posted_names:
            key = name.removeprefix(FIELD_PREFIX)
            if name.startswith(FIELD_PREFIX) and key not in BY_KEY:
                errors[name[:60]] = str(UNKNOWN_VALUE) % {"key": key[:40]}
        return errors

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return valid and not self.unknown_values()

    def errors_by_field(self) -> dict[str, str]:
        return {**super().errors_by_field(), **self.unknown_values()}

    def to_input(self) -> TermsInput:
        return TermsInput(
            expectations={v.key: self[FIELD_PREFIX + v.key].data for v in VALUES},
            lampiran={name: self[name].data for name in LAMPIRAN_FIELDS},
        )


def _form_class() -> type[ExpectationsForm]:
    fields = {
        FIELD_PREFIX + value.key: _area(value.name, EXPECTATION_MAX, EXPECTATION_TOO_LONG)
        for value in VALUES
    }
    fields.update(
        {
            name: _area(LAMPIRAN_LABELS[name], LAMPIRAN_MAX, LAMPIRAN_TOO_LONG)
            for name in LAMPIRAN_FIELDS
        }
    )
    return type("PlanExpectationsForm", (ExpectationsForm,), fields)


_FORM = _form_class()


def expectations_form(terms: PlanTerms | None = None, **kwargs) -> ExpectationsForm:
    """The posted form, or (``terms`` with ``formdata=None``) the stored texts to edit."""
    if terms is not None:
        data = {FIELD_PREFIX + key: text for key, text in terms.expectations.items()}
        data.update(terms.lampiran)
        data["version"] = terms.version
        kwargs.setdefault("data", data)
    return _FORM(**kwargs)
