"""What the bot counts for Prometheus (`/metrics`): updates, replies, outbox sends, errors.

Module-level metric objects are the client library's own idiom: one registry per process,
scraped per process.
"""

from prometheus_client import Counter, Gauge

UPDATES = Counter("bot_updates_total", "Updates handled by the dialog engine", ["channel"])
INTERNAL_ERRORS = Counter(
    "bot_internal_errors_total", "Updates whose handling failed unexpectedly", ["channel"]
)
REPLIES = Counter("bot_replies_total", "Direct replies by how they went", ["channel", "status"])
OUTBOX_SENDS = Counter(
    "bot_outbox_sends_total",
    "Outbox messages handed to a platform, by outcome",
    ["channel", "status"],
)
OUTBOX_BACKLOG = Gauge("bot_outbox_backlog", "Outbox messages waiting to be sent", ["channel"])
INBOX_BACKLOG = Gauge("bot_inbox_backlog", "Updates stored and not processed yet", ["channel"])
REMINDERS = Counter("bot_reminders_queued_total", "Reminder messages queued by the scheduler")
WEBHOOK_REFUSED = Counter(
    "bot_webhook_refused_total", "Webhook requests refused, by reason", ["reason"]
)
