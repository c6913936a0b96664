from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import bounded_id, search_text
from portal.models import Employee
from portal.people import bp, queries, services
from portal.people.forms import EmployeeForm
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import render

FORM_FIELD = {"atasan_id": "atasan_nip"}


@bp.route("/pegawai/<int:employee_id>")
@login_required
def profile(employee_id: int):
    shown = queries.profile(load_or_404(Employee, employee_id, Action.VIEW_PROFILE))
    return render(
        "people/profile.html",
        employee=shown.employee,
        chain=shown.chain,
        subordinates=shown.subordinates,
    )


@bp.route("/admin/pegawai")
@login_required
def employee_list():
    user = current_user._get_current_object()
    policy.authorize(user, Action.MANAGE_EMPLOYEE, user.instansi)
    query = search_text(request.args.get("q"), queries.SEARCH_MAX)
    page = queries.employee_page(user.instansi_id, query, request.args.get("page", 1, type=int))
    return render(
        "people/list.html",
        partial="people/_rows.html",
        employees=page.items,
        page=page,
        query=query,
    )


def _unit_choices(instansi_id: int) -> list[SelectChoice]:
    return [SelectChoice("", _("— pilih unit —"))] + [
        SelectChoice(value, label) for value, label in queries.unit_choices(instansi_id)
    ]


def _data_from(form: EmployeeForm, instansi_id: int) -> services.EmployeeData:
    atasan_id = None
    if form.atasan_nip.data and form.atasan_nip.data.strip():
        atasan_id = queries.atasan_id_by_nip(form.atasan_nip.data, instansi_id)
        if atasan_id is None:
            raise InvalidInput(str(services.ATASAN_NOT_FOUND), field="atasan_id")
    # Not an id (a superscript digit, a number past the id range): no unit, said in words.
    unit_id = bounded_id(form.unit_id.data)
    unit_id = 0 if unit_id is None else unit_id
    return services.EmployeeData(
        nip=form.nip.data or "",
        name=form.name.data or "",
        gelar_depan=form.gelar_depan.data or "",
        gelar_belakang=form.gelar_belakang.data or "",
        jabatan=form.jabatan.data or "",
        jenis_jabatan=form.jenis_jabatan.data or "",
        jenis_asn=form.jenis_asn.data or "",
        golongan=form.golongan.data or "",
        unit_id=unit_id,
        atasan_id=atasan_id,
        email=form.email.data or "",
        is_admin=bool(form.is_admin.data),
        active=bool(form.active.data),
    )


def _save(form: EmployeeForm, employee: Employee | None):
    """Validate and save; return (employee, password) or None with errors on the form."""
    user = current_user._get_current_object()
    # A superadmin edits people of any instansi: look the supervisor up in theirs.
    instansi = employee.instansi if employee else user.instansi
    try:
        data = _data_from(form, instansi.id)
        if employee is None:
            return services.create_employee(data, instansi)
        services.update_employee(employee, data)
        return employee, None
    except InvalidInput as exc:
        db.session.rollback()
        getattr(form, FORM_FIELD.get(exc.field, exc.field)).errors.append(exc.message)
        return None


@bp.route("/admin/pegawai/baru", methods=["GET", "POST"])
@login_required
def employee_create():
    user = current_user._get_current_object()
    policy.authorize(user, Action.MANAGE_EMPLOYEE, user.instansi)
    form = EmployeeForm()
    form.unit_id.choices = _unit_choices(user.instansi_id)
    status = 200
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved:
            db.session.commit()
            employee, password = saved
            return render("people/created.html", employee=employee, password=password, status=201)
        status = 422
    elif form.is_submitted():
        status = 422
    return render("people/form.html", form=form, employee=None, status=status)


@bp.route("/admin/pegawai/<int:employee_id>/ubah", methods=["GET", "POST"])
@login_required
def employee_edit(employee_id: int):
    employee = load_or_404(Employee, employee_id, Action.MANAGE_EMPLOYEE)
    form = EmployeeForm(obj=None if request.method == "POST" else employee)
    form.unit_id.choices = _unit_choices(employee.instansi_id)
    if request.method == "GET":
        form.unit_id.data = str(employee.unit_id)
        form.nip.data = employee.nip_display
        form.atasan_nip.data = employee.atasan.nip_display if employee.atasan else ""
        form.jenis_jabatan.data = employee.jenis_jabatan.value
        form.jenis_asn.data = employee.jenis_asn.value
    status = 200
    if form.validate_on_submit():
        if _save(form, employee):
            db.session.commit()
            flash(_("Data pegawai tersimpan."), "success")
            return redirect(url_for("people.profile", employee_id=employee.id), code=303)
        status = 422
    elif form.is_submitted():
        status = 422
    return render("people/form.html", form=form, employee=employee, status=status)
