"""Benchmark: inbound SMS handled per second on one core, Twilio route, beside a bare Starlette endpoint.

Run on purpose:  .venv/bin/python bench/sms_inbound.py [--seconds 10] [--concurrency 16]
Prints one JSON line:
  {"bench": "sms_inbound", "aiguillage_per_second": a, "fair_per_second": f, "fair_ratio": a / f,
   "bare_per_second": b, "ratio": a / b, ...}
where a and b are SMS handled per second of the server's own CPU time (user + system, from /proc):
its throughput on one fully used core. The wall-clock rates are printed too, with how busy each
side was: the bare endpoint usually outruns the single-core httpx client, so its wall-clock rate
measures the client, not the server.

Each server is a uvicorn subprocess pinned to one core (the first CPU this process may use), one
worker, access log off, application logs at INFO to /dev/null; the client (httpx, in this process)
is pinned to another core when there is one, so that the figure is the server's. Requests are real
signed Twilio webhooks over loopback HTTP: `concurrency` residents at a time, each going through a
whole conversation (need, answers, results, SUITE, RECOMMENCER) one SMS after the other, every SMS
with a new MessageSid. The fair baseline does what any correct webhook must, the way ours does it:
checks the Twilio signature, commits one row to SQLite in a worker thread, logs one line, answers
TwiML; the ratio to it is the figure that matters. The bare endpoint (kept as an extra row) reads the
form body and returns a constant TwiML reply: the floor set by uvicorn + Starlette + HTTP. The database is the default SQLite file.
A warm-up (not timed) precedes each measurement. Not a test: timings are too noisy for assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOKEN = "bench-twilio-token"
PUBLIC_URL = "https://bench.example"
SCRIPT = ["bonjour", "mon logement et mon loyer", "je loue", "41", "0", "non", "non", "1100", "Malakoff",
          "SUITE", "SUITE", "AIDE", "RECOMMENCER"]


# -- the servers (subprocess side) -------------------------------------------------------------------


def _bare_app():  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Bonjour</Message></Response>'

    async def endpoint(request):  # type: ignore[no-untyped-def]
        await request.form()
        return Response(reply, media_type="text/xml; charset=utf-8")

    return Starlette(routes=[Route("/sms/twilio", endpoint, methods=["POST"])])


def _fair_app(data_dir: Path):  # type: ignore[no-untyped-def]
    """The least a correct SMS webhook must do, as our route does it: check the Twilio signature, commit
    one row to SQLite (WAL, synchronous=NORMAL, as ours) in a worker thread, log one line, answer TwiML."""
    import sqlite3
    import threading

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    from bot.channels.sms import twilio

    log = logging.getLogger("bench.fair")
    reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Bonjour</Message></Response>'
    path = data_dir / "fair.sqlite3"
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if getattr(local, "db", None) is None:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            for pragma in ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL"):
                db.execute(f"PRAGMA {pragma}")
            db.execute("CREATE TABLE IF NOT EXISTS seen (sid TEXT PRIMARY KEY, at REAL)")
            local.db = db
        return local.db

    def commit(sid: str) -> None:
        db = connection()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (sid, time.time()))
        db.execute("COMMIT")

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        params = twilio.parse_form(body)
        if not twilio.verify(TOKEN, PUBLIC_URL + "/sms/twilio", params,
                             request.headers.get(twilio.SIGNATURE_HEADER, "")):
            return PlainTextResponse("bad signature\n", status_code=403)
        await asyncio.to_thread(commit, twilio.field(params, "MessageSid") or "")
        log.info("sms handled")
        return Response(reply, media_type="text/xml; charset=utf-8")

    return Starlette(routes=[Route("/sms/twilio", endpoint, methods=["POST"])])


def _aiguillage_app(data_dir: Path):  # type: ignore[no-untyped-def]
    from bot.config import Secret, Settings
    from bot.runtime import build_runtime
    from bot.web import create_app

    runtime = build_runtime(Settings(data_dir=data_dir, twilio_auth_token=Secret(TOKEN), public_url=PUBLIC_URL))
    return create_app(runtime)


def serve(kind: str, port: int, data_dir: Path, cpu: int | None) -> None:
    import uvicorn

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # INFO logs, as in production
    app = {"aiguillage": _aiguillage_app, "fair": _fair_app}[kind](data_dir) if kind != "bare" else _bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_config=None, workers=1)


# -- the client --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


async def _load(port: int, seconds: float, concurrency: int, prefix: str) -> tuple[int, int, float, float]:
    """Drive `concurrency` residents for `seconds`; returns (answered SMS, errors, elapsed seconds, the
    client's CPU seconds)."""
    import httpx
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}/sms/twilio"
    public = PUBLIC_URL + "/sms/twilio"
    done = errors = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def resident(worker: int, client: httpx.AsyncClient) -> None:
        nonlocal done, errors
        conversation = 0
        while time.perf_counter() < stop_at:
            conversation += 1
            number = f"+3361{worker:03d}{conversation:04d}"[:12]
            for step, text in enumerate(SCRIPT):
                if time.perf_counter() >= stop_at:
                    return
                params = {"MessageSid": f"SM{prefix}{worker:04d}{conversation:06d}{step:03d}".ljust(34, "0"),
                          "AccountSid": "AC" + "0" * 32, "From": number, "To": "+33700000000", "Body": text,
                          "NumMedia": "0", "NumSegments": "1"}
                signature = validator.compute_signature(public, params)
                response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
                if response.status_code == 200 and "<Message>" in response.text:
                    done += 1
                else:
                    errors += 1

    started, cpu_started = time.perf_counter(), time.process_time()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(resident(worker, client) for worker in range(concurrency)))
    return done, errors, time.perf_counter() - started, time.process_time() - cpu_started


def measure(kind: str, seconds: float, concurrency: int, warmup: float, server_cpu: int | None,
            client_cpu: int | None) -> dict[str, float | int]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as data_dir:
        command = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--data-dir", data_dir]
        if server_cpu is not None:
            command += ["--cpu", str(server_cpu)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        try:
            _wait_for_port(port, process)
            if client_cpu is not None:
                os.sched_setaffinity(0, {client_cpu})
            asyncio.run(_load(port, warmup, concurrency, "w"))
            server_cpu_started = _cpu_seconds(process.pid)
            done, errors, elapsed, client_cpu_seconds = asyncio.run(_load(port, seconds, concurrency, "m"))
            server_cpu_seconds = _cpu_seconds(process.pid) - server_cpu_started
        finally:
            process.terminate()
            try:
                _, stderr = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
    if errors:
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
    # Busy fractions tell which side limits the figure: a server near 1.0 is saturated (the figure is
    # its capacity on one core); a client near 1.0 means the server could do more than measured.
    return {"handled": done, "errors": errors, "seconds": round(elapsed, 2),
            "per_second": round(done / elapsed, 1),
            "per_core_second": round(done / server_cpu_seconds, 1) if server_cpu_seconds else None,
            "server_busy": round(server_cpu_seconds / elapsed, 2),
            "client_busy": round(client_cpu_seconds / elapsed, 2)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per server")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16, help="residents texting at the same time")
    parser.add_argument("--serve", choices=("aiguillage", "bare", "fair"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.data_dir, args.cpu)
        return

    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0]
    client_cpu = cpus[1] if len(cpus) > 1 else None
    bare = measure("bare", args.seconds, args.concurrency, args.warmup, server_cpu, client_cpu)
    fair = measure("fair", args.seconds, args.concurrency, args.warmup, server_cpu, client_cpu)
    ours = measure("aiguillage", args.seconds, args.concurrency, args.warmup, server_cpu, client_cpu)
    print(json.dumps({
        "bench": "sms_inbound",
        "route": "POST /sms/twilio (signed, TwiML reply, SQLite)",
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "concurrency": args.concurrency,
        # SMS per second of the server's CPU time: its capacity on one core, whichever side limited
        # the wall-clock rate (the bare endpoint is usually faster than the httpx client can drive it).
        "aiguillage_per_second": ours["per_core_second"],
        # The fair baseline does the work any correct webhook must: signature, one commit, one log line.
        "fair_per_second": fair["per_core_second"],
        "fair_ratio": round(ours["per_core_second"] / fair["per_core_second"], 3)
        if ours["per_core_second"] and fair["per_core_second"] else None,
        "bare_per_second": bare["per_core_second"],
        "ratio": round(ours["per_core_second"] / bare["per_core_second"], 3)
        if ours["per_core_second"] and bare["per_core_second"] else None,
        # Wall-clock rates as measured (server pinned to one core, client on another).
        "aiguillage_wall_per_second": ours["per_second"],
        "bare_wall_per_second": bare["per_second"],
        "aiguillage": ours,
        "fair": fair,
        "bare": bare,
    }))


if __name__ == "__main__":
    main()
