"""The QA web page in headless Chromium against a real uvicorn server.

Open the page, give the token, filter by channel, open a reply (text with highlighted
evidence, per-dimension scores), submit a review, and see it persisted in the store and
after a reload.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from scorer.api import create_app
from scorer.store import FlaggedStore
from tests.qa_fixtures import TOKEN, make_pair, qa_settings, sample_pairs

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TEXT = ("Hei Kari! Pakken ble forsinket fordi lageret var stengt. Ring oss på 912 34 567 "
        "hvis du lurer på noe. Ha en fin dag!")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, FlaggedStore]]:
    settings = qa_settings(f"sqlite:///{tmp_path / 'flagged.db'}")
    store = FlaggedStore.from_settings(settings)
    store.upsert_flagged(sample_pairs(12))
    greeting_end = TEXT.index("!") + 1
    closing = TEXT.index("Ha en fin dag!")
    explanation = TEXT.index("Pakken")
    store.upsert_flagged([make_pair(
        "msg-target", text=TEXT, channel="messenger", total=12, reasons=["missing_closing"],
        dims={"greeting": 0.93, "explanation": 0.81, "closing": 0.31, "length": 0.7},
        evidence={"greeting": (0, greeting_end),
                  "explanation": (explanation, TEXT.index("stengt.") + 7),
                  "closing": (closing, len(TEXT))})])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=store), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_filter_open_review_and_see_it_persisted(served: tuple[str, FlaggedStore]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, store = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/")

            # The page asks for the token; a wrong one is refused and asked again.
            page.fill("#token-input", "not-the-token")
            page.click("#token-form button[type=submit]")
            expect(page.locator("#login-error")).to_contain_text("not accepted")
            page.fill("#token-input", TOKEN)
            page.click("#token-form button[type=submit]")
            expect(page.locator("#list tbody tr").first).to_be_visible()
            assert page.evaluate("sessionStorage.getItem('scorer-token')") == TOKEN

            # Filter by channel: only Messenger replies remain, worst first.
            page.select_option("#f-channel", "messenger")
            page.click("#apply-filters")
            rows = page.locator("#list tbody tr")
            expect(rows.first).to_have_attribute("data-id", "msg-target")
            expect(rows).to_have_count(5)
            channels = rows.locator("td:nth-child(2)").all_inner_texts()
            assert set(channels) == {"messenger"}

            # Open the reply: redacted text, highlighted evidence, scores and reasons.
            rows.first.click()
            text = page.locator("#reply-text")
            expect(text).to_contain_text("Ring oss på [PHONE]")
            assert "912 34 567" not in text.inner_text()
            expect(page.locator("#reply-text mark.ev-greeting")).to_have_text("Hei Kari!")
            expect(page.locator("#reply-text mark.ev-closing")).to_have_text("Ha en fin dag!")
            expect(page.locator("#reply-text mark.ev-explanation")).to_contain_text("fordi")
            expect(page.locator("#dims tr.dim-closing")).to_contain_text("0.31")
            expect(page.locator("#dims tr.dim-closing")).to_contain_text("absent")
            expect(page.locator("#d-reasons")).to_have_text("missing_closing")

            # Disagree: the closing is there after all.
            page.fill("#reviewer", "Åse QA")
            page.click("#btn-disagree")
            expect(page.locator("#lbl-closing")).not_to_be_checked()
            page.check("#lbl-closing")
            page.fill("#comment", "Ends with a well-wish")
            page.click("#submit-disagree")
            expect(page.locator("#review-status")).to_have_text("Saved: disagree.")
            expect(page.locator("#reviews li")).to_contain_text("Åse QA")

            saved = store.get("msg-target")["reviews"]
            assert [(r["verdict"], r["labels"], r["reviewer"], r["comment"]) for r in saved] == [
                ("disagree", {"greeting": 1, "explanation": 1, "closing": 1}, "Åse QA",
                 "Ends with a well-wish")]

            # Still there after a reload (token kept for the tab).
            page.reload()
            page.locator("#list tbody tr[data-id='msg-target']").click()
            expect(page.locator("#reviews li")).to_contain_text("disagree")
            expect(page.locator("#reviews li")).to_contain_text("Ends with a well-wish")
            assert errors == []
        finally:
            browser.close()
