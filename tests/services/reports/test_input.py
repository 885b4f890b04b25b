"""Figures as officials type them: signs, decimals, words, digits from elsewhere."""

import pytest

from bot.services.content.report_specs import Question
from bot.services.core.errors import InvalidInput
from bot.services.reports.input import parse_count

COUNT = Question("sessions", "number", "Bao nhiêu buổi?", "Buổi", "buổi", 0, 200)
TONNES = Question("waste", "number", "Bao nhiêu tấn?", "Rác", "tấn", 0, 1000, decimals=True)


@pytest.mark.parametrize(
    ("typed", "question", "value"),
    [
        ("2", COUNT, 2),
        ("2 buổi", COUNT, 2),
        ("hai mươi", COUNT, 20),
        ("2,5", TONNES, 2.5),
        ("2.5 tấn", TONNES, 2.5),
        ("1.000", TONNES, 1000),
        ("3", TONNES, 3),
    ],
)
def test_figures_that_are_read(typed: str, question: Question, value: float) -> None:
    assert parse_count(typed, question) == value


@pytest.mark.parametrize(
    ("typed", "question", "template"),
    [
        ("-2", COUNT, "report/number_negative"),
        ("\u22122 buổi", COUNT, "report/number_negative"),
        ("- 2,5", TONNES, "report/number_negative"),
        ("2,5", COUNT, "report/number_expected"),
        ("2.5", COUNT, "report/number_expected"),
        ("\u0663", COUNT, "report/number_expected"),  # an Arabic-Indic three
        ("\uff13", COUNT, "report/number_expected"),  # a full-width three
        ("9" * 30, COUNT, "report/number_range"),
        ("2,5,5", TONNES, "report/decimal_expected"),
    ],
)
def test_figures_that_are_refused(typed: str, question: Question, template: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_count(typed, question)
    assert refused.value.template == template
