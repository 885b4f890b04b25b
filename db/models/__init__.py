"""All models, imported here so Alembic and the app see the whole schema."""

from db.models.audit import AppState, AuditEntry, DataVersion
from db.models.contest import (
    Contest,
    ContestAnswer,
    ContestAttempt,
    ContestEntry,
    ContestItem,
    ContestQuestion,
    ContestRound,
)
from db.models.conversations import Conversation, ProcessedUpdate
from db.models.inbox import InboxUpdate
from db.models.materials import Broadcast, Delivery, Material, Subscription, Topic
from db.models.organisations import (
    ActionReminder,
    ActionStatus,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    OrgRegistration,
)
from db.models.outbox import OutboxMessage
from db.models.plan import PlanGroup, PlanTask, Target, TargetTask, TaskUnit
from db.models.reminders import Reminder
from db.models.reports import (
    PeriodNote,
    Report,
    ReportAttachment,
    ReportFigure,
    ReportRevision,
    ReportStatus,
)
from db.models.units import Registry, Unit
from db.models.users import Invite, JoinRequest, User
from db.models.web import WebLogin

__all__ = [
    "ActionReminder",
    "ActionStatus",
    "AppState",
    "AuditEntry",
    "Broadcast",
    "Commitment",
    "CommitmentAction",
    "CommitmentStatus",
    "Contest",
    "ContestAnswer",
    "ContestAttempt",
    "ContestEntry",
    "ContestItem",
    "ContestQuestion",
    "ContestRound",
    "Conversation",
    "DataVersion",
    "Delivery",
    "InboxUpdate",
    "Invite",
    "JoinRequest",
    "Material",
    "OrgRegistration",
    "OutboxMessage",
    "PeriodNote",
    "PlanGroup",
    "PlanTask",
    "ProcessedUpdate",
    "Registry",
    "Reminder",
    "Report",
    "ReportAttachment",
    "ReportFigure",
    "ReportRevision",
    "ReportStatus",
    "Subscription",
    "Target",
    "TargetTask",
    "TaskUnit",
    "Topic",
    "Unit",
    "User",
    "WebLogin",
]
