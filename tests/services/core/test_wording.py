import pytest

from bot.services.core.wording import format_number, shorten


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1439, "1.439"),
        (2.5, "2,5"),
        (1.23457e06, "1.234.570"),
        (1234567.891, "1.234.567,89"),
        (-2, "-2"),
        (0, "0"),
        (10.0, "10"),
        (2.675, "2,68"),
        (1e20, "100.000.000.000.000.000.000"),
    ],
)
def test_numbers_have_a_thousands_dot_and_a_decimal_comma(value: float, shown: str) -> None:
    assert format_number(value) == shown


def test_a_share_keeps_one_decimal() -> None:
    assert format_number(100 / 69, 1) == "1,4"


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("Tổ chức tập huấn, phổ biến Chương trình", 100, "Tổ chức tập huấn, phổ biến Chương trình"),
        ("Tổ chức tập huấn, phổ biến Chương trình", 20, "Tổ chức tập huấn…"),
        ("Tổ chức tập huấn, phổ biến Chương trình", 27, "Tổ chức tập huấn, phổ biến…"),
        ("Khôngcódấucáchnàotrongcâu", 10, "Khôngcódấ…"),
    ],
)
def test_a_title_is_cut_between_words(text: str, width: int, shown: str) -> None:
    assert shorten(text, width) == shown
    assert len(shorten(text, width)) <= width
