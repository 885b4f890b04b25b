import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import URL

from tests.databases import PROJECT_DIR


def run_cli(
    *args: str,
    database: URL | str,
    cwd: Path = PROJECT_DIR,
    extra: dict[str, str] | None = None,
    typed: str = "",
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(extra or {})
    env["DATABASE_URL"] = (
        database if isinstance(database, str) else database.render_as_string(hide_password=False)
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        input=typed,
        text=True,
        timeout=120,
        check=False,
    )


def test_seed_twice_then_plan_and_units(empty_db_url: URL) -> None:
    first = run_cli("seed", database=empty_db_url)
    assert first.returncode == 0, first.stderr
    assert "tasks 15" in first.stdout
    second = run_cli("seed", database=empty_db_url)
    assert second.returncode == 0, second.stderr
    assert "Created: nothing. Updated: nothing." in second.stdout

    plan = run_cli("plan", database=empty_db_url)
    assert plan.returncode == 0, plan.stderr
    task_lines = [
        line
        for line in plan.stdout.splitlines()
        if line.split("\t")[0].count(".") == 1
        and line.split("\t")[0].split(".")[0] in ("I", "II", "III")
    ]
    assert len(task_lines) == 15
    assert "I.1\tTuyên truyền nội dung Chương trình" in plan.stdout
    assert "communes_reached\t" in plan.stdout
    assert "0/69" in plan.stdout
    assert "chưa có danh sách" in plan.stdout

    communes = run_cli("units", "--kind", "commune", database=empty_db_url)
    rows = [line.split("\t") for line in communes.stdout.splitlines()]
    assert len(rows) == 60
    assert all(kind == "commune" for _, kind, _ in rows)
    wards = run_cli("units", "--kind", "ward", database=empty_db_url)
    assert len(wards.stdout.splitlines()) == 9
    unknown = run_cli("units", "--kind", "xa", database=empty_db_url)
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert "no unit kind 'xa' (did you mean --kind commune?)" in unknown.stderr
    assert "  commune\tXã" in unknown.stderr.splitlines()
    assert "  school\tTrường THPT" in unknown.stderr.splitlines()


def test_an_invite_without_telegram_says_what_the_invitee_types(empty_db_url: URL) -> None:
    result = run_cli("invite", "--role", "coordinator", database=empty_db_url)
    assert result.returncode == 0, result.stderr
    code, second = result.stdout.splitlines()[:2]
    assert len(code) == 8
    assert second.endswith(f"/mamoi {code}")
    assert "/mamoi (type an invite code)" in second


def test_units_import_from_the_command_line(empty_db_url: URL, tmp_path: Path) -> None:
    assert run_cli("seed", database=empty_db_url).returncode == 0
    good = tmp_path / "schools.csv"
    good.write_text("code,name\nthpt-1,Trường THPT Một\n", encoding="utf-8")
    done = run_cli("units", "import", str(good), "--kind", "school", database=empty_db_url)
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nthpt-2,Hai\nthpt-2,Hai lần\n", encoding="utf-8")
    failed = run_cli("units", "import", str(bad), "--kind", "school", database=empty_db_url)
    assert failed.returncode == 1
    assert "bad.csv:3: duplicate code 'thpt-2'" in failed.stderr
    listed = run_cli("units", "--kind", "school", database=empty_db_url)
    lines = listed.stdout.splitlines()
    assert "thpt-1\tschool\tTrường THPT Một" in lines
    assert len(lines) == 46  # and the 45 of the provisional list shipped in content/units


def test_a_bad_database_url_gives_one_clear_line(tmp_path: Path) -> None:
    for url in ("mysql://root@localhost/x", "postgresql://nobody@127.0.0.1:1/none"):
        result = run_cli("plan", database=url, cwd=tmp_path)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: DATABASE_URL: ")
        assert "Traceback" not in result.stderr


def test_run_without_tokens_starts_and_says_what_it_runs(tmp_path: Path) -> None:
    """No token: the terminal chat, on a database it migrated and seeded, until end of input."""
    result = run_cli(
        "run", database=f"sqlite:///{tmp_path}/bot.db", cwd=tmp_path, typed="thong tin cua toi\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "No TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN: chatting in this terminal (Ctrl-D to quit)."
    ]
    assert "Xin chào Người dùng thử!" in result.stdout
    assert "Vai trò: người dân" in result.stdout  # the typed line was answered


def test_digest_and_excel_export_from_the_command_line(empty_db_url: URL, tmp_path: Path) -> None:
    assert run_cli("seed", database=empty_db_url).returncode == 0
    digest = run_cli("digest", "--print", database=empty_db_url)
    assert digest.returncode == 0, digest.stderr
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    first, rest = digest.stdout.split("\n", 1)
    assert first == (
        f"Week {year}-W{week:02d}: {monday:%d/%m/%Y} – {monday + timedelta(days=6):%d/%m/%Y}"
        ", the last complete week"
    )
    assert rest.startswith("📊 BẢN TIN TỔNG HỢP\nKế hoạch sản xuất và tiêu dùng bền vững")
    older = run_cli("digest", "--print", "--week", "2026-W45", database=empty_db_url)
    assert older.returncode == 0, older.stderr
    assert older.stdout.startswith("Week 2026-W45: 02/11/2026 – 08/11/2026\n")
    assert "Từ 02/11/2026 đến 08/11/2026" in older.stdout
    by_day = run_cli("digest", "--print", "--week", "2026-11-05", database=empty_db_url)
    assert by_day.stdout.splitlines()[0] == "Week 2026-W45: 02/11/2026 – 08/11/2026"
    unfinished = run_cli("digest", "--print", "--week", today.isoformat(), database=empty_db_url)
    assert (unfinished.returncode, unfinished.stdout) == (1, "")
    assert "chưa kết thúc" in unfinished.stderr
    bad = run_cli("digest", "--print", "--week", "tuan 3", database=empty_db_url)
    assert bad.returncode == 2
    assert "not a week: 'tuan 3'" in bad.stderr
    assert "🖼 Hình kèm bản tin: " in digest.stdout
    picture = Path(digest.stdout.rsplit("🖼 Hình kèm bản tin: ", 1)[1].strip())
    assert picture.read_bytes()[:4] == b"\x89PNG"
    target = tmp_path / "bao-cao.xlsx"
    export = run_cli("export", "--xlsx", str(target), database=empty_db_url)
    assert export.returncode == 0, export.stderr
    assert target.read_bytes()[:2] == b"PK"


def test_the_periodic_report_from_the_command_line(empty_db_url: URL, tmp_path: Path) -> None:
    assert run_cli("seed", database=empty_db_url).returncode == 0
    target = tmp_path / "bao-cao-2026-q3.docx"
    report = run_cli("report", "--docx", str(target), "--period", "2026-Q3", database=empty_db_url)
    assert report.returncode == 0, report.stderr
    assert "2026-Q3: 15/06/2026-14/09/2026" in report.stdout
    assert target.read_bytes()[:2] == b"PK"
    for args, line in [
        (("--period", "2026-Q7"), '"2026-Q7" không phải là kỳ báo cáo'),
        (("--period", "2035"), "nằm ngoài giai đoạn Kế hoạch"),
    ]:
        bad = run_cli("report", "--docx", str(target), *args, database=empty_db_url)
        assert (bad.returncode, bad.stdout) == (1, "")
        assert line in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
    unwritable = run_cli("report", "--docx", str(tmp_path / "no" / "x.docx"), database=empty_db_url)
    assert unwritable.returncode == 1
    assert unwritable.stderr.startswith(f"error: {tmp_path / 'no' / 'x.docx'}: ")
    assert len(unwritable.stderr.strip().splitlines()) == 1


def _console(tmp_path: Path, database: str, typed: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(DATABASE_URL=database, CONTENT_DIR=str(PROJECT_DIR / "content"), LOG_LEVEL="INFO")
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as", "official:Thạch Hà"],
        cwd=tmp_path,
        env=env,
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_console_shows_the_chat_only_and_a_restart_continues_the_draft(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    first = _console(tmp_path, database, "/baocao IV.9 3 buổi\n")
    assert first.returncode == 0, first.stderr
    assert "/xoadulieu" in first.stdout  # the privacy notice on a first contact
    assert "người" in first.stdout.split("/baocao")[-1].lower()
    second = _console(tmp_path, database, "45\n")
    assert second.returncode == 0, second.stderr
    assert "trợ lý hỏi lại" in second.stdout
    for output in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert " INFO " not in output
        assert "WARNING" not in output
    log = (tmp_path / "var" / "console.log").read_text(encoding="utf-8")
    assert " INFO " in log
    assert (tmp_path / "var" / "console.log").stat().st_mode & 0o077 == 0
