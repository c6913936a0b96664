"""``flask --app wsgi notify``: one round of mail delivery (cron every minute, or let the
RQ worker do it: it runs a round at each of its maintenance rounds)."""

from __future__ import annotations

import click

from portal.notify import delivery


@click.command("notify")
@click.option(
    "--ke-folder",
    "folder",
    type=click.Path(file_okay=False),
    default=None,
    help="Tulis email sebagai berkas .eml ke folder ini, bukan ke server SMTP "
    "(mis. instance/outbox untuk demo).",
)
def notify_command(folder: str | None) -> None:
    """Deliver the outbox by mail: plan new notifications, make the digests, send."""
    result = delivery.run(folder=folder)
    if result is None:
        click.echo(
            "Email tidak aktif (PORTAL_SMTP_HOST kosong): pemberitahuan hanya tampil di "
            "portal. Untuk demo: flask --app wsgi notify --ke-folder instance/outbox"
        )
        return
    click.echo(
        f"{result.planned} pemberitahuan diputuskan, {result.digests} ringkasan dibuat, "
        f"{result.sent} email terkirim, {result.retried} dicoba lagi nanti, "
        f"{result.failed} gagal."
    )
    if result.unreachable:
        click.echo(f"Server email tidak dapat dihubungi: {result.unreachable}", err=True)
        raise SystemExit(75)  # EX_TEMPFAIL: cron reports it, the mails wait
