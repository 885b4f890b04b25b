"""The contest's starter question bank (content/contest/questions.yaml) is well formed."""

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BANK = REPO / "content" / "contest" / "questions.yaml"
MATERIALS = REPO / "content" / "materials"

DIFFICULTIES = {"de", "trung-binh", "kho"}
PLAN_SOURCE = re.compile(r"plan:[A-Za-z0-9][A-Za-z0-9.\-]*")
SEVERAL_CORRECT = "chọn các đáp án đúng"
# Options are shuffled per attempt, so an option may not point at the others.
POINTING_OPTION = re.compile(r"tất cả các đáp án|cả [A-D] và [A-D]|đáp án [A-D]\b", re.IGNORECASE)
MAX_TEXT = 300
MAX_OPTION = 120


def load_questions() -> list[dict[str, Any]]:
    """The questions of the bank, as written."""
    data = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "the bank is a mapping with a `questions` list"
    questions = data.get("questions")
    assert isinstance(questions, list), "the bank has a `questions` list"
    return questions


def topic_keys() -> set[str]:
    """The topic keys of the outreach library."""
    data = yaml.safe_load((MATERIALS / "topics.yaml").read_text(encoding="utf-8"))
    return {topic["key"] for topic in data["topics"]}


def material_ids() -> set[str]:
    """The `id` of every material, read from its YAML front matter."""
    ids = set()
    for path in MATERIALS.glob("*.md"):
        _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
        ids.add(yaml.safe_load(front)["id"])
    return ids


QUESTIONS = load_questions()


def test_bank_has_at_least_60_questions() -> None:
    assert len(QUESTIONS) >= 60


def test_ids_and_texts_are_unique() -> None:
    ids = Counter(q.get("id") for q in QUESTIONS)
    texts = Counter(str(q.get("text", "")).strip().casefold() for q in QUESTIONS)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: str(q.get("id")))
def test_question_is_well_formed(question: dict[str, Any]) -> None:
    assert set(question) == {"id", "text", "options", "correct", "topic", "difficulty", "source"}
    assert re.fullmatch(r"q\d{3,}", question["id"])
    text = question["text"]
    assert isinstance(text, str)
    assert text.strip()
    assert len(text) <= MAX_TEXT
    options = question["options"]
    assert isinstance(options, list)
    assert 2 <= len(options) <= 4
    assert all(isinstance(o, str) and o.strip() and len(o) <= MAX_OPTION for o in options)
    assert len({o.strip().casefold() for o in options}) == len(options), "options repeat"
    assert not [o for o in options if POINTING_OPTION.search(o)], "an option points at others"
    correct = question["correct"]
    assert isinstance(correct, list)
    assert correct, "`correct` lists at least one position"
    assert all(isinstance(c, int) and 1 <= c <= len(options) for c in correct)
    assert len(set(correct)) == len(correct), "`correct` repeats a position"
    assert (len(correct) > 1) == (SEVERAL_CORRECT in text), (
        f"several correct options only when the question says “{SEVERAL_CORRECT}”"
    )
    assert question["difficulty"] in DIFFICULTIES


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: str(q.get("id")))
def test_topic_and_source_exist(question: dict[str, Any]) -> None:
    assert question["topic"] in topic_keys()
    source = question["source"]
    assert source in material_ids() or PLAN_SOURCE.fullmatch(source), source
