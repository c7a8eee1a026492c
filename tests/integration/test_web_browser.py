"""The QA web page in headless Chromium against a real uvicorn server.

Open the page, give the token, filter by channel, open a reply (text with highlighted
evidence, per-dimension scores), submit a review, and see it persisted in the store and
after a reload. Switch to conversations, filter, open one and read its thread: customer
and agent messages in order, each agent message with its score and highlighted evidence,
and the conversation's verdict; older inquiries of a reopened id; a deep link on reload.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from scorer.api import create_app
from scorer.settings import Settings
from scorer.store import FlaggedStore
from tests.ports import free_port
from tests.qa_fixtures import (
    ADMIN_NAME,
    BASE_TIME,
    READER_NAME,
    READER_TOKEN,
    TOKEN,
    conversation_thread,
    make_conversation,
    make_pair,
    qa_settings,
    sample_conversations,
    sample_pairs,
)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TEXT = ("Hei Kari! Pakken ble forsinket fordi lageret var stengt. Ring oss på 912 34 567 "
        "hvis du lurer på noe. Ha en fin dag!")


@contextlib.contextmanager
def _serving(settings: Settings, store: FlaggedStore) -> Iterator[str]:
    """The app on a real uvicorn server in a thread; yields its base URL."""
    port = free_port()
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
    try:
        with _serving(settings, store) as base:
            yield base, store
    finally:
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
            expect(page.locator("#reply-text mark.ev-greeting")).to_have_text("Hei [NAME]!")
            expect(page.locator("#reply-text mark.ev-closing")).to_have_text("Ha en fin dag!")
            expect(page.locator("#reply-text mark.ev-explanation")).to_contain_text("fordi")
            expect(page.locator("#dims tr.dim-closing")).to_contain_text("0.31")
            expect(page.locator("#dims tr.dim-closing")).to_contain_text("absent")
            expect(page.locator("#d-reasons")).to_have_text("missing_closing")

            # Who am I: the token's name and role; an admin also gets the CSV link.
            expect(page.locator("#whoami")).to_have_text(f"{ADMIN_NAME} (admin)")
            expect(page.locator("#csv-link")).to_be_visible()
            assert page.locator("#reviewer").count() == 0  # no name to type: the token's
            expect(page.locator("#review-as")).to_have_text(ADMIN_NAME)

            # Disagree: the closing is there after all.
            page.click("#btn-disagree")
            expect(page.locator("#lbl-closing")).not_to_be_checked()
            page.check("#lbl-closing")
            page.fill("#comment", "Ends with a well-wish")
            page.click("#submit-disagree")
            expect(page.locator("#review-status")).to_have_text("Saved: disagree.")
            expect(page.locator("#reviews li")).to_contain_text(ADMIN_NAME)

            saved = store.get("msg-target")["reviews"]
            assert [(r["verdict"], r["labels"], r["reviewer"], r["comment"]) for r in saved] == [
                ("disagree", {"greeting": 1, "explanation": 1, "closing": 1}, ADMIN_NAME,
                 "Ends with a well-wish")]

            # Still there after a reload (token kept for the tab).
            page.reload()
            page.locator("#list tbody tr[data-id='msg-target']").click()
            expect(page.locator("#reviews li")).to_contain_text("disagree")
            expect(page.locator("#reviews li")).to_contain_text("Ends with a well-wish")
            assert errors == []
        finally:
            browser.close()


def test_a_reader_sees_replies_and_reviews_but_no_review_buttons_or_csv(
        served: tuple[str, FlaggedStore]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, store = served
    store.add_review("msg-target", verdict="agree", labels={}, comment="Fine by me",
                     reviewer="kari")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/")
            page.fill("#token-input", READER_TOKEN)
            page.click("#token-form button[type=submit]")
            expect(page.locator("#whoami")).to_have_text(f"{READER_NAME} (reader)")
            page.locator("#list tbody tr[data-id='msg-target']").click()
            expect(page.locator("#reply-text")).to_contain_text("Ring oss på [PHONE]")
            expect(page.locator("#reviews li")).to_contain_text("Fine by me")
            expect(page.locator("#review-readonly")).to_be_visible()
            for hidden in ("#btn-agree", "#btn-disagree", "#correct-form", "#csv-link"):
                expect(page.locator(hidden)).to_be_hidden()
            assert errors == []
        finally:
            browser.close()


@pytest.fixture
def served_conversations(tmp_path: Path) -> Iterator[tuple[str, FlaggedStore]]:
    settings = qa_settings(f"sqlite:///{tmp_path / 'flagged.db'}")
    store = FlaggedStore.from_settings(settings)
    store.upsert_flagged(sample_pairs(4))
    store.write_conversations(sample_conversations(12))
    opened = BASE_TIME + timedelta(days=2)
    thread = conversation_thread(opened)
    thread.insert(1, {"id": "m-markup", "author": "customer", "sent_at": None,
                      "truncated": False, "reply": None,
                      "text": "<img src=x onerror=alert(1)><b>Det haster</b>"})
    older = make_conversation("chat/77", opened_at=opened - timedelta(days=1), total=44,
                              channel="messenger", reasons=["missing_closing"])
    older["messages_dropped"] = 2
    store.write_conversations([
        older,
        make_conversation("chat/77", opened_at=opened, total=12, channel="messenger",
                          reasons=["missing_closing", "late_response"],
                          first_response_seconds=420.0, messages=thread),
    ])
    try:
        with _serving(settings, store) as base:
            yield base, store
    finally:
        store.close()


def test_open_a_conversation_and_read_its_thread_with_agent_scores(
        served_conversations: tuple[str, FlaggedStore]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _store = served_conversations
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location['url']}")
                    if msg.type == "error" else None)  # CSP violations, failed loads
            page.on("response", lambda resp: errors.append(f"{resp.status} {resp.url}")
                    if resp.status >= 400 else None)
            page.goto(base + "/")
            page.fill("#token-input", TOKEN)
            page.click("#token-form button[type=submit]")
            expect(page.locator("#list tbody tr").first).to_be_visible()
            expect(page.locator("#stats")).to_contain_text("flagged conversations")

            # The conversations view: worst first, then filtered to answered Messenger ones.
            page.click("#tab-conversations")
            expect(page.locator("#replies-view")).to_be_hidden()
            rows = page.locator("#c-list tbody tr")
            expect(rows).to_have_count(14)
            totals = [int(t) for t in rows.locator("td:first-child").all_inner_texts()]
            assert totals == sorted(totals) and totals[0] == 0
            page.select_option("#cf-channel", "messenger")
            page.select_option("#cf-answered", "true")
            page.click("#c-apply")
            expect(rows.first).to_have_attribute("data-id", "chat/77")
            expect(rows.first.locator("td:nth-child(7)")).to_have_text("7 min")
            assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == {"messenger"}

            # Open it: the verdict, then the thread in order with each agent reply's score.
            rows.first.click()
            expect(page.locator("#c-total")).to_have_text("12")
            expect(page.locator("#c-band")).to_have_text("poor")
            expect(page.locator("#c-reasons")).to_have_text("missing_closing, late_response")
            expect(page.locator("#c-first-response")).to_have_text("7 min")
            expect(page.locator("#c-dims tr.dim-closing")).to_contain_text("absent")
            messages = page.locator("#thread > li")
            expect(messages).to_have_count(5)
            authors = [c.split()[1] for c in messages.evaluate_all(
                "els => els.map(e => e.className)")]
            assert authors == ["msg-customer", "msg-customer", "msg-agent", "msg-customer",
                               "msg-agent"]
            expect(messages.nth(0)).to_contain_text("Hei, hvor er pakken min?")
            # Markup in a message is text, never HTML.
            expect(messages.nth(1).locator(".msg-text")).to_have_text(
                "<img src=x onerror=alert(1)><b>Det haster</b>")
            assert page.locator("#thread img, #thread b").count() == 0
            first_reply = messages.nth(2)
            expect(first_reply.locator(".msg-total")).to_have_text("95")
            expect(first_reply.locator(".band")).to_have_text("good")
            expect(first_reply.locator("mark.ev-greeting")).to_have_text("Hei [NAME]!")
            expect(first_reply.locator(".msg-dims")).to_contain_text("greeting 0.98")
            later = messages.nth(4)
            expect(later.locator(".msg-total")).to_have_text("62")
            expect(later.locator(".msg-reasons")).to_have_text("too_short")
            expect(later.locator("mark.ev-explanation")).to_contain_text("fordi lageret")
            assert messages.nth(0).locator(".msg-score").count() == 0

            # The id was reopened: the older inquiry is one click away.
            inquiries = page.locator("#c-inquiries button")
            expect(inquiries).to_have_count(2)
            inquiries.nth(1).click()
            expect(page.locator("#c-total")).to_have_text("44")
            expect(page.locator("#thread > li")).to_have_count(5)
            expect(page.locator("#thread > li").first).to_have_text(
                "2 earlier messages were not kept")

            # A reload keeps the view and the open inquiry (the URL names them).
            page.reload()
            expect(page.locator("#c-id")).to_have_text("chat/77")
            expect(page.locator("#c-total")).to_have_text("44")
            page.click("#tab-replies")
            expect(page.locator("#list tbody tr").first).to_be_visible()
            expect(page.locator("#conversations-view")).to_be_hidden()
            assert errors == []
        finally:
            browser.close()


def test_review_from_the_keyboard_next_toggle_save_and_agree(
        served: tuple[str, FlaggedStore]) -> None:
    """j/k move between replies, 1/2/3 toggle the labels, s saves them (agree when they
    match the model, disagree otherwise), a agrees: every review carries all three labels."""
    from playwright.sync_api import expect, sync_playwright

    base, store = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/")
            page.fill("#token-input", TOKEN)
            page.click("#token-form button[type=submit]")
            rows = page.locator("#list tbody tr")
            expect(rows.first).to_be_visible()
            ids = rows.evaluate_all("rs => rs.map(r => r.dataset.id)")
            page.locator("body").click(position={"x": 1, "y": 1})

            page.keyboard.press("j")  # nothing open yet: opens the first
            expect(page.locator("#d-id")).to_have_text(ids[0])
            page.keyboard.press("j")
            expect(page.locator("#d-id")).to_have_text(ids[1])
            page.keyboard.press("k")
            expect(page.locator("#d-id")).to_have_text(ids[0])

            first = store.get(ids[0])
            model = {d: int(first["dimensions"][d] >= 0.5)
                     for d in ("greeting", "explanation", "closing")}
            page.keyboard.press("3")  # flip the closing label
            page.keyboard.press("s")
            expect(page.locator("#review-status")).to_have_text("Saved: disagree.")
            flipped = {**model, "closing": 1 - model["closing"]}

            page.keyboard.press("j")
            expect(page.locator("#d-id")).to_have_text(ids[1])
            page.keyboard.press("a")
            expect(page.locator("#review-status")).to_have_text("Saved: agree.")
            second = store.get(ids[1])
            second_model = {d: int(second["dimensions"][d] >= 0.5)
                            for d in ("greeting", "explanation", "closing")}

            got = [(r["verdict"], r["labels"]) for r in store.get(ids[0])["reviews"]]
            assert got == [("disagree", flipped)]
            got = [(r["verdict"], r["labels"]) for r in store.get(ids[1])["reviews"]]
            assert got == [("agree", second_model)]
            # Typing in the comment box is not a shortcut.
            expect(page.locator("#reviews li")).to_contain_text("agree")
            page.keyboard.press("2")
            expect(page.locator("#correct-form")).to_be_visible()
            page.click("#comment")
            page.keyboard.type("jk s a")
            expect(page.locator("#comment")).to_have_value("jk s a")
            expect(page.locator("#d-id")).to_have_text(ids[1])
            assert [r["verdict"] for r in store.get(ids[1])["reviews"]] == ["agree"]
            assert errors == []
        finally:
            browser.close()
