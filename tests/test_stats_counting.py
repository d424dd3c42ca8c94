"""What a real conversation adds to the anonymous counters: the channel, the language it started in,
the need chosen, the aids shown as probable (per quartier), the accueil given, the results reached, an
emergency by kind and a handover picked up at the desk; never an identifier or a word the person typed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from storage_fixtures import PEPPER, FakeClock, database, db_target  # noqa: F401

from bot.dialog.messages import Incoming
from bot.stats.figures import read_figures
from bot.storage import TurnService

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
ANSWERS = {
    "age": "34", "children_ages": "4 et 9", "couple": "non", "employment": "je travaille", "work_income": "900",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "quotient_familial": "je ne sais pas", "where": "Malakoff", "partner_age": "36",
}


def test_a_conversation_is_counted_by_channel_language_need_aid_quartier_accueil_and_results(
        database, engine) -> None:  # noqa: F811
    service = TurnService(database, engine, PEPPER, clock=FakeClock(NOW))
    service.handle("sms", "+33612345678", "1", Incoming.from_text("bonjour"))
    service.handle("sms", "+33612345678", "2", Incoming("choice", choice="all"))
    for number in range(20):
        state = service.state_of("sms", "+33612345678")
        if state["phase"] != "ask":
            break
        service.handle("sms", "+33612345678", f"a{number}", Incoming.from_text(ANSWERS[state["q"]]))
    service.handle("sms", "+33698765432", "1", Incoming.from_text("mon mari me bat"))
    code_turn = service.handle("sms", "+33612345678", "h", Incoming("command", command="handover"))
    code = next(r.text for r in code_turn.replies if r.kind == "handover")
    found = [word for word in code.split() if len(word.strip(" .:")) >= 6 and word.strip(" .:").isalnum()]
    assert any(service.redeem_handover_code(word.strip(" .:"), NOW) is not None for word in found)

    figures = read_figures(database, NOW.date(), NOW.date(), engine.catalogue)
    counts = {table.key: {row.key: row.count for row in table.rows} for table in figures.tables}
    assert counts["channels"] == {"sms": 2}
    assert counts["languages"] == {"fr": 2}
    assert counts["needs"].get("all") == 1
    assert counts["aids"] and set(counts["quartiers"]) == {"Malakoff - Saint-Donatien"}  # the quartier, no finer
    assert sum(counts["accueils"].values()) >= 1
    assert counts["journey"]["results"] == 1 and counts["journey"]["handovers"] == 1
    assert sum(counts["emergencies"].values()) >= 1
    with database.transaction() as session:
        stored = " ".join(str(tuple(row)) for row in session.execute(text("SELECT * FROM usage_counters")))
    for private in ("+336", "mari", "bat", "900", "520"):
        assert private not in stored
