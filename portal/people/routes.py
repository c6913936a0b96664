from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Unit
from portal.nip import normalise
from portal.people import bp, services
from portal.people.forms import EmployeeForm
from portal.policy import Action
from portal.web import render

PAGE_SIZE = 25
FORM_FIELD = {"atasan_id": "atasan_nip"}


def _employee_or_404(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        abort(404)
    return employee


@bp.route("/pegawai/<int:employee_id>")
@login_required
def profile(employee_id: int):
    user = current_user._get_current_object()
    employee = _employee_or_404(employee_id)
    policy.authorize(user, Action.VIEW_PROFILE, employee)
    chain_ids = policy.supervisor_chain(employee.id)
    by_id = {
        e.id: e
        for e in db.session.scalars(
            select(Employee).where(Employee.id.in_(chain_ids)).options(selectinload(Employee.unit))
        )
    }
    subordinates = db.session.scalars(
        select(Employee)
        .where(Employee.atasan_id == employee.id)
        .options(selectinload(Employee.unit))
        .order_by(Employee.name)
    ).all()
    return render(
        "people/profile.html",
        employee=employee,
        chain=[by_id[i] for i in chain_ids if i in by_id],
        subordinates=subordinates,
    )


@bp.route("/admin/pegawai")
@login_required
def employee_list():
    user = current_user._get_current_object()
    policy.authorize(user, Action.MANAGE_EMPLOYEE, user.instansi)
    query = (request.args.get("q") or "").strip()[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    stmt = select(Employee).where(Employee.instansi_id == user.instansi_id)
    if query:
        digits = normalise(query)
        # What was typed is matched as typed: % and _ are not wildcards here.
        typed = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{typed}%"
        conditions = [
            func.lower(Employee.name).like(like, escape="\\"),
            func.lower(Employee.jabatan).like(like, escape="\\"),
        ]
        if digits.isdigit():
            conditions.append(Employee.nip.like(f"{digits}%"))
        stmt = stmt.where(or_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)  # past the end, even absurdly far, shows the last page
    employees = db.session.scalars(
        stmt.options(selectinload(Employee.unit), selectinload(Employee.atasan))
        .order_by(Employee.name, Employee.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render(
        "people/list.html",
        partial="people/_rows.html",
        employees=employees,
        query=query,
        page=page,
        pages=pages,
        total=total,
    )


def _unit_choices(instansi_id: int) -> list[tuple[str, str]]:
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == instansi_id).order_by(Unit.code)
    )
    return [("", _("— pilih unit —"))] + [(str(u.id), f"{u.code} · {u.name}") for u in units]


def _data_from(form: EmployeeForm, instansi_id: int) -> services.EmployeeData:
    atasan_id = None
    if form.atasan_nip.data and form.atasan_nip.data.strip():
        atasan_id = db.session.scalar(
            select(Employee.id).where(
                Employee.nip == normalise(form.atasan_nip.data),
                Employee.instansi_id == instansi_id,
            )
        )
        if atasan_id is None:
            raise InvalidInput(
                _("Pegawai dengan NIP ini tidak ditemukan di instansi Anda."), field="atasan_id"
            )
    unit_id = int(form.unit_id.data) if (form.unit_id.data or "").isdigit() else 0
    return services.EmployeeData(
        nip=form.nip.data or "",
        name=form.name.data or "",
        gelar_depan=form.gelar_depan.data or "",
        gelar_belakang=form.gelar_belakang.data or "",
        jabatan=form.jabatan.data or "",
        jenis_jabatan=form.jenis_jabatan.data or "",
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
    user = current_user._get_current_object()
    employee = _employee_or_404(employee_id)
    policy.authorize(user, Action.MANAGE_EMPLOYEE, employee)
    form = EmployeeForm(obj=None if request.method == "POST" else employee)
    form.unit_id.choices = _unit_choices(employee.instansi_id)
    if request.method == "GET":
        form.unit_id.data = str(employee.unit_id)
        form.nip.data = employee.nip_display
        form.atasan_nip.data = employee.atasan.nip_display if employee.atasan else ""
        form.jenis_jabatan.data = employee.jenis_jabatan.value
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
