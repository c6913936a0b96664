"""Two writers racing on connections of their own (tests marked ``commits``).

Both read before they meet at a barrier; the first then writes and keeps its transaction
open a moment (:func:`slow_audit`: its audit write, right after its compare-and-swap, is
slowed and sets :data:`FIRST_WROTE`), the second writes as soon as the first has written,
while the first is still uncommitted.
"""

from __future__ import annotations

import threading
import time

import pytest

from portal import audit

HOLD = 0.3  # seconds the first writer keeps its transaction open, per audit row
# Set by the first writer's (slowed) audit write, right after its compare-and-swap: the
# second writer starts then, whatever the machine's load, while the first is uncommitted.
FIRST_WROTE = threading.Event()


@pytest.fixture
def slow_audit(monkeypatch):
    record = audit.record

    def slow_record(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            FIRST_WROTE.set()
            time.sleep(HOLD)
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)
