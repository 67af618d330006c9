"""The årshjul on the web: inline on the public page, the whole plan's behind every token."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.helpers import SEED
from tests.helpers.web import Server

SVG = "{http://www.w3.org/2000/svg}"


def test_the_public_page_draws_the_public_wheel_inline(server: Server) -> None:
    from plancal.rules.plan import load

    plan = load(SEED)
    for path in ("/", "/en/"):
        page = server.get(path).body.decode("utf-8")
        start, end = (
            page.index("<svg", page.index('class="wheel"')),
            page.index("</svg>", page.index('class="wheel"')),
        )
        svg = ET.fromstring(page[start : end + len("</svg>")])
        assert svg.get("role") == "img" and svg.find(f"{SVG}title") is not None
        kinds = {e.get("data-kind") for e in svg.iter() if e.get("data-kind")}
        assert kinds == {"meeting"}  # meetings of the public feed; no follow-up is public
        for a in plan.activities:
            if not a.public:
                assert a.title not in page, a.id


def test_a_token_opens_the_whole_plans_wheel_with_the_feeds_caching(server: Server) -> None:
    _, token, _ = server.create_token("role-kommunpolis")
    path = f"/t/{token}/wheel.svg"
    first = server.get(path)
    assert first.status == 200
    assert (first.header("content-type") or "").startswith("image/svg+xml")
    assert "private" in (first.header("cache-control") or "")
    root = ET.fromstring(first.body)
    assert {e.get("data-kind") for e in root.iter() if e.get("data-kind")} == {
        "meeting",
        "deadline",
    }
    again = server.get(path, {"if-none-match": first.header("etag") or ""})
    assert again.status == 304
    forged = "A" * len(token)
    assert server.get(f"/t/{forged}/wheel.svg").status == 404
    assert server.get("/wheel.svg").status == 404  # never public
