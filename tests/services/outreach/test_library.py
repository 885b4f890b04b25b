import shutil
from pathlib import Path

import pytest

from bot.services.content.loading import load_content
from bot.services.core.errors import ContentError
from bot.services.outreach.leaflets import build_leaflet
from tests.dialog.test_materials import _material

GOOD = """---
id: thu-nghiem
title: "Thử nghiệm"
topics: [thu]
audiences: [citizens]
format: text
summary: "Tóm tắt."
source: "Kế hoạch SXTDBV 2026–2030"
date: 2026-11-25
---
Nội dung **đậm** có dấu: Hà Tĩnh, đường, phường.
"""


@pytest.fixture
def content(tmp_path: Path, content_dir: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(content_dir, target, ignore=shutil.ignore_patterns("leaflets"))
    folder = target / "materials"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(target / "contest")  # its questions name the real materials and topics
    folder.mkdir()
    (folder / "topics.yaml").write_text('topics:\n  - key: thu\n    label: "Thử"\n')
    (folder / "thu-nghiem.md").write_text(GOOD)
    return target


def test_a_material_file_loads(content: Path) -> None:
    [material] = load_content(content).materials
    assert (material.slug, material.topics, material.title) == (
        "thu-nghiem",
        ("thu",),
        "Thử nghiệm",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("topics: [thu]", "topics: [khong-co]", "unknown topic 'khong-co'"),
        ("id: thu-nghiem", "id: ten-khac", "must be the file name"),
        ('summary: "Tóm tắt."\n', "", "missing summary"),
        ("audiences: [citizens]", "audiences: [aliens]", "unknown audience 'aliens'"),
        ("date: 2026-11-25", "date: hôm nay", "date must be YYYY-MM-DD"),
        ("---\nid", "id", "expected YAML front matter"),
    ],
)
def test_a_malformed_material_names_its_file_and_nothing_loads(
    content: Path, old: str, new: str, message: str
) -> None:
    path = content / "materials" / "thu-nghiem.md"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(ContentError) as caught:
        load_content(content)
    assert any(
        p.startswith("materials/thu-nghiem.md:") and message in p for p in caught.value.problems
    )


def test_a_leaflet_is_a_pdf_with_the_vietnamese_font_embedded(
    tmp_path: Path, content_dir: Path
) -> None:
    shutil.copytree(content_dir / "fonts", tmp_path / "fonts")
    path = build_leaflet(
        _material("to-roi", "Tờ rơi: giảm túi ni lông ở chợ", "nhua"), content_dir=tmp_path
    )
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"DejaVu" in data
    assert len(data) > 5_000
