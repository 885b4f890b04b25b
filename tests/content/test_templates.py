"""Every template, rendered with sample values, reads as Vietnamese written for a phone.

One number style (1.234.567,89), one kind of quotation marks ("…"), no English key, no
`None`, no Jinja left over, no abbreviation a commune official would not know.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.services.content.periods import decree_calendar
from bot.services.content.report_specs import Choice, Question
from bot.services.core.texts import Texts
from bot.services.insights.completeness import Completeness, Tally, UnitCompleteness
from bot.services.insights.kpis import TargetFigure
from bot.services.insights.standings import Figure
from bot.services.plan.tasks import PlanInfo, TaskView

TEMPLATES = Path(__file__).resolve().parents[2] / "content" / "templates"
NOW = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
DAY = date(2026, 11, 24)
BIG = 1234567.891  # must be shown "1.234.567,89": any other spelling is a number printed raw
LONG = (
    "Tổ chức tập huấn, phổ biến Chương trình cho các cán bộ địa phương, tổ chức, doanh nghiệp, "
    "hợp tác xã, cơ sở sản xuất trên địa bàn tỉnh"
)

# Raw values of the code that must never reach a user as such (roles, statuses, kinds, keys).
RAW = (
    "citizen|official|coordinator|submitted|verified|rejected|withdrawn|approved|pending|"
    "registry_share|count_per_year|count_total|at_least|about|commune|ward|department|"
    "month|quarter|year|None|True|False|news_items"
)
RAW_WORD = re.compile(rf"\b(?:{RAW})\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
JINJA = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
ABBREVIATIONS = re.compile(r"\b(?:TTTM|KCN|CCN|KKT|SXTDBV|HTX|CNNT)\b")
OTHER_QUOTES = re.compile(r"[«»“”„]")
# Numbers in any other style: a run of 5+ digits, a comma before 3 digits (English thousands),
# a dot before 1-2 digits (English decimals), an exponent.
RAW_NUMBER = re.compile(r"\d{5,}|\d,\d{3}(?!\d)|\b\d+\.\d{1,2}\b|\de[+-]\d")
URL = re.compile(r"https?://\S+")


def _user(role: str) -> SimpleNamespace:
    official = role != "citizen"
    return SimpleNamespace(
        channel="zalo",
        display_name="Nguyễn Văn A",
        role=role,
        unit_id=5 if official else None,
        unit_name="Thạch Hà" if official else None,
        unit_kind="commune" if official else None,
    )


def _figures() -> list[TargetFigure]:
    share: dict[str, Any] = {
        "kind": "registry_share",
        "target": 85,
        "comparison": "at_least",
        "unit_label": None,
    }
    count: dict[str, Any] = {
        "kind": "count_per_year",
        "target": 50,
        "comparison": "about",
        "unit_label": "tin bài",
    }
    return [
        TargetFigure(
            "a_share",
            "Xã, phường được tuyên truyền",
            current=12,
            denominator=69,
            registry="complete",
            year=None,
            threshold_text="100%",
            **share,
        ),
        TargetFigure(
            "b_share",
            "Trường THPT",
            current=None,
            denominator=40,
            registry="partial",
            year=None,
            threshold_text="phấn đấu trên 85%",
            **share,
        ),
        TargetFigure(
            "c_share",
            "Siêu thị",
            current=None,
            denominator=0,
            registry="empty",
            year=None,
            threshold_text="trên 85%",
            **share,
        ),
        TargetFigure(
            "d_count",
            "Tin bài",
            current=int(BIG),
            denominator=None,
            registry=None,
            year=2026,
            threshold_text="hằng năm khoảng 50 tin bài",
            others=int(BIG),
            **count,
        ),
        TargetFigure(
            "e_total",
            "Lớp tập huấn",
            kind="count_total",
            target=3,
            comparison="at_least",
            unit_label="lớp tập huấn",
            current=2,
            denominator=None,
            registry=None,
            year=None,
            threshold_text="03 lớp tập huấn",
        ),
    ]


NUMBER_Q = Question("sessions_held", "number", "Số buổi tuyên truyền?", "Buổi", "buổi", 0, 200)
MONEY_Q = Question("funds", "number", "Kinh phí?", "Kinh phí", "tỷ đồng", 0, 200_000, decimals=True)
CHOICE_Q = Question(
    "channel", "choice", "Kênh nào?", "Kênh", choices=(Choice("tv", "Truyền hình"),) * 2
)
REPORT = SimpleNamespace(
    id=12,
    unit_name="Thạch Hà",
    task_code="I.3",
    task_name=LONG,
    activity_date=DAY,
    status="verified",
    figures=[("Buổi", NUMBER_Q.shown(BIG)), ("Kinh phí", MONEY_Q.shown(2.5))],
    description="Họp dân tuyên truyền giảm túi ni lông",
    photos=3,
    review_reason="Thiếu ảnh",
)
ACTION = SimpleNamespace(
    key="signs",
    label="Treo biển, thông điệp nhắc khách hạn chế túi ni lông và đồ nhựa dùng một lần",
    short="Biển nhắc giảm nhựa",
    due=DAY,
    due_date=DAY,
    done=False,
    status="late",
)
COMMITMENT = SimpleNamespace(
    id=12,
    unit_name="Siêu thị Thử Nghiệm",
    kind_label="Siêu thị",
    commune_name="Thành Sen",
    status="submitted",
    actions=[ACTION, SimpleNamespace(**{**vars(ACTION), "status": "done", "done": True})],
    review_reason="Thiếu dấu",
    signed_channel="zalo",
)
REGISTRATION = SimpleNamespace(
    id=7,
    unit_name="Khách sạn Thử",
    kind_label="Cơ sở lưu trú",
    commune_name="Cẩm Xuyên",
    tax_code="3000123456-001",
    rep_name="Lê Thị Mai",
    rep_position="Chủ cơ sở",
    phone="0912 887 766",
    new_unit=True,
)
ROUND = SimpleNamespace(
    number=2,
    contest_name="Cuộc thi trực tuyến tìm hiểu về sản xuất và tiêu dùng bền vững",
    organisers="Sở Công Thương và Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh",
    starts_at=NOW,
    ends_at=NOW,
    question_count=20,
    minutes=20,
    attempts_rule="one",
    max_attempts=1,
    retention_days=90,
    results_at=None,
    bank="chinh-thuc",
)
ATTEMPT = SimpleNamespace(
    id=5, number=1, score=17, total=20, charged_seconds=312.4, prediction=int(BIG), max_attempts=1
)
QUESTION = SimpleNamespace(
    position=3,
    total=20,
    text="Túi ni lông khó phân hủy gây hại gì cho đất?",
    options=[SimpleNamespace(letter=x, text=f"Phương án {x}") for x in "ABCD"],
    multiple=False,
    selected=(),
    remaining_seconds=1145,
)
RANKED = SimpleNamespace(
    rank=int(BIG),
    full_name="Nguyễn Văn An",
    school_name="THPT Phan Đình Phùng",
    class_name="10A1",
    score=17,
    total=20,
    prediction=int(BIG),
    charged_seconds=312.4,
    flagged=True,
)
ROUND_SUMMARY = SimpleNamespace(
    round=ROUND,
    state="open",
    registered=int(BIG),
    started=int(BIG),
    finished=int(BIG),
    in_progress=int(BIG),
    flagged=int(BIG),
    average_score=14.256,
    all_correct=int(BIG),
    top=[RANKED, SimpleNamespace(**{**vars(RANKED), "full_name": None, "prediction": None})],
    schools_total=45,
    schools_taking_part=12,
    schools_missing=["THPT Nghèn", "THPT Can Lộc"],
    registry="provisional",
)
ENTRY = SimpleNamespace(
    name="Nguyễn Văn An",
    school_name="THPT Phan Đình Phùng",
    class_name="10A1",
    phone="0912345678",
    guardian="Nguyễn Thị Lan",
)
# Reporting periods and completeness (Decree 09/2019 Art. 12 periods, DHIS2's terms).
PERIOD = decree_calendar(3).parse("2026-11")
TALLY = Tally(expected=int(BIG), on_time=1200, late=34, missing=5, not_due=2)
EMPTY_TALLY = Tally(expected=138, not_due=138)
OWING = UnitCompleteness(1, "18073", "Thạch Hà", "commune", Tally(2, 1, 0, 1, 0), True, ("I.5",))
DONE = UnitCompleteness(2, "18100", "Trần Phú", "ward", Tally(2, 2, 0, 0, 0), False, ())
COMPLETENESS = Completeness(PERIOD, DAY, [OWING, DONE])
PLANS = [
    PlanInfo("Kế hoạch thực hiện Chương trình", "Kế hoạch", 2026, 2030),
    PlanInfo("Kế hoạch thực hiện Chương trình", "Kế hoạch", 2026, 2030, "123/KH-UBND", DAY),
]


def _base(role: str, plan: PlanInfo) -> dict[str, Any]:
    """Values for every name any template reads; one world of a given role and plan."""
    return {
        "user": _user(role),
        "plan": plan,
        "web_url": "https://bot.example.gov.vn",
        "on_web": True,
        "f": _figures()[0],
        "figures": _figures(),
        "d": SimpleNamespace(
            start=DAY,
            end=DAY,
            reports=int(BIG),
            units_reporting=61,
            deliveries=int(BIG),
            figures=_figures(),
            silent=["Thạch Hà", "Lộc Hà"],
            silent_total=12,
            communes=None,
            departments=None,
            idle_names=[],
            highlights=[
                SimpleNamespace(
                    unit_name="Thạch Hà", task_code="IV.9", activity_date=DAY, description=LONG * 2
                )
            ],
            contest=SimpleNamespace(
                number=1,
                state="open",
                registered=int(BIG),
                finished=int(BIG),
                schools_taking_part=12,
                schools_total=45,
                registry="provisional",
            ),
        ),
        "s": SimpleNamespace(
            code="IV.9",
            year=2026,
            name=LONG,
            reports=int(BIG),
            units=61,
            kind="commune",
            totals=[("Buổi", NUMBER_Q.shown(BIG))],
            last=DAY,
            officials=2,
            by_task=[("IV.9", int(BIG))],
        ),
        "r": REPORT,
        "reports": [REPORT],
        "request": SimpleNamespace(
            id=7,
            requester_name="Nguyễn Văn B",
            unit_name="Thạch Hà",
            unit_kind="commune",
            full_name="Nguyễn Văn Bình",
            position="công chức văn hóa – xã hội",
            phone="0912345678",
            reason="Xã đã có cán bộ đầu mối",
            created_at=NOW,
        ),
        "invite": SimpleNamespace(
            code="K7PQ2MXA", role="official", unit_name="Thạch Hà", unit_id=9, unit_kind="commune"
        ),
        "commands": ["menu", "baocao", "tongquan", "help"],
        "monday": DAY,
        "oldest": NOW,
        "removed": 2,
        "p": SimpleNamespace(
            topics=["Phân loại rác"],
            pending_join=SimpleNamespace(unit_kind="commune", unit_name="Thạch Hà", created_at=NOW),
            pending_registration="Siêu thị Thử Nghiệm",
            stored=SimpleNamespace(
                reports=int(BIG), photos=int(BIG), contest_entries=1, has_contact=True
            ),
            review_notices=True,
        ),
        "b": SimpleNamespace(id=4, total=int(BIG)),
        "counts": {"sent": int(BIG), "blocked": 2, "unknown": 1, "failed": 3},
        "m": SimpleNamespace(
            id=12,
            title="Phân loại rác",
            summary="Ba nhóm rác.",
            text="Nội dung.",
            link="https://bot.example.gov.vn/tai-lieu",
            source="Luật",
        ),
        "t": SimpleNamespace(key="rac-thai", label="Phân loại rác", emoji="🗑️", count=int(BIG)),
        "q": NUMBER_Q,
        "task": SimpleNamespace(code="I.3", name=LONG),
        "items": [SimpleNamespace(code="IV.9", name=LONG, period="tháng 11/2026", nudge=1)],
        "tasks": [TaskView("I.3", "I", LONG, "2026-2030", ("Sở Công Thương",))],
        "duties": [TaskView("IV.9", "IV", LONG, "Định kỳ", ())],
        "when": NOW,
        "expires": NOW,
        "day": DAY,
        "today": DAY,
        "earliest": date(2026, 1, 1),
        "names": ["Thạch Hà", "Lộc Hà"],
        "candidates": ["Xã Lộc Hà", "Xã Thạch Hà"],
        "typed": "thach ha",
        "query": "túi ni lông",
        "text": "Họp giao ban tuần sau.",
        "title": "Phân loại rác",
        "audience": "officials",
        "status": "approved",
        "role": "official",
        "label": "Tin bài",
        "length": int(BIG),
        "max": 2000,
        "count": int(BIG),
        "number": 3,
        "code": "IV.9",
        "id": 12,
        "kind": "quarter",
        "year": 2026,
        "page": 2,
        "pages": 3,
        "on": True,
        "coordinators": True,
        "corrected": False,
        "editing": None,
        "description": "Họp dân",
        "photos": 3,
        "filename": "bao-cao.xlsx",
        "url": "https://bot.example.gov.vn/content/leaflets/x.pdf",
        "minutes": 10,
        "link": "https://t.me/hatinh_bot?start=K7PQ2MXA",
        "unit": "Thạch Hà",
        "duplicate": None,
        "clipped": False,
        "flow": "report",
        # Establishments and their commitments.
        "c": COMMITMENT,
        "action": ACTION,
        "actions": [ACTION],
        "chosen": ["signs"],
        "short": "Biển nhắc giảm nhựa",
        "note": "Từ ngày 01/01/2026, nhựa dùng một lần không được lưu hành tại siêu thị.",
        "i": 1,
        "n": 3,
        "end": date(2030, 12, 31),
        "attached": False,
        "late": False,
        "format": "PDF",
        "deciders": "Sở Công Thương",
        "notified": 1,
        "commits": True,
        "plural": "siêu thị",
        "tax_code": "3000123456",
        "commune": "Phường Thành Sen",
        "rows": [SimpleNamespace(name="Siêu thị Thử", kind_label="Siêu thị", state="not_started")],
        "kinds": [
            SimpleNamespace(
                label="Siêu thị",
                total=total,
                verified=1,
                submitted=2,
                awaiting_signature=0,
                not_started=total - 3,
            )
            for total in (0, int(BIG))
        ],
        "waiting": 2,
        "flagged": [COMMITMENT],
        "round": ROUND,
        "tz": ZoneInfo("Asia/Ho_Chi_Minh"),
        "attempts": [ATTEMPT],
        "a": ATTEMPT,
        "ranking": SimpleNamespace(round=ROUND, all_correct=int(BIG)),
        "birth": DAY,
        "letters": "A, B, C, D",
        "min": 13,
        "days": 92,
        "bank": "chinh-thuc",
        "available": int(BIG),
        # The reporting periods, completeness, charts and the periodic report.
        "period": "quý IV năm 2026",
        "start": DAY,
        "first": 2026,
        "last": 2030,
        "who": "Xã, phường",
        "province": TALLY,
        "complete": 20,
        "communes": 69,
        "path": "/srv/bot/var/charts/digest-2026-11-24.png",
        "said": True,
        "personal": True,
        "key": "tasks",
        "value": BIG,
        "verified": int(BIG),
        "pending": 3,
        "units": 61,
        "current": 12,
        "share": 17.39,
        "denominator": 69,
        "target": 50,
        "threshold": 80,
        "standing": "late",
        "comparison": "about",
        "unit_label": "tin bài",
        "registry": "partial",
        "plan_title": "Kế hoạch thực hiện Chương trình",
        "highlights": ["Họp dân tại thôn Trung Tiến."],
    }


# Names that mean something else in some templates, and values worth rendering each way.
OVERRIDES: dict[str, list[dict[str, Any]]] = {
    "onboarding/requested": [
        {"unit": SimpleNamespace(kind="commune", name="Thạch Hà"), "coordinators": flag}
        for flag in (True, False)
    ],
    "onboarding/unit_option": [{"unit": SimpleNamespace(kind="ward", name="Thành Sen")}],
    "report/summary": [
        {"figures": REPORT.figures, "editing": editing, "duplicate": twin}
        for editing, twin in ((None, None), (12, None), (None, 7))
    ],
    "report/confirm": [{"duplicate": twin} for twin in (None, 7)],
    "dialog/parked": [{"flow": flow} for flow in ("report", "broadcast", "history")],
    "kpi/target": [{"f": f} for f in _figures()],
    "reminders/period": [{"kind": k} for k in ("month", "quarter", "half", "year")],
    "periodic_report/period": [{"kind": k} for k in ("month", "quarter", "half", "year")],
    "report/ask_question": [{"q": q} for q in (NUMBER_Q, MONEY_Q, CHOICE_Q)],
    "report/number_expected": [{"q": q} for q in (NUMBER_Q, MONEY_Q)],
    "report/recorded": [{"corrected": c} for c in (True, False)],
    "broadcast/preview": [
        {"text": t, "clipped": c}
        for t, c in (("Họp giao ban tuần sau.", False), ("Họp giao ban…", True), (None, False))
    ],
    "history/report": [
        {"r": SimpleNamespace(**{**vars(REPORT), "status": status})}
        for status in ("submitted", "verified", "rejected", "withdrawn")
    ],
    "onboarding/already_decided": [{"status": s} for s in ("approved", "rejected", "cancelled")],
    "commitments/status": [
        {"c": SimpleNamespace(**{**vars(COMMITMENT), "status": status})}
        for status in ("awaiting_signature", "submitted", "verified", "rejected")
    ],
    "commitments/not_submitted": [
        {"status": s} for s in ("awaiting_signature", "verified", "rejected")
    ],
    "commitments/pick_option": [{"chosen": flag} for flag in (True, False)],
    "commitments/date_option": [{"day": "31/12/2026"}],
    "commitments/decider_signed": [{"attached": flag} for flag in (True, False)],
    "commitments/reminder": [{"late": flag} for flag in (True, False)],
    "commitments/summary": [
        {"actions": [ACTION, SimpleNamespace(**{**vars(ACTION), "done": True})]}
    ],
    "organisations/summary": [
        {
            "d": {
                "kind_label": "Siêu thị",
                "name": "Siêu thị Thử",
                "new": new,
                "commune": "Phường Thành Sen",
                "tax_code": None,
                "rep_name": "Lê Thị Mai",
                "rep_position": "Quản lý",
                "phone": "0912887766",
            }
        }
        for new in (True, False)
    ],
    **{
        f"organisations/{name}": [{"r": REGISTRATION}]
        for name in (
            "decider_request",
            "decided_approved",
            "decided_rejected",
            "requested",
            "told_approved",
            "told_rejected",
        )
    },
    "organisations/already_member": [{"unit": "Siêu thị Thử"}],
    "organisations/unit_option": [{"unit": SimpleNamespace(kind="supermarket", name="Siêu thị")}],
    "contest/confirm": [{"d": ENTRY}, {"d": SimpleNamespace(**{**vars(ENTRY), "phone": None})}],
    "contest/question": [
        {"q": QUESTION},
        {"q": SimpleNamespace(**{**vars(QUESTION), "multiple": True, "selected": ("A",)})},
    ],
    "contest/announcement": [
        {"r": RANKED},
        {"r": SimpleNamespace(**{**vars(RANKED), "prediction": None})},
    ],
    "contest/ask_prediction": [{"late": late} for late in (True, False)],
    "contest/closed": [
        {"round": SimpleNamespace(**{**vars(ROUND), "results_at": when}), "attempts": attempts}
        for when in (None, NOW)
        for attempts in ([], [ATTEMPT])
    ],
    "contest/ready": [
        {"round": SimpleNamespace(**{**vars(ROUND), "max_attempts": most}), "attempts": attempts}
        for most in (1, 3)
        for attempts in ([], [ATTEMPT])
    ],
    "contest/rules": [
        {"round": SimpleNamespace(**{**vars(ROUND), "attempts_rule": rule, "max_attempts": most})}
        for rule, most in (("one", 1), ("best", 3))
    ],
    "contest_admin/summary": [
        {"s": SimpleNamespace(**{**vars(ROUND_SUMMARY), "state": state})}
        for state in ("draft", "scheduled", "open", "closed", "published")
    ],
    "contest/review": [
        {"rows": [("Túi ni lông khó phân hủy gây hại gì?", "Ô nhiễm đất", True)] * 2}
    ],
    "digest/weekly": [
        {
            "d": SimpleNamespace(
                **{
                    **vars(_base("coordinator", PLANS[0])["d"]),
                    "communes": COMPLETENESS,
                    "departments": COMPLETENESS,
                    "idle_names": ["Trần Phú"],
                }
            )
        }
    ],
    "digest/completeness": [{"t": t, "c": COMPLETENESS} for t in (TALLY, EMPTY_TALLY)],
    "periodic_report/completeness": [{"t": t} for t in (TALLY, EMPTY_TALLY)],
    "standings/commune": [
        {"period": PERIOD, "unit": unit, "figures": [Figure("Buổi tuyên truyền", BIG, "buổi")]}
        for unit in (OWING, DONE)
    ],
    "status/task": [
        {
            "s": SimpleNamespace(
                code="IV.9",
                year=2026,
                name=LONG,
                reports=int(BIG),
                units=61,
                verified=1200,
                start=DAY,
                end=DAY,
                totals=[("Buổi", BIG, 2.0, "buổi"), ("Người", 0.0, 0.0, "người")],
                last=DAY,
            )
        }
    ],
    "reminders/due": [
        {
            "items": [
                SimpleNamespace(
                    code="IV.9",
                    name=LONG,
                    period="tháng 11/2026",
                    nudge=nudge,
                    start=PERIOD.start,
                    end=PERIOD.end,
                    deadline=PERIOD.deadline,
                )
            ]
        }
        for nudge in (0, 1)
    ],
    "charts/standing": [{"standing": s} for s in ("on_time", "late", "missing", "not_due")],
    "periodic_report/label": [
        {"key": k} for k in ("tasks", "number", "col_funding", "recipient_3", "no_funding")
    ],
    "periodic_report/goal": [
        {"kind": k, "comparison": c}
        for k in ("registry_share", "count_per_year", "count_total")
        for c in ("at_least", "about")
    ],
    "periodic_report/not_measured": [{"registry": r} for r in ("empty", "partial")],
    "period_note/saved": [{"said": said} for said in (True, False)],
    "periodic_report/task_result": [
        {"figures": figures, "reports": 12}
        for figures in ([("Tin bài, phóng sự", BIG, "tin bài")], [])
    ],
    "status/export": [{"personal": personal} for personal in (True, False)],
    "cli/week_not_over": [{"last": DAY}],
    "status/summary": [
        {
            "s": SimpleNamespace(
                day=DAY,
                behind=[
                    SimpleNamespace(figure=f, expected=BIG)
                    for f in _figures()
                    if f.current is not None
                ]
                * 4,
                measured=12,
                not_measured=5,
                silent=["Thạch Hà", "Lộc Hà"],
                silent_total=int(BIG),
                communes=69,
                waiting=int(BIG),
            )
        }
    ],
    "profile/show": [
        {
            "p": SimpleNamespace(
                topics=[],
                pending_join=None,
                pending_registration=None,
                stored=SimpleNamespace(reports=0, photos=0, contest_entries=0, has_contact=False),
                review_notices=False,
            )
        },
        {},
    ],
}


# Who can reach a template, where not everyone can (a report needs a unit, so no citizen).
ROLES = {
    "report/summary": ("official", "coordinator"),
    "commitments/letter_ready": ("representative",),
    "organisations/already_member": ("official", "representative"),
}
# Macro libraries render nothing by themselves; the templates importing them exercise them.
LIBRARIES = ("common/",)


def renderings(texts: Texts) -> Iterator[Any]:
    """Every template in every world (role × plan) and with each of its overrides."""
    for name in texts.names():
        if name.startswith(LIBRARIES):
            continue
        for role in ROLES.get(name, ("citizen", "official", "coordinator")):
            for plan in PLANS:
                for extra in OVERRIDES.get(name, [{}]):
                    values = {**_base(role, plan), **extra}
                    yield pytest.param(name, values, id=f"{name}-{role}-{plan.number or 'draft'}")


TEXTS = Texts(TEMPLATES)


def test_every_template_has_sample_values() -> None:
    names = set(_base("citizen", PLANS[0]))
    missing = {n: sorted(TEXTS.variables(n) - names) for n in TEXTS.names()}
    assert {n: m for n, m in missing.items() if m} == {}


@pytest.mark.parametrize(("name", "values"), list(renderings(TEXTS)))
def test_a_template_reads_as_vietnamese_for_a_phone(name: str, values: dict[str, Any]) -> None:
    shown = TEXTS.render(name, **values)
    plain = URL.sub("", shown)
    assert shown.strip(), "renders to nothing"
    assert JINJA.search(shown) is None
    if not name.startswith("cli/"):  # the operator's console lists target codes on purpose
        assert RAW_WORD.search(plain) is None, RAW_WORD.findall(plain)
        assert SNAKE.search(plain) is None, SNAKE.findall(plain)
    assert RAW_NUMBER.search(plain) is None, RAW_NUMBER.findall(plain)
    assert OTHER_QUOTES.search(shown) is None
    assert ABBREVIATIONS.search(shown) is None, ABBREVIATIONS.findall(shown)


@pytest.mark.parametrize("name", TEXTS.names())
def test_the_template_text_itself_keeps_the_house_style(name: str) -> None:
    """Literal text and string constants, whatever branch a sample takes."""
    source = (TEMPLATES / f"{name}.txt.j2").read_text(encoding="utf-8")
    literal = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL)
    assert OTHER_QUOTES.search(literal) is None
    assert ABBREVIATIONS.search(literal) is None, ABBREVIATIONS.findall(literal)
    outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", literal, flags=re.DOTALL)
    assert RAW_NUMBER.search(outside) is None, RAW_NUMBER.findall(outside)


def test_a_number_is_written_one_way() -> None:
    line = TEXTS.render("kpi/target", f=_figures()[3])
    assert line.startswith("1.234.567 tin bài năm 2026")
    assert "thêm 1.234.567" in line
    summary = TEXTS.render(
        "report/summary", **{**_base("official", PLANS[0]), "figures": REPORT.figures}
    )
    assert "Buổi: 1.234.567,89 buổi" in summary
    assert "Kinh phí: 2,5 tỷ đồng" in summary


def test_a_long_title_is_cut_between_words() -> None:
    option = TEXTS.render("report/task_option", task=SimpleNamespace(code="I.3", name=LONG))
    assert option == "I.3 – Tổ chức tập huấn, phổ biến Chương trình cho các…"
