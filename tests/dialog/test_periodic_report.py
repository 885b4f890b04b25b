"""/baocaoky: the periodic report as a Word file for coordinators; bad periods refused."""

from collections.abc import Callable
from pathlib import Path

import docx

from tests.dialog.conftest import Chat


async def test_a_coordinator_receives_the_report_as_a_file(chat: Callable[..., Chat]) -> None:
    coordinator = chat("9000", "Điều phối viên")
    reply = (await coordinator.say("/baocaoky 2026-Q3"))[0]  # then the first contact's notice
    assert reply.attachment is not None
    assert reply.attachment.kind == "document"
    assert reply.attachment.filename == "BaoCao-SXTDBV-2026-Q3.docx"
    assert "quý III năm 2026" in reply.text
    assert "15/06/2026 đến 14/09/2026" in reply.text
    path = Path(reply.attachment.ref)
    assert path.stat().st_mode & 0o077 == 0  # noqa: ASYNC240
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == "BÁO CÁO"
    # Typed words without diacritics, default period: this reporting year.
    [reply] = await coordinator.say("bao cao ky")
    assert reply.attachment is not None
    assert reply.attachment.filename == "BaoCao-SXTDBV-2026.docx"


async def test_bad_periods_get_one_sentence(chat: Callable[..., Chat]) -> None:
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")  # past the first contact's privacy notice
    for typed, sentence in [
        ("2026-Q5", '"2026-Q5" không phải là kỳ báo cáo'),
        ("quy 3", '"quy 3" không phải là kỳ báo cáo'),
        ("2031", "nằm ngoài giai đoạn Kế hoạch (2026–2030)"),
    ]:
        [reply] = await coordinator.say(f"/baocaoky {typed}")
        assert sentence in reply.text
        assert reply.attachment is None


async def test_officials_and_citizens_are_refused(chat: Callable[..., Chat]) -> None:
    assert "chỉ dành cho cán bộ điều phối" in (await chat("7001").say("/baocaoky"))[0].text
