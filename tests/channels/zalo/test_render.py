"""Outgoing values as Zalo sends: numbered options, links for documents, photos by URL."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.zalo.render import MediaSource, PhotoSend, TextSend, plan_sends
from bot.messages import Attachment, Option, Outgoing, WebPage
from bot.services.core.texts import Texts
from bot.web.files import FileLinks, Folder, Signer

LEAFLET = "leaflets/phan-loai-rac-tai-nguon.pdf"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A content folder with one leaflet (leaflets are built at seed time)."""
    (tmp_path / "leaflets").mkdir()
    (tmp_path / LEAFLET).write_bytes(b"%PDF-1.4")
    return tmp_path


@pytest.fixture
def media(files: Path) -> MediaSource:
    links = FileLinks(
        Signer(b"k" * 32),
        {"c": Folder(files, timedelta(days=1))},
        base_url="https://bot.example.gov.vn",
    )
    return MediaSource(links.url)


def test_options_are_numbered_with_a_hint(texts: Texts, media: MediaSource) -> None:
    message = Outgoing("Chọn việc:", (Option("Báo cáo", "cmd:baocao"), Option("Tài liệu", "x")))
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    assert send.text.splitlines() == [
        "Chọn việc:",
        "1. Báo cáo",
        "2. Tài liệu",
        texts.render("zalo/options_hint"),
    ]


def test_a_web_page_is_its_personal_link_before_the_options(
    texts: Texts, media: MediaSource
) -> None:
    link = "https://bot.example.gov.vn/thi/12.3.1800000000.abcdef"
    page = WebPage("Làm bài trên trang thi", link, app_url="https://bot.example.gov.vn/thi/app")
    message = Outgoing("Làm trên trang web:", (Option("Làm bài", "thi:start:3"),), web_page=page)
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    assert send.text.splitlines()[:3] == ["Làm trên trang web:", link, "1. Làm bài"]
    assert "/thi/app" not in send.text  # Zalo has no Mini Apps


def test_a_document_is_a_link_when_content_is_public(texts: Texts, media: MediaSource) -> None:
    message = Outgoing("Tờ rơi:", attachment=Attachment("document", LEAFLET, "to-roi.pdf"))
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    [url] = re.findall(r"https://\S+", send.text)
    assert url.startswith("https://bot.example.gov.vn/tep/c/")
    assert url.endswith(f"/{LEAFLET}")
    assert "to-roi.pdf" in send.text


def test_a_documents_link_comes_before_the_options(texts: Texts, media: MediaSource) -> None:
    message = Outgoing(
        "Tờ rơi:",
        (Option("Chủ đề khác", "cmd:tailieu"),),
        attachment=Attachment("document", LEAFLET, "to-roi.pdf"),
    )
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    lines = send.text.splitlines()
    assert lines[0] == "Tờ rơi:"
    assert "to-roi.pdf" in lines[2]
    assert lines[3:] == ["1. Chủ đề khác", texts.render("zalo/options_hint")]


def test_without_a_public_url_a_document_is_explained(texts: Texts, files: Path) -> None:
    media = MediaSource()
    message = Outgoing("Tờ rơi:", attachment=Attachment("document", LEAFLET, "to-roi.pdf"))
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    assert "http" not in send.text
    assert "Zalo chưa gửi được tệp to-roi.pdf" in send.text


def test_a_photo_goes_by_url_after_the_text(texts: Texts, media: MediaSource) -> None:
    message = Outgoing("Ảnh:", attachment=Attachment("photo", "https://cdn.example/a.jpg"))
    sends = plan_sends(message, media=media, render=texts.render)
    assert sends == [TextSend("Ảnh:"), PhotoSend("https://cdn.example/a.jpg")]


@pytest.mark.parametrize("ref", ["AgACAgIAAxkBAAIB", "../secrets.txt", "/etc/passwd"])
def test_a_photo_without_a_public_url_is_a_sentence(
    texts: Texts, media: MediaSource, ref: str
) -> None:
    message = Outgoing("Ảnh:", attachment=Attachment("photo", ref))
    [send] = plan_sends(message, media=media, render=texts.render)
    assert isinstance(send, TextSend)
    assert texts.render("zalo/photo_unavailable") in send.text


def test_long_text_is_split(texts: Texts, media: MediaSource) -> None:
    message = Outgoing("\n".join(["Một dòng khá dài về sản xuất và tiêu dùng bền vững."] * 100))
    sends = plan_sends(message, media=media, render=texts.render)
    assert len(sends) == 3
    assert all(isinstance(s, TextSend) and len(s.text) <= 2000 for s in sends)


def test_a_chart_goes_as_a_photo_by_signed_url(texts: Texts, tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "heatmap-2026-11-25.png").write_bytes(b"\x89PNG")
    links = FileLinks(
        Signer(b"k" * 32), {"g": Folder(charts, timedelta(days=14))}, base_url="https://bot.vn"
    )
    message = Outgoing(
        "Bản đồ nhiệt:", attachment=Attachment("photo", str(charts / "heatmap-2026-11-25.png"))
    )
    text, photo = plan_sends(message, media=MediaSource(links.url), render=texts.render)
    assert text == TextSend("Bản đồ nhiệt:")
    assert isinstance(photo, PhotoSend)
    assert photo.url.startswith("https://bot.vn/tep/g/")
    assert photo.url.endswith("/heatmap-2026-11-25.png")
