"""The desk in a real browser: Debian's chromium driven by Playwright against the app on uvicorn.

Sign in, run a case with results following the answers, print the summary, pick up a resident's chat
by code, and the refusals (signed out, forged CSRF token, lock-out). Screenshots of the main pages, at
100 % and 200 % zoom, go to tests/artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
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
TIMEOUT = 10_000  # ms: a results update is a debounce (0.5 s) and one request


@pytest.fixture
def page(browser, served):
    page = new_page(browser, served, TIMEOUT)
    yield page
    page.context.close()


def sign_in(page, password: str, name: str = COUNSELLOR) -> None:
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/desk/signin$"))
    page.get_by_label("Nom du compte").fill(name)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def fill_single_tenant_without_income(page) -> None:
    page.get_by_label("Âge", exact=True).fill("30")
    page.locator("#f-couple-no").check()
    page.get_by_label("Pas d'enfant à charge").check()
    page.get_by_label("Situation", exact=True).select_option("unemployed")
    page.get_by_label("Revenus du travail du foyer (€ par mois)").fill("0")
    page.get_by_label("Autres ressources du foyer (€ par mois)").fill("0")
    page.get_by_label("Logement", exact=True).select_option("tenant")
    page.get_by_label("Loyer, charges comprises (€ par mois)").fill("480")
    page.get_by_label("Quartier, commune ou adresse").fill("Bellevue")


def test_sign_in_run_a_case_and_print_the_summary(browser, page, password, served):
    page.goto("/desk/signin")
    shot(page, "desk-signin.png")
    sign_in(page, password)
    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.get_by_text(f"Connecté : {COUNSELLOR}")).to_be_visible()

    # The whole questionnaire is on the page, each field with its label.
    for label in ("Âge", "Âge du conjoint ou de la conjointe", "Âges des enfants à charge", "Situation",
                  "Quotient familial CAF (€)", "Taux d'incapacité reconnu par la MDPH (%)",
                  "Quartier, commune ou adresse"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_label("La personne préfère ne pas répondre").first).to_be_visible()

    rsa = page.locator("#aid-rsa")
    expect(rsa.locator(".badge").first).to_have_text("À vérifier")
    fill_single_tenant_without_income(page)
    # Results follow the answers without a page load (the fetch update), RSA with its reasons.
    expect(rsa.locator(".badge").first).to_have_text("Probable")
    expect(rsa).to_contain_text("Vous avez 30 ans. Il faut avoir 25 ans ou plus.")
    # The reasons follow the law's arithmetic: the amount for the household, then what is deducted.
    expect(rsa).to_contain_text("Montant forfaitaire pour votre foyer : 651,69 €.")
    expect(rsa).to_contain_text("estimation")
    expect(page.locator("#results-status")).to_contain_text("probables")
    expect(page.locator("#where-text")).to_contain_text("Bellevue")
    expect(page.locator(".places")).to_contain_text("Accueil de solidarité Bellevue")
    expect(page.locator(".places")).to_contain_text("4 place des Lauriers")
    # An unverified aid says so.
    expect(page.locator("#aid-accueils_de_jour, .aid .badge--warn").first).to_be_attached()

    # A wrong answer is explained next to its field, and dropped from the screening.
    page.get_by_label("Âge", exact=True).fill("deux cents")
    expect(page.locator("[data-error-for=age]")).to_be_visible()
    expect(rsa.locator(".badge").first).to_have_text("À vérifier")
    page.get_by_label("Âge", exact=True).fill("30")
    expect(rsa.locator(".badge").first).to_have_text("Probable")

    # A section the counsellor unfolded stays unfolded when the results change.
    rsa.locator("summary").click()
    expect(rsa).to_contain_text("Une pièce d'identité ou un titre de séjour.")
    updates = int(page.locator("#results").get_attribute("data-updates") or 0)
    page.get_by_label("Loyer, charges comprises (€ par mois)").fill("500")
    page.wait_for_function("n => Number(document.getElementById('results').dataset.updates || 0) > n", arg=updates)
    expect(rsa.locator("details")).to_have_attribute("open", "")

    # The catalogue search tolerates typos.
    page.get_by_label("Chercher une aide par mot-clé").fill("mutuel")
    expect(page.locator("#search-results")).to_contain_text("Une mutuelle gratuite")
    page.get_by_label("Chercher une aide par mot-clé").fill("permsi")
    expect(page.locator("#search-results")).to_contain_text("permis")
    shot(page, "desk-case.png")

    # The printable summary opens in a new tab: aids, documents, the accueil with its address and hours.
    page.get_by_label("Langue de la personne (deuxième colonne)").select_option("en")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Récapitulatif à imprimer").click()
    summary = opened.value
    summary.wait_for_load_state()
    text = summary.locator("main").inner_text()
    assert "Un revenu minimum pour vivre" in text  # French column
    assert "A minimum income to live on" in text  # the person's language, side by side
    assert "Une pièce d'identité" in text  # documents
    assert "4 place des Lauriers" in text and "Horaires" in text  # the nearest accueil, its hours
    assert "Pour :" not in text and "Amina" not in text  # no identity unless typed
    columns = summary.locator(".pair--2").first.locator(".pair__col")
    expect(columns).to_have_count(2)
    expect(columns.nth(1)).to_have_attribute("lang", "en")
    shot(summary, "desk-print.png")
    summary.emulate_media(media="print")
    shot(summary, "desk-print-media-print.png")
    summary.close()

    # A first name appears only when typed; an RTL language gets dir="rtl".
    page.get_by_label("Prénom (facultatif)").fill("Amina")
    page.get_by_label("Langue de la personne (deuxième colonne)").select_option("ar")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Récapitulatif à imprimer").click()
    summary = opened.value
    summary.wait_for_load_state()
    expect(summary.locator(".summary__meta")).to_contain_text("Pour : Amina")
    expect(summary.locator(".pair__col[lang=ar]").first).to_have_attribute("dir", "rtl")
    shot(summary, "desk-print-rtl.png", full_page=False)
    summary.close()

    # At 200 % zoom (half the CSS pixels, twice the device pixels) the page reflows into one column.
    zoomed = browser.new_context(base_url=served.url, viewport={"width": 640, "height": 900}, device_scale_factor=2)
    zpage = zoomed.new_page()
    zpage.goto("/desk/signin")
    shot(zpage, "desk-signin-200.png", full_page=False)
    zoomed.add_cookies(page.context.cookies())
    zpage.goto("/desk")
    fill_single_tenant_without_income(zpage)
    expect(zpage.locator("#aid-rsa .badge").first).to_have_text("Probable")
    no_horizontal_scroll = zpage.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert no_horizontal_scroll, "the case page scrolls sideways at 200 % zoom"
    shot(zpage, "desk-case-200.png", full_page=False)
    zpage.locator("#results").scroll_into_view_if_needed()
    shot(zpage, "desk-results-200.png", full_page=False)
    with zoomed.expect_page() as opened:
        zpage.get_by_role("button", name="Récapitulatif à imprimer").click()
    opened.value.wait_for_load_state()
    shot(opened.value, "desk-print-200.png", full_page=False)
    zoomed.close()

    # Effacer empties the case, once the counsellor confirms.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Effacer").click()
    expect(page.get_by_text("Le dossier est effacé.")).to_be_visible()
    expect(page.get_by_label("Âge", exact=True)).to_have_value("")
    expect(page.get_by_label("Prénom (facultatif)")).to_have_value("")


def test_the_form_works_without_javascript(browser, served, password):
    context = browser.new_context(base_url=served.url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    sign_in(page, password)
    fill_single_tenant_without_income(page)
    page.get_by_role("button", name="Voir les résultats").click()
    expect(page.locator("#aid-rsa .badge").first).to_have_text("Probable")
    expect(page.get_by_label("Âge", exact=True)).to_have_value("30")  # the answers stay in the form
    expect(page.get_by_label("Logement", exact=True)).to_have_value("tenant")
    context.close()


def test_the_keyboard_alone_reaches_every_field_with_a_visible_focus(page, password):
    sign_in(page, password)
    expect(page).to_have_url(re.compile(r"/desk$"))
    page.wait_for_load_state()
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.name || document.activeElement.id")
        seen.add(name)
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
        assert outline != "none" or shadow != "none", f"no visible focus on {name}"
    assert {"code", "age", "couple", "children_ages", "employment", "housing", "where"} <= seen


def test_signed_out_the_desk_shows_nothing(page, password):
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/desk/signin$"))
    sign_in(page, password)
    page.get_by_label("Âge", exact=True).fill("30")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté ou déconnectée.")).to_be_visible()
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/desk/signin$"))
    response = page.request.post("/desk/case/update", form={"age": "30"})
    assert response.status == 401


def test_a_forged_csrf_token_is_refused(page, password):
    sign_in(page, password)
    page.get_by_label("Âge", exact=True).fill("30")
    page.evaluate("document.querySelector('#case-form input[name=csrf]').value = 'forged'")
    with page.expect_response(lambda r: r.url.endswith("/desk/case/update")) as update:
        page.get_by_label("Âge", exact=True).fill("31")
    assert update.value.status == 403
    expect(page.locator("#results-status")).to_contain_text("Formulaire refusé")
    page.evaluate("document.querySelector('#case-form').removeAttribute('data-update')")
    with page.expect_navigation():
        page.evaluate("HTMLFormElement.prototype.submit.call(document.querySelector('#case-form'))")
    expect(page.get_by_role("heading", name="Action refusée")).to_be_visible()


def test_a_residents_chat_is_picked_up_by_its_code_once(page, password, desk_runtime):
    state = chat(desk_runtime, turns=7)
    assert state["a"]["age"] == 34
    now = datetime.now(PARIS)
    code = desk_runtime.service.create_handover_code("telegram", "4242", now)

    sign_in(page, password)
    page.get_by_label("Code donné par la personne (6 caractères)").fill(code.lower())
    page.get_by_role("button", name="Reprendre").click()
    expect(page.get_by_text("Les réponses de la conversation sont reprises")).to_be_visible()
    expect(page.get_by_label("Âge", exact=True)).to_have_value("34")
    expect(page.get_by_label("Âges des enfants à charge")).to_have_value("4, 9")
    expect(page.get_by_label("Logement", exact=True)).to_have_value("tenant")
    expect(page.locator("#f-couple-no")).to_be_checked()
    expect(page.get_by_label("Quartier, commune ou adresse")).to_have_value("Malakoff - Saint-Donatien")
    expect(page.locator("#aid-allocations_familiales .badge").first).to_have_text("Probable")
    shot(page, "desk-pickup.png", full_page=False)

    # A code serves once; a wrong one gets the same kind message.
    for attempt in (code, "ZZZZZZ"):
        page.get_by_label("Code donné par la personne (6 caractères)").fill(attempt)
        page.get_by_role("button", name="Reprendre").click()
        expect(page.locator("#pickup-error")).to_contain_text("Ce code ne fonctionne pas")
        expect(page.get_by_label("Âge", exact=True)).to_have_value("")


def test_five_wrong_passwords_lock_the_account_for_15_minutes(page, password, desk_runtime):
    from bot.storage.models import Counsellor

    for _ in range(5):
        sign_in(page, "wrong-password")
        expect(page.locator("#signin-error")).to_contain_text("Connexion refusée")
    sign_in(page, password)  # the right password, but the account is locked
    expect(page.locator("#signin-error")).to_contain_text("Connexion refusée")
    unknown = page.locator("#signin-error").inner_text()
    sign_in(page, "wrong", name="nobody")  # an unknown name gets exactly the same message
    assert page.locator("#signin-error").inner_text() == unknown
    from bot.channels.desk.accounts import lock_key
    from bot.storage.models import DeskAttempt

    with desk_runtime.database.transaction() as session:
        row = session.execute(select(Counsellor).where(Counsellor.name == COUNSELLOR)).scalar_one()
        attempts = session.get(DeskAttempt, lock_key(row.id, "127.0.0.1"))
        remaining = (attempts.window_start + timedelta(minutes=15) - datetime.now(PARIS)).total_seconds()
    assert 14 * 60 < remaining <= 15 * 60
