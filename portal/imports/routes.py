"""Routes of this area (being built)."""

from portal.imports import bp  # noqa: F401
