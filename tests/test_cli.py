"""The `aiguillage` command, run as a person or a script would."""

import json
import subprocess
import sys

import pytest


def run(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_check_reports_a_valid_catalogue():
    result = run("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


def test_chat_json_drives_a_whole_dialog():
    lines = ["{\"text\": \"vérifier tous mes droits\"}", "{\"text\": \"34\"}", "{\"command\": \"results\"}"]
    result = run("chat", "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(turns) == 4  # the welcome, then one turn per line
    last_question = turns[1]["replies"][-1]
    assert last_question["expects"] and "text" in last_question
    assert any(r["kind"] == "results" for r in turns[3]["replies"])


def test_screen_gives_every_aid_a_status_with_reasons(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"age": 30, "couple": False, "children_ages": [], "work_income": 0,
                                   "other_income": 0, "housing": "tenant"}))
    result = run("screen", str(profile), "--today", "2026-11-22")
    assert result.returncode == 0, result.stderr
    aids = {a["id"]: a for a in json.loads(result.stdout)["aids"]}
    assert aids["rsa"]["status"] == "eligible"
    assert aids["rsa"]["reasons"]
    assert aids["aspa"]["status"] == "not_eligible"


def test_screen_refuses_an_unknown_profile_key(tmp_path):
    result = run("screen", "-", stdin=json.dumps({"agee": 30}))
    assert result.returncode == 2
    assert "agee" in result.stderr


@pytest.mark.parametrize("query", ["Bellevue", "44300", "reze"])
def test_nearest_finds_accueils_from_typed_places(query):
    result = run("nearest", query)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["places"] and data["places"][0]["distance_m"] >= 0
    assert data["places"][0]["open_now"] in ("open", "closed", "unknown")
