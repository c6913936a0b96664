"""PDF rendering with WeasyPrint, and the letters' verification codes.

One locked-down URL fetcher serves every PDF: only the app's own ``static/`` files
and ``data:`` URLs. It never touches the network, never reads ``file://``, never
follows redirects, and any other URL stops the rendering (FatalURLFetchingError).
User text reaches the template as escaped text, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
from pathlib import Path

import segno
from flask import current_app, render_template, url_for
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_BASE = "https://portal.invalid/static/"


class StaticOnlyFetcher(URLFetcher):
    """Serves ``STATIC_BASE`` from the static folder and ``data:`` URLs; refuses the rest."""

    def __init__(self, static_folder: str) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(STATIC_BASE) or "?" in url or "#" in url:
            raise ValueError(f"PDF may only load the portal's static files, not {url!r}")
        path = (self.root / url.removeprefix(STATIC_BASE)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"no such static file: {url!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def render_pdf(template: str, **context) -> bytes:
    """Render a template to PDF with the static-only fetcher."""
    html = render_template(template, static_base=STATIC_BASE, **context)
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    try:
        return HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary error
        raise LetterResourceError(str(exc)) from exc


class LetterResourceError(RuntimeError):
    """A PDF asked for a resource outside the app's static files: a bug, never ignored."""


def verification_code(figures: dict) -> str:
    """A keyed hash of the letter's key figures: ``XXXX-XXXX-XXXX-XXXX``.

    Without the secret key nobody can make a code that verifies, and any change to
    the figures gives another code.
    """
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), canonical.encode(), hashlib.sha256
    ).digest()
    code = base64.b32encode(digest[:10]).decode()
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def qr_data_uri(code: str) -> str:
    """A QR code (SVG data URL) of the verification page for ``code``."""
    url = url_for("evaluations.verify_letter", code=code, _external=True)
    return segno.make(url, error="m").svg_data_uri(scale=3, border=1)
