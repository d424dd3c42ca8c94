"""Statistics: figures of a period from the anonymous counters, every count under 5 reads "< 5" in the
figures, the CSV and `aiguillage stats`; the period filters what is counted."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from storage_fixtures import database, db_target  # noqa: F401

from bot.stats import events as ev
from bot.stats.charts import horizontal_bars, weekly_bars
from bot.stats.export import to_csv, to_text
from bot.stats.figures import read_figures
from bot.storage import open_database, rows

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 16)  # a Monday


def bump(database, day: date, counts: dict) -> None:  # type: ignore[no-untyped-def]
    with database.connection() as session:
        rows.bump_counters(session, day, Counter(counts))


def test_small_counts_read_less_than_5_and_large_ones_are_exact(database) -> None:  # noqa: F811
    bump(database, DAY, {("telegram", ev.STARTED, "", ""): 12, ("sms", ev.STARTED, "", ""): 3,
                         ("sms", ev.AID_SHOWN, "Bellevue", "rsa"): 4, ("sms", ev.AID_SHOWN, "Malakoff", "rsa"): 6})
    figures = read_figures(database, DAY, DAY)
    channels = {row.key: row.value for row in figures.table("channels").rows}
    assert channels == {"telegram": "12", "sms": "< 5"}
    quartiers = {row.key: row.value for row in figures.table("quartiers").rows}
    assert quartiers == {"Malakoff": "6", "Bellevue": "< 5"}
    assert {row.key: row.value for row in figures.table("aids").rows} == {"rsa": "10"}
    exported = to_csv(figures)
    assert "4" not in [line[3] for line in csv.reader(io.StringIO(exported))][1:]  # never the exact small count
    assert "sms" in exported and "< 5" in exported
    assert "< 5" in to_text(figures)


def test_the_period_chosen_filters_the_days_counted(database) -> None:  # noqa: F811
    bump(database, date(2026, 10, 1), {("telegram", ev.STARTED, "", ""): 50})
    bump(database, DAY, {("telegram", ev.STARTED, "", ""): 7})
    assert {r.key: r.value for r in read_figures(database, DAY, DAY).table("channels").rows} == {"telegram": "7"}
    wide = read_figures(database, date(2026, 10, 1), DAY)
    assert {r.key: r.value for r in wide.table("channels").rows} == {"telegram": "57"}


def test_completion_is_a_share_only_when_both_counts_are_shown(database) -> None:  # noqa: F811
    bump(database, DAY, {("sms", ev.STARTED, "", ""): 20, ("sms", ev.RESULTS, "", ""): 15})
    journey = {row.key: row.value for row in read_figures(database, DAY, DAY).table("journey").rows}
    assert journey["completion"] == "75 %"
    bump(database, date(2026, 11, 17), {("sms", ev.STARTED, "", ""): 3, ("sms", ev.RESULTS, "", ""): 2})
    journey = {row.key: row.value for row in read_figures(database, date(2026, 11, 17),
                                                          date(2026, 11, 17)).table("journey").rows}
    assert journey["completion"] == "—" and journey["started"] == "< 5"


def test_follow_up_answers_are_counted_per_aid_and_answer(database) -> None:  # noqa: F811
    bump(database, DAY, {("sms", ev.FOLLOWUP_ANSWER[ev.CLAIMED], "", "rsa"): 6,
                         ("telegram", ev.FOLLOWUP_ANSWER[ev.HELP_WANTED], "", "rsa"): 1})
    rows_ = {row.key: row.value for row in read_figures(database, DAY, DAY).table("followup").rows}
    assert rows_ == {"rsa:claimed": "6", "rsa:help_wanted": "< 5"}


def test_charts_never_draw_a_suppressed_count_at_its_length(database) -> None:  # noqa: F811
    bump(database, DAY, {("sms", ev.AID_SHOWN, "Bellevue", "rsa"): 1, ("sms", ev.AID_SHOWN, "Breil", "rsa"): 4})
    figures = read_figures(database, DAY, DAY)
    svg = horizontal_bars(figures.table("quartiers").rows, "t")
    # Both small rows are drawn alike (same outline width), whatever their real counts.
    widths = [part.split('width="')[1].split('"')[0] for part in svg.split("<rect")[1:]]
    assert len(set(widths)) == 1 and svg.count("&lt; 5") == 2
    assert "<script" not in weekly_bars(figures.weeks, ["sms"], {}, "t")


def aiguillage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    env.update(PYTHONPATH=str(ROOT), AIGUILLAGE_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_aiguillage_stats_prints_a_table_and_json_with_the_same_suppression(tmp_path: Path) -> None:
    assert aiguillage(tmp_path, "purge").returncode == 0  # creates the database
    database = open_database(None, tmp_path / "data")
    bump(database, DAY, {("telegram", ev.STARTED, "", ""): 9, ("sms", ev.STARTED, "", ""): 2})
    database.dispose()
    table = aiguillage(tmp_path, "stats", "--since", "2026-11-01", "--until", "2026-11-30")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "Conversations par canal" in lines
    assert any(line.split() == ["Telegram", "9"] for line in lines)
    assert any(line.split() == ["SMS", "<", "5"] for line in lines)
    as_json = aiguillage(tmp_path, "stats", "--since", "2026-11-01", "--until", "2026-11-30", "--json")
    figures = json.loads(as_json.stdout)
    assert figures["tables"]["channels"] == {"telegram": "9", "sms": "< 5"}
    assert aiguillage(tmp_path, "stats", "--since", "2026-12-01", "--until", "2026-11-01").returncode == 2


def test_counters_are_kept_three_years_then_purged(database) -> None:  # noqa: F811
    from bot.stats.counting import purge_counters

    bump(database, date(2023, 11, 1), {("sms", ev.STARTED, "", ""): 9})
    bump(database, date(2024, 1, 15), {("sms", ev.STARTED, "", ""): 8})
    assert purge_counters(database, date(2026, 12, 4)) == 1
    kept = read_figures(database, date(2020, 1, 1), date(2026, 12, 4)).table("channels").rows
    assert [(row.key, row.count) for row in kept] == [("sms", 8)]


def test_counsellor_add_admin_gives_the_role_that_opens_the_statistics(tmp_path: Path) -> None:
    from sqlalchemy import select

    from bot.channels.desk.roles import is_admin
    from bot.storage.models import Counsellor

    made = aiguillage(tmp_path, "counsellor", "add", "camille", "--admin")
    assert made.returncode == 0, made.stderr
    assert "admin" in made.stdout
    assert aiguillage(tmp_path, "counsellor", "add", "dominique").returncode == 0
    database = open_database(None, tmp_path / "data")
    with database.transaction() as session:
        ids = dict(session.execute(select(Counsellor.name, Counsellor.id)).all())
    assert is_admin(database, ids["camille"]) and not is_admin(database, ids["dominique"])
    database.dispose()
