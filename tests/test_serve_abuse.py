"""`aiguillage run` probed as an attacker would (issue 20): the desk's sign-in page cannot slow the SMS
relay or the healthcheck, nested JSON is a 400, stalled clients are disconnected, and an unreachable
Telegram at start leaves everything else serving.

The latency test prints its figures (pytest -s shows them). Its bounds are the issue's (SMS p99 under
200 ms, healthcheck under 100 ms), widened only when this machine is already slow without any attack
(a shared CI machine): then the bound is SLOWER times the calm p99 of the same run (calm and attacked
samples interleaved, so a drifting machine load weighs on both alike).
Before the fix, 40 such clients took SMS from 6 ms to 3.8 s and the healthcheck to 3.7 s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import statistics
import subprocess
import sys
import time

import httpx
import pytest
from serving import Server, free_port
from test_serve_workers import messages_of, sms, sms_env

ATTACKERS = 40
BLOCK = 10
# How much slower than calm an attacked p99 may be when the machine is already slower than the issue's
# bounds: well under the 600-fold the issue measured before the fix (6 ms to 3.8 s).
SLOWER = 8
# 40 clients, each from its own address (X-Forwarded-For through the trusted local proxy, so the
# per-client throttle alone cannot stop them: the bounded hashing pool must), each trying a wrong password
# for the default "admin" account, then the next, until told to stop; then the answers' statuses counted.
ATTACKER = """
import collections, json, os, re, sys, threading, time
import httpx
url, clients, stop_file, pause_file, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
counts, lock = collections.Counter(), threading.Lock()
def attacker(number):
    with httpx.Client(base_url=url, timeout=30, headers={"X-Forwarded-For": f"198.51.100.{number + 1}"}) as own:
        while not os.path.exists(stop_file):
            if os.path.exists(pause_file):
                time.sleep(0.05)
                continue
            page = own.get("/desk/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            cookie = page.headers["set-cookie"].split(";", 1)[0]  # Secure (https public URL): sent back by hand
            response = own.post("/desk/signin", data={"csrf": csrf, "name": "admin", "password": "guess"},
                                headers={"Cookie": cookie})
            with lock:
                counts[response.status_code] += 1
threads = [threading.Thread(target=attacker, args=(n,)) for n in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with open(out, "w") as handle:
    json.dump(counts, handle)
"""
SAMPLES = 100  # p99 of 100: the second slowest, so one hiccup of a shared machine is not a failure
ANDROID_KEY = "android-signing-key-for-tests"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure(server: Server, client: httpx.Client, rounds: int, offset: int) -> tuple[list[float], list[float]]:
    """SMS turns and healthchecks of one resident after another, timed from the outside (ms)."""
    sms_ms, health_ms = [], []
    for index in range(rounds):
        started = time.perf_counter()
        response = sms(server, f"+3361{offset + index:07d}", "Bonjour", f"SM-{offset}-{index}")
        sms_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and messages_of(response)
        started = time.perf_counter()
        assert client.get("/healthcheck").status_code == 200
        health_ms.append((time.perf_counter() - started) * 1000)
    return sms_ms, health_ms


@pytest.mark.slow
def test_forty_clients_guessing_passwords_do_not_slow_sms_or_the_healthcheck(tmp_path):
    with Server(tmp_path, env=sms_env()) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        measure(server, client, 5, 0)  # warm up: first turns load caches
        # The attackers run in a process of their own, as they would on other machines: their threads must
        # not compete with the measuring thread for this process's interpreter lock. They pause and resume
        # every BLOCK samples, so calm and attacked samples are interleaved: a shared machine whose load
        # drifts meanwhile weighs on both alike.
        stop_file, pause_file = tmp_path / "stop-attack", tmp_path / "pause-attack"
        counts_file = tmp_path / "attack-counts.json"
        pause_file.touch()
        attack = subprocess.Popen([sys.executable, "-c", ATTACKER, server.url, str(ATTACKERS), str(stop_file),
                                   str(pause_file), str(counts_file)])
        calm_sms, calm_health, attacked_sms, attacked_health = [], [], [], []
        try:
            for block in range(2 * SAMPLES // BLOCK):
                attacked = block % 2 == 1
                if attacked:
                    pause_file.unlink()
                    time.sleep(1.0)  # every attacker is at it
                sms_ms, health_ms = measure(server, client, BLOCK, 1000 * (block + 1))
                (attacked_sms if attacked else calm_sms).extend(sms_ms)
                (attacked_health if attacked else calm_health).extend(health_ms)
                if attacked:
                    pause_file.touch()
                    time.sleep(0.5)
        finally:
            stop_file.touch()
            attack.wait(timeout=60)
        answers = {int(status): count for status, count in json.loads(counts_file.read_text()).items()}

    sms_bound = max(200.0, SLOWER * p99(calm_sms))
    health_bound = max(100.0, SLOWER * p99(calm_health))
    print(f"\nSMS p99: {p99(calm_sms):.0f} ms calm, {p99(attacked_sms):.0f} ms under attack "
          f"(median {statistics.median(attacked_sms):.0f} ms, bound {sms_bound:.0f} ms); healthcheck p99: "
          f"{p99(calm_health):.0f} ms calm, {p99(attacked_health):.0f} ms under attack (bound {health_bound:.0f} ms); "
          f"{sum(answers.values())} sign-in attempts answered: {answers}")
    assert sum(answers.values()) >= ATTACKERS, "the attack did not run"
    assert set(answers) <= {401, 429, 503}  # refused, throttled, or "try again in a minute"
    assert 503 in answers or 429 in answers  # the bounds were reached, and answered at once
    assert p99(attacked_sms) < sms_bound
    assert p99(attacked_health) < health_bound


def android_body(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_deeply_nested_json_is_a_400_on_every_json_route(tmp_path):
    env = sms_env({"AIGUILLAGE_SMSGATEWAY_SIGNING_KEY": ANDROID_KEY, "AIGUILLAGE_SMSGATEWAY_URL": "http://127.0.0.1:9",
                   "AIGUILLAGE_TELEGRAM_TOKEN": "123:abc", "AIGUILLAGE_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}/bot",
                   "AIGUILLAGE_TELEGRAM_WEBHOOK_SECRET": "webhook-secret"})
    with Server(tmp_path, env=env) as server:
        body = b"[" * 50_000
        stamp = str(int(time.time()))
        signature = hmac.new(ANDROID_KEY.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
        android = httpx.post(server.url + "/sms/android", content=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Timestamp": stamp, "X-Signature": signature})
        telegram = httpx.post(server.url + "/telegram/webhook", content=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "webhook-secret"})
        # Nested within bounds, still refused for what it is (not an SMS event), never a 500.
        shallow = android_body(5)
        signature = hmac.new(ANDROID_KEY.encode(), shallow + stamp.encode(), hashlib.sha256).hexdigest()
        fine = httpx.post(server.url + "/sms/android", content=shallow, timeout=30, headers={
            "Content-Type": "application/json", "X-Timestamp": stamp, "X-Signature": signature})
    assert android.status_code == 400 and telegram.status_code == 400
    assert android.headers["x-content-type-options"] == "nosniff"
    assert fine.status_code == 400 and "nested" not in fine.text
    assert "Traceback" not in server.stderr and "RecursionError" not in server.stderr


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True  # the server closed it (it may have sent nothing, or a 408)
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_stalled_clients_are_disconnected_after_the_read_timeout(tmp_path):
    with Server(tmp_path, env={"AIGUILLAGE_HTTP_READ_TIMEOUT": "2"}) as server:
        stalled = []
        for index in range(60):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            if index % 2:  # half the headers, never the end of them
                sock.sendall(b"GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            else:  # all the headers, half the announced body
                sock.sendall(b"POST /desk/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
                             b"\r\nContent-Length: 1000\r\n\r\nname=")
            stalled.append(sock)
        started = time.monotonic()
        # Meanwhile the server answers everyone else.
        assert httpx.get(server.url + "/healthcheck", timeout=5).status_code == 200
        closed = [_closed_by_server(sock, within=max(0.1, 10 - (time.monotonic() - started))) for sock in stalled]
        waited = time.monotonic() - started
        for sock in stalled:
            sock.close()
        # A client that sends its whole request slowly but within the deadline is served.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            for piece in (b"GET /healthcheck HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n\r\n"):
                sock.sendall(piece)
                time.sleep(0.3)
            answer = sock.recv(4096)
    print(f"\n{sum(closed)} of {len(stalled)} stalled connections closed by the server within {waited:.1f} s")
    assert all(closed)
    assert answer.startswith(b"HTTP/1.1 200")


def test_the_default_read_timeout_is_30_seconds():
    from bot.config import load_settings

    assert load_settings({}, dotenv=None).http_read_timeout == 30


def test_an_unreachable_bot_api_at_start_leaves_sms_and_the_desk_serving(tmp_path):
    closed = free_port()  # nothing listens here: every Bot API call fails at once
    env = sms_env({"AIGUILLAGE_TELEGRAM_TOKEN": "123456:unreachable", "AIGUILLAGE_PUBLIC_URL": "",
                   "AIGUILLAGE_TELEGRAM_API_URL": f"http://127.0.0.1:{closed}/bot"})
    env["AIGUILLAGE_PUBLIC_URL"] = "https://aiguillage.example.org"  # Twilio signatures use it
    with Server(tmp_path, env=env) as server:
        deadline = time.monotonic() + 20
        health = httpx.get(server.url + "/healthcheck").json()
        while health["channels"]["telegram"] != "degraded" and time.monotonic() < deadline:
            time.sleep(0.2)
            health = httpx.get(server.url + "/healthcheck").json()
        response = httpx.get(server.url + "/healthcheck")
        reply = sms(server, "+33612121212", "Bonjour", "SM-degraded-1")
        desk = httpx.get(server.url + "/desk/signin")
    assert response.status_code == 200, "the process serves: no reason for an orchestrator to restart it"
    body = response.json()
    assert body["status"] == "degraded" and body["degraded_channels"] == ["telegram"]
    assert body["channels"]["telegram"] == "degraded"
    assert {name for name, status in body["channels"].items() if status != "ok"} == {"telegram"}  # the others serve
    assert reply.status_code == 200 and messages_of(reply)
    assert desk.status_code == 200 and "Connexion" in desk.text
    log = [json.loads(line) for line in server.stderr.splitlines() if line.startswith("{")]
    assert any(entry.get("channel") == "telegram" and "retrying" in entry["event"] for entry in log)
