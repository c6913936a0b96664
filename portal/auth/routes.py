from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import bp, services
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.errors import InvalidInput
from portal.web import render, same_site_path


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            employee = services.sign_in(
                form.nip.data, form.password.data, current_app.config["PORTAL_LOCKOUT_MINUTES"]
            )
        except services.SignInRefused as refused:
            error, status = refused.message, refused.status
        else:
            if employee.must_change_password:
                flash(_("Ini masuk pertama Anda. Silakan ganti kata sandi sementara."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(same_site_path(request.args.get("next")) or url_for("home.index"))
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    services.sign_out(current_user._get_current_object())
    flash(_("Anda sudah keluar. Semua sesi Anda di perangkat lain juga diakhiri."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(), form.current_password.data, form.password.data
            )
        except InvalidInput as exc:
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            flash(
                _("Kata sandi berhasil diganti. Sesi di perangkat lain sudah diakhiri."), "success"
            )
            return redirect(url_for("home.index"), code=303)
    elif form.is_submitted():
        status = 422
    return render("auth/change_password.html", form=form, status=status)
