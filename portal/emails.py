"""Email addresses: checked by the RFCs' syntax (the email-validator library, which also
knows internationalised domains), never looked up in the DNS: an intranet portal may not
reach it, and a typo is caught by the syntax, a dead mailbox by the bounce."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalise(address: str) -> str | None:
    """The address as it should be stored (domain in lower case), or None when invalid."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized
