"""Parts of the `aiguillage` command: one-line failures, days typed by a person, and `aiguillage audit`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class CliError(ValueError):
    """A command that cannot be done as asked; the message says why in one line."""


def failure_line(error: BaseException) -> str | None:
    """The one line to print for a failure an operator can fix, or None for a bug (kept as a traceback)."""
    from sqlalchemy.exc import DatabaseError

    from bot.catalogue import CatalogueError
    from bot.channels.desk.security import SecretError
    from bot.config import ConfigError
    from bot.runtime import StartupError
    from bot.storage import PepperError, StorageUnavailable

    if isinstance(error, CliError):
        return f"aiguillage: {error}"
    if isinstance(error, ConfigError | CatalogueError | StartupError | PepperError | SecretError):
        return f"Aiguillage cannot start: {error}"
    if isinstance(error, StorageUnavailable):
        return f"Aiguillage cannot reach its database: {error}"
    if isinstance(error, DatabaseError):
        return (f"Aiguillage cannot use its database ({type(getattr(error, 'orig', None) or error).__name__}); "
                f"check AIGUILLAGE_DATABASE_URL or the SQLite file in AIGUILLAGE_DATA_DIR")
    return None


def parse_day(text: str, option: str) -> date:
    """A day as YYYY-MM-DD, "today", "yesterday" or "7d" (seven days ago), in Paris time."""
    today = datetime.now(PARIS).date()
    cleaned = text.strip().lower()
    if cleaned in ("today", "aujourd'hui"):
        return today
    if cleaned in ("yesterday", "hier"):
        return today - timedelta(days=1)
    if cleaned.endswith("d") and cleaned[:-1].isdigit():
        return today - timedelta(days=int(cleaned[:-1]))
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise CliError(f"{option} {text!r}: expected a day as YYYY-MM-DD, today, yesterday or a number of days "
                       f"like 7d") from None


def cmd_audit(args: argparse.Namespace) -> int:
    """What counsellors did at the desk: who signed in, who picked up which case (pseudonymous id), when."""
    from bot.channels.desk import store

    since = parse_day(args.since, "--since") if args.since else None
    if args.action and args.action not in store.ACTIONS:
        raise CliError(f"--action {args.action!r}: expected one of {', '.join(store.ACTIONS)}")
    from bot.cli import _runtime

    runtime = _runtime(args)
    start = datetime.combine(since, datetime.min.time(), PARIS) if since else None
    rows = store.entries(runtime.database, since=start, counsellor=args.counsellor, action=args.action)
    if args.json:
        for row in rows:
            print(json.dumps({"at": row.at.astimezone(PARIS).isoformat(timespec="seconds"), "action": row.action,
                              "counsellor": row.counsellor, "case": row.case_ref, "client": row.client},
                             ensure_ascii=False))
        return 0
    print(f"{'when (Europe/Paris)':<20} {'action':<16} {'counsellor':<20} {'case':<11} client")
    for row in rows:
        print(f"{row.at.astimezone(PARIS):%Y-%m-%d %H:%M:%S} {row.action:<16} {row.counsellor or '(unknown)':<20} "
              f"{row.case_ref or '-':<11} {row.client or '-'}")
    print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}; kept {runtime.settings.audit_retention_days} days "
          f"(AIGUILLAGE_AUDIT_RETENTION_DAYS)")
    return 0


def cmd_healthcheck(args: argparse.Namespace) -> int:
    """Exit 0 when the running server answers /healthcheck with 200 (the image's HEALTHCHECK)."""
    import urllib.request

    from bot.cli import _settings

    settings = _settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    try:
        with urllib.request.urlopen(f"http://{host}:{settings.port}/healthcheck", timeout=5) as response:
            print(response.read().decode())
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


def cmd_stats(args: argparse.Namespace) -> int:
    """The desk's statistics page as a table (or --json), with the same "< 5" suppression (bot.stats)."""
    from bot.cli import _runtime
    from bot.stats.export import to_text
    from bot.stats.figures import read_figures

    today = datetime.now(PARIS).date()
    since = parse_day(args.since, "--since") if args.since else today - timedelta(days=29)
    until = parse_day(args.until, "--until") if args.until else today
    if since > until:
        raise CliError("--since is after --until")
    runtime = _runtime(args)
    figures = read_figures(runtime.database, since, until, runtime.catalogue)
    if args.json:
        print(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
    else:
        print(to_text(figures), end="")
    return 0
