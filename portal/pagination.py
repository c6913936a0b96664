"""One way to page a list: Flask-SQLAlchemy's ``db.paginate`` (or, for a list already in
memory, the same :class:`Pagination`), drawn by ``templates/partials/_pager.html``.

A page past the end, even absurdly far, shows the last page: a bookmark into a list that
has since shrunk still lands on rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db
from portal.forms import MAX_ID


def _bounded(page: int | None) -> int:
    return min(max(page or 1, 1), MAX_ID)


def paginate(stmt: Select, page: int | None, per_page: int) -> Pagination:
    """One page of ``stmt`` (a ``select`` of one model), with the total count."""

    def one(number: int) -> Pagination:
        return db.paginate(
            stmt, page=number, per_page=per_page, max_per_page=per_page, error_out=False
        )

    pager = one(_bounded(page))
    if pager.pages and pager.page > pager.pages:
        pager = one(pager.pages)
    return pager


class _ListPagination(Pagination):
    def _query_items(self) -> list[Any]:
        start = self._query_offset
        return list(self._query_args["items"][start : start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: Sequence, page: int | None, per_page: int) -> Pagination:
    """One page of a list already in memory."""
    pages = max((len(items) + per_page - 1) // per_page, 1)
    number = min(_bounded(page), pages)
    return _ListPagination(number, per_page, per_page, False, True, items=items)
