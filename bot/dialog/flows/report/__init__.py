"""/baocao: an official reports what was done, step by step or in one message.

Steps: task → date → each question → description → photos → summary (Xác nhận / Sửa / Hủy),
each a state of its own (`report.date`, `report.q`…). The draft is a typed object kept in the
conversation, so a restart continues it; nothing is stored until the official confirms.
"""

from bot.dialog.flows.report import answers, asking, start
from bot.dialog.flows.report.answers import reopen
from bot.dialog.flows.report.common import flow

__all__ = ["answers", "asking", "flow", "reopen", "start"]
