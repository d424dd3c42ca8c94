"""The desk's printed summary, printed for real: Debian's chromium makes the A4 PDF a counsellor would print.

A typical case (a single parent, two children, a low wage, a tenant in Bellevue) fits on one A4 page in
French and on two at most with Arabic beside it; in the Arabic column every phone number is isolated
left-to-right, so "02 40 99 27 00" never reads "00 27 99 40 02". The papers to bring are one list, each
paper once. A reload after a pick-up keeps the case. Screenshots go to tests/artifacts/ for a human.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from test_desk_support import (  # noqa: F401
    ARTIFACTS,
    COUNSELLOR,
    browser,
    chat,
    desk_runtime,
    new_page,
    password,
    served,
)

pytestmark = pytest.mark.browser

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
PARIS = ZoneInfo("Europe/Paris")
TIMEOUT = 10_000
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
PHONE = re.compile(r"\d\d(?:[ .\u00a0]\d\d)+")  # "02 40 99 27 00", "32 30"


@pytest.fixture
def page(browser, served):
    page = new_page(browser, served, TIMEOUT)
    yield page
    page.context.close()


def sign_in(page, password: str) -> None:
    page.goto("/desk")
    page.get_by_label("Nom du compte").fill(COUNSELLOR)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/desk$"))


def fill_single_parent(page) -> None:
    page.get_by_label("Âge", exact=True).fill("34")
    page.locator("#f-couple-no").check()
    page.get_by_label("Âges des enfants à charge").fill("4, 9")
    page.get_by_label("Situation", exact=True).select_option("employed")
    page.get_by_label("Revenus du travail du foyer (€ par mois)").fill("900")
    page.get_by_label("Autres ressources du foyer (€ par mois)").fill("0")
    page.get_by_label("Logement", exact=True).select_option("tenant")
    page.get_by_label("Loyer, charges comprises (€ par mois)").fill("520")
    page.get_by_label("Quartier, commune ou adresse").fill("Bellevue")
    expect(page.locator("#aid-allocations_familiales .badge").first).to_have_text("Probable")


def open_summary(page, lang: str):
    page.get_by_label("Langue de la personne (deuxième colonne)").select_option(lang)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Récapitulatif à imprimer").click()
    summary = opened.value
    summary.wait_for_load_state()
    return summary


def pdf_pages(summary) -> int:
    pdf = summary.pdf(format="A4", print_background=True)
    return len(PAGE_OBJECT.findall(pdf))


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_typical_case_prints_on_one_a4_page_in_french_and_two_at_most_with_arabic(page, password):
    sign_in(page, password)
    expect(page.locator("#results-status")).not_to_contain_text("probables")  # an empty case: no counts
    expect(page.locator("#group-probable")).to_have_text("Probable")
    fill_single_parent(page)
    # Where to go comes before the aids.
    first_group = page.locator("#results .result-group").first
    expect(first_group).to_contain_text("Accueil de solidarité Bellevue")
    # Six aids at most are ticked by default: the heaviest; the others are one click away.
    ticked = page.locator("input[name=pick]:checked")
    assert 1 <= ticked.count() <= 6
    assert page.locator("input[name=pick]:not(:checked)").count() > 0
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.evaluate("window.scrollTo(0, document.getElementById('results-title').getBoundingClientRect().top"
                  " + window.scrollY - 8)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk-results-fr.png"))

    french = open_summary(page, "fr")
    assert pdf_pages(french) == 1, "the French summary of a typical case must print on one A4 page"
    papers = french.locator(".checklist li").all_inner_texts()
    assert len(papers) == len(set(papers)) and papers
    assert sum("RIB" in p for p in papers) == 1  # one wording per paper in the catalogue
    assert sum("pièce d" in p for p in papers) <= 1, papers
    assert not [p for p in papers if "16 ans ou plus" in p]  # children of 4 and 9: no school certificate
    french.emulate_media(media="print")
    french.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(french, "desk-print-fr.png")
    french.close()

    arabic = open_summary(page, "ar")
    assert pdf_pages(arabic) <= 2, "with Arabic beside it, the summary must print on two A4 pages at most"
    column = arabic.locator(".pair__col[lang=ar]")
    expect(column.first).to_have_attribute("dir", "rtl")
    # Every phone number of the Arabic column sits in a left-to-right isolate, and reads in order.
    phones = arabic.evaluate("""(pattern) => {
        const re = new RegExp(pattern, "g");
        const found = [];
        for (const col of document.querySelectorAll(".pair__col[lang=ar]")) {
            const walker = document.createTreeWalker(col, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.data.matchAll(re)) {
                    const isolate = node.parentElement.closest("[dir=ltr]");
                    const style = isolate && getComputedStyle(isolate);
                    // Where the first and the last digit are drawn: left to right means in order.
                    const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                        return r.getBoundingClientRect().left; };
                    found.push({phone: match[0], isolated: Boolean(isolate) && style.direction === "ltr"
                                && ["isolate", "isolate-override", "plaintext"].includes(style.unicodeBidi),
                                in_order: at(match.index) < at(match.index + match[0].length - 1)});
                }
            }
        }
        return found;
    }""", PHONE.pattern)
    assert phones, "the Arabic column shows the accueil's phone"
    assert all(p["isolated"] for p in phones), [p for p in phones if not p["isolated"]]
    assert all(p["in_order"] for p in phones), [p for p in phones if not p["in_order"]]
    arabic.emulate_media(media="print")
    arabic.set_viewport_size({"width": 794, "height": 1123})
    shot(arabic, "desk-print-ar.png")
    arabic.close()


def test_a_reload_after_a_pick_up_keeps_the_case_and_the_counsellors_additions(page, password, desk_runtime):
    chat(desk_runtime, turns=7)
    code = desk_runtime.service.create_handover_code("telegram", "4242", datetime.now(PARIS))
    sign_in(page, password)
    page.get_by_label("Code donné par la personne (6 caractères)").fill(code)
    page.get_by_role("button", name="Reprendre").click()
    expect(page.get_by_label("Âge", exact=True)).to_have_value("34")
    expect(page).to_have_url(re.compile(r"/desk\?case="))
    page.reload()
    expect(page.get_by_label("Âge", exact=True)).to_have_value("34")  # not the used code's error
    expect(page.locator("#pickup-error")).to_have_count(0)
    # What the counsellor adds is kept too: the address follows each update.
    page.get_by_label("Prochaine étape convenue (facultatif)").fill("RDV CAF mardi 10 h")
    page.get_by_label("Loyer, charges comprises (€ par mois)").fill("610")
    page.wait_for_function("() => !document.getElementById('case-form').hasAttribute('aria-busy')"
                           " && Number(document.getElementById('results').dataset.updates || 0) > 0")
    page.reload()
    expect(page.get_by_label("Loyer, charges comprises (€ par mois)")).to_have_value("610")
    expect(page.get_by_label("Prochaine étape convenue (facultatif)")).to_have_value("RDV CAF mardi 10 h")


def test_effacer_asks_first_and_keeps_the_case_when_the_counsellor_says_no(page, password):
    sign_in(page, password)
    page.get_by_label("Âge", exact=True).fill("30")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Effacer").click()
    assert asked and "Effacer" in asked[0]
    expect(page.get_by_label("Âge", exact=True)).to_have_value("30")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Effacer").click()
    expect(page.get_by_text("Le dossier est effacé.")).to_be_visible()
    expect(page.get_by_label("Âge", exact=True)).to_have_value("")
