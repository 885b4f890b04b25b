"""Roles and the checks every service entry makes."""

from enum import StrEnum

from bot.services.core.errors import PermissionDenied


class Role(StrEnum):
    """What a user may do: citizens read, officials report for their unit, coordinators manage;
    representatives speak for an establishment (its registration and commitment)."""

    CITIZEN = "citizen"
    OFFICIAL = "official"
    COORDINATOR = "coordinator"
    REPRESENTATIVE = "representative"


def require_role(role: str, *allowed: Role) -> None:
    """Refuse politely unless the role is one of the allowed ones."""
    if role not in allowed:
        raise PermissionDenied(
            "errors/forbidden_coordinator" if allowed == (Role.COORDINATOR,) else "errors/forbidden"
        )
