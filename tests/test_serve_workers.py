"""`aiguillage run` in production shape: SMS through the real server, SIGTERM mid-traffic, the desk's
first account, and two workers sharing one PostgreSQL database."""

import re
import signal
import threading
import time

import httpx
import pytest
from serving import Server
from twilio.request_validator import RequestValidator

TOKEN = "twilio-test-token"
PUBLIC = "https://aiguillage.example.org"
ANSWERS = {  # question id -> what a resident texts
    "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille", "work_income": "1100",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "where": "Malakoff", "quotient_familial": "je ne sais pas", "partner_age": "40",
}


def sms(server: Server, sender: str, text: str, sid: str) -> httpx.Response:
    params = {"From": sender, "Body": text, "MessageSid": sid, "To": "+33700000000"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/sms/twilio", params)
    return httpx.post(server.url + "/sms/twilio", data=params, headers={"X-Twilio-Signature": signature},
                      timeout=30)


def sms_env(extra: dict | None = None) -> dict:
    return {"AIGUILLAGE_TWILIO_AUTH_TOKEN": TOKEN, "AIGUILLAGE_PUBLIC_URL": PUBLIC,
            "AIGUILLAGE_PEPPER": "a-shared-pepper-for-every-worker-0123", **(extra or {})}


def messages_of(response: httpx.Response) -> list[str]:
    return re.findall(r"<Message>(.*?)</Message>", response.text, re.S)


def test_a_newcomer_gets_a_desk_account_and_can_sign_in(tmp_path):
    with Server(tmp_path) as server:
        password = re.search(r"password '([^']+)'", server.read_stdout_line(r"password"))
        assert password, server.stdout
        with httpx.Client(base_url=server.url, follow_redirects=True) as client:
            page = client.get("/desk")
            assert "Se connecter" in page.text or "connexion" in page.text.lower()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            form = {"name": "admin", "password": password.group(1)}
            if csrf:
                form["csrf"] = csrf.group(1)
            signed_in = client.post("/desk/signin", data=form)
            assert "Orienter une personne" in signed_in.text


def test_an_sms_conversation_through_the_running_server(tmp_path):
    with Server(tmp_path, env=sms_env()) as server:
        first = sms(server, "+33611111111", "Bonjour", "SM0001")
        assert first.status_code == 200 and messages_of(first)
        reply = sms(server, "+33611111111", "logement et loyer", "SM0002")
        assert "?" in "".join(messages_of(reply))


def test_sigterm_mid_traffic_loses_no_answered_message(tmp_path):
    """Residents keep texting while the server is stopped: every message that got an answer is stored, and
    after a restart the others are handled when the gateway retries them."""
    server = Server(tmp_path, env=sms_env()).start()
    answered, lock = {}, threading.Lock()

    def resident(number: str) -> None:
        for index, text in enumerate(["Bonjour", "logement et loyer", "je loue", "41", "non", "non", "1100"]):
            sid = f"SM{number[-4:]}{index:03d}"
            try:
                response = sms(server, number, text, sid)
            except httpx.HTTPError:
                return
            if response.status_code == 200 and messages_of(response):
                with lock:
                    answered[sid] = (number, messages_of(response))

    threads = [threading.Thread(target=resident, args=(f"+336{n:08d}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    assert server.stop(signal.SIGTERM) in (0, -15)
    for thread in threads:
        thread.join(timeout=60)
    assert answered, "no message was answered before SIGTERM"
    # Restart on the same data: a gateway retry of an answered message changes nothing (it was committed)
    # and gets the very answer it had the first time, in case that one never reached the phone.
    with Server(tmp_path, env=sms_env()) as again:
        for sid, (number, first_answer) in answered.items():
            retry = sms(again, number, "texte renvoyé", sid)
            assert retry.status_code == 200 and messages_of(retry) == first_answer


@pytest.mark.postgres
def test_two_workers_on_one_postgresql_share_the_same_residents(tmp_path, postgres_url):
    env = sms_env({"AIGUILLAGE_DATABASE_URL": postgres_url})
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with Server(tmp_path / "one", env=env) as one, Server(tmp_path / "two", env=env) as two:
        residents = [f"+3362222{n:04d}" for n in range(4)]
        workers = [one, two]
        turn = 0
        for number in residents:
            sms(workers[turn % 2], number, "Bonjour", f"SM{number[-4:]}-0")
            turn += 1
            sms(workers[turn % 2], number, "tous mes droits", f"SM{number[-4:]}-1")
            turn += 1
        for step in range(2, 14):
            for number in residents:
                worker = workers[turn % 2]
                turn += 1
                state = httpx.get(worker.url + "/healthcheck").json()
                assert state["database"] == "ok"
                response = sms(worker, number, ANSWERS_BY_STEP(step), f"SM{number[-4:]}-{step}")
                assert response.status_code == 200
                # The same message delivered to the other worker too: one effect only, and the same answer.
                duplicate = sms(workers[turn % 2], number, ANSWERS_BY_STEP(step), f"SM{number[-4:]}-{step}")
                assert messages_of(duplicate) == messages_of(response)
        # Every resident went through the same questions whichever worker got each message.
        final = [sms(workers[0], number, "résultats", f"SM{number[-4:]}-end") for number in residents]
        assert all(messages_of(r) for r in final)
    # Read the stored conversations as a third party sharing the pepper: nothing lost, nothing doubled.
    from bot.catalogue import load_catalogue
    from bot.dialog.engine import Engine
    from bot.storage import TurnService, open_database

    database = open_database(postgres_url, tmp_path)
    service = TurnService(database, Engine(load_catalogue()), env["AIGUILLAGE_PEPPER"].encode())
    states = [service.state_of("sms", number) for number in residents]
    database.dispose()
    assert all(state is not None for state in states)
    histories = {tuple(state["hist"]) for state in states}
    assert len(histories) == 1 and len(next(iter(histories))) >= 6, histories


def ANSWERS_BY_STEP(step: int) -> str:  # noqa: N802 - reads like the table it is
    """The answers of one resident, in the order the questions come for 'tous mes droits'."""
    sequence = ["41", "non", "je loue", "non", "1100", "0", "Malakoff", "non", "0", "520", "0", "0"]
    return sequence[(step - 2) % len(sequence)]
