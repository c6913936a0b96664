"""Routes of this area (being built)."""

from portal.reassign import bp  # noqa: F401
