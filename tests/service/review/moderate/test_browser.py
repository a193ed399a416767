"""The moderators' page in a real browser: headless Chromium (the Debian package), driven by
Playwright, against the real service under gunicorn, with every host but the service
unreachable (nothing may come from a CDN).

Screenshots of the queue and of an item are saved under ``$MODERATE_SCREENSHOTS`` (else the
test's temporary directory) and their paths printed; they are artefacts, not committed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask

from tests.server import gunicorn, request
from tests.service.intake.test_submit import GOOD

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None  # type: ignore[assignment]

SWEARING = ("What a fucking mess the council made of the budget: https://council.example/a "
            "https://council.example/b https://audit.example/c")


def links(n: int) -> str:
    return (f"The minutes are at https://council.example/minutes, the budget at "
            f"https://council.example/budget and the audit at https://audit.example/{n}.")


def _keys(app: Flask) -> dict[str, str]:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        return {"site": create_key(Role.SITE, site="news", label="news form").secret,
                "maria": create_key(Role.MODERATOR, label="Maria").secret,
                "ivan": create_key(Role.MODERATOR, label="Ivan").secret}


def _held(base: str, key: str, body: str) -> int:
    status, answer, _ = request(base + "/v1/comments", {**GOOD, "body": body}, key=key)
    assert status == 201 and answer["status"] == "pending", answer
    return answer["id"]


def _status(base: str, key: str, comment_id: int) -> str:
    return request(f"{base}/v1/comments/{comment_id}", key=key)[1]["status"]


def _sign_in(page: Page, base: str, key: str) -> None:
    page.goto(base + "/moderate/")
    assert "/moderate/sign-in" in page.url  # no session: sent to sign in
    page.get_by_label("Your moderator or admin key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/moderate/")


def _shots() -> Path | None:
    target = os.environ.get("MODERATE_SCREENSHOTS")
    return Path(target) if target else None


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
@pytest.mark.skipif(sync_playwright is None, reason="needs playwright (the test extra)")
def test_a_moderator_works_the_queue_in_a_browser(app: Flask, _migrated: str,
                                                  policy_dir: Path, tmp_path: Path) -> None:
    keys = _keys(app)
    shots = _shots() or tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log", workers=1) as (base, _), \
            sync_playwright() as playwright:
        swearing = _held(base, keys["site"], SWEARING)
        off_topic = _held(base, keys["site"], links(1))
        untouched = _held(base, keys["site"], links(2))
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  "--disable-background-networking", "--disable-component-update"])
        try:
            maria = browser.new_context(viewport={"width": 1100, "height": 900})
            page = maria.new_page()
            _sign_in(page, base, keys["maria"])

            # the queue shows the held comment, its matched words marked in place
            row = page.locator(f"#item-{swearing}")
            expect(row).to_be_visible()
            expect(row.locator("mark.matched")).to_have_text("fucking")
            page.screenshot(path=str(shots / "queue.png"), full_page=True)
            phone = browser.new_context(viewport={"width": 390, "height": 844},
                                        is_mobile=True)
            phone_page = phone.new_page()
            _sign_in(phone_page, base, keys["maria"])
            phone_page.screenshot(path=str(shots / "queue-phone.png"), full_page=True)
            phone.close()

            # approve it with the keyboard: j/k to it, then a
            for _ in range(5):
                if page.locator(".item.current").get_attribute("data-id") == str(swearing):
                    break
                page.keyboard.press("j")
            expect(page.locator(".item.current")).to_have_attribute("data-id", str(swearing))
            page.keyboard.press("a")
            expect(page.locator("#done")).to_contain_text(f"#{swearing}")
            expect(page.locator(f"#item-{swearing}")).to_have_count(0)
            assert _status(base, keys["site"], swearing) == "published"

            # opening an item claims it; a second moderator sees who holds it
            page.locator(f"#item-{off_topic} a.open").click()
            expect(page.locator("#claim")).to_contain_text("You hold this comment")
            page.screenshot(path=str(shots / "item.png"), full_page=True)
            ivan = browser.new_context().new_page()
            _sign_in(ivan, base, keys["ivan"])
            expect(ivan.locator(f"#item-{off_topic} .claim")).to_contain_text(
                "claimed by Maria#")
            ivan.locator(f"#item-{off_topic} a.open").click()
            expect(ivan.locator("#claim")).to_contain_text("Claimed by Maria#")
            expect(ivan.locator("#approve")).to_have_count(0)

            # j/k on an item's page go to its neighbours in the queue
            step = "j" if page.locator("#next").count() else "k"
            page.keyboard.press(step)
            page.wait_for_url(re.compile(rf"/moderate/comments/{untouched}\?back="))
            page.go_back()
            expect(page.locator("h1")).to_contain_text(f"#{off_topic}")

            # reject with a reason: r focuses the reason, Enter sends it
            page.keyboard.press("r")
            expect(page.locator("#reject-reason")).to_be_focused()
            page.keyboard.type("This comment is off topic for the article.")
            page.keyboard.press("Enter")
            expect(page.locator("#done")).to_contain_text(f"#{off_topic}")
            assert _status(base, keys["site"], off_topic) == "rejected"

            # a post without the CSRF token is refused, with the session cookie and all
            refused = maria.request.post(f"{base}/moderate/comments/{untouched}/decision",
                                         form={"action": "approve"}, max_redirects=0)
            assert refused.status == 403
            assert _status(base, keys["site"], untouched) == "pending"

            # in Russian, for the seed site's moderators
            page.goto(base + "/moderate/?lang=ru")
            expect(page.locator("h1")).to_have_text("Ждут проверки")
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            page.screenshot(path=str(shots / "queue-ru.png"), full_page=True)
            page.goto(base + "/moderate/?lang=en")

            # sign out: the page asks to sign in again
            page.locator("#sign-out").click()
            page.wait_for_url(f"{base}/moderate/sign-in")
            page.goto(base + "/moderate/")
            assert "/moderate/sign-in" in page.url
        finally:
            browser.close()
    for name in ("queue.png", "queue-phone.png", "item.png", "queue-ru.png"):
        print(f"screenshot: {shots / name}")  # noqa: T201 - the artefacts' paths
