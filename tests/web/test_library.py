"""/tai-lieu: the public library by topic, searched without diacritics, each material a page."""

import re

from bot.web.pages import Block, blocks
from tests.web.conftest import Client


async def test_topics_are_listed_and_a_topic_shows_its_materials(client: Client) -> None:
    page = await (await client.get("/tai-lieu")).text()
    assert "Tài liệu tuyên truyền" in page
    [topic] = re.findall(r'href="/tai-lieu\?chu-de=([^"]+)"[^>]*>🗑', page) or [None]
    assert topic is not None
    listed = await (await client.get(f"/tai-lieu?chu-de={topic}")).text()
    assert "Phân loại rác tại nguồn" in listed


async def test_search_ignores_diacritics_and_a_material_links_its_leaflet(client: Client) -> None:
    found = await (await client.get("/tai-lieu", params={"q": "phan loai rac"})).text()
    ids = re.findall(r'href="/tai-lieu/(\d+)"', found)
    assert ids
    material = await client.get(f"/tai-lieu/{ids[0]}")
    assert material.status == 200
    html = await material.text()
    assert "Phân loại rác" in html
    [leaflet] = re.findall(r'href="(/tep/c/[^"]+\.pdf)"', html)
    pdf = await client.get(leaflet)
    assert (await pdf.read()).startswith(b"%PDF")


async def test_bad_queries_and_ids_get_a_sentence_not_an_error(client: Client) -> None:
    short = await client.get("/tai-lieu", params={"q": "a"})
    assert "ít nhất 2 chữ cái" in await short.text()
    none = await client.get("/tai-lieu", params={"q": "<script>xyzxyz</script>"})
    text = await none.text()
    assert "&lt;script&gt;" in text
    assert "<script>" not in text
    assert (await client.get("/tai-lieu/999999")).status == 404
    assert (await client.get("/tai-lieu/abc")).status == 404


async def test_pages_carry_the_security_headers(client: Client) -> None:
    response = await client.get("/tai-lieu")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    css = await client.get("/static/site.css")
    assert css.status == 200
    assert (await client.get("/static/")).status in (403, 404)
    assert (await client.get("/static/../plan.yaml")).status in (403, 404)


def test_a_materials_text_becomes_headings_paragraphs_and_lists() -> None:
    text = "Mở đầu một câu.\n\nQuy định đang áp dụng\n• Điều một.\n• Điều hai.\nCâu sau."
    assert blocks(text) == [
        Block("paragraph", ("Mở đầu một câu.",)),
        Block("heading", ("Quy định đang áp dụng",)),
        Block("list", ("Điều một.", "Điều hai.")),
        Block("paragraph", ("Câu sau.",)),
    ]


async def test_an_address_that_does_not_exist_is_refused_in_vietnamese(client: Client) -> None:
    missing = await client.get("/dieu-phoi/khong-co")
    assert missing.status == 404
    assert await missing.text() == "Không tìm thấy trang này. Anh/chị kiểm tra lại địa chỉ."
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
    wrong_link = await client.get("/tep/c/1/abc/x.pdf")  # a refusal with its own sentence
    assert wrong_link.status == 404
    assert "Not Found" not in await wrong_link.text()
