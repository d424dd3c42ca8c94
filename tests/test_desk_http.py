"""The desk's security rules and behaviour over real HTTP (httpx against the app on uvicorn), plus the
pure parts (accounts, sessions, the case form, the search) called directly. Fast: one server per module.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import stat
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, text
from test_desk_support import ServedApp, chat, csrf_of, sign_in

from bot.channels.desk import accounts
from bot.channels.desk.accounts import CounsellorError, add_counsellor, authenticate, count_counsellors, reset_password
from bot.channels.desk.case import CaseForm
from bot.channels.desk.search import CatalogueSearch, load_synonyms
from bot.channels.desk.security import IDLE_LIMIT, SecretError, Sessions, load_or_create_session_secret
from bot.channels.desk.views import build_results, reason_words
from bot.config import Settings
from bot.i18n import translator
from bot.rules.screen import screen
from bot.runtime import build_runtime
from bot.storage.models import Conversation, Counsellor
from bot.web import create_app

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
_names = (f"conseiller{n}" for n in itertools.count(1))
# Each test's client comes from its own address (through the trusted local proxy's X-Forwarded-For), as
# counsellors at different desks would: the per-client sign-in throttle then never spills between tests.
_addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count(1))
CASE = {"age": "30", "couple": "no", "children_ages__none": "1", "employment": "unemployed", "work_income": "0",
        "other_income": "0", "housing": "tenant", "rent": "480", "where": "Bellevue"}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    runtime = build_runtime(Settings(data_dir=tmp_path_factory.mktemp("desk")))
    yield runtime
    runtime.database.dispose()


@pytest.fixture(scope="module")
def catalogue(runtime):
    return runtime.catalogue


@pytest.fixture(scope="module")
def server(runtime):
    with ServedApp(create_app(runtime)) as served:
        yield served


@pytest.fixture
def account(runtime):
    """A fresh counsellor for each test (name, password): lock-outs never leak between tests."""
    name = next(_names)
    return name, add_counsellor(runtime.database, name)


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30,
                      headers={"X-Forwarded-For": next(_addresses)}) as client:
        yield client


@pytest.fixture
def desk(client, account):
    """A signed-in client and the CSRF token of its session."""
    name, password = account
    response = sign_in(client, password, name)
    assert response.status_code == 303 and response.headers["location"] == "/desk"
    page = client.get("/desk")
    assert page.status_code == 200
    return client, csrf_of(page.text)


# ------------------------------------------------------------------------------------------- access


def test_pages_redirect_to_sign_in_and_posts_are_refused_when_signed_out(client):
    assert client.get("/").headers["location"] == "/desk"
    response = client.get("/desk")
    assert response.status_code == 303 and response.headers["location"] == "/desk/signin"
    for path in ("/desk/case", "/desk/case/update", "/desk/print", "/desk/pickup", "/desk/clear"):
        response = client.post(path, data={**CASE, "csrf": "x"})
        assert response.status_code == 401, path
        assert "Connexion nécessaire" in response.text
    assert client.get("/desk/signin").status_code == 200
    assert client.get("/desk/static/desk.css").status_code == 200
    assert client.get("/desk/static/desk.js").status_code == 200


def test_every_response_carries_the_security_headers(client, desk):
    client, csrf = desk
    for response in (client.get("/desk/signin"), client.get("/desk"), client.post("/desk/case", data={**CASE, "csrf": csrf}),
                     client.post("/desk/print", data={**CASE, "csrf": csrf}), client.get("/desk/static/desk.js")):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    for response in (client.get("/desk"), client.post("/desk/case", data={**CASE, "csrf": csrf}),
                     client.post("/desk/print", data={**CASE, "csrf": csrf})):
        assert response.headers["cache-control"] == "no-store"
    page = client.get("/desk").text
    assert "<script>" not in page and "<script src=\"/desk/static/desk.js" in page and " style=" not in page


def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_desk(client, account):
    name, password = account
    response = sign_in(client, password, name)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/desk" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test below


def test_the_cookie_is_secure_when_the_public_url_is_https(runtime, tmp_path):
    from bot.channels.desk.web import Desk

    https = replace(runtime, settings=replace(runtime.settings, data_dir=tmp_path,
                                              public_url="https://aiguillage.example.org"))
    sessions = Desk(https).sessions
    assert sessions.secure and "; Secure" in sessions.cookie_header(sessions.new(1, "hash"))
    assert not Desk(runtime).sessions.secure


def test_a_post_without_a_valid_csrf_token_is_refused(client, desk, runtime, account):
    client, csrf = desk
    for token in ("", "forged", csrf[:-1] + ("0" if csrf[-1] != "0" else "1")):
        for path in ("/desk/case", "/desk/case/update", "/desk/print", "/desk/pickup", "/desk/clear",
                     "/desk/signout"):
            assert client.post(path, data={**CASE, "csrf": token}).status_code == 403, (path, token)
    # A token of another session does not work either.
    with httpx.Client(base_url=str(client.base_url), follow_redirects=False) as other:
        other_name = next(_names)
        sign_in(other, add_counsellor(runtime.database, other_name), other_name)
        other_csrf = csrf_of(other.get("/desk").text)
    assert client.post("/desk/case/update", data={**CASE, "csrf": other_csrf}).status_code == 403
    assert client.post("/desk/case/update", data={**CASE, "csrf": csrf}).status_code == 200
    # The sign-in form needs its token too.
    with httpx.Client(base_url=str(client.base_url), follow_redirects=False) as anonymous:
        anonymous.get("/desk/signin")
        name, password = account
        response = anonymous.post("/desk/signin", data={"name": name, "password": password})
        assert response.status_code == 403
    # Without any session (cookies blocked, page left open too long): back to a fresh sign-in page.
    with httpx.Client(base_url=str(client.base_url), follow_redirects=False) as cookieless:
        response = cookieless.post("/desk/signin", data={"name": name, "password": password, "csrf": "x"})
        assert response.status_code == 303 and response.headers["location"] == "/desk/signin?m=expired"


def test_bodies_must_be_small_urlencoded_forms(desk):
    client, csrf = desk
    response = client.post("/desk/case/update", content=json.dumps({**CASE, "csrf": csrf}),
                           headers={"content-type": "application/json"})
    assert response.status_code == 415
    response = client.post("/desk/case/update", data={**CASE, "csrf": csrf, "note": "x" * 70_000})
    assert response.status_code == 413


def test_a_forged_or_tampered_cookie_is_a_signed_out_visitor(client, desk):
    client, _ = desk
    cookie = client.cookies.get("aiguillage_desk")
    body, mac = cookie.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["c"] = payload["c"] + 1  # someone else's account
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    client.cookies.set("aiguillage_desk", f"{forged}.{mac}", path="/desk")
    assert client.get("/desk").status_code == 303


def test_signing_in_gives_a_new_session_and_signing_out_ends_it(client, account):
    name, password = account
    client.get("/desk/signin")
    anonymous = client.cookies.get("aiguillage_desk")
    sign_in(client, password, name)
    signed_in = client.cookies.get("aiguillage_desk")
    assert signed_in != anonymous
    csrf = csrf_of(client.get("/desk").text)
    response = client.post("/desk/signout", data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/desk/signin?m=out"
    assert 'Max-Age=0' in response.headers["set-cookie"]
    # A copy of the old cookie is worthless now.
    client.cookies.set("aiguillage_desk", signed_in, path="/desk")
    assert client.get("/desk").status_code == 303


def test_a_password_reset_ends_the_sessions_of_the_account(client, desk, runtime, account):
    client, _ = desk
    assert client.get("/desk").status_code == 200
    reset_password(runtime.database, account[0])
    assert client.get("/desk").status_code == 303


def test_sessions_expire_when_idle():
    now = [1_000_000.0]
    sessions = Sessions(b"s" * 32, secure=False, clock=lambda: now[0])
    cookie = sessions.encode(sessions.new(7, "hash"))
    assert sessions.read(cookie).counsellor_id == 7
    now[0] += IDLE_LIMIT + 1
    assert sessions.read(cookie) is None


def test_the_session_secret_is_generated_once_with_mode_0600(tmp_path):
    first = load_or_create_session_secret(tmp_path, None)
    assert load_or_create_session_secret(tmp_path, None) == first
    assert stat.S_IMODE((tmp_path / "session_secret").stat().st_mode) == 0o600
    assert load_or_create_session_secret(tmp_path, "x" * 40) == b"x" * 40
    with pytest.raises(SecretError):
        load_or_create_session_secret(tmp_path, "short")


# ------------------------------------------------------------------------------------------- accounts


def test_accounts_get_strong_generated_passwords_hashed_with_argon2id(runtime):
    name = next(_names)
    before = count_counsellors(runtime.database)
    password = add_counsellor(runtime.database, f"  {name} ")
    assert count_counsellors(runtime.database) == before + 1
    assert len(password.replace("-", "")) == 20 and password != add_counsellor(runtime.database, next(_names))
    with runtime.database.transaction() as session:
        stored = session.execute(select(Counsellor.password_hash).where(Counsellor.name == name)).scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored
    with pytest.raises(CounsellorError):
        add_counsellor(runtime.database, name)
    with pytest.raises(ValueError):  # the CLI catches ValueError
        reset_password(runtime.database, "nobody-by-this-name")
    with pytest.raises(ValueError):
        add_counsellor(runtime.database, "   ")
    new = reset_password(runtime.database, name)
    assert authenticate(runtime.database, name, password, NOW) is None
    assert authenticate(runtime.database, name, new, NOW).name == name


def test_five_failures_lock_the_account_for_15_minutes_then_it_opens_again(runtime):
    name = next(_names)
    password = add_counsellor(runtime.database, name)
    for _ in range(accounts.MAX_FAILED):
        assert authenticate(runtime.database, name, "wrong", NOW) is None
    assert authenticate(runtime.database, name, password, NOW + timedelta(minutes=14)) is None
    assert authenticate(runtime.database, name, password, NOW + timedelta(minutes=15, seconds=1)).name == name
    # Success clears the counter: four more failures do not lock.
    for _ in range(accounts.MAX_FAILED - 1):
        assert authenticate(runtime.database, name, "wrong", NOW + timedelta(minutes=16)) is None
    assert authenticate(runtime.database, name, password, NOW + timedelta(minutes=16)) is not None
    # A reset lifts a lock at once.
    for _ in range(accounts.MAX_FAILED):
        authenticate(runtime.database, name, "wrong", NOW + timedelta(minutes=20))
    new = reset_password(runtime.database, name)
    assert authenticate(runtime.database, name, new, NOW + timedelta(minutes=20)) is not None


def test_the_sign_in_page_says_the_same_for_an_unknown_name_a_wrong_password_and_a_lock(client, account):
    name, password = account

    def refusal(who: str, secret: str) -> str:
        response = sign_in(client, secret, who)
        assert response.status_code == 401
        return response.text.split('id="signin-error">', 1)[1].split("</div>", 1)[0]

    wrong = refusal(name, "wrong")
    assert refusal("nobody-at-all", "wrong") == wrong
    for _ in range(accounts.MAX_FAILED - 1):
        refusal(name, "wrong")
    assert refusal(name, password) == wrong  # locked: even the right password gets the same words
    assert "5 essais" in wrong and "15 minutes" in wrong


# ------------------------------------------------------------------------------------------- cases


def test_a_case_is_screened_and_nothing_about_it_is_stored(desk, runtime):
    client, csrf = desk
    with runtime.database.transaction() as session:
        before = session.execute(select(func.count(Conversation.id))).scalar_one()
    response = client.post("/desk/case/update", data={**CASE, "csrf": csrf, "q": "mutuel"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert "Résultats à jour" in body["status"]
    assert 'id="aid-rsa"' in body["results"] and "Vous avez 30 ans." in body["results"]
    assert "Une mutuelle gratuite" in body["search"]
    assert body["where"] == "Compris : Bellevue - Chantenay - Sainte Anne"
    page = client.post("/desk/case", data={**CASE, "csrf": csrf}).text
    assert 'value="480"' in page and "Accueil de solidarité Bellevue" in page
    with runtime.database.transaction() as session:
        assert session.execute(select(func.count(Conversation.id))).scalar_one() == before
        tables = [row[0] for row in session.execute(text("select name from sqlite_master where type='table'"))]
        assert not [t for t in tables if "case" in t]
        # What the desk keeps (sessions, counters, audit) holds nothing of the case.
        kept = [str(row) for t in tables if t.startswith("desk_") for row in session.execute(text(f"select * from {t}"))]
    # "480" on its own: a hex tag or a timestamp may contain those digits.
    case_values = re.compile(r"(?<![0-9a-f])480(?![0-9a-f])|Bellevue|unemployed")
    assert kept and not [row for row in kept if case_values.search(row)]


def test_field_errors_are_reported_and_the_answer_dropped(desk):
    client, csrf = desk
    body = client.post("/desk/case/update", data={**CASE, "csrf": csrf, "age": "deux cent", "where": "Mordor",
                                                 "partner_age": "40"}).json()
    assert set(body["errors"]) == {"age", "where"}
    assert "partner_age" in body["ignored"]  # lives alone: the partner's age is not used


def test_the_summary_has_the_aids_documents_and_accueil_and_no_identity(desk, catalogue):
    client, csrf = desk
    page = html.unescape(client.post("/desk/print", data={**CASE, "csrf": csrf, "lang": "en"}).text)
    assert "Un revenu minimum pour vivre" in page and "A minimum income to live on" in page
    assert "Une pièce d'identité" in page and "4 place des Lauriers" in page
    assert "Pour :" not in page
    page = client.post("/desk/print", data={**CASE, "csrf": csrf, "lang": "fa", "first_name": "Amina"}).text
    assert "Pour : Amina" in page and 'lang="fa" dir="rtl"' in page
    # Unticking every aid leaves an empty summary with a hint, not the default choice.
    case = CaseForm.build(catalogue).parse({k: [v] for k, v in CASE.items()}, NOW.date())
    offered = build_results(catalogue, case, NOW).offered
    page = client.post("/desk/print", data={**CASE, "csrf": csrf, "offered": offered}).text
    assert "Aucune aide n&#39;est cochée" in page


def test_a_handover_code_opens_the_residents_answers_once(desk, runtime):
    client, csrf = desk
    chat(runtime, user="777", turns=3)
    code = runtime.service.create_handover_code("telegram", "777", datetime.now(PARIS))
    picked = client.post("/desk/pickup", data={"csrf": csrf, "code": f" {code[:3]}-{code[3:].lower()} "})
    # POST-redirect-GET: the case travels sealed in the address, so a reload shows it again.
    assert picked.status_code == 303 and picked.headers["location"].startswith("/desk?case=")
    for _ in range(2):  # the redirect, then a reload of the same address
        page = client.get(picked.headers["location"])
        assert page.status_code == 200 and "Les réponses de la conversation sont reprises" in page.text
        assert 'id="f-age" name="age" type="text" value="34"' in page.text
    # The address holds ciphertext only: nothing of the answers can be read in the history.
    token = picked.headers["location"].split("case=")[1].split("&")[0]
    assert "34" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("latin-1")
    again = client.post("/desk/pickup", data={"csrf": csrf, "code": code})
    assert "Ce code ne fonctionne pas" in again.text and 'value="34"' not in again.text


def test_a_sealed_case_opens_only_for_its_session_untampered_and_keeps_the_counsellors_additions(desk, account):
    client, csrf = desk
    # Each update of the page carries the case sealed again, the counsellor's additions included.
    draft = client.post("/desk/case/update", data={**CASE, "csrf": csrf, "note": "RDV CAF mardi"}).json()["draft"]
    page = client.get(f"/desk?case={draft}").text
    assert 'value="480"' in page and "RDV CAF mardi" in page
    tampered = draft[:30] + ("A" if draft[30] != "A" else "B") + draft[31:]
    for token in (tampered, "garbage", draft[:-4], ""):
        page = client.get(f"/desk?case={token}")
        assert page.status_code == 200 and 'value="480"' not in page.text
    # Another session (another tab signed in again, another counsellor) cannot open it.
    with httpx.Client(base_url=str(client.base_url), follow_redirects=False,
                      headers={"X-Forwarded-For": next(_addresses)}) as other:
        name, password = account
        assert sign_in(other, password, name).status_code == 303
        assert 'value="480"' not in other.get(f"/desk?case={draft}").text


def test_guessing_codes_is_stopped(desk):
    client, csrf = desk
    for _ in range(10):
        assert "Ce code ne fonctionne pas" in client.post("/desk/pickup", data={"csrf": csrf, "code": "ZZZZZZ"}).text
    assert "Trop de codes erronés" in client.post("/desk/pickup", data={"csrf": csrf, "code": "ZZZZZZ"}).text


def test_clear_goes_back_to_an_empty_case(desk):
    client, csrf = desk
    # Asked first (here without the page's script): the case stays until the counsellor confirms.
    asked = client.post("/desk/clear", data={**CASE, "csrf": csrf})
    assert asked.status_code == 200 and 'id="confirm-clear"' in asked.text and 'value="480"' in asked.text
    response = client.post("/desk/clear", data={**CASE, "csrf": csrf, "confirm_clear": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/desk?cleared=1"
    page = client.get("/desk?cleared=1").text
    assert "Le dossier est effacé" in page and 'value="480"' not in page


# ------------------------------------------------------------------------------------------- pure parts


def test_the_form_reads_numbers_ages_and_the_sensitive_skip(catalogue):
    form = CaseForm.build(catalogue)
    case = form.parse({"work_income": ["1 200,50 €"], "children_ages": ["4 et 9"], "disability_rate": ["80"],
                       "disability_rate__skip": ["1"], "couple": ["yes"], "partner_age": ["41"],
                       "housing": ["owner"], "rent": ["300"]}, NOW.date())
    assert case.profile["work_income"] == 1200.5 and case.profile["children_ages"] == [4, 9]
    assert "disability_rate" not in case.profile  # prefers not to say: unknown, never guessed
    assert case.profile["partner_age"] == 41 and "rent" not in case.profile and "rent" in case.ignored
    conflict = form.parse({"children_ages": ["3"], "children_ages__none": ["1"]}, NOW.date())
    assert conflict.errors == {"children_ages": "ages_conflict"}
    assert form.parse({"children_ages__none": ["1"]}, NOW.date()).profile["children_ages"] == []


def test_every_question_of_the_catalogue_has_a_field(catalogue):
    form = CaseForm.build(catalogue)
    placed = [f.name for _, fields in form.groups() for f in fields]
    assert sorted(placed) == sorted(q.id for q in catalogue.questions)


def test_a_chat_state_becomes_the_same_answers_in_the_form(catalogue):
    form = CaseForm.build(catalogue)
    state = {"a": {"age": 34, "children_ages": [], "couple": False, "work_income": 900.0, "housing": "tenant",
                   "commune": "44109", "quartier": "Malakoff - Saint-Donatien"},
             "loc": {"label": "Malakoff - Saint-Donatien"}, "skip": ["disability_rate"], "lang": "uk"}
    case = form.parse(form.values_from_state(state), NOW.date())
    assert {k: case.profile[k] for k in state["a"]} == state["a"]
    assert case.lang == "uk" and case.values["disability_rate__skip"] == "1"


def test_every_condition_of_every_aid_can_be_worded(catalogue):
    t = translator("fr")
    for profile in ({}, {"age": 30, "couple": True, "partner_age": 31, "children_ages": [2], "work_income": 1500,
                         "other_income": 0, "housing": "social_tenant", "rent": 400, "employment": "employed"}):
        for result in screen(catalogue, profile, NOW.date()):
            for reason in result.reasons:
                assert reason_words(reason, t, catalogue).strip()


@pytest.mark.parametrize("query, expected", [
    ("apl", "aide_logement"), ("APL", "aide_logement"), ("mutuel", "css"), ("mutuele", "css"),
    ("permis", "aide_permis_jeunes"), ("permsi", "aide_permis_jeunes"), ("cantine", "ars"),
    ("aide au logment", "aide_logement"), ("rsa", "rsa"), ("handicap", "aah"), ("bus", "tarification_solidaire_transports"),
])
def test_the_search_finds_sensible_aids_despite_typos(catalogue, query, expected):
    hits = CatalogueSearch(catalogue).find(query)
    assert expected in [h.aid.id for h in hits[:5]], [h.aid.id for h in hits]


def test_the_search_ranks_what_an_aid_is_before_words_of_its_description(catalogue):
    search = CatalogueSearch(catalogue)
    cantine = [h.aid.id for h in search.find("cantine")]
    assert cantine[0] == "ars" and "aide_permis_jeunes" not in cantine  # an auto-école is not a school
    permis = search.find("permis")
    assert permis[0].aid.id == "aide_permis_jeunes" and all(h.tier > permis[0].tier for h in permis[1:])
    assert search.find("auto-école")[0].aid.id == "aide_permis_jeunes"


def test_the_search_finds_nothing_for_words_about_nothing(catalogue):
    search = CatalogueSearch(catalogue)
    assert search.find("bonjour") == [] and search.find("") == [] and search.find("xqzw") == []


def test_the_synonyms_file_names_only_real_aids(catalogue):
    keywords, words = load_synonyms(catalogue)
    assert keywords and words and set(keywords) <= set(catalogue.aids)




def test_the_papers_to_bring_are_one_list_each_paper_once(catalogue):
    from bot.channels.desk.papers import HouseholdPapers
    from bot.channels.desk.views import documents_to_bring

    aids = [catalogue.aids[a] for a in ("rsa", "rsa_majore", "aide_logement", "cej", "aide_permis_jeunes", "ars")]
    papers = HouseholdPapers.load(catalogue)
    listed = documents_to_bring(aids, papers, {"children_ages": [4, 9]}, NOW.date())
    assert len(listed) == len(set(listed))
    assert sum("RIB" in p for p in listed) == 1
    # "Une pièce d'identité." is the same paper as "Une pièce d'identité ou un titre de séjour.": the wider one stays.
    assert [p for p in listed if p.startswith("Une pièce d'identité")] == ["Une pièce d'identité ou un titre de séjour."]
    assert not [p for p in listed if "16 ans ou plus" in p]  # no child of 16 or more
    older = documents_to_bring(aids, papers, {"children_ages": [4, 17]}, NOW.date())
    unknown = documents_to_bring(aids, papers, {}, NOW.date())  # not said: better one paper too many
    assert [p for p in older if "16 ans ou plus" in p] and [p for p in unknown if "16 ans ou plus" in p]


def test_a_household_paper_naming_a_paper_the_aid_lacks_is_refused(catalogue, tmp_path):
    from bot.channels.desk.papers import HouseholdPapers, PapersDataError

    bad = tmp_path / "desk_documents.yaml"
    bad.write_text('ars:\n  "Un papier inventé.": {type: children, min: 1}\n', encoding="utf-8")
    with pytest.raises(PapersDataError, match=r"desk_documents.yaml: ars: 'Un papier inventé.'"):
        HouseholdPapers.load(catalogue, bad)


def test_the_heaviest_six_probable_aids_are_ticked_and_the_accueil_comes_first(desk, catalogue):
    client, csrf = desk
    family = {**CASE, "age": "34", "children_ages__none": "", "children_ages": "4, 9", "employment": "employed",
              "work_income": "900", "rent": "520"}
    case = CaseForm.build(catalogue).parse({k: [v] for k, v in family.items()}, NOW.date())
    results = build_results(catalogue, case, NOW)
    ticked = [a.id for a in results.probable if a.picked]
    assert len(ticked) == 6 and len(results.probable) > 6
    assert ticked == [a.id for a in results.probable[:6]]  # by weight: what they bring first
    body = client.post("/desk/case/update", data={**family, "csrf": csrf}).json()["results"]
    assert body.index("Accueil de solidarité Bellevue") < body.index('id="aid-')
    # Unticking one keeps it unticked; the others follow the default.
    offered = results.offered
    kept = build_results(catalogue, CaseForm.build(catalogue).parse(
        {**{k: [v] for k, v in family.items()}, "offered": [offered], "pick": ticked[1:]}, NOW.date()), NOW)
    assert [a.id for a in kept.probable if a.picked] == ticked[1:]


def test_an_empty_case_shows_no_result_counts(desk):
    client, _ = desk
    page = client.get("/desk").text
    assert 'class="count"' not in page and "Probable (" not in page


def test_phones_and_addresses_are_isolated_left_to_right(desk):
    client, csrf = desk
    page = client.post("/desk/print", data={**CASE, "csrf": csrf, "lang": "ar"}).text
    arabic = page[page.index('lang="ar" dir="rtl"'):]
    assert '<bdi dir="ltr">32 30</bdi>' in arabic and '<bdi dir="ltr">4 place des Lauriers' in arabic
