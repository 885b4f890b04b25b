"""The outreach materials as a department would publish them: sourced, sized, with a leaflet."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

MATERIALS = Path(__file__).resolve().parents[2] / "content" / "materials"
# content/README.md: "write the body (600–1,600 characters, short lines)".
BODY_RANGE = (600, 1600)

# A document number: "08/2022/NĐ-CP", "72/2020/QH14", "02/2022/TT-BTNMT", "919/QĐ-TTg",
# "903/SCT-QLCN". Dates such as "03/3/2025" do not match (no letters after the year).
NUMBER = re.compile(r"\b\d{1,5}/(?:\d{4}/[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)*|[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)+)")
# A law named with its year: "Luật Bảo vệ môi trường năm 2020", "Luật Điện lực ngày 30/11/2024".
LAW = re.compile(r"\bLuật((?: [^\W\d_]+)+?)(?: năm| ngày \d{1,2}/\d{1,2}/)? ?(\d{4})\b")
# The plan's number and date are still blank: no material may say it was issued.
PLAN_ISSUED = re.compile(r"ban hành Kế hoạch|Kế hoạch [^.\n]{0,60}\bban hành\b", re.IGNORECASE)


@dataclass(frozen=True)
class Material:
    """One material file: its front matter and its Markdown body."""

    name: str
    meta: dict[str, object]
    body: str

    @property
    def source(self) -> str:
        """The `source` line of the front matter."""
        return str(self.meta.get("source") or "")

    @property
    def shown_text(self) -> str:
        """Everything a reader sees besides the source: title, summary, body."""
        return "\n".join((str(self.meta.get("title")), str(self.meta.get("summary")), self.body))


def read_material(path: Path) -> Material:
    """Split a material file into its YAML front matter and its body."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict), f"{path.name}: front matter is not a mapping"
    return Material(path.name, meta, body.strip())


def missing_citations(text: str, source: str) -> list[str]:
    """Document numbers and dated laws cited in the text but absent from the source line."""
    folded = " ".join(source.split()).casefold()
    missing = [number for number in NUMBER.findall(text) if number.casefold() not in folded]
    for match in LAW.finditer(text):
        name, year = f"luật{match.group(1)}".casefold(), match.group(2)
        if name not in folded or year not in folded:
            missing.append(match.group(0))
    return missing


def all_materials() -> list[Material]:
    """Every material file of content/materials."""
    return [read_material(path) for path in sorted(MATERIALS.glob("*.md"))]


@pytest.fixture(params=all_materials(), ids=lambda m: m.name)
def material(request: pytest.FixtureRequest) -> Material:
    material: Material = request.param
    return material


def test_there_are_materials() -> None:
    assert len(all_materials()) >= 17


def test_every_cited_document_is_named_in_the_source(material: Material) -> None:
    assert missing_citations(material.shown_text, material.source) == []


def test_the_source_is_short_and_names_documents_not_addresses(material: Material) -> None:
    assert "http" not in material.source
    assert "www." not in material.source
    assert len(material.source) <= 400


def test_every_material_has_a_leaflet(material: Material) -> None:
    assert material.meta.get("leaflet") is True


def test_the_body_has_the_length_the_readme_asks(material: Material) -> None:
    low, high = BODY_RANGE
    assert low <= len(material.body) <= high


def test_no_material_says_the_plan_was_issued(material: Material) -> None:
    assert PLAN_ISSUED.search(material.shown_text) is None


@pytest.mark.parametrize(
    ("text", "source", "missing"),
    [
        ("Theo Nghị định 08/2022/NĐ-CP", "Nghị định 05/2025/NĐ-CP", ["08/2022/NĐ-CP"]),
        ("Quyết định số 919/QĐ-TTg", "Quyết định 889/QĐ-TTg", ["919/QĐ-TTg"]),
        ("Luật số 72/2020/QH14", "Luật Bảo vệ môi trường", ["72/2020/QH14"]),
        (
            "Luật Bảo vệ môi trường năm 2020",
            "Nghị định 08/2022/NĐ-CP",
            ["Luật Bảo vệ môi trường năm 2020"],
        ),
        ("Luật Điện lực ngày 30/11/2024", "Luật Điện lực 2004", ["Luật Điện lực ngày 30/11/2024"]),
        ("Luật Bảo vệ môi trường năm 2020", "Luật Bảo vệ môi trường 72/2020/QH14", []),
        ("ngày 03/3/2025, từ 01/01/2026", "", []),
    ],
)
def test_the_citation_check_finds_what_the_source_lacks(
    text: str, source: str, missing: list[str]
) -> None:
    assert missing_citations(text, source) == missing
