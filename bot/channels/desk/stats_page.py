"""The statistics page of the desk, for admin accounts:

    GET /desk/stats?period=30           the figures of the last 30 days (7, 30, 90, 365), tables and charts
    GET /desk/stats?since=..&until=..   a chosen period (YYYY-MM-DD, Europe/Paris days)
    GET /desk/stats.csv?...             the same table as CSV

Not signed in: a redirect to sign-in; signed in without the admin role: 403. Counts only, every cell
under 5 reads "< 5" (bot.stats.figures); the charts are inline SVG (no script, the CSP unchanged).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.desk.roles import is_admin
from bot.stats import charts
from bot.stats.events import ANSWERS
from bot.stats.export import to_csv
from bot.stats.figures import ANSWER_LABELS, Figures, read_figures

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
LONGEST = timedelta(days=3 * 366)  # counters are kept three years


def period_of(query: Any, today: date) -> tuple[date, date, int | None]:
    """(since, until, preset) from the query string; a bad or missing value gives the last 30 days."""
    try:
        since = date.fromisoformat(str(query.get("since", "")))
        until = date.fromisoformat(str(query.get("until", "")) or today.isoformat())
        if since <= until and until - since <= LONGEST:
            return since, min(until, today), None
    except ValueError:
        pass
    days = str(query.get("period", ""))
    preset = int(days) if days.isdigit() and int(days) in PERIODS else DEFAULT_PERIOD
    return today - timedelta(days=preset - 1), today, preset


def routes(desk: Any) -> list[BaseRoute]:
    async def allowed(request: Request) -> tuple[Any, Any, Response | None]:
        session, counsellor = await desk.who(request)
        if session is None or counsellor is None:
            return None, None, desk.redirect("/desk/signin")
        if not await desk.io(is_admin, desk.database, counsellor.counsellor_id):
            return None, None, desk.page("refused.html", {"status": 403, "admin_only": True}, status=403)
        return session, counsellor, None

    async def figures(request: Request) -> tuple[Figures, int | None]:
        since, until, preset = period_of(request.query_params, desk.clock().date())
        return await desk.io(read_figures, desk.database, since, until, desk.catalogue), preset

    async def page(request: Request) -> Response:
        session, counsellor, refusal = await allowed(request)
        if refusal is not None:
            return refusal
        found, preset = await figures(request)
        labels = {row.key: row.label for row in found.table("channels").rows}
        svg = {"weeks": Markup(charts.weekly_bars(found.weeks, found.channels, labels,
                                                  "Conversations commencées par semaine")),
               "quartiers": Markup(charts.horizontal_bars(found.table("quartiers").rows,
                                                          "Aides montrées, par quartier")),
               "aids": Markup(charts.horizontal_bars(found.table("aids").rows, "Aides montrées comme probables"))}
        query = f"since={found.since.isoformat()}&until={found.until.isoformat()}"
        context = {"counsellor": counsellor.name, "csrf": desk.sessions.csrf_token(session), "figures": found,
                   "charts": svg, "periods": PERIODS, "preset": preset, "csv_url": f"/desk/stats.csv?{query}",
                   "answer_labels": [ANSWER_LABELS[answer] for answer in ANSWERS]}
        response: Response = desk.page("stats.html", context,
                                       session=desk.sessions.touched(session))
        return response

    async def csv(request: Request) -> Response:
        _session, _counsellor, refusal = await allowed(request)
        if refusal is not None:
            return refusal
        found, _preset = await figures(request)
        name = f"aiguillage-stats-{found.since.isoformat()}-{found.until.isoformat()}.csv"
        headers = {**desk._headers(), "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(to_csv(found), media_type="text/csv; charset=utf-8", headers=headers)

    return [Route("/desk/stats", page, methods=["GET"]), Route("/desk/stats.csv", csv, methods=["GET"])]
