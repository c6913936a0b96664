"""Routes of this area (being built)."""

from portal.auditlog import bp  # noqa: F401
