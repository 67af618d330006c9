"""The public page in a real browser (headless Chromium) and a real QR reader.

"Works without JavaScript": the page has no script, and the server's Content-Security-Policy
forbids scripts, so what Chromium renders here is what a browser with scripts off shows.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from plancal.calendars.page import subscribe_urls
from tests.helpers.web import Server, current_plan, start, stop

BASE = "https://kalender.example/"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(
    os.environ.get(
        "PLANCAL_SCREENSHOTS", Path(__file__).resolve().parents[2] / ".pytest_cache" / "screenshots"
    )
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("page")
    plan = tmp / "plan.yaml"
    plan.write_text(current_plan(), encoding="utf-8")
    running = start(tmp, plan, "--base-url", BASE)
    yield running
    stop(running)


def chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert os.path.exists(CHROMIUM), "Debian's chromium is needed (.ci/run installs it)"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
            url,
        ],
        capture_output=True,
        timeout=120,
        cwd=tmp,
    )


class Dom(HTMLParser):
    """What the browser's DOM says: links by id, language, the QR code, list items."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.lang = ""
        self.qr = False
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
            if a.get("id"):
                self.links[a["id"] or ""] = a.get("href") or ""
        if tag in ("script", "noscript"):
            self.scripts += 1
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "svg" and "qr" in (a.get("class") or ""):
            self.qr = True

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def dom_of(tmp: Path, url: str) -> Dom:
    run = chromium(tmp, url, "--dump-dom")
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    dom = Dom()
    dom.feed(run.stdout.decode("utf-8"))
    return dom


def png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct bytes in the image data (0 or 1: blank)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def test_the_page_in_chromium_without_javascript(site: Server, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{site.port}/"
    dom = dom_of(tmp_path, url)
    assert dom.lang == "sv"
    assert dom.links["webcal"] == "webcal://kalender.example/public.ics"
    assert dom.links["https"] == "https://kalender.example/public.ics"
    assert "en/" in dom.hrefs and dom.qr
    assert not dom.scripts
    text = " ".join(dom.text)
    assert "Prenumerera i din kalenderapp" in text and "Så prenumererar du" in text
    for client in ("Outlook", "Google", "Apple"):
        assert client in text
    assert "Medborgardialog" in text and "Stadshuset, Söderhamn" in text
    assert "kl. 18.00–20.00" in text  # a coming meeting, in Swedish
    assert "unga i riskzon" not in text  # the internal meeting

    english = dom_of(tmp_path, url + "en/")
    assert english.lang == "en" and "../" in english.hrefs
    assert english.links["webcal"] == dom.links["webcal"]
    assert "Subscribe in your calendar app" in " ".join(english.text)

    shot = tmp_path / "page.png"
    run = chromium(tmp_path, url, f"--screenshot={shot}", "--window-size=900,1600")
    assert run.returncode == 0 and shot.exists(), run.stderr.decode(errors="replace")[-2000:]
    width, height, colours = png_size_and_colours(shot.read_bytes())
    assert (width, height) == (900, 1600) and colours > 16
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SCREENSHOTS / "index-sv.png")

    # The QR code, read off the screenshot by a real reader, is the https address.
    zbar = shutil.which("zbarimg")
    assert zbar, "Debian's zbar-tools is needed (.ci/run installs it)"
    read = subprocess.run(
        [zbar, "--quiet", "--raw", str(shot)], capture_output=True, text=True, timeout=60
    )
    assert read.stdout.strip() == "https://kalender.example/public.ics", read.stderr


def test_the_page_links_follow_a_base_url_with_a_path() -> None:
    assert subscribe_urls("https://kommun.example/kalender/", "public.ics") == (
        "https://kommun.example/kalender/public.ics",
        "webcal://kommun.example/kalender/public.ics",
    )
    assert (
        subscribe_urls("http://127.0.0.1:8080", "public.ics")[1]
        == "webcal://127.0.0.1:8080/public.ics"
    )
