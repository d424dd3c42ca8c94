"""HTTP routes of the counsellors' desk (Conseillers Nantes Solidaire), under /desk.

    GET  /desk                 the case page (questionnaire, results, search, accueils); sign-in first;
                               ?case=<sealed case> (bot.channels.desk.draft) shows that case again
    GET  /desk/signin          sign-in page            POST /desk/signin   check, lock-out, session
    POST /desk/signout         end the session
    POST /desk/case            the case page for the posted answers (the form without JavaScript)
    POST /desk/case/update     the same results as JSON fragments (the form with JavaScript)
    POST /desk/print           the printable summary, French and the person's language side by side
    POST /desk/pickup          a resident's handover code -> 303 to the case page with their chat answers
    POST /desk/clear           "Effacer": back to an empty case
    GET  /desk/static/...      CSS and JavaScript (the only scripts the pages may run)

Rules that hold for every route: pages need a signed-in counsellor (else a redirect to sign-in), posts
need one too (else 401) and a valid CSRF token (else 403); bodies are small urlencoded forms (else
413/415). Every response carries the security headers (CSP without inline script, frame denial, no
referrer) and every page Cache-Control: no-store. The desk keeps nothing about residents: a case lives
only in the form the counsellor posts and the page sent back; no log line carries an answer. What it
keeps (sessions, attempt counters, the audit trail of sign-ins, pick-ups and prints) is in
bot.channels.desk.store. Its database calls and password checks run on executors of their own, so
the SMS and Telegram turns and the healthcheck never wait behind the desk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.desk import accounts, signin, stats_page, store
from bot.channels.desk.case import NONE_SUFFIX, SKIP_SUFFIX, Case, CaseForm
from bot.channels.desk.draft import Drafts
from bot.channels.desk.forms import Refusal, WithHeaders, first, read_form, say, static_version
from bot.channels.desk.guard import ClientThrottle, HashPool
from bot.channels.desk.papers import HouseholdPapers
from bot.channels.desk.search import CatalogueSearch
from bot.channels.desk.security import COOKIE, NO_STORE, SECURITY_HEADERS, Session, Sessions, load_or_create_session_secret
from bot.channels.desk.views import bidi, build_results, build_summary, with_ltr
from bot.i18n import LANGUAGES, translator

log = logging.getLogger(__name__)
T = TypeVar("T")

PARIS = ZoneInfo("Europe/Paris")
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CODE_FAILURES, CODE_WINDOW = 10, timedelta(minutes=15)  # wrong handover codes per counsellor before a pause
DESK_IO_THREADS = 2


class Desk:
    """The desk of one runtime. `clock` returns an aware datetime (Europe/Paris); tests pass their own."""

    def __init__(self, runtime: Any, clock: Callable[[], datetime] | None = None,
                 session_clock: Callable[[], float] | None = None) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.catalogue = runtime.catalogue
        self.database = runtime.database
        secret = load_or_create_session_secret(settings.data_dir, settings.session_secret.value or None)
        https = settings.public_url.lower().startswith("https://")
        self.drafts = Drafts(secret)
        self.sessions = Sessions(secret, secure=https, **({"clock": session_clock} if session_clock else {}))
        self.clock = clock or (lambda: datetime.now(PARIS))
        self.form = CaseForm.build(self.catalogue)
        self.search = CatalogueSearch(self.catalogue)
        self.papers = HouseholdPapers.load(self.catalogue)
        self.hashing = HashPool()
        self.throttle = ClientThrottle()
        self._io = ThreadPoolExecutor(max_workers=DESK_IO_THREADS, thread_name_prefix="desk-io")
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        french = translator("fr")
        self.env.globals.update(_=french.gettext, ngettext=french.ngettext, say=say, LANGUAGES=LANGUAGES,
                                static_version=static_version(STATIC), NONE_SUFFIX=NONE_SUFFIX,
                                SKIP_SUFFIX=SKIP_SUFFIX)
        self.env.filters.update(bidi=bidi, with_ltr=with_ltr)

    def routes(self) -> list[BaseRoute]:
        def bound(handler: Callable[[Desk, Request], Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                return await handler(self, request)  # type: ignore[no-any-return]
            return endpoint

        return [
            Route("/", self.root, methods=["GET"]),
            Route("/desk", self.case_page, methods=["GET"]),
            Route("/desk/", self.root, methods=["GET"]),
            Route("/desk/signin", bound(signin.signin_page), methods=["GET"]),
            Route("/desk/signin", bound(signin.signin), methods=["POST"]),
            Route("/desk/signout", bound(signin.signout), methods=["POST"]),
            Route("/desk/case", self.case_post, methods=["POST"]),
            Route("/desk/case/update", self.case_update, methods=["POST"]),
            Route("/desk/print", self.print_page, methods=["POST"]),
            Route("/desk/pickup", self.pickup, methods=["POST"]),
            Route("/desk/clear", self.clear, methods=["POST"]),
            *stats_page.routes(self),
            Mount("/desk/static", app=WithHeaders(StaticFiles(directory=STATIC)), name="desk_static"),
        ]

    def close(self) -> None:
        self.hashing.close()
        self._io.shutdown(wait=False, cancel_futures=True)

    async def io(self, function: Callable[..., T], *args: Any) -> T:
        """Run a database call of the desk on the desk's own threads."""
        return await asyncio.get_running_loop().run_in_executor(self._io, function, *args)

    # -- responses -------------------------------------------------------------------------------------

    def _headers(self, session: Session | None = None, clear: bool = False) -> dict[str, str]:
        headers = {**SECURITY_HEADERS, **NO_STORE}
        if clear:
            headers["Set-Cookie"] = self.sessions.clear_cookie_header()
        elif session is not None:
            headers["Set-Cookie"] = self.sessions.cookie_header(session)
        return headers

    def page(self, name: str, context: dict[str, Any], status: int = 200, session: Session | None = None,
             clear: bool = False, retry_after: int | None = None) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        headers = self._headers(session, clear)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return HTMLResponse(html, status_code=status, headers=headers)

    def redirect(self, url: str, session: Session | None = None, clear: bool = False) -> Response:
        return RedirectResponse(url, status_code=303, headers=self._headers(session, clear))

    def refused(self, status: int) -> Response:
        return self.page("refused.html", {"status": status}, status=status)

    # -- who is there ----------------------------------------------------------------------------------

    async def who(self, request: Request) -> tuple[Session | None, accounts.SignedIn | None]:
        session = self.sessions.read(request.cookies.get(COOKIE))
        if session is None or session.counsellor_id is None:
            return session, None
        counsellor_id, now = session.counsellor_id, self.clock()

        def lookup() -> accounts.SignedIn | None:
            if not store.session_is_open(self.database, session.sid, counsellor_id, now):
                return None  # signed out (here, on another worker, or before a restart)
            return accounts.current_counsellor(self.database, counsellor_id)

        counsellor = await self.io(lookup)
        # A removed account or a reset password ends the session at once.
        if counsellor is None or self.sessions.password_tag(counsellor.password_hash) != session.password_tag:
            return None, None
        return session, counsellor

    async def _signed_in_post(self, request: Request) -> tuple[Session, accounts.SignedIn, dict[str, list[str]]]:
        """A post of a signed-in counsellor with a valid CSRF token, or a Refusal (401, 403, 413…)."""
        session, counsellor = await self.who(request)
        if session is None or counsellor is None:
            raise Refusal(self.refused(401))
        form = await read_form(request, self.refused)
        if not self.sessions.csrf_ok(session, first(form, "csrf", 200)):
            log.info("desk post refused: bad CSRF token")
            raise Refusal(self.refused(403))
        return session, counsellor, form

    # -- pages -----------------------------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        return self.redirect("/desk")

    def _case_context(self, session: Session, counsellor: accounts.SignedIn, case: Case, **extra: Any
                      ) -> dict[str, Any]:
        now = self.clock()
        return {"counsellor": counsellor.name, "csrf": self.sessions.csrf_token(session), "form": self.form,
                "case": case, "results": build_results(self.catalogue, case, now, self.search), "now": now,
                **extra}

    async def case_page(self, request: Request) -> Response:
        session, counsellor = await self.who(request)
        if session is None or counsellor is None:
            return self.redirect("/desk/signin")
        now = self.clock()
        # A case sealed in the address (after a pick-up, or re-sealed by the page's script): a reload keeps it.
        posted = self.drafts.open(session.sid, request.query_params.get("case", ""), now) or {}
        case = self.form.parse(posted, now.date())
        cleared = request.query_params.get("cleared") == "1"
        picked_up = bool(posted) and request.query_params.get("picked") == "1"
        return self.page("case.html", self._case_context(session, counsellor, case, cleared=cleared,
                                                         picked_up=picked_up),
                         session=self.sessions.touched(session))

    async def case_post(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except Refusal as refusal:
            return refusal.response
        case = self.form.parse(posted, self.clock().date())
        return self.page("case.html", self._case_context(session, counsellor, case, submitted=True),
                         session=self.sessions.touched(session))

    async def case_update(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except Refusal as refusal:
            return refusal.response
        case = self.form.parse(posted, self.clock().date())
        results = build_results(self.catalogue, case, self.clock(), self.search)
        parts = self.env.get_template("_results.html").make_module(
            {"case": case, "results": results, "form": self.form})
        body = {
            "results": str(parts.results_block()),
            "search": str(parts.search_block()),
            "status": str(parts.status_line()).strip(),
            "errors": {name: str(parts.error_text(code)).strip() for name, code in case.errors.items()},
            "ignored": sorted(case.ignored),
            "where": str(parts.where_text()).strip(),
            "draft": self.drafts.seal(session.sid, posted, self.clock()),
        }
        touched = self.sessions.touched(session)
        return JSONResponse(body, headers=self._headers(touched))

    async def print_page(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except Refusal as refusal:
            return refusal.response
        now = self.clock()
        case = self.form.parse(posted, now.date())
        summary = build_summary(self.catalogue, case, now, self.papers)
        await self.io(store.record, self.database, "print", counsellor.name, now)
        return self.page("print.html", {"summary": summary, "case": case}, session=self.sessions.touched(session))

    async def pickup(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except Refusal as refusal:
            return refusal.response
        code = first(posted, "code", 32)
        now = self.clock()
        key = f"pickup:{counsellor.counsellor_id}"
        service, pepper = self.runtime.service, self.runtime.pepper

        def redeem() -> tuple[dict[str, Any] | None, str]:
            # Counted before the code is checked, in one statement on the database: 40 parallel guesses
            # on any number of workers get at most CODE_FAILURES checks.
            if not store.reserve_attempt(self.database, key, CODE_FAILURES, CODE_WINDOW, now):
                return None, "too_many"
            case_ref = store.case_ref_of_code(self.database, pepper, code)
            state = service.redeem_handover_code(code, now)
            if state is None:
                store.record(self.database, "pickup_refused", counsellor.name, now)
                return None, "invalid"
            store.refund_attempt(self.database, key)  # the limit counts wrong codes only
            store.record(self.database, "pickup", counsellor.name, now, case_ref=case_ref)
            return state, ""

        state, problem = await self.io(redeem)
        if state is None:
            case = self.form.parse({}, now.date())
            return self.page("case.html", self._case_context(session, counsellor, case, pickup_problem=problem),
                             status=200, session=self.sessions.touched(session))
        log.info("desk case picked up from a handover code")
        # POST-redirect-GET: a reload shows the case again instead of resending the used code.
        token = self.drafts.seal(session.sid, self.form.values_from_state(state), now)
        return self.redirect(f"/desk?case={token}&picked=1", session=self.sessions.touched(session))

    async def clear(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except Refusal as refusal:
            return refusal.response
        if first(posted, "confirm_clear", 2) != "1":
            # Not confirmed yet (the page's script asks first; without it, this page asks): the case stays.
            case = self.form.parse(posted, self.clock().date())
            return self.page("case.html", self._case_context(session, counsellor, case, confirm_clear=True),
                             session=self.sessions.touched(session))
        # Nothing to delete on the server (a case is never stored); the browser drops its cached pages.
        response = self.redirect("/desk?cleared=1", session=self.sessions.touched(session))
        response.headers["Clear-Site-Data"] = '"cache"'
        return response


def routes(runtime: Any) -> list[BaseRoute]:
    return Desk(runtime).routes()
