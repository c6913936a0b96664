"""What the machine must provide besides the Python packages: Pango, for the PDF letters.

WeasyPrint loads Pango (and HarfBuzz) through cffi when it is imported; without them the
import fails with an ``OSError`` that names a library file and says nothing of how to get
it. :func:`require_pango` runs before the app is built and says it in words instead.
"""

from __future__ import annotations

DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"

PANGO_MISSING = (
    "Portal Kinerja membutuhkan pustaka sistem Pango untuk mencetak surat PDF (WeasyPrint), "
    "tetapi pustaka itu tidak ditemukan:\n  {error}\n"
    "Di Debian/Ubuntu, pasang dengan:\n"
    f"  sudo apt-get install -y {DEBIAN_PACKAGES}\n"
    "lalu jalankan lagi. (Sistem lain: "
    "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)"
)


def require_pango() -> None:
    """Stop with instructions when Pango cannot be loaded (a clean exit, no traceback)."""
    try:
        import weasyprint  # noqa: F401  (loading it loads Pango)
    except OSError as exc:
        raise SystemExit(PANGO_MISSING.format(error=exc)) from None
