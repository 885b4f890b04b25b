"""Bad files and bad data as an operator meets them on the command line: one line naming the
file and line, a non-zero exit, no traceback, and never the database blamed for the data."""

import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.cli.test_cli import run_cli
from tests.databases import CONTENT_DIR

BIG = "a" * 140_000  # over csv's field limit of 131,072 characters


def _bad_files(folder: Path) -> list[tuple[Path, str]]:
    """Each file with the start of the one line the import must print."""
    files = {
        "big.csv": (f"code,name\nthpt-1,Một\nthpt-2,{BIG}\n".encode(), "big.csv:3: cannot read"),
        "latin1.csv": (b"code,name\nthpt-1,Mot\nthpt-2,Tr\xe2m\n", "latin1.csv:3: not UTF-8"),
        "broken.xlsx": (b"PK\x03\x04 this is no workbook", "broken.xlsx:1: not a readable Excel"),
        "renamed.xlsx": (
            "code,name\nthpt-1,Một\n".encode(),
            "renamed.xlsx:1: not a readable Excel",
        ),
        "nul.csv": (b"code,name\nthpt-1,M\x00t\n", "nul.csv:2: name: a NUL byte"),
        "long.csv": (f"code,name\nthpt-1,{'b' * 300}\n".encode(), "long.csv:2: name is longer"),
    }
    found = []
    for name, (content, expected) in files.items():
        (folder / name).write_bytes(content)
        found.append((folder / name, expected))
    return found


def test_each_bad_import_file_is_one_line(empty_db_url: URL, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: PostgreSQL refuses NUL bytes and over-long names itself, which
    used to be reported as a DATABASE_URL problem."""
    assert run_cli("seed", database=empty_db_url).returncode == 0
    for path, expected in _bad_files(tmp_path):
        result = run_cli("units", "import", str(path), "--kind", "school", database=empty_db_url)
        assert result.returncode == 1, (path.name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith(f"{tmp_path}/{expected}"), result.stderr
        assert lines[1:] == ["Refused: 1 problem(s); nothing was stored."]
        assert "DATABASE_URL" not in result.stderr
    listed = run_cli("units", "--kind", "school", database=empty_db_url)
    assert "thpt-1" not in listed.stdout  # all or nothing


def test_a_broken_question_bank_is_one_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    assert run_cli("seed", database=database).returncode == 0
    path = tmp_path / "bank.xlsx"
    path.write_bytes(b"PK\x03\x04 damaged download")
    result = run_cli("contest", "import-questions", str(path), database=database)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"{path}:1: not a readable Excel workbook (BadZipFile)"
    )


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (
            lambda text: text.replace("Hà Tĩnh", "H\xe0 T\xecnh", 1).encode("latin-1", "replace"),
            ": not UTF-8 text",
        ),
        (lambda text: (text + "\nplan: [unclosed\n").encode(), ": not valid YAML: "),
    ],
    ids=["not-utf8", "not-yaml"],
)
def test_a_damaged_plan_yaml_is_one_line(tmp_path: Path, damage: object, expected: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    plan = content / "plan.yaml"
    plan.write_bytes(damage(plan.read_text(encoding="utf-8")))  # type: ignore[operator]
    result = run_cli(
        "seed", database=f"sqlite:///{tmp_path / 'bot.db'}", extra={"CONTENT_DIR": str(content)}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plan.yaml:"), lines[0]
    assert expected in lines[0]


def test_files_the_cli_writes_are_for_its_user_only(tmp_path: Path) -> None:
    """The default database under ./var, the Excel export and the DOCX report: 0600 / 0700."""
    database = "sqlite:///var/bot.db"
    assert run_cli("seed", database=database, cwd=tmp_path).returncode == 0
    (tmp_path / "out.xlsx").write_bytes(b"an older export, readable by all")
    (tmp_path / "out.xlsx").chmod(0o644)
    export = run_cli("export", "--xlsx", "out.xlsx", database=database, cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    report = run_cli(
        "report", "--docx", "bc.docx", "--period", "2026", database=database, cwd=tmp_path
    )
    assert report.returncode == 0, report.stderr
    made = [
        tmp_path / "out.xlsx",
        tmp_path / "bc.docx",
        tmp_path / "var",
        *(tmp_path / "var").rglob("*"),
    ]
    for path in made:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)}: {mode:o}"


def test_an_export_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    assert run_cli("seed", database=database).returncode == 0
    target = tmp_path / "missing" / "out.xlsx"
    result = run_cli("export", "--xlsx", str(target), database=database)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: {target}: No such file or directory"
    assert "Traceback" not in result.stderr
