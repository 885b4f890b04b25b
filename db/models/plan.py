"""The plan: task groups, the 15 tasks of the appendix, and the targets of section I.2."""

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue


class PlanGroup(Base):
    """A group of tasks (I communication, II policy and market, III technical)."""

    __tablename__ = "plan_groups"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class PlanTask(Base):
    """One task of the plan's appendix, with what it asks and who leads it."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # 'task' for the appendix's 15; 'duty' for standing duties reported the same way (IV.9).
    kind: Mapped[str] = mapped_column(String(16), default="task", server_default="task")
    group_code: Mapped[str | None] = mapped_column(ForeignKey("plan_groups.code"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    product: Mapped[str] = mapped_column(Text)
    partners_note: Mapped[str | None] = mapped_column(Text)
    funding: Mapped[str | None] = mapped_column(Text)
    period: Mapped[str] = mapped_column(String(64))
    recurrence: Mapped[str] = mapped_column(String(16))
    # Reporting questions, reminders and counting rules as written in content/plan.yaml.
    spec: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)


class TaskUnit(Base):
    """A unit leading or co-operating on a task."""

    __tablename__ = "task_units"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("plan_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))


class Target(Base):
    """A measurable target: a share of a registry reached, or a count per year or overall."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)
    comparison: Mapped[str] = mapped_column(String(16))
    unit_label: Mapped[str | None] = mapped_column(String(64))
    registry_kinds: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    source: Mapped[str | None] = mapped_column(Text)
    spec: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)


class TargetTask(Base):
    """A task whose reports feed a target."""

    __tablename__ = "target_tasks"

    target_id: Mapped[int] = mapped_column(
        ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[int] = mapped_column(
        ForeignKey("plan_tasks.id", ondelete="CASCADE"), primary_key=True
    )
