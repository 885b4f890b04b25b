"""Reading the contest's files: contest.yaml, the starter bank and coordinators' Excel banks.

Every problem is reported as `file:line: problem`; nothing here touches the database.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.services.content.files import FileProblem, LineMap, Row, read_table, read_yaml
from bot.services.content.plan_file import load_yaml_list
from bot.services.content.problems import Problems
from bot.services.core.errors import ContentError
from bot.services.core.matching import fold

DIFFICULTIES = ("de", "trung-binh", "kho")
ATTEMPT_RULES = ("one", "best")
LETTERS = "ABCD"
MAX_TEXT = 300
MAX_OPTION = 120
PLAN_SOURCE = re.compile(r"plan:[A-Za-z0-9][A-Za-z0-9.\-]*")
BANK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Excel headers, folded (no case, no diacritics) -> field.
HEADERS = {
    "ma": "code",
    "ma cau hoi": "code",
    "cau hoi": "text",
    "noi dung cau hoi": "text",
    "phuong an a": "A",
    "phuong an b": "B",
    "phuong an c": "C",
    "phuong an d": "D",
    "dap an a": "A",
    "dap an b": "B",
    "dap an c": "C",
    "dap an d": "D",
    "dap an dung": "correct",
    "dap an": "correct",
    "chu de": "topic",
    "do kho": "difficulty",
    "nguon": "source",
    "tai lieu nguon": "source",
}
REQUIRED = ("text", "A", "B", "correct", "topic", "difficulty", "source")
FOLDED_DIFFICULTY = {"de": "de", "trung binh": "trung-binh", "kho": "kho"}


@dataclass(frozen=True)
class QuestionSpec:
    """One question as a file gives it; `correct` holds 0-based positions in `options`."""

    code: str
    text: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    topic: str
    difficulty: str
    source: str
    line: int


@dataclass(frozen=True)
class ContestSpec:
    """The contest and the defaults each new round copies."""

    code: str
    name: str
    organisers: str
    bank: str
    questions: int
    minutes: int
    attempts: str
    max_attempts: int
    human_min_seconds: float
    retention_days: int


def load_contest(
    folder: Path, *, topics: set[str], sources: set[str], problems: Problems
) -> tuple[ContestSpec | None, list[QuestionSpec]]:
    """contest.yaml and questions.yaml of content/contest/ (nothing when the folder is absent)."""
    if not folder.is_dir():
        return None, []
    contest = _parse_contest(folder / "contest.yaml", problems)
    path = folder / "questions.yaml"
    questions = [
        question
        for item in load_yaml_list(path, "questions", problems)
        if (question := _yaml_question(path, item, topics, sources, problems)) is not None
    ]
    _check_unique(path, questions, problems)
    return contest, questions


def read_bank_file(path: Path, *, topics: set[str], sources: set[str]) -> list[QuestionSpec]:
    """Questions of a coordinator's .xlsx (or .csv) file; ContentError lists every problem."""
    problems = Problems()
    if not path.is_file():
        raise ContentError([f"{path}:1: file not found"])
    try:
        header, rows = _read_rows(path)
        columns = _columns(path, header, problems)
        questions = [
            question
            for row in rows
            if (
                question := _row_question(
                    path, row, columns=columns, topics=topics, sources=sources, problems=problems
                )
            )
        ]
    except FileProblem as exc:
        raise ContentError([f"{path}:{exc.line}: {exc}"]) from None
    except (ValueError, OSError, KeyError) as exc:
        raise ContentError([f"{path}:1: cannot read the file: {exc}"]) from None
    _check_unique(path, questions, problems)
    problems.raise_if_any()
    if not questions:
        raise ContentError([f"{path}:2: no questions in the file"])
    return questions


def _read_rows(path: Path) -> tuple[list[str], list[Row]]:
    """Every row of the file, read at once (an Excel file is closed afterwards)."""
    header, lines = read_table(path)
    return header, list(lines)


def check_bank_name(name: str) -> str:
    """A bank name as the CLI takes it: lowercase ASCII, digits and dashes."""
    if not BANK_NAME.match(name):
        raise ContentError([f"bank name {name!r}: use lowercase letters, digits and dashes"])
    return name


def _parse_contest(path: Path, problems: Problems) -> ContestSpec | None:
    try:
        document = read_yaml(path)
    except FileNotFoundError:
        problems.add(path, 1, "file not found")
        return None
    except FileProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    raw = document.get("contest") if isinstance(document, dict) else None
    if not isinstance(raw, LineMap):
        problems.add(path, 1, "expected a mapping under 'contest'")
        return None
    try:
        spec = ContestSpec(
            code=str(raw["code"]),
            name=str(raw["name"]),
            organisers=str(raw["organisers"]),
            bank=str(raw["bank"]),
            questions=int(raw["questions"]),
            minutes=int(raw["minutes"]),
            attempts=str(raw["attempts"]),
            max_attempts=int(raw["max_attempts"]),
            human_min_seconds=float(raw["human_min_seconds"]),
            retention_days=int(raw["retention_days"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        problems.add(path, raw.line, f"contest: missing or malformed field {exc}")
        return None
    for problem in contest_problems(spec):
        problems.add(path, raw.line, problem)
    return spec


def contest_problems(spec: ContestSpec) -> list[str]:
    """What is wrong with a contest's settings (empty when nothing)."""
    found = []
    if spec.attempts not in ATTEMPT_RULES:
        found.append(f"attempts must be one of {', '.join(ATTEMPT_RULES)}")
    if not 1 <= spec.questions <= 100 or not 1 <= spec.minutes <= 180:
        found.append("questions must be 1-100 and minutes 1-180")
    if spec.attempts == "one" and spec.max_attempts != 1:
        found.append("max_attempts must be 1 with attempts: one")
    if not 1 <= spec.max_attempts <= 10 or spec.human_min_seconds < 0:
        found.append("max_attempts must be 1-10 and human_min_seconds not negative")
    if not BANK_NAME.match(spec.bank):
        found.append(f"bank {spec.bank!r}: use lowercase letters, digits and dashes")
    return found


def _yaml_question(
    path: Path, item: LineMap, topics: set[str], sources: set[str], problems: Problems
) -> QuestionSpec | None:
    options = item.get("options")
    correct = item.get("correct")
    if not isinstance(options, list) or not isinstance(correct, list):
        problems.add(path, item.line, "options and correct must be lists")
        return None
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in correct):
        problems.add(path, item.line, "correct lists 1-based option numbers")
        return None
    return _question(
        path,
        item.line,
        code=str(item.get("id") or ""),
        text=str(item.get("text") or ""),
        options=[str(o) for o in options],
        correct=[c - 1 for c in correct],
        topic=str(item.get("topic") or ""),
        difficulty=str(item.get("difficulty") or ""),
        source=str(item.get("source") or ""),
        known=(topics, sources),
        problems=problems,
    )


def _columns(path: Path, header: list[str], problems: Problems) -> dict[str, str]:
    """Field -> the header as written, for the headers we know."""
    columns = {HEADERS[fold(h)]: h for h in header if fold(h) in HEADERS}
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        wanted = "Câu hỏi, Phương án A, Phương án B, Đáp án đúng, Chủ đề, Độ khó, Nguồn"
        problems.add(path, 1, f"missing column(s) {', '.join(missing)}: expected {wanted}")
        problems.raise_if_any()
    return columns


def _row_question(
    path: Path,
    row: Row,
    *,
    columns: dict[str, str],
    topics: set[str],
    sources: set[str],
    problems: Problems,
) -> QuestionSpec | None:
    def cell(field: str) -> str:
        return row.cells.get(columns[field], "").strip() if field in columns else ""

    options = [cell(letter) for letter in LETTERS]
    while options and not options[-1]:
        options.pop()
    letters = [part for part in re.split(r"[\s,;/]+", cell("correct").upper()) if part]
    if not letters or any(len(x) != 1 or x not in LETTERS[: len(options)] for x in letters):
        problems.add(path, row.line, f"Đáp án đúng {cell('correct')!r}: letters among the options")
        return None
    text = cell("text")
    code = cell("code") or "x" + hashlib.sha256(fold(text).encode()).hexdigest()[:12]
    return _question(
        path,
        row.line,
        code=code,
        text=text,
        options=options,
        correct=[LETTERS.index(x) for x in letters],
        topic=cell("topic"),
        difficulty=FOLDED_DIFFICULTY.get(fold(cell("difficulty")), cell("difficulty")),
        source=cell("source"),
        known=(topics, sources),
        problems=problems,
    )


def _question(
    path: Path,
    line: int,
    *,
    code: str,
    text: str,
    options: list[str],
    correct: list[int],
    topic: str,
    difficulty: str,
    source: str,
    known: tuple[set[str], set[str]],
    problems: Problems,
) -> QuestionSpec | None:
    found = _question_problems(code, text, options, correct, difficulty)
    topics, sources = known
    if topic not in topics:
        found.append(f"unknown topic {topic!r}")
    if source not in sources and not PLAN_SOURCE.fullmatch(source):
        found.append(f"source {source!r} is neither a material id nor plan:<section>")
    for problem in found:
        problems.add(path, line, problem)
    if found:
        return None
    return QuestionSpec(
        code, text.strip(), tuple(o.strip() for o in options), tuple(correct), topic,
        difficulty, source, line,
    )  # fmt: skip


def _question_problems(
    code: str, text: str, options: list[str], correct: list[int], difficulty: str
) -> list[str]:
    found = []
    if not code or not code.isascii() or len(code) > 64:
        found.append("the question needs an ASCII id of at most 64 characters")
    if not text.strip() or len(text) > MAX_TEXT:
        found.append(f"the question text must be 1-{MAX_TEXT} characters")
    if not 2 <= len(options) <= 4 or not all(o.strip() for o in options):
        found.append("2 to 4 options, none empty (A and B at least)")
    elif any(len(o) > MAX_OPTION for o in options):
        found.append(f"an option is longer than {MAX_OPTION} characters")
    elif len({fold(o) for o in options}) != len(options):
        found.append("two options are the same")
    if (
        not correct
        or len(set(correct)) != len(correct)
        or not all(0 <= c < len(options) for c in correct)
    ):
        found.append("the correct answer must name existing options, each once")
    if difficulty not in DIFFICULTIES:
        found.append(f"difficulty {difficulty!r} is not one of de, trung-binh, kho")
    return found


def _check_unique(path: Path, questions: Iterable[QuestionSpec], problems: Problems) -> None:
    codes: dict[str, int] = {}
    texts: dict[str, int] = {}
    for question in questions:
        for seen, key, what in ((codes, question.code, "id"), (texts, fold(question.text), "text")):
            if key in seen:
                problems.add(path, question.line, f"same {what} as line {seen[key]}")
            else:
                seen[key] = question.line
