"""knowledge/data_inclusion.yaml: the data·inclusion v1 slugs (reseaux_porteurs, publics, thematiques)
that places and aids may use, so that they can be exchanged with data·inclusion / DORA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalogue.errors import Problems
from bot.catalogue.fields import type_name

FILE = "data_inclusion.yaml"
SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class Vocabularies:
    reseaux_porteurs: frozenset[str] = frozenset()
    publics: frozenset[str] = frozenset()
    thematiques: frozenset[str] = frozenset()  # sub-themes "a--b" and, alone, their top-level theme "a"


def parse_vocabularies(data: Any, problems: Problems) -> Vocabularies:
    if not isinstance(data, dict):
        problems.error(FILE, "", "", f"must be a mapping of three lists, not {type_name(data)}")
        return Vocabularies()
    lists: dict[str, frozenset[str]] = {}
    for key in data:
        if key not in ("reseaux_porteurs", "publics", "thematiques"):
            problems.error(FILE, str(key), "", "unknown vocabulary (a typo?)")
    for key in ("reseaux_porteurs", "publics", "thematiques"):
        raw = data.get(key)
        if not isinstance(raw, list) or not raw:
            problems.error(FILE, key, "", f"must be a non-empty list of slugs, not {type_name(raw)}")
            lists[key] = frozenset()
            continue
        slugs = set()
        for index, slug in enumerate(raw):
            if not isinstance(slug, str) or not slug or not set(slug) <= SLUG_CHARS:
                problems.error(FILE, key, f"[{index}]", f"{slug!r} is not a slug (a-z, 0-9 and -)")
            elif slug in slugs:
                problems.error(FILE, key, f"[{index}]", f"{slug!r} is written twice")
            else:
                slugs.add(slug)
        lists[key] = frozenset(slugs)
    themes = lists["thematiques"] | {t.split("--")[0] for t in lists["thematiques"]}
    return Vocabularies(lists["reseaux_porteurs"], lists["publics"], frozenset(themes))
