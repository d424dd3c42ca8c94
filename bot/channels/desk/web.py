"""HTTP routes of the counsellors' desk (Conseillers Nantes Solidaire), under /desk.

    GET  /desk                 the case page (questionnaire, results, search, accueils); sign-in first
    GET  /desk/signin          sign-in page            POST /desk/signin   check, lock-out, session
    POST /desk/signout         end the session
    POST /desk/case            the case page for the posted answers (the form without JavaScript)
    POST /desk/case/update     the same results as JSON fragments (the form with JavaScript)
    POST /desk/print           the printable summary, French and the person's language side by side
    POST /desk/pickup          a resident's handover code -> the case page with their chat answers
    POST /desk/clear           "Effacer": back to an empty case
    GET  /desk/static/...      CSS and JavaScript (the only scripts the pages may run)

Rules that hold for every route: pages need a signed-in counsellor (else a redirect to sign-in), posts
need one too (else 401) and a valid CSRF token (else 403); bodies are small urlencoded forms (else
413/415). Every response carries the security headers (CSP without inline script, frame denial, no
referrer) and every page Cache-Control: no-store. The desk keeps nothing about residents: a case lives
only in the form the counsellor posts and the page sent back; no log line carries an answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.channels.desk import accounts
from bot.channels.desk.case import NONE_SUFFIX, SKIP_SUFFIX, Case, CaseForm
from bot.channels.desk.search import CatalogueSearch
from bot.channels.desk.security import (
    COOKIE,
    NO_STORE,
    SECURITY_HEADERS,
    AttemptLimiter,
    Session,
    Sessions,
    load_or_create_session_secret,
)
from bot.channels.desk.views import build_results, build_summary
from bot.i18n import LANGUAGES, Translator, translator

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
MAX_BODY = 64 * 1024  # the case form is about 2 KiB
MAX_FIELDS = 400
CODE_FAILURES, CODE_WINDOW = 10, 15 * 60  # wrong handover codes per counsellor before a pause


def _say(t: Translator, message: str) -> Markup:
    """A desk sentence in the person's language; when it has no translation yet, the French text marked
    as French (lang="fr", left to right) so screen readers and right-to-left layout stay right."""
    translated = t.gettext(message)
    if t.lang != "fr" and translated == message:
        return Markup('<span lang="fr" dir="ltr">{}</span>').format(message)
    return Markup("{}").format(translated)


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class _Headers:
    """ASGI wrapper adding the security headers to every response of an app (the static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


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
        self.sessions = Sessions(secret, secure=https, **({"clock": session_clock} if session_clock else {}))
        self.clock = clock or (lambda: datetime.now(PARIS))
        self.form = CaseForm.build(self.catalogue)
        self.search = CatalogueSearch(self.catalogue)
        self.code_attempts = AttemptLimiter(CODE_FAILURES, CODE_WINDOW)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        french = translator("fr")
        self.env.globals.update(_=french.gettext, ngettext=french.ngettext, say=_say, LANGUAGES=LANGUAGES,
                                static_version=_static_version(), NONE_SUFFIX=NONE_SUFFIX, SKIP_SUFFIX=SKIP_SUFFIX)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.root, methods=["GET"]),
            Route("/desk", self.case_page, methods=["GET"]),
            Route("/desk/", self.root, methods=["GET"]),
            Route("/desk/signin", self.signin_page, methods=["GET"]),
            Route("/desk/signin", self.signin, methods=["POST"]),
            Route("/desk/signout", self.signout, methods=["POST"]),
            Route("/desk/case", self.case_post, methods=["POST"]),
            Route("/desk/case/update", self.case_update, methods=["POST"]),
            Route("/desk/print", self.print_page, methods=["POST"]),
            Route("/desk/pickup", self.pickup, methods=["POST"]),
            Route("/desk/clear", self.clear, methods=["POST"]),
            Mount("/desk/static", app=_Headers(StaticFiles(directory=STATIC)), name="desk_static"),
        ]

    # -- responses -------------------------------------------------------------------------------------

    def _headers(self, session: Session | None = None, clear: bool = False) -> dict[str, str]:
        headers = {**SECURITY_HEADERS, **NO_STORE}
        if clear:
            headers["Set-Cookie"] = self.sessions.clear_cookie_header()
        elif session is not None:
            headers["Set-Cookie"] = self.sessions.cookie_header(session)
        return headers

    def _page(self, name: str, context: dict[str, Any], status: int = 200, session: Session | None = None,
              clear: bool = False) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=self._headers(session, clear))

    def _redirect(self, url: str, session: Session | None = None, clear: bool = False) -> Response:
        return RedirectResponse(url, status_code=303, headers=self._headers(session, clear))

    def _refused(self, status: int) -> Response:
        return self._page("refused.html", {"status": status}, status=status)

    # -- who is there ----------------------------------------------------------------------------------

    async def _who(self, request: Request) -> tuple[Session | None, accounts.SignedIn | None]:
        session = self.sessions.read(request.cookies.get(COOKIE))
        if session is None or session.counsellor_id is None:
            return session, None
        counsellor = await asyncio.to_thread(accounts.current_counsellor, self.database, session.counsellor_id)
        # A removed account or a reset password ends the session at once.
        if counsellor is None or self.sessions.password_tag(counsellor.password_hash) != session.password_tag:
            return None, None
        return session, counsellor

    async def _read_form(self, request: Request) -> dict[str, list[str]]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise _Refusal(self._refused(415))
        length = request.headers.get("content-length")
        if length is not None and (not (length.isascii() and length.isdigit() and len(length) <= 18)
                                   or int(length) > MAX_BODY):
            raise _Refusal(self._refused(413))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise _Refusal(self._refused(413))
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise _Refusal(self._refused(400)) from None
        form: dict[str, list[str]] = {}
        for key, value in pairs:
            form.setdefault(key, []).append(value)
        return form

    async def _signed_in_post(self, request: Request) -> tuple[Session, accounts.SignedIn, dict[str, list[str]]]:
        """A post of a signed-in counsellor with a valid CSRF token, or a _Refusal (401, 403, 413…)."""
        session, counsellor = await self._who(request)
        if session is None or counsellor is None:
            raise _Refusal(self._refused(401))
        form = await self._read_form(request)
        if not self.sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
            log.info("desk post refused: bad CSRF token")
            raise _Refusal(self._refused(403))
        return session, counsellor, form

    # -- pages -----------------------------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        return self._redirect("/desk")

    def _case_context(self, session: Session, counsellor: accounts.SignedIn, case: Case, **extra: Any
                      ) -> dict[str, Any]:
        now = self.clock()
        return {"counsellor": counsellor.name, "csrf": self.sessions.csrf_token(session), "form": self.form,
                "case": case, "results": build_results(self.catalogue, case, now, self.search), "now": now,
                **extra}

    async def case_page(self, request: Request) -> Response:
        session, counsellor = await self._who(request)
        if session is None or counsellor is None:
            return self._redirect("/desk/signin")
        case = self.form.parse({}, self.clock().date())
        cleared = request.query_params.get("cleared") == "1"
        return self._page("case.html", self._case_context(session, counsellor, case, cleared=cleared),
                          session=self.sessions.touched(session))

    async def case_post(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except _Refusal as refusal:
            return refusal.response
        case = self.form.parse(posted, self.clock().date())
        return self._page("case.html", self._case_context(session, counsellor, case, submitted=True),
                          session=self.sessions.touched(session))

    async def case_update(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except _Refusal as refusal:
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
        }
        touched = self.sessions.touched(session)
        return JSONResponse(body, headers=self._headers(touched))

    async def print_page(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except _Refusal as refusal:
            return refusal.response
        now = self.clock()
        case = self.form.parse(posted, now.date())
        summary = build_summary(self.catalogue, case, now)
        return self._page("print.html", {"summary": summary, "case": case}, session=self.sessions.touched(session))

    async def pickup(self, request: Request) -> Response:
        try:
            session, counsellor, posted = await self._signed_in_post(request)
        except _Refusal as refusal:
            return refusal.response
        code = (posted.get("code") or [""])[0][:32]
        now = self.clock()
        state = None
        if self.code_attempts.blocked(counsellor.counsellor_id):
            problem = "too_many"
        else:
            state = await asyncio.to_thread(self.runtime.service.redeem_handover_code, code, now)
            problem = "" if state is not None else "invalid"
            if state is None:
                self.code_attempts.failed(counsellor.counsellor_id)
        if state is None:
            case = self.form.parse({}, now.date())
            return self._page("case.html", self._case_context(session, counsellor, case, pickup_problem=problem),
                              status=200, session=self.sessions.touched(session))
        log.info("desk case picked up from a handover code")
        case = self.form.parse(self.form.values_from_state(state), now.date())
        return self._page("case.html", self._case_context(session, counsellor, case, picked_up=True),
                          session=self.sessions.touched(session))

    async def clear(self, request: Request) -> Response:
        try:
            session, counsellor, _ = await self._signed_in_post(request)
        except _Refusal as refusal:
            return refusal.response
        # Nothing to delete on the server (a case is never stored); the browser drops its cached pages.
        response = self._redirect("/desk?cleared=1", session=self.sessions.touched(session))
        response.headers["Clear-Site-Data"] = '"cache"'
        return response

    # -- signing in and out -----------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        session, counsellor = await self._who(request)
        if counsellor is not None:
            return self._redirect("/desk")
        fresh = session is None
        if fresh:
            session = self.sessions.new()
        message = request.query_params.get("m", "")
        return self._page("signin.html", {"csrf": self.sessions.csrf_token(session), "name": "",
                                          "message": message if message in ("out", "expired") else ""},
                          session=session if fresh else self.sessions.touched(session))

    async def signin(self, request: Request) -> Response:
        session = self.sessions.read(request.cookies.get(COOKIE))
        try:
            form = await self._read_form(request)
        except _Refusal as refusal:
            return refusal.response
        if session is None:
            # The sign-in page stayed open past the idle limit, or cookies are blocked: nothing was done,
            # show a fresh sign-in page that says so.
            return self._redirect("/desk/signin?m=expired")
        if not self.sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
            return self._refused(403)
        name = (form.get("name") or [""])[0][:200]
        password = (form.get("password") or [""])[0][:500]
        counsellor = await asyncio.to_thread(accounts.authenticate, self.database, name, password, self.clock())
        if counsellor is None:
            return self._page("signin.html", {"csrf": self.sessions.csrf_token(session), "name": name[:100],
                                              "message": "refused"}, status=401)
        self.sessions.revoke(session)
        signed_in = self.sessions.new(counsellor.counsellor_id, counsellor.password_hash)  # a new id: no fixation
        return self._redirect("/desk", session=signed_in)

    async def signout(self, request: Request) -> Response:
        session = self.sessions.read(request.cookies.get(COOKIE))
        try:
            form = await self._read_form(request)
        except _Refusal as refusal:
            return refusal.response
        if session is None:
            return self._redirect("/desk/signin?m=expired", clear=True)
        if not self.sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
            return self._refused(403)
        self.sessions.revoke(session)
        response = self._redirect("/desk/signin?m=out", clear=True)
        response.headers["Clear-Site-Data"] = '"cache"'
        log.info("desk sign-out")
        return response


def routes(runtime: Any) -> list[BaseRoute]:
    return Desk(runtime).routes()
