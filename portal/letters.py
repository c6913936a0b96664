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
from functools import cache
from pathlib import Path

import segno
from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
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


def render_document(template: str, **context) -> Document:
    """Lay a template out as pages, fetching only through the static-only fetcher."""
    with force_locale("id"):  # official documents are in Bahasa Indonesia
        html = render_template(template, static_base=STATIC_BASE, **context)
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    try:
        return HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).render(
            stylesheets=[_letter_stylesheet(current_app.static_folder)],
            font_config=_font_config(),
            optimize_images=False,
        )
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary error
        raise LetterResourceError(str(exc)) from exc


@cache
def _font_config() -> FontConfiguration:
    """One font configuration per process: the shipped fonts are parsed once, not per PDF."""
    return FontConfiguration()


@cache
def _letter_stylesheet(static_folder: str) -> CSS:
    """The letters' stylesheet, parsed once per process (its fonts load through the
    same static-only fetcher)."""
    return CSS(
        url=STATIC_BASE + "css/letter.css",
        url_fetcher=StaticOnlyFetcher(static_folder),
        font_config=_font_config(),
    )


def render_pdf(template: str, **context) -> bytes:
    """Render a template to PDF with the static-only fetcher."""
    return render_document(template, **context).write_pdf()


def merge(documents: list[Document]) -> bytes:
    """Many rendered documents as one PDF (e.g. every letter of a unit)."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


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


def qr_data_uri(code: str, path: str | None = None) -> str:
    """A QR code (PNG data URL) of the verification page for ``code`` (a letter's), or of
    the site's ``path`` (another document's verification page)."""
    if has_request_context():
        base = request.url_root
    else:  # jobs and the command line have no request: the configured public address
        base = current_app.config["PORTAL_BASE_URL"].rstrip("/") + "/"
    url = base + (path or f"cek-surat/{code}")
    # A PNG draws in a fraction of the time WeasyPrint needs for the SVG's path. At
    # 5 px per module (~26 mm printed) it stays sharp at 300 dpi and scans from paper.
    return segno.make(url, error="m").png_data_uri(scale=5, border=1)
