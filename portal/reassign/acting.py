"""How an evaluator holds the post: definitively, or acting for an absent official
(Plt., pelaksana tugas, for an empty post; Plh., pelaksana harian, for an official who
is away for a while).

A target's evaluator holds it as recorded on its latest assignment row. An employee's
atasan langsung holds the post acting when a handover to a Plt./Plh. made them the atasan
(``Employee.atasan_acting`` / ``atasan_acting_for_id``, written with the change); any
later change of the atasan ends it (another handover or supervisor change writes its own
role, the admin's form and an import go through ``Employee.set_atasan``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput
from portal.models import Employee

ACTING_REQUIRED = _l("Pilih kedudukan penerima: definitif, Plt. atau Plh.")
ACTING = {"": "Definitif", "plt": "Plt.", "plh": "Plh."}


def acting_role(raw: str | None) -> str:
    value = (raw or "").strip().lower()
    if value not in ACTING:
        raise InvalidInput(str(ACTING_REQUIRED), field="acting")
    return value


def atasan_acting(employee: Employee) -> tuple[str, int | None]:
    """How ``employee``'s atasan langsung holds the post: ``("plt", id of the official
    they act for)``, ``("plh", ...)``, or ``("", None)`` when definitively."""
    if employee.atasan_id is None or employee.atasan_acting not in ACTING:
        return "", None
    return employee.atasan_acting, employee.atasan_acting_for_id
