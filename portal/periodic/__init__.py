"""Periodic evaluations (evaluasi kinerja periodik): at the end of each sub-period the
evaluator evaluates each subordinate on one screen; the employee acknowledges it."""

from flask import Blueprint

from portal import subperiods

bp = Blueprint("periodic", __name__)
# "Triwulan II" in every template that shows a periodic result (the annual screen's too).
bp.add_app_template_global(subperiods.label, "subperiod_label")

from portal.periodic import routes  # noqa: E402,F401
