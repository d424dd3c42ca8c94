"""A month of made-up traffic in the counters, for the screenshot and tests of the statistics page.

Counters only (the same rows real turns write), drawn from a seeded generator: the same seed gives the
same month. Never run against a production database: it adds counts that did not happen.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from bot.stats import events as ev
from bot.storage import rows
from bot.storage.database import Database

QUARTIERS = ("Bellevue", "Malakoff", "Dervallières", "Bottière", "Nantes Nord", "Centre-ville", "Breil",
             "Clos Toreau", "Doulon")


def generate_month(database: Database, until: date, catalogue: Any, seed: int = 7, days: int = 30) -> None:
    rng = random.Random(seed)
    aids = sorted(getattr(catalogue, "aids", {}) or {"rsa": 0, "css": 0, "apl": 0})[:10]
    places = sorted(getattr(catalogue, "places", {}) or {"ccas": 0})[:4]
    needs = [need.id for need in getattr(catalogue, "needs", ())][:6] or ["money"]
    emergencies = [item.id for item in getattr(catalogue, "emergencies", ())][:4] or ["violence"]
    weights = {"telegram": 14, "sms": 9, "desk": 4}
    with database.connection() as connection:
        for offset in range(days):
            day = until - timedelta(days=days - 1 - offset)
            counts: Counter[ev.Key] = Counter()
            weekend = day.weekday() >= 5
            for channel, mean in weights.items():
                started = max(0, int(rng.gauss(mean * (0.5 if weekend else 1) * (1 + offset / days), 2)))
                counts[(channel, ev.STARTED, "", "")] += started
                counts[(channel, ev.RESULTS, "", "")] += int(started * rng.uniform(0.55, 0.8))
                for _ in range(started):
                    counts[(channel, ev.LANGUAGE, "", rng.choices(["fr", "ar", "uk", "en", "fa", "ps", "ro", "es"],
                                                                 [60, 12, 8, 6, 4, 2, 2, 1])[0])] += 1
                    counts[(channel, ev.NEED, "", rng.choice(needs))] += 1
                    quartier = rng.choices(QUARTIERS, [9, 8, 6, 5, 5, 4, 3, 1, 1])[0]
                    for aid in rng.sample(aids, k=min(len(aids), rng.randint(0, 3))):
                        counts[(channel, ev.AID_SHOWN, quartier, aid)] += 1
                    if rng.random() < 0.5:
                        counts[(channel, ev.ACCUEIL, quartier, rng.choice(places))] += 1
                    if rng.random() < 0.04:
                        counts[(channel, ev.EMERGENCY, quartier, rng.choice(emergencies))] += 1
                    if rng.random() < 0.2:
                        counts[(channel, ev.FOLLOWUP_ACCEPTED, "", "")] += 1
                    if rng.random() < 0.08:
                        counts[(channel, ev.HANDOVER_PICKED_UP, "", "")] += 1
                    if rng.random() < 0.15:
                        counts[(channel, ev.FOLLOWUP_SENT, "", "")] += 1
                        answer = rng.choices(ev.ANSWERS, [5, 4, 1, 2])[0]
                        counts[(channel, ev.FOLLOWUP_ANSWER[answer], "", rng.choice(aids[:4]))] += 1
            rows.bump_counters(connection, day, +counts)
