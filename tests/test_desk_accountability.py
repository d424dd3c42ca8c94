"""The desk's limits and its audit trail hold across workers and restarts (issue 20), through
`aiguillage run` as deployed: sign-out, the lock per account and client, the handover-code limit,
and `aiguillage audit` saying who picked up which case when.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from serving import ROOT, Server

from bot.channels.desk import accounts, store
from bot.config import Settings
from bot.runtime import build_runtime

PARIS = ZoneInfo("Europe/Paris")
SHARED = {"AIGUILLAGE_SESSION_SECRET": "a-session-secret-every-worker-shares-0123456789",
          "AIGUILLAGE_PEPPER": "a-shared-pepper-for-every-worker-0123"}


def admin_password(server: Server) -> str:
    match = re.search(r"password '([^']+)'", server.read_stdout_line(r"password"))
    assert match, server.stdout
    return match.group(1)


def signed_in_client(url: str, password: str, name: str = "admin", address: str = "") -> httpx.Client:
    headers = {"X-Forwarded-For": address} if address else {}
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30, headers=headers)
    page = client.get("/desk/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/desk/signin", data={"csrf": csrf, "name": name, "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/desk", response.text[:500]
    return client


def csrf_of(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/desk").text).group(1)


def cookie_of(client: httpx.Client) -> str:
    return client.cookies["aiguillage_desk"]


def opens_the_desk(url: str, cookie: str) -> bool:
    response = httpx.get(url + "/desk", cookies={"aiguillage_desk": cookie}, follow_redirects=False, timeout=30)
    return response.status_code == 200


def audit(workdir, env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "audit", *args], cwd=workdir, capture_output=True,
                            text=True, timeout=60, env={**env, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.postgres
def test_a_signed_out_cookie_is_refused_on_a_second_worker_and_after_a_restart(tmp_path, postgres_url):
    env = {**SHARED, "AIGUILLAGE_DATABASE_URL": postgres_url}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with Server(tmp_path / "one", env=env) as one, Server(tmp_path / "two", env=env) as two:
        client = signed_in_client(one.url, admin_password(one))
        kept = cookie_of(client)  # what someone who copied the cookie keeps
        assert opens_the_desk(two.url, kept)  # one session, valid on every worker
        client.post("/desk/signout", data={"csrf": csrf_of(client)})
        assert not opens_the_desk(two.url, kept)
        assert not opens_the_desk(one.url, kept)
    with Server(tmp_path / "one", env=env) as again:
        assert not opens_the_desk(again.url, kept)


def test_a_signed_out_cookie_is_refused_after_a_restart_on_sqlite(tmp_path):
    with Server(tmp_path) as server:
        client = signed_in_client(server.url, admin_password(server))
        kept = cookie_of(client)
        client.post("/desk/signout", data={"csrf": csrf_of(client)})
    with Server(tmp_path) as again:
        assert not opens_the_desk(again.url, kept)


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(tmp_path):
    with Server(tmp_path) as server:
        password = admin_password(server)
        with httpx.Client(base_url=server.url, timeout=30, headers={"X-Forwarded-For": "203.0.113.66"}) as stranger:
            for _ in range(accounts.MAX_FAILED + 2):
                page = stranger.get("/desk/signin")
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                stranger.post("/desk/signin", data={"csrf": csrf, "name": "admin", "password": "guess"})
            # The stranger is locked out, even with the right password...
            page = stranger.get("/desk/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            assert stranger.post("/desk/signin", data={"csrf": csrf, "name": "admin",
                                                         "password": password}).status_code == 401
        # ...the counsellor at their own desk is not.
        owner = signed_in_client(server.url, password, address="192.0.2.10")
        assert owner.get("/desk").status_code == 200
        owner.close()
        trail = audit(tmp_path, server.env, "--action", "signin_refused")
    refused = [line for line in trail.splitlines() if " signin_refused " in line]
    assert len(refused) == accounts.MAX_FAILED + 3  # every refused attempt, naming the account under attack
    assert all(" admin " in line for line in refused)
    assert len({line.split()[-1] for line in refused}) == 1  # one client tag, never its address
    assert "203.0.113.66" not in trail


def parallel_wrong_codes(urls: list[str], clients: list[httpx.Client], count: int) -> list[str]:
    csrfs = [csrf_of(client) for client in clients]

    def post(index: int) -> str:
        client = clients[index % len(clients)]
        return client.post("/desk/pickup", data={"csrf": csrfs[index % len(clients)], "code": "ZZZ-ZZZ"}).text

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(post, range(count)))


@pytest.mark.postgres
def test_forty_parallel_wrong_codes_on_two_workers_check_at_most_ten(tmp_path, postgres_url):
    env = {**SHARED, "AIGUILLAGE_DATABASE_URL": postgres_url}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with Server(tmp_path / "one", env=env) as one, Server(tmp_path / "two", env=env) as two:
        password = admin_password(one)
        clients = [signed_in_client(one.url, password), signed_in_client(two.url, password)]
        pages = parallel_wrong_codes([one.url, two.url], clients, 40)
        for client in clients:
            client.close()
        checked = audit(tmp_path / "one", one.env, "--action", "pickup_refused").count(" pickup_refused ")
    assert checked <= 10
    assert sum("Ce code ne fonctionne pas" in page for page in pages) == checked
    assert sum("Trop de codes erronés" in page for page in pages) == 40 - checked


def test_forty_parallel_wrong_codes_check_at_most_ten(tmp_path):
    with Server(tmp_path) as server:
        client = signed_in_client(server.url, admin_password(server))
        pages = parallel_wrong_codes([server.url], [client], 40)
        client.close()
        checked = audit(tmp_path, server.env, "--action", "pickup_refused").count(" pickup_refused ")
    assert 1 <= checked <= 10
    assert sum("Trop de codes erronés" in page for page in pages) == 40 - checked


def test_aiguillage_audit_lists_who_picked_up_which_case_when(tmp_path):
    from test_desk_support import chat

    with Server(tmp_path, env=SHARED) as server:
        client = signed_in_client(server.url, admin_password(server))
        runtime = build_runtime(Settings(data_dir=tmp_path / "data", pepper=_secret(SHARED["AIGUILLAGE_PEPPER"])))
        chat(runtime, user="5151", turns=2)
        code = runtime.service.create_handover_code("telegram", "5151", datetime.now(PARIS))
        with runtime.database.transaction() as session:
            from sqlalchemy import select

            from bot.storage.models import Conversation
            conversation_id = session.execute(select(Conversation.id)).scalar_one()
        runtime.database.dispose()
        before = datetime.now(PARIS)
        page = client.post("/desk/pickup", data={"csrf": csrf_of(client), "code": code}, follow_redirects=True)
        assert "Les réponses de la conversation sont reprises" in page.text
        client.post("/desk/print", data={"csrf": csrf_of(client), "age": "34"})
        client.close()
        trail = audit(tmp_path, server.env)
        as_json = audit(tmp_path, server.env, "--json", "--action", "pickup")
    expected_case = hmac.new(SHARED["AIGUILLAGE_PEPPER"].encode(), f"desk-case:{conversation_id}".encode(),
                             hashlib.sha256).hexdigest()[:10]
    pickup = next(line for line in trail.splitlines() if " pickup " in line)
    when = datetime.strptime(" ".join(pickup.split()[:2]), "%Y-%m-%d %H:%M:%S").replace(tzinfo=PARIS)
    assert abs((when - before).total_seconds()) < 60
    assert pickup.split()[3] == "admin" and pickup.split()[4] == expected_case
    assert [line.split()[2] for line in trail.splitlines()[1:-1]] == ["signin", "pickup", "print"]
    assert code not in trail and "5151" not in trail  # neither the code nor the resident
    assert f'"case": "{expected_case}"' in as_json and '"counsellor": "admin"' in as_json


def _secret(value: str):
    from bot.config import Secret

    return Secret(value)


def test_audit_rows_are_kept_as_long_as_the_setting_says(tmp_path):
    from bot.serve import purge_once

    runtime = build_runtime(Settings(data_dir=tmp_path, audit_retention_days=90))
    now = datetime.now(UTC)
    store.record(runtime.database, "pickup", "camille", now - timedelta(days=91), case_ref="old")
    store.record(runtime.database, "pickup", "camille", now - timedelta(days=89), case_ref="recent")
    purge_once(runtime, now)
    kept = [entry.case_ref for entry in store.entries(runtime.database)]
    runtime.database.dispose()
    assert kept == ["recent"]


def test_the_audit_command_refuses_a_day_it_cannot_read_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot.cli", "audit", "--since", "lundi dernier"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--since" in result.stderr and "YYYY-MM-DD" in result.stderr
