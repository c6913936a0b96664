"""Routes of this area (being built)."""

from portal.monitoring import bp  # noqa: F401
