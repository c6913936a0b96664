"""Routes of this area (being built)."""

from portal.periods import bp  # noqa: F401
