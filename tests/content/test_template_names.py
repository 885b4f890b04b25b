"""Every template name the code uses exists under content/templates (a typo fails here, not
in front of a user)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "content" / "templates"
AREAS = {p.name for p in TEMPLATES.iterdir() if p.is_dir()}


def _names_in(path: Path) -> set[tuple[str, int]]:
    """String constants shaped like a template name ('report/recorded') in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Pieces of a name made at run time (f"commands/{name}", "report/" + kind) are not names.
    pieces = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr | ast.BinOp)
        for child in ast.iter_child_nodes(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in pieces:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            area, slash, name = node.value.partition("/")
            if slash and area in AREAS and name and "/" not in name and " " not in name:
                found.add((node.value, node.lineno))
    return found


def _used() -> dict[str, str]:
    used: dict[str, str] = {}
    for folder in ("bot", "scheduler"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name, line in _names_in(path):
                used.setdefault(name, f"{path.relative_to(ROOT)}:{line}")
    return used


def test_every_template_name_in_the_code_exists() -> None:
    used = _used()
    assert len(used) > 300  # the scan finds the names (a broken scan would pass vacuously)
    missing = {
        f"{where}: {name}"
        for name, where in used.items()
        if not (TEMPLATES / f"{name}.txt.j2").is_file()
    }
    assert not missing, sorted(missing)


def test_the_scan_sees_a_misspelt_name(tmp_path: Path) -> None:
    module = tmp_path / "flow.py"
    module.write_text('ctx.say("report/recordedd")\nctx.say(f"commands/{name}")\n')
    assert _names_in(module) == {("report/recordedd", 1)}
