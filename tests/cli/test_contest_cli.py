"""`python -m bot contest …`: a coordinator's round from the command line, and a bank from Excel."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import URL

from tests.cli.test_cli import run_cli

HEADER = ["Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng", "Chủ đề", "Độ khó", "Nguồn"]


def _bank(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_round_from_creation_to_results(db_url: URL, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()  # the CLI uses the real clock
    start, end = today - timedelta(days=1), today + timedelta(days=30)
    created = run_cli("contest", "create", "--start", start.isoformat(), "--end", end.isoformat(),
                      "--questions", "5", database=db_url)  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "Created round 1 (draft): 5 questions, 20 min, bank mac-dinh" in created.stdout
    assert run_cli("contest", "open", "1", database=db_url).stdout.startswith("Round 1 is open")
    again = run_cli("contest", "open", "1", database=db_url)
    assert again.returncode == 1
    assert "đã được mở trước đó" in again.stderr
    listed = run_cli("contest", "list", database=db_url).stdout.splitlines()
    assert listed[0].startswith(
        f"1\topen\t{start} 00:00\t{end + timedelta(days=1)} 00:00\tmac-dinh\t5"
    )
    assert "bank mac-dinh: 111 questions" in listed
    workbook = tmp_path / "dot-1.xlsx"
    shown = run_cli("contest", "results", "1", "--xlsx", str(workbook), database=db_url)
    assert shown.returncode == 0, shown.stderr
    assert "ĐỢT THI 1 (đang diễn ra)" in shown.stdout
    assert "Trường có thí sinh: 0/45 (danh sách trường tạm, chưa xác minh)" in shown.stdout
    assert load_workbook(workbook).sheetnames == ["Xếp hạng cá nhân", "Theo trường", "Câu hỏi"]
    refused = run_cli("contest", "results", "1", "--publish", database=db_url)
    assert "Chỉ công bố kết quả khi đợt thi 1 đã kết thúc" in refused.stderr
    closed = run_cli("contest", "close", "1", database=db_url)
    assert closed.stdout.strip() == "Round 1 is closed."
    published = run_cli("contest", "results", "1", "--publish", database=db_url)
    assert "Results published; 0 participants will be told." in published.stdout


def test_import_questions_is_all_or_nothing(db_url: URL, tmp_path: Path) -> None:
    good = ["Nhựa dùng một lần nên thay bằng gì?", "Đồ dùng nhiều lần", "Túi ni lông mới", "A",
            "nhua", "de", "plan:I.5"]  # fmt: skip
    bad = ["Câu thiếu nguồn?", "Có", "Không", "A", "nhua", "rat kho", ""]
    path = _bank(tmp_path / "ngan-hang.xlsx", [good, bad])
    failed = run_cli("contest", "import-questions", str(path), database=db_url)
    assert failed.returncode == 1
    assert f"{path}:3: difficulty 'rat kho' is not one of de, trung-binh, kho" in failed.stderr
    assert f"{path}:3: source '' is neither a material id nor plan:<section>" in failed.stderr
    assert "bank chinh-thuc" not in run_cli("contest", "list", database=db_url).stdout
    fixed = _bank(tmp_path / "ngan-hang.xlsx", [good, [*bad[:5], "Khó", "plan:I.4"]])
    done = run_cli("contest", "import-questions", str(fixed), database=db_url)
    assert done.returncode == 0, done.stderr
    assert "Imported 2 questions into bank chinh-thuc: 2 new" in done.stdout
