"""The admin's audit log viewer and its CSV export; each employee's own audit trail."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import format_datetime
from flask_login import login_required

from portal import audit, clock, exports, policy
from portal.auditlog import bp, services
from portal.auditlog.export import csv_lines
from portal.auditlog.labels import ACTION_GROUPS, OBJECT_LABELS, action_label, object_label
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import current_employee, is_fragment_request, render

_me = current_employee


@bp.app_template_filter("waktu_detik")
def _moment(value) -> str:
    """An event's time to the second, in the agency's time zone."""
    return format_datetime(value, "d MMM y, HH.mm.ss") if value else "—"


def _shared_context() -> dict:
    return {
        "action_label": action_label,
        "object_label": object_label,
        "summary_items": services.summary_items,
    }


@bp.route("/admin/log-audit")
@login_required
def viewer():
    user = _me()
    policy.authorize(user, Action.MANAGE_INSTANSI, user.instansi)
    typed = {name: (request.args.get(name) or "").strip() for name in services.FILTER_FIELDS}
    status, errors, filters, page = 200, {}, None, None
    try:
        filters = services.parse_filters(request.args)
        page = services.page(
            services.admin_scope(user), filters, services.Cursor.from_args(request.args)
        )
    except InvalidInput as exc:
        status, errors = 422, exc.errors
    response = render(
        "auditlog/viewer.html",
        partial="auditlog/_results.html",
        status=status,
        typed=typed,
        errors=errors,
        filters=filters,
        page=page,
        fragment=is_fragment_request(),
        filter_fields=services.FILTER_FIELDS,
        action_groups=ACTION_GROUPS,
        object_labels=OBJECT_LABELS,
        **_shared_context(),
    )
    if is_fragment_request():
        # The address to share or come back to: the filters given, without the empty ones
        # the form sends along.
        given = {name: value for name, value in request.args.items() if value.strip()}
        response.headers["HX-Push-Url"] = url_for("auditlog.viewer", **given)
    return response


@bp.route("/admin/log-audit/ekspor.csv")
@login_required
def export():
    user = _me()
    policy.authorize(user, Action.MANAGE_INSTANSI, user.instansi)
    filters = services.parse_filters(request.args)
    audit.record(
        "auditlog.export",
        None if user.is_superadmin else user.instansi,
        summary={"filters": filters.query_args()},
    )
    db.session.commit()
    scope = services.admin_scope(user)
    stamp = clock.today().strftime("%Y%m%d")
    return exports.download(csv_lines(scope, filters), f"log-audit-{stamp}.csv", exports.CSV)


@bp.route("/pegawai/<int:employee_id>/jejak-audit")
@login_required
def own_trail(employee_id: int):
    employee = load_or_404(Employee, employee_id, Action.VIEW_AUDIT_TRAIL)
    page = services.page(
        services.own_scope(employee), services.Filters(), services.Cursor.from_args(request.args)
    )
    return render(
        "auditlog/trail.html",
        partial="auditlog/_trail_results.html",
        employee=employee,
        page=page,
        **_shared_context(),
    )
