"""Handing a built mail to the SMTP server, or to a folder of ``.eml`` files.

With ``PORTAL_SMTP_HOST`` set, mail goes to that server (STARTTLS and login when set).
Without it, mail is off, unless ``PORTAL_MAIL_DIR`` (or ``notify --ke-folder``) names a
folder: each message is then written there as ``<key>.eml``, which a demo opens in any
mail program. Errors are sorted into the three outcomes delivery cares about: the server
could not be reached (try again later, and stop this round), the address was refused for
good (a bounce), or this one message failed for now.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

from flask import current_app

from portal.models.types import utcnow


class Unreachable(Exception):
    """The server cannot be reached now: every mail waits, none is counted as failing."""


class Refused(Exception):
    """The server refused the address or the message for good (a 5xx answer)."""


class Deferred(Exception):
    """This message failed for now (a 4xx answer): it is tried again later."""


class Transport(Protocol):
    def send(self, message: EmailMessage, key: str) -> None: ...

    def close(self) -> None: ...


# Lines up to RFC 5322's limit of 998: at 78, the library folds a long subject before its
# first word, and readers then see it begin with a space.
_POLICY = SMTP.clone(max_line_length=998)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def header_text(value: str) -> str:
    """A value safe in a header: line breaks and other control characters become a
    space, so no name or title can start a header of its own (``Bcc:`` and the like)."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def sender() -> Address:
    name, address = parseaddr(current_app.config["PORTAL_MAIL_FROM"])
    return Address(display_name=header_text(name), addr_spec=address)


def build(
    *, key: str, to_name: str, to_address: str, subject: str, text: str, html: str, language: str
) -> EmailMessage:
    """One message in plain text and HTML. Its Message-ID is made of the mail's
    idempotency key, so a message sent again after a lost answer is the same message."""
    message = EmailMessage(policy=_POLICY)
    origin = sender()
    message["From"] = origin
    try:
        message["To"] = Address(display_name=header_text(to_name), addr_spec=to_address)
    except (ValueError, IndexError) as exc:  # an address the mail library cannot write
        raise Refused(f"alamat tidak dapat dipakai: {exc}") from exc
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{key}@{origin.domain or 'portal-kinerja.invalid'}>"
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to the portal
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the content, which resets Content-*
    return message


class SmtpTransport:
    """One connection for a round of deliveries, opened on the first message."""

    def __init__(self, config) -> None:
        self.host = config["PORTAL_SMTP_HOST"]
        self.port = int(config["PORTAL_SMTP_PORT"])
        self.user = config["PORTAL_SMTP_USER"]
        self.password = config["PORTAL_SMTP_PASSWORD"]
        self.starttls = bool(config["PORTAL_SMTP_STARTTLS"])
        self.timeout = int(config["PORTAL_SMTP_TIMEOUT"])
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
            except (OSError, smtplib.SMTPException) as exc:
                raise Unreachable(str(exc) or type(exc).__name__) from exc
            self._smtp = smtp
        return self._smtp

    def send(self, message: EmailMessage, key: str) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            self._raise_for(code, answer)
        except smtplib.SMTPResponseException as exc:
            self._raise_for(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._smtp = None
            raise Unreachable(str(exc) or type(exc).__name__) from exc

    @staticmethod
    def _raise_for(code: int, answer: bytes | str) -> None:
        text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
        if 500 <= code < 600:
            raise Refused(f"{code} {text}")
        raise Deferred(f"{code} {text}")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None


class FolderTransport:
    """``<key>.eml`` files, written whole (a temporary file renamed): writing the same
    mail again replaces it, never adds a second one."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage, key: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(temporary, self.folder / f"{key}.eml")
        except OSError as exc:
            raise Unreachable(str(exc)) from exc

    def close(self) -> None:
        return None


def transport(folder: str | None = None) -> Transport | None:
    """The configured transport; None when mail is off (no SMTP host, no folder)."""
    config = current_app.config
    if folder:
        return FolderTransport(folder)
    if config.get("PORTAL_SMTP_HOST"):
        return SmtpTransport(config)
    if config.get("PORTAL_MAIL_DIR"):
        return FolderTransport(config["PORTAL_MAIL_DIR"])
    return None


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("PORTAL_SMTP_HOST") or config.get("PORTAL_MAIL_DIR"))
