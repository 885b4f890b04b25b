import pytest

from bot.services.content.report_specs import Question
from bot.services.core.errors import InvalidInput
from bot.services.reports.input import parse_count

SESSIONS = Question("sessions_held", "number", "Số buổi?", "Buổi", "buổi", 0, 200)
MONEY = Question("funds", "number", "Kinh phí?", "Kinh phí", "tỷ đồng", 0, 200_000, decimals=True)


@pytest.mark.parametrize(
    ("typed", "question", "value"),
    [
        ("3 buổi", SESSIONS, 3),
        ("hai", SESSIONS, 2),
        ("2,5", MONEY, 2.5),
        ("2.5 tỷ đồng", MONEY, 2.5),
        ("1.439", MONEY, 1439),
        ("1.439,75", MONEY, 1439.75),
        ("12.50", MONEY, 12.5),
        ("150.000", MONEY, 150_000),
    ],
)
def test_figures_read_as_vietnamese_write_them(
    typed: str, question: Question, value: float
) -> None:
    assert parse_count(typed, question) == value


@pytest.mark.parametrize(
    ("typed", "question", "template"),
    [
        ("-2", SESSIONS, "report/number_negative"),
        ("−2,5", MONEY, "report/number_negative"),
        ("2,5", SESSIONS, "report/number_expected"),
        ("2.5", SESSIONS, "report/number_expected"),
        ("1,2,3", MONEY, "report/number_expected"),
        ("201", SESSIONS, "report/number_range"),
    ],
)
def test_bad_figures_are_refused_with_one_sentence(
    typed: str, question: Question, template: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_count(typed, question)
    assert refused.value.template == template


@pytest.mark.parametrize(
    ("typed", "template"),
    [
        ("\u2013 2", "report/number_negative"),  # an en dash typed for a minus
        ("\u0663", "report/number_expected"),  # an Arabic-Indic three
        ("\uff13", "report/number_expected"),  # a full-width three
        ("9" * 30, "report/number_range"),
        ("9" * 5000, "report/number_range"),  # past what int() reads: refused, not a crash
    ],
)
def test_dashes_foreign_and_endless_digits_are_refused(typed: str, template: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_count(typed, SESSIONS)
    assert refused.value.template == template
