"""scripts/test and its helpers on machines that are not this one (issue 20): no Docker engine runs here,
so each branch runs against stand-in commands (pg_isready, psql, pg_ctlcluster, apt-get, id, python3)
that play a fresh Debian's state and record what the script asked of them. The files the scripts edit
(pg_hba.conf, postgresql.conf) are real files in a temporary /etc/postgresql."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

STUBS = {
    # Ready when the state says the server runs.
    "pg_isready": 'test -f "$STATE/running"',
    # Connects when running and pg_hba.conf trusts 127.0.0.1 as loaded (at start or reload); the database
    # must exist; "create database" creates it.
    "psql": """echo "psql $*" >> "$STATE/log"
test -f "$STATE/running" && test -f "$STATE/trust-loaded" || exit 2
case "$*" in *"create database test"*) touch "$STATE/db-test"; exit 0;; esac
case "$*" in *"-d test"*) test -f "$STATE/db-test";; *) exit 0;; esac""",
    "pg_ctlcluster": """echo "pg_ctlcluster $*" >> "$STATE/log"
if grep -q '127.0.0.1/32 trust' "$PG_ETC"/*/main/pg_hba.conf; then touch "$STATE/trust-loaded"; fi
case "$*" in *start*) touch "$STATE/running";; esac""",
    "apt-get": """echo "apt-get $*" >> "$STATE/log"
case "$*" in
  *install*postgresql*) mkdir -p "$PG_ETC/16/main"
    printf 'local all postgres peer\\nhost all all 127.0.0.1/32 scram-sha-256\\n' > "$PG_ETC/16/main/pg_hba.conf"
    : > "$PG_ETC/16/main/postgresql.conf"; cp "$STUBS/.pg_ctlcluster" "$STUBS/pg_ctlcluster"; touch "$STATE/running";;
  *install*python3-venv*) touch "$STATE/venv-ok";;
esac""",
    "id": "echo 0",
    # python3 -m venv fails until python3-venv is installed; the venv's python records pip's calls.
    "python3": """echo "python3 $*" >> "$STATE/log"
test -f "$STATE/venv-ok" || { echo "ensurepip is not available" >&2; exit 1; }
mkdir -p "$3/bin"; printf '#!/bin/sh\\necho "venv-python $*" >> "%s/log"\\n' "$STATE" > "$3/bin/python"
chmod +x "$3/bin/python\"""",
}


@pytest.fixture
def debian(tmp_path):
    """A fresh Debian as apt leaves it: PostgreSQL 16 installed and started, scram for TCP connections."""
    stubs, state, etc = tmp_path / "bin", tmp_path / "state", tmp_path / "etc-postgresql"
    stubs.mkdir()
    state.mkdir()
    for name, body in STUBS.items():
        path = stubs / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
    shutil.copy(stubs / "pg_ctlcluster", stubs / ".pg_ctlcluster")
    for tool in ("sh", "bash", "grep", "sed", "ls", "sort", "tail", "cat", "sha256sum", "cut", "rm", "mkdir",
                 "touch", "seq", "sleep", "env", "chmod", "printf", "cp", "dirname", "echo"):
        found = shutil.which(tool)
        if found and not (stubs / tool).exists():
            (stubs / tool).symlink_to(found)
    (etc / "16" / "main").mkdir(parents=True)
    (etc / "16" / "main" / "pg_hba.conf").write_text("local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n")
    (etc / "16" / "main" / "postgresql.conf").write_text("port = 5432\n")
    (state / "running").touch()
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    for name in ("ensure-postgres", "ensure-venv", "test", "lint", "ensure-browser"):
        shutil.copy(ROOT / "scripts" / name, project / "scripts" / name)
    for name in ("requirements-build.lock", "requirements-test.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, project / name)

    def run(script: str, dry: bool = False) -> subprocess.CompletedProcess:
        env = {"PATH": str(stubs), "STATE": str(state), "PG_ETC": str(etc), "STUBS": str(stubs),
               **({"AIGUILLAGE_DRY_RUN": "1"} if dry else {})}
        return subprocess.run(["bash", str(project / "scripts" / script)], cwd=project, env=env, capture_output=True,
                              text=True, timeout=60)

    def log() -> list[str]:
        path = state / "log"
        return path.read_text().splitlines() if path.exists() else []

    return run, log, state, etc / "16" / "main", stubs, project


def test_postgres_started_by_apt_with_scram_is_given_trust_for_loopback_and_a_test_database(debian):
    run, log, state, conf, _, _ = debian
    result = run("ensure-postgres")
    assert result.returncode == 0, result.stderr
    assert (conf / "pg_hba.conf").read_text().splitlines()[0] == "host all all 127.0.0.1/32 trust"
    assert "listen_addresses = '127.0.0.1'" in (conf / "postgresql.conf").read_text()
    assert any(line.startswith("pg_ctlcluster --skip-systemctl-redirect 16 main reload") for line in log())
    assert (state / "db-test").exists()
    # Run again: nothing more to change.
    before = (conf / "pg_hba.conf").read_text()
    assert run("ensure-postgres").returncode == 0 and (conf / "pg_hba.conf").read_text() == before


def test_a_dry_run_says_what_it_would_change_and_changes_nothing(debian):
    run, log, state, conf, _, _ = debian
    result = run("ensure-postgres", dry=True)
    assert result.returncode == 0, result.stderr
    assert "would run: sed -i 1i host all all 127.0.0.1/32 trust" in result.stdout
    assert "would run: pg_ctlcluster --skip-systemctl-redirect 16 main reload" in result.stdout
    assert "trust" not in (conf / "pg_hba.conf").read_text() and not (state / "db-test").exists()


def test_postgres_installed_but_stopped_is_started_with_trust(debian):
    run, log, state, conf, _, _ = debian
    (state / "running").unlink()
    result = run("ensure-postgres")
    assert result.returncode == 0, result.stderr
    assert any("main start" in line for line in log()) and (state / "db-test").exists()


def test_postgres_missing_is_installed_with_apt(debian):
    run, log, state, conf, stubs, _ = debian
    (stubs / "pg_ctlcluster").unlink()
    shutil.rmtree(conf.parent)
    (state / "running").unlink()
    result = run("ensure-postgres")
    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq postgresql" in " ".join(log())
    assert (state / "db-test").exists()


def test_a_ready_server_is_left_alone(debian):
    run, log, state, conf, _, _ = debian
    (conf / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
    (conf / "postgresql.conf").write_text("listen_addresses = '127.0.0.1'\n")
    (state / "trust-loaded").touch()
    (state / "db-test").touch()
    assert run("ensure-postgres").returncode == 0
    assert not [line for line in log() if not line.startswith("psql")]


def test_without_python3_venv_it_is_installed_then_dependencies_once_from_the_locks(debian):
    run, log, state, _, _, project = debian
    result = run("ensure-venv")
    assert result.returncode == 0, result.stderr
    calls = log()
    assert any("apt-get install -y -qq python3-venv" in line for line in calls)
    pip = [line for line in calls if line.startswith("venv-python -m pip install")]
    assert len(pip) == 3 and "--require-hashes -r requirements-build.lock" in pip[0]
    assert "--require-hashes -r requirements-test.lock" in pip[1] and "-e ." in pip[2]
    # The next run installs nothing: no pip upgrade from the index each time.
    (state / "log").unlink()
    assert run("ensure-venv").returncode == 0 and not log()
    # A changed lock installs again.
    with (project / "requirements-test.lock").open("a") as lock:
        lock.write("# changed\n")
    assert run("ensure-venv").returncode == 0
    assert len([line for line in log() if "pip install" in line]) == 3


def test_scripts_test_dry_run_shows_every_step(debian):
    run, log, state, _, _, project = debian
    (state / "venv-ok").touch()
    result = run("test", dry=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "requirements-test.lock" in out and "would run: bash scripts/lint" in out
    assert "would run: .venv/bin/python -m pytest" in out
    assert out.index("bash scripts/lint") < out.index("-m pytest")  # lint runs first


def test_scripts_test_is_what_ci_and_the_readme_run():
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text() or "scripts/test" in (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test" in (ROOT / "README.md").read_text()
    assert "pip install --quiet --upgrade pip" not in (ROOT / "scripts" / "test").read_text()
    assert os.access(ROOT / "scripts" / "refresh-lock", os.X_OK)


# -- supply chain -------------------------------------------------------------------------------------

# Top-level module -> distribution name, for the modules whose names differ.
DISTRIBUTIONS = {"yaml": "pyyaml", "telegram": "python-telegram-bot", "argon2": "argon2-cffi", "opening_hours":
                 "opening-hours-py", "text_to_num": "text2num", "psycopg": "psycopg", "jinja2": "jinja2",
                 "lingua": "lingua-language-detector"}


def declared() -> set[str]:
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]}


def test_every_package_the_code_imports_is_declared():
    import ast
    import sys

    imported = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names and name not in ("bot", "__future__")}
    missing = {name for name in third_party if DISTRIBUTIONS.get(name, name).lower() not in declared()}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_the_lock_files_pin_every_dependency_with_hashes():
    import re

    for name in ("requirements.lock", "requirements-test.lock", "requirements-build.lock"):
        text = (ROOT / name).read_text()
        pins = re.findall(r"^([a-z0-9._-]+)==\S+ \\$", text, re.M)
        assert pins, name
        for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 1)[1]):
            assert "--hash=sha256:" in block, f"{name}: {block.splitlines()[0]} has no hash"
    locked = {pin.lower() for pin in re.findall(r"^([A-Za-z0-9._-]+)==", (ROOT / "requirements.lock").read_text(), re.M)}
    assert declared() <= {name.replace("_", "-") for name in locked} | {"psycopg"}
    assert {"pip", "setuptools"} <= set(re.findall(r"^([a-z]+)==", (ROOT / "requirements-build.lock").read_text(), re.M))


def test_the_image_installs_from_the_lock_with_current_installers():
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r /tmp/requirements.lock" in dockerfile
    assert dockerfile.count("requirements-build.lock") >= 3  # the builder's venv, and the final image's own pip
    assert "pip install ." not in dockerfile  # never an unpinned resolution
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "AGPL-3.0-or-later"  # an SPDX expression, not a table
    assert "requirements*.lock" not in (ROOT / ".dockerignore").read_text()
