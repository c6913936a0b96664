"""Reading numbers as Indonesians type them: ``1.000``, ``1 000``, ``Rp 170.395.000``."""

from __future__ import annotations

import re

from flask_babel import gettext as _

_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")


def parse_whole(text: str | None, label: str, *, minimum: int, maximum: int) -> int:
    """Parse a whole number or raise ``ValueError`` with a message in the user's language;
    ``label`` names the field (already translated by the caller)."""
    raw = (text or "").strip()
    raw = re.sub(r"^rp\.?\s*", "", raw, flags=re.IGNORECASE)
    if not raw:
        raise ValueError(_("%(label)s wajib diisi.", label=label))
    if _GROUPED.match(raw):
        raw = raw.replace(".", "").replace(" ", "")
    if raw.startswith("-") and raw[1:].isascii() and raw[1:].isdigit():
        raise ValueError(_("%(label)s tidak boleh negatif.", label=label))
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValueError(_("%(label)s harus berupa bilangan bulat, misalnya 12.", label=label))
    value = int(raw)
    if value < minimum:
        raise ValueError(
            _("%(label)s tidak boleh nol.", label=label)
            if minimum == 1 and value == 0
            else _("%(label)s minimal %(minimum)s.", label=label, minimum=thousands(minimum))
        )
    if value > maximum:
        raise ValueError(
            _(
                "%(label)s terlalu besar (maksimal %(maximum)s).",
                label=label,
                maximum=thousands(maximum),
            )
        )
    return value


def rupiah(value: int | None) -> str:
    return "—" if value is None else f"Rp{value:,}".replace(",", ".")


def thousands(value: int | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def decimal(value: float | None, places: int = 2) -> str:
    """A decimal as printed in Indonesian documents: ``1.234,50``, ``89,67``."""
    if value is None:
        return "—"
    return f"{value:,.{places}f}".replace(",", "X").replace(".", ",").replace("X", ".")
