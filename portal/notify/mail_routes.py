"""Mail: a person's preferences (``/pengaturan/pemberitahuan``), and the admin's view of
what was sent to whom (``/admin/surel``), with retry and a test mail."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.forms import search_text
from portal.models import Employee, MailMessage
from portal.models.notifications import SEND_FAILED, SEND_PENDING, SEND_SENDING, SEND_SENT
from portal.notify import bp, delivery, forms, mailer, services
from portal.notify.kinds import GROUPS, KINDS, text
from portal.pagination import paginate
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import arg_id, current_employee, render

PER_PAGE = 50


def _status_labels() -> dict[str, str]:
    return {
        SEND_PENDING: _("Menunggu"),
        SEND_SENDING: _("Sedang dikirim"),
        SEND_SENT: _("Terkirim"),
        SEND_FAILED: _("Gagal"),
    }


# -- a person's own preferences --------------------------------------------------------


def _preferences_page(form, status: int = 200):
    return render(
        "notify/preferences.html",
        status=status,
        form=form,
        always=[g for g in GROUPS.values() if g.always],
        mode_fields=[form[f"mode_{key}"] for key, g in GROUPS.items() if not g.always],
        mail_on=mailer.enabled(),
    )


@bp.route("/pengaturan/pemberitahuan", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_employee()
    policy.authorize(user, Action.EDIT_OWN_SETTINGS, user)
    if request.method == "GET":
        chosen = services.preferences(user)
        form = forms.preferences_form(
            formdata=None,
            quiet_start=user.quiet_start,
            quiet_end=user.quiet_end,
            **{f"mode_{key}": mode for key, mode in chosen.items()},
        )
        return _preferences_page(form)
    form = forms.preferences_form()
    if not form.validate():
        return _preferences_page(form, status=422)
    modes = {key: form[f"mode_{key}"].data for key, g in GROUPS.items() if not g.always}
    changes = services.save_preferences(user, modes, (form.quiet_start.data, form.quiet_end.data))
    db.session.commit()
    flash(
        _("Pengaturan pemberitahuan tersimpan.") if changes else _("Tidak ada yang berubah."),
        "success" if changes else "info",
    )
    return redirect(url_for("notify.preferences"), code=303)


# -- the admin's deliveries ------------------------------------------------------------


def _subject(mail: MailMessage) -> str:
    if mail.kind == delivery.TEST:
        return _("Uji email Portal Kinerja")
    if mail.kind == delivery.DIGEST:
        return _("Ringkasan harian: %(num)s pemberitahuan", num=len(mail.notifications))
    first = min(mail.notifications, key=lambda n: n.id, default=None)
    kind = KINDS.get(first.kind) if first is not None else None
    return text(kind.title, first.params or {}) if kind else "—"


def _deliveries_page(status: int = 200, message: str | None = None):
    user = current_employee()
    shown = request.args.get("status", "")
    if shown not in _status_labels():
        shown = ""
    query = search_text(request.args.get("q"), 100)
    stmt = (
        select(MailMessage)
        .where(MailMessage.instansi_id == user.instansi_id)
        .options(selectinload(MailMessage.recipient), selectinload(MailMessage.notifications))
        .order_by(MailMessage.id.desc())
    )
    if shown:
        stmt = stmt.where(MailMessage.status == shown)
    if query:
        stmt = stmt.join(MailMessage.recipient).where(
            or_(
                Employee.name.icontains(query, autoescape=True),
                MailMessage.to_address.icontains(query, autoescape=True),
            )
        )
    pager = paginate(stmt, arg_id("page", 1), PER_PAGE)
    bounced = list(
        db.session.scalars(
            select(Employee)
            .where(
                Employee.instansi_id == user.instansi_id,
                Employee.email_bounced_at.is_not(None),
            )
            .order_by(Employee.name)
            .limit(100)
        )
    )
    return render(
        "notify/deliveries.html",
        status=status,
        message=message,
        mails=pager.items,
        pager=pager,
        shown=shown,
        query=query,
        labels=_status_labels(),
        subject=_subject,
        bounced=bounced,
        mail_on=mailer.enabled(),
        retry_form=forms.RetryMailForm,
        test_form=forms.PortalForm(),
    )


@bp.route("/admin/surel")
@login_required
def deliveries():
    user = current_employee()
    policy.authorize(user, Action.MANAGE_INSTANSI, user.instansi)
    return _deliveries_page()


@bp.route("/admin/surel/<int:mail_id>/kirim-ulang", methods=["POST"])
@login_required
def retry_mail(mail_id: int):
    user = current_employee()
    mail = load_or_404(MailMessage, mail_id, Action.MANAGE_INSTANSI)
    form = forms.RetryMailForm()
    if not form.validate():
        return _deliveries_page(status=422, message=next(iter(form.errors_by_field().values())))
    try:
        delivery.retry(mail, user, form.version.data)
    except Conflict as exc:
        db.session.rollback()
        return _deliveries_page(status=409, message=exc.message)
    db.session.commit()
    flash(_("Email ke %(address)s masuk antrean lagi.", address=mail.to_address), "success")
    return redirect(url_for("notify.deliveries", status=SEND_PENDING), code=303)


@bp.route("/admin/surel/uji", methods=["POST"])
@login_required
def test_mail():
    user = current_employee()
    policy.authorize(user, Action.MANAGE_INSTANSI, user.instansi)
    form = forms.PortalForm()
    if not form.validate():
        return _deliveries_page(status=422, message=next(iter(form.errors_by_field().values())))
    try:
        mail, result = delivery.send_test(user)
    except InvalidInput as exc:
        db.session.rollback()
        return _deliveries_page(status=422, message=exc.message)
    if mail.status == SEND_SENT:
        flash(_("Email uji terkirim ke %(address)s.", address=mail.to_address), "success")
    else:
        flash(
            _(
                "Email uji belum terkirim ke %(address)s: %(error)s",
                address=mail.to_address,
                error=mail.last_error or result.unreachable or "—",
            ),
            "error",
        )
    return redirect(url_for("notify.deliveries"), code=303)
