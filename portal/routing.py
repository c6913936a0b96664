"""What every route does before its own work: read a bounded id from the URL, load the
object or answer 404, authorise through the policy, and find the current period.

One way each: ``load_or_404`` (with ``policy.authorize``), ``current_period_required``,
and the ``int`` URL converter bounded to the id range.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, g, redirect, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from portal import policy
from portal.errors import NotFound
from portal.extensions import db
from portal.forms import MAX_ID
from portal.models import Period
from portal.models.periods import PeriodStatus
from portal.web import current_employee

T = TypeVar("T")

NO_OPEN_PERIOD = _l("Belum ada periode penilaian yang dibuka untuk instansi Anda.")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids a database column can hold: a longer number is
    a 404 like any id that names nothing, never an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def load_or_404(
    loader: type[T] | Callable[[int], T | None],
    object_id: int,
    action: policy.Action | str | None = None,
) -> T:
    """The object with this id, authorised for ``action`` (404 outside the user's
    instansi, 403 inside), or 404 when there is none.

    ``loader`` is a model class (``db.session.get``) or a function that loads the object
    with what the page needs (``portal.models.plans.load_target``).
    """
    obj = db.session.get(loader, object_id) if isinstance(loader, type) else loader(object_id)
    if obj is None:
        raise NotFound(policy.NOT_FOUND)
    user = current_employee()
    if action is None:
        if not policy.visible(user, obj):
            raise NotFound(policy.NOT_FOUND)
    else:
        policy.authorize(user, action, obj)
    return obj


def current_period(instansi_id: int) -> Period | None:
    """The open period of the instansi that started last."""
    return db.session.scalar(
        select(Period)
        .where(Period.instansi_id == instansi_id, Period.status == PeriodStatus.OPEN)
        .order_by(Period.start_date.desc())
        .limit(1)
    )


def current_period_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` with ``g.period`` set to the user's current open period; without one,
    go home with a clear message."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        period = current_period(current_employee().instansi_id)
        if period is None:
            flash(str(NO_OPEN_PERIOD), "info")
            return redirect(url_for("home.index"))
        g.period = period
        return view(*args, **kwargs)

    return wrapper
