"""Registries of units: communes and wards, departments, schools, zones, businesses…"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class Unit(Base):
    """One unit of a registry (a commune, a department, a school, a supermarket…)."""

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_kind_active", "kind", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    # The commune or ward an establishment, zone or craft village lies in.
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    aliases: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    former_names: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Registry(Base):
    """What the bot knows about one kind of unit: its label and how complete its list is."""

    __tablename__ = "registries"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(128))
    plural: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(Text)
    # Set by `units import --complete`: the operator vouches the imported list is whole.
    declared_complete: Mapped[bool] = mapped_column(Boolean, default=False)
