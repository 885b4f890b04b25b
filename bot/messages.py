"""The shared vocabulary between channels and the dialog core: what comes in, what goes out."""

from dataclasses import dataclass
from enum import StrEnum


class InputKind(StrEnum):
    """What a user sent."""

    TEXT = "text"
    BUTTON = "button"
    PHOTO = "photo"
    # A file (e.g. a signed letter as PDF); its platform reference is in `photo_ref` too.
    DOCUMENT = "document"
    OTHER = "other"


@dataclass(frozen=True)
class Incoming:
    """One platform update, reduced to what the dialog core needs."""

    channel: str
    chat_id: str
    user_id: str
    display_name: str | None
    kind: InputKind
    text: str = ""
    payload: str = ""
    photo_ref: str | None = None  # the platform's reference of a photo or document
    update_key: str | None = None
    # The inbox row the update was stored in before the platform was answered, if any.
    inbox_id: int | None = None


class Action(StrEnum):
    """What a button the bot sends on its own does, named in the domain's words.

    Services (reminders, announcements) offer these without knowing the dialog's flows; the
    dialog's router says which flow answers each (every one must have a handler).
    """

    REPORT_TASK = "report"  # report on a task (argument: its code)
    SNOOZE_REMINDER = "snooze"  # remind the unit again on the next working day
    OPEN_MATERIAL = "material"  # show a material (argument: its id)
    REVIEW_REPORTS = "review"  # the reports waiting for verification (/xacminh)
    REVIEW_NOTICES = "notices"  # the daily message about them: "on" or "off"


ACTION_PREFIX = "do"


def action_payload(action: Action, arg: str | int = "") -> str:
    """The payload of a button that does an action: `do:<action>:<arg>`."""
    return f"{ACTION_PREFIX}:{action}:{arg}"


@dataclass(frozen=True)
class Option:
    """A choice offered to the user: a label to show and a short ASCII payload."""

    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message: a path under content/, a platform file id or a URL."""

    kind: str
    ref: str
    filename: str | None = None


@dataclass(frozen=True)
class WebPage:
    """A page of ours offered under a message.

    `url` opens it anywhere (a personal signed link); `app_url`, when set, is the same page as
    an app inside the chat platform (Telegram's Mini App), which tells the server who opens it.
    Each channel shows it its own way: a button that opens the app, or the link in the text.
    """

    label: str
    url: str
    app_url: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message to send: text, optional options (buttons), optional attachment."""

    text: str
    options: tuple[Option, ...] = ()
    attachment: Attachment | None = None
    remove_keyboard: bool = False
    columns: int = 1
    # False at a question whose answer is a number: there a typed digit is the answer, so
    # channels without buttons list the options by name instead of numbering them.
    numbered: bool = True
    # The number of the first option: several messages of one answer are numbered on
    # (1–2 under the first report card, 3–4 under the next), so each number means one option.
    number_from: int = 1
    web_page: WebPage | None = None


class DeliveryStatus(StrEnum):
    """How a send went."""

    SENT = "sent"
    BLOCKED = "blocked"
    RETRY = "retry"
    FAILED = "failed"
    # The request went out but no answer came back: it may have arrived, so it is not resent.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of sending one message."""

    status: DeliveryStatus
    detail: str = ""
    retry_after: float = 0.0
    # How many of the message's platform calls went out (a long text is sent in parts).
    parts_sent: int = 0
