"""`aiguillage run` as a CCAS technician starts it: one command, one process."""

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from serving import ROOT, Server


def test_with_no_configuration_it_starts_on_sqlite_and_reports_its_health(tmp_path):
    with Server(tmp_path) as server:
        health = httpx.get(server.url + "/healthcheck").json()
        assert health["status"] == "ok" and health["database"] == "ok"
        assert re.fullmatch(r"[0-9a-f]{12}", health["catalogue"])
    assert (tmp_path / "data" / "aiguillage.sqlite3").exists()
    assert "127.0.0.1" in server.stdout


def test_sigterm_stops_it_cleanly(tmp_path):
    server = Server(tmp_path).start()
    # uvicorn finishes the requests in flight and the shutdown, then re-raises the signal it caught.
    assert server.stop() in (0, -15)
    assert "stopped" in server.stderr and "Application shutdown complete" in server.stderr


def test_the_images_healthcheck_command_asks_the_running_server(tmp_path):
    with Server(tmp_path) as server:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "healthcheck"], cwd=tmp_path, env={
            **server.env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "bot.cli", "healthcheck"], cwd=tmp_path, env={
        **server.env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1


@pytest.mark.parametrize("name, value", [("AIGUILLAGE_PORT", "huit mille"), ("AIGUILLAGE_RETENTION_DAYS", "0"),
                                         ("AIGUILLAGE_DATABASE_URL", "mysql://x"),
                                         ("AIGUILLAGE_PUBLIC_URL", "ftp://example.org")])
def test_a_malformed_setting_stops_start_up_naming_the_variable(tmp_path, name, value):
    server = Server(tmp_path, env={name: value})
    with pytest.raises(RuntimeError) as error:
        server.start()
    assert name in str(error.value)


def test_a_broken_catalogue_stops_start_up_naming_file_entry_and_field(tmp_path):
    import shutil

    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    rsa = knowledge / "aids" / "rsa.yaml"
    rsa.write_text(rsa.read_text().replace("type: age, min: 25", "type: age, min: vingt-cinq"))
    server = Server(tmp_path, args=("--knowledge", str(knowledge)))
    with pytest.raises(RuntimeError) as error:
        server.start()
    assert "aids/rsa.yaml [rsa] conditions[0].conditions[0].min" in str(error.value)


def test_secrets_are_never_printed(tmp_path):
    secrets = {"AIGUILLAGE_PEPPER": "pepper-sentinel-0123456789", "AIGUILLAGE_TWILIO_AUTH_TOKEN": "twilio-sentinel"}
    with Server(tmp_path, env=secrets) as server:
        pass
    for value in secrets.values():
        assert value not in server.stdout + server.stderr


def test_the_dockerfile_runs_the_same_command_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2  # multi-stage
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert 'CMD ["aiguillage", "run"]' in dockerfile
    assert 'HEALTHCHECK' in dockerfile and '"aiguillage", "healthcheck"' in dockerfile
    assert "i18n compile" in dockerfile


def test_the_compose_configuration_starts_on_postgresql(tmp_path, postgres_url):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    env = {}
    for name, value in compose["services"]["app"]["environment"].items():
        value = re.sub(r"\$\{(\w+):[-?][^}]*\}", lambda m: {"POSTGRES_PASSWORD": "", "AIGUILLAGE_PEPPER":
                       "a-test-pepper-of-enough-length"}.get(m.group(1), ""), str(value))
        env[name] = value
    assert env["AIGUILLAGE_DATABASE_URL"].startswith("postgresql://")
    env["AIGUILLAGE_DATABASE_URL"] = postgres_url  # the compose "db" service is this machine's server here
    env = {k: v for k, v in env.items() if v}
    with Server(tmp_path, env=env) as server:
        health = httpx.get(server.url + "/healthcheck").json()
        assert health["database"] == "ok"
    assert "postgresql" in server.stderr
