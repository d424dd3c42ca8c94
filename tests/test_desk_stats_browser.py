"""The statistics page in a real browser (Debian's chromium through Playwright): an admin sees charts and
tables of a month of traffic, chooses a period, downloads the CSV; small counts read "< 5"; an account
without the admin role is refused. The screenshot of the page goes to docs/screenshots/."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_desk_support import COUNSELLOR, browser, desk_runtime, new_page, password, served  # noqa: F401

from bot.channels.desk.accounts import add_counsellor
from bot.channels.desk.roles import grant_admin
from bot.stats import events
from bot.stats.demo import generate_month
from bot.storage import rows

pytestmark = pytest.mark.browser

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
PARIS = ZoneInfo("Europe/Paris")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def page(browser, served):  # noqa: F811
    page = new_page(browser, served, accept_downloads=True)
    errors: list[str] = []
    # A CSP refusal shows as a console error ("Refused to ..."); the browser's own favicon 404 is not ours.
    page.on("console", lambda message: errors.append(message.text) if "Refused" in message.text else None)
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    page.context.close()


def sign_in(page, name: str, secret: str) -> None:
    page.goto("/desk/signin")
    page.get_by_label("Nom du compte").fill(name)
    page.get_by_label("Mot de passe").fill(secret)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/desk$"))


def test_an_admin_sees_the_month_in_charts_chooses_a_period_and_downloads_the_csv(page, desk_runtime,  # noqa: F811
                                                                                  password):  # noqa: F811
    grant_admin(desk_runtime.database, COUNSELLOR)
    today = datetime.now(PARIS).date()
    generate_month(desk_runtime.database, today, desk_runtime.catalogue)
    with desk_runtime.database.connection() as session:  # one quartier where aids were shown twice
        rows.bump_counters(session, today, Counter({("sms", events.AID_SHOWN, "Chantenay", "rsa"): 2}))
    sign_in(page, COUNSELLOR, password)
    page.goto("/desk/stats")
    expect(page.get_by_role("heading", name="Statistiques", exact=True)).to_be_visible()
    # Charts are drawn: bars in each SVG, with nothing blocked by the CSP (no console error).
    for chart in ("#chart-weeks", "#chart-quartiers", "#chart-aids"):
        expect(page.locator(f"{chart} svg rect.bar").first).to_be_visible()
    assert page.locator("#chart-weeks svg rect.bar").count() >= 4
    box = page.locator("#chart-weeks svg").bounding_box()
    assert box and box["width"] > 400 and box["height"] > 150
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    expect(page.locator("#table-channels")).to_contain_text("Telegram")
    # A quartier with few aids shown reads "< 5", never its count.
    expect(page.locator("#table-quartiers tr[data-key=Chantenay] td")).to_have_text("< 5")
    expect(page.locator("#chart-quartiers")).to_contain_text("Chantenay")
    page.screenshot(path=str(SCREENSHOTS / "desk-stats.png"), full_page=True)

    # A chosen period: the last 7 days count fewer conversations than the month.
    month = int(page.locator("#table-journey tr[data-key=started] td").inner_text())
    page.get_by_role("link", name="7 jours").click()
    expect(page.locator("#period")).to_contain_text(f"au {today:%d/%m/%Y}")
    week = int(page.locator("#table-journey tr[data-key=started] td").inner_text())
    assert 0 < week < month
    page.get_by_label("Du", exact=True).fill(today.replace(day=1).isoformat())
    page.get_by_label("au", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#period")).to_contain_text(f"Du {today.replace(day=1):%d/%m/%Y}")

    with page.expect_download() as download_info:
        page.locator("#csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    lines = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert lines[0] == ["section", "key", "label", "value"]
    assert ["period", "since", today.replace(day=1).isoformat(), ""] in lines
    values = [line[3] for line in lines[3:]]
    assert "< 5" in values and all(v == "< 5" or v == "—" or v.endswith("%") or int(v) >= 5 for v in values)


def test_a_counsellor_without_the_admin_role_is_refused(page, desk_runtime, password):  # noqa: F811
    other = add_counsellor(desk_runtime.database, "dominique")
    sign_in(page, "dominique", other)
    response = page.goto("/desk/stats")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Page réservée")).to_be_visible()
    response = page.goto("/desk/stats.csv")
    assert response is not None and response.status == 403


def test_signed_out_the_page_asks_to_sign_in(page):
    page.goto("/desk/stats")
    expect(page).to_have_url(re.compile(r"/desk/signin$"))
