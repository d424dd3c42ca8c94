"""The `aiguillage` command."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli_support import CliError, cmd_audit, cmd_healthcheck, cmd_stats, failure_line, parse_day

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

PARIS = ZoneInfo("Europe/Paris")
__all__ = ["CliError", "build_parser", "cmd_audit", "failure_line", "main", "parse_day"]


def _catalogue(path: str | None):
    from bot.catalogue import KNOWLEDGE_DIR, CatalogueError, load_catalogue

    try:
        return load_catalogue(Path(path) if path else KNOWLEDGE_DIR)
    except CatalogueError as error:
        print(f"Aiguillage cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_check(args) -> int:
    from bot.catalogue import KNOWLEDGE_DIR, check_catalogue

    catalogue, problems = check_catalogue(Path(args.knowledge) if args.knowledge else KNOWLEDGE_DIR,
                                          today=date.fromisoformat(args.today) if args.today else None)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for problem in errors:
        print(f"error: {problem}")
    for problem in warnings:
        print(f"warning: {problem}")
    if not args.knowledge:
        # A translation made for an older French text: the person reads the French until it is redone.
        from bot.i18n.catalogs import stale_translations

        stale = stale_translations()
        for item in stale:
            print(f"warning: {item}")
        warnings += stale  # type: ignore[arg-type]
    if catalogue is not None:
        print(f"{len(catalogue.aids)} aids, {len(catalogue.places)} places, {len(catalogue.questions)} questions; "
              f"{len(errors)} errors, {len(warnings)} warnings (catalogue {catalogue.version})")
    else:
        print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


def cmd_chat(args) -> int:
    from bot.channels.console import run_chat
    from bot.dialog.engine import Engine

    return run_chat(Engine(_catalogue(args.knowledge)), as_json=args.json, lang=args.lang)


def cmd_screen(args) -> int:
    from bot.places.search import locate, nearest
    from bot.rules.screen import screen

    catalogue = _catalogue(args.knowledge)
    raw = sys.stdin.read() if args.profile == "-" else Path(args.profile).read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except ValueError as error:
        print(f"the profile is not valid JSON: {error}", file=sys.stderr)
        return 2
    profiles = data if isinstance(data, list) else [data]
    today = date.fromisoformat(args.today) if args.today else datetime.now(PARIS).date()
    output = []
    for index, profile in enumerate(profiles):
        if not isinstance(profile, dict):
            print(f"profile #{index}: must be a JSON object", file=sys.stderr)
            return 2
        profile = dict(profile)
        where = profile.pop("location", None)
        problems = catalogue.profile.validate(profile)
        if problems:
            print(f"profile #{index}: " + "; ".join(problems), file=sys.stderr)
            return 2
        entry = {"profile": profile, "aids": [r.as_dict() for r in screen(catalogue, profile, today)]}
        point = None
        if isinstance(where, dict) and "lat" in where and "lon" in where:
            point = (float(where["lat"]), float(where["lon"]))
        elif isinstance(where, str):
            found = locate(where, catalogue.gazetteer)
            point = (found.lat, found.lon) if found else None
        elif profile.get("quartier"):
            found = locate(str(profile["quartier"]), catalogue.gazetteer)
            point = (found.lat, found.lon) if found else None
        if point:
            near = nearest(catalogue.places.values(), point[0], point[1], limit=1)
            entry["nearest_place"] = {"id": near[0].place.id, "name": near[0].place.name,
                                      "distance_m": near[0].distance_m} if near else None
        output.append(entry)
    if isinstance(data, list):  # one profile per line: the same JSON, written by the fast (C) encoder
        sys.stdout.write("[\n" + ",\n".join(json.dumps(entry, ensure_ascii=False) for entry in output) + "\n]\n")
    else:
        json.dump(output[0], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 0


def _door(found, catalogue) -> dict:
    """The door for a location and why, in French: what the results say to the person."""
    from bot.i18n import translator
    from bot.places.doors import door_for
    from bot.places.why import ask_text, choice_label, commune_lines, options, reason_text, unconfirmed_text

    t = translator("fr")
    door = door_for(found, catalogue)
    out = {"reason": door.reason, "why": reason_text(door, t), "place": door.place.id if door.place else None,
           "unconfirmed": unconfirmed_text(door, catalogue.territory.confirm_phone, t)}
    if door.reason == "commune":
        out["commune"] = door.commune
        out["contact"] = commune_lines(door, t)
    if found is not None and found.ambiguous:
        out["ask"] = ask_text(found, t)
        out["choices"] = [choice_label(a) for a in options(found)]
    return out


def cmd_nearest(args) -> int:
    from bot.places.hours import open_status
    from bot.places.search import locate, locate_point, nearest

    catalogue = _catalogue(args.knowledge)
    found = None
    if args.lat is not None and args.lon is not None:
        lat, lon, label = args.lat, args.lon, None
        found = locate_point(lat, lon, catalogue.gazetteer)
    else:
        if not args.text:
            print("give a place name (aiguillage nearest \"Bellevue\") or --lat and --lon", file=sys.stderr)
            return 2
        found = locate(args.text, catalogue.gazetteer)
        if found is None:
            print(json.dumps({"query": args.text, "found": None, "places": [], "door": _door(None, catalogue)},
                             ensure_ascii=False))
            return 1
        lat, lon, label = found.lat, found.lon, found.label
    now = datetime.now(PARIS)
    kinds = tuple(args.kind) if args.kind else ("accueil_solidarite",)
    places = []
    for item in nearest(catalogue.places.values(), lat, lon, kinds=kinds, limit=args.limit):
        status = open_status(item.place, now)
        places.append({
            "id": item.place.id, "name": item.place.name, "kind": item.place.kind,
            "address": item.place.address, "postcode": item.place.postcode, "commune": item.place.commune,
            "phone": item.place.phone, "opening_hours": item.place.opening_hours,
            "distance_m": item.distance_m, "open_now": status.state,
            "change_at": status.change_at.isoformat() if status.change_at else None,
            "verified": item.place.verified,
        })
    print(json.dumps({"query": args.text or None, "found": label, "quartier": found.quartier if found else None,
                      "insee": found.insee if found else None, "lat": lat, "lon": lon,
                      "door": _door(found, catalogue), "places": places}, ensure_ascii=False, indent=2))
    return 0


def _settings() -> Settings:
    from bot.config import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as error:
        print(f"Aiguillage cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _runtime(args: argparse.Namespace) -> Runtime:
    from bot.logs import configure_logging
    from bot.runtime import build_runtime

    settings = _settings()
    if args.knowledge:
        from dataclasses import replace

        settings = replace(settings, knowledge_dir=Path(args.knowledge))
    configure_logging(settings.log_level)
    return build_runtime(settings)


def cmd_run(args) -> int:
    from dataclasses import replace

    from bot.logs import configure_logging
    from bot.serve import run

    settings = _settings()
    if args.knowledge:
        settings = replace(settings, knowledge_dir=Path(args.knowledge))
    if args.port:
        settings = replace(settings, port=args.port)
    configure_logging(settings.log_level)
    return run(settings)


def _retention_days(value: str) -> int:
    """--days: a whole number of days, at least 1 (0 or less would delete conversations in progress)."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"{days} days would delete conversations still in progress: "
                                         "give at least 1") from None
    return days


def cmd_purge(args) -> int:
    from datetime import timedelta

    from bot.stats.counting import purge_counters

    runtime = _runtime(args)
    days = args.days if args.days is not None else runtime.settings.retention_days
    deleted = runtime.service.purge(inactive_for=timedelta(days=days))
    print(f"{deleted} conversation(s) inactive for more than {days} days deleted.")
    purge_counters(runtime.database, datetime.now(PARIS).date())  # anonymous counters: kept three years
    return 0


def cmd_counsellor(args) -> int:
    from bot.channels.desk.accounts import add_counsellor, reset_password

    runtime = _runtime(args)
    try:
        password = (add_counsellor if args.action == "add" else reset_password)(runtime.database, args.name)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    from bot.channels.desk.roles import grant_admin

    role = grant_admin(runtime.database, args.name) or " (admin: opens /desk/stats)" if args.admin else ""
    print(f"Counsellor {args.name!r}{role}: password {password} (shown once, give it in person).")
    return 0


def cmd_i18n(args) -> int:
    from bot.i18n import LOCALES_DIR
    from bot.i18n.catalogs import extract, update
    from bot.i18n.compile import compile_catalogues

    if args.action == "extract":
        paths = extract()
    elif args.action == "update":
        paths = extract() + update()
    else:
        paths = compile_catalogues(LOCALES_DIR)
    for path in paths:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiguillage", description="Aiguillage: orientation vers les droits sociaux")
    parser.add_argument("--knowledge", help="catalogue folder (default: the bundled knowledge/)")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate the catalogue; report every problem and stale entry")
    check.add_argument("--today", help="check staleness as of this date (YYYY-MM-DD)")
    check.set_defaults(func=cmd_check)

    chat = sub.add_parser("chat", help="a conversation in the terminal")
    chat.add_argument("--json", action="store_true", help="one JSON object per line in and out")
    chat.add_argument("--lang", default="fr", help="language code (fr, en, ar, …)")
    chat.set_defaults(func=cmd_chat)

    screen_ = sub.add_parser("screen", help="every aid's status for a profile (JSON file or - for stdin)")
    screen_.add_argument("profile")
    screen_.add_argument("--today", help="evaluate as of this date (YYYY-MM-DD)")
    screen_.set_defaults(func=cmd_screen)

    near = sub.add_parser("nearest", help="the nearest places to a typed location or coordinates")
    near.add_argument("text", nargs="?", default="")
    near.add_argument("--lat", type=float)
    near.add_argument("--lon", type=float)
    near.add_argument("--limit", type=int, default=3)
    near.add_argument("--kind", action="append", help="place kind (default accueil_solidarite); repeatable")
    near.set_defaults(func=cmd_nearest)

    run = sub.add_parser("run", help="serve everything configured: desk, SMS and Telegram webhooks, polling")
    run.add_argument("--port", type=int, help="HTTP port (default AIGUILLAGE_PORT or 8080)")
    run.set_defaults(func=cmd_run)

    health = sub.add_parser("healthcheck", help="ask the running server whether it is healthy (exit 0 or 1)")
    health.set_defaults(func=cmd_healthcheck)

    purge = sub.add_parser("purge", help="delete conversations inactive for longer than the retention period")
    purge.add_argument("--days", type=_retention_days, metavar="N",
                       help="inactive for more than N days, N at least 1 (default: the setting)")
    purge.set_defaults(func=cmd_purge)

    stats = sub.add_parser("stats", help="anonymous figures of a period (as at /desk/stats), counts under 5 read \"< 5\"")
    stats.add_argument("--since", help="from this day (YYYY-MM-DD, today, yesterday, 7d); default: 30 days ago")
    stats.add_argument("--until", help="to this day, included (default: today)")
    stats.add_argument("--json", action="store_true", help="JSON instead of a table (same suppression)")
    stats.set_defaults(func=cmd_stats)

    audit = sub.add_parser("audit", help="the desk's audit trail: sign-ins, refused sign-ins, pick-ups, prints")
    audit.add_argument("--since", help="from this day (YYYY-MM-DD, today, yesterday, 7d)")
    audit.add_argument("--counsellor", help="only this account")
    audit.add_argument("--action", help="only this action (signin, signin_refused, signout, pickup, print, ...)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    audit.set_defaults(func=cmd_audit)

    counsellor = sub.add_parser("counsellor", help="desk accounts for the Conseillers Nantes Solidaire")
    counsellor.add_argument("action", choices=["add", "reset"])
    counsellor.add_argument("name")
    counsellor.add_argument("--admin", action="store_true", help="also opens the statistics page (/desk/stats)")
    counsellor.set_defaults(func=cmd_counsellor)

    i18n = sub.add_parser("i18n", help="translation catalogues: extract, update (merge into .po), compile")
    i18n.add_argument("action", choices=["extract", "update", "compile"])
    i18n.set_defaults(func=cmd_i18n)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130  # Ctrl+C: the person asked to stop; nothing to explain
    except Exception as error:
        line = failure_line(error)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # a second Ctrl+C while stopping
        raise SystemExit(130) from None
