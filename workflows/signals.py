"""What the workflow tells the rest of the portal, as blinker signals (as Flask ships them).

The engine sits below the features: it does not call them, they subscribe. A receiver
runs inside the request's transaction, right after the target's own compare-and-swap;
what it raises undoes the whole transition (the request does not commit).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

target_transitioned = _signals.signal(
    "target-transitioned",
    doc="""A target moved from one state to another; its row is already written.

    Sent with the target as the sender and the keywords ``trigger``, ``from_state``,
    ``to_state``, ``actor``, ``reason`` and ``history`` (the new ``TargetHistory`` row).
    """,
)
