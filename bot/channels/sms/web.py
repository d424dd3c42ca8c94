"""HTTP routes of the SMS gateways: POST /sms/twilio and POST /sms/android (see docs/sms.md).

Each webhook checks, in order: the gateway is configured (else 404), the request is signed (403),
the body is at most MAX_BODY bytes (413), of the right content type (415), authentic (403) and well
formed (400); only then is the SMS applied (bot.channels.sms.relay) and answered: in the response as
TwiML for Twilio, through the phone's API in the background for the Android gateway. A refused
request changes nothing. Nothing here logs a number, a text or a header value.

    channel = SmsChannel(runtime)            # what routes(runtime) builds; create_app mounts it
    app = create_app(runtime)
    ...
    await sms_channel_of(app).aclose()       # at shutdown: lets queued replies go out (bounded)
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.sms import android_gateway, twilio
from bot.channels.sms.relay import InboundSms, SmsRelay
from bot.storage.outbox import OutboxStore

log = logging.getLogger(__name__)

TWILIO_PATH = "/sms/twilio"
ANDROID_PATH = "/sms/android"
MAX_BODY = 64 * 1024  # an SMS webhook is under 2 KiB; anything near this is not a gateway


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason

    def response(self) -> Response:
        return PlainTextResponse(self.reason + "\n", status_code=self.status)


class SmsChannel:
    """The SMS webhooks of one runtime, and the outbox of the Android gateway."""

    def __init__(self, runtime, outbox: android_gateway.Outbox | None = None,
                 clock=time.time) -> None:  # type: ignore[no-untyped-def]
        settings = runtime.settings
        self.relay = SmsRelay(runtime.service)
        self._public_url = settings.public_url.rstrip("/")
        self._twilio_token = settings.twilio_auth_token.value
        self._android_key = settings.smsgateway_signing_key.value
        self._clock = clock
        self._replays = android_gateway.ReplayGuard()
        self._store = self.outbox_store(runtime)
        self.outbox = outbox
        if self.outbox is None and self._android_key and settings.smsgateway_url:
            self.outbox = android_gateway.Outbox(settings.smsgateway_url, settings.smsgateway_user,
                                                 settings.smsgateway_password.value, store=self._store)
        if not self._twilio_token:
            log.info("sms: Twilio webhook disabled (no AIGUILLAGE_TWILIO_AUTH_TOKEN)")
        elif not self._public_url:
            log.warning("sms: AIGUILLAGE_PUBLIC_URL is empty, Twilio signatures are checked against the "
                        "URL as received, which fails behind a proxy")
        if not self._android_key:
            log.info("sms: Android gateway webhook disabled (no AIGUILLAGE_SMSGATEWAY_SIGNING_KEY)")
        elif self.outbox is None:
            log.warning("sms: Android gateway webhook disabled: AIGUILLAGE_SMSGATEWAY_URL is empty, "
                        "replies could not be sent")

    @staticmethod
    def outbox_store(runtime) -> OutboxStore:  # type: ignore[no-untyped-def]
        return OutboxStore(runtime.database, runtime.pepper, lambda: datetime.now(UTC))

    def use_outbox(self, **options) -> android_gateway.Outbox:  # type: ignore[no-untyped-def]
        """Replace the outbox by one with other options (tests: quick retries), on the same table."""
        if self.outbox is not None:
            self.outbox.stop()
        self.outbox = android_gateway.Outbox(**{"store": self._store, **options})
        return self.outbox

    def routes(self) -> list[BaseRoute]:
        return [Route(TWILIO_PATH, self.twilio, methods=["POST"]),
                Route(ANDROID_PATH, self.android, methods=["POST"])]

    async def aclose(self, timeout: float = 10.0) -> None:
        if self.outbox is not None:
            await self.outbox.aclose(timeout)

    # -- Twilio ----------------------------------------------------------------------------------------

    async def twilio(self, request: Request) -> Response:
        try:
            if not self._twilio_token:
                raise _Refused(404, "not found")
            provided = request.headers.get(twilio.SIGNATURE_HEADER, "")
            if not provided:
                raise _Refused(403, "missing signature")
            body = await _read_body(request)
            _require_content_type(request, twilio.FORM_CONTENT_TYPE)
            try:
                params = twilio.parse_form(body)
            except ValueError:
                raise _Refused(400, "malformed form body") from None
            if not twilio.verify(self._twilio_token, self._twilio_url(request), params, provided):
                log.warning("sms: Twilio request refused: bad signature")
                raise _Refused(403, "bad signature")
            sender, text, sid = (twilio.field(params, name) for name in ("From", "Body", "MessageSid"))
            if not sender or not sid or text is None or len(sid) > 64:
                raise _Refused(400, "From, Body and MessageSid are required")
        except _Refused as refused:
            return refused.response()
        outcome = await asyncio.to_thread(self.relay.process, InboundSms("twilio", sender, text, sid))
        return Response(twilio.twiml(outcome.messages), media_type=twilio.TWIML_CONTENT_TYPE)

    def _twilio_url(self, request: Request) -> str:
        """The URL Twilio called: the public URL when set (behind a proxy, the request's own URL is not)."""
        if not self._public_url:
            return str(request.url)
        query = request.url.query
        return self._public_url + request.url.path + ("?" + query if query else "")

    # -- Android SMS Gateway ---------------------------------------------------------------------------

    async def android(self, request: Request) -> Response:
        try:
            if not self._android_key or self.outbox is None:
                raise _Refused(404, "not found")
            provided = request.headers.get(android_gateway.SIGNATURE_HEADER, "")
            timestamp = request.headers.get(android_gateway.TIMESTAMP_HEADER, "")
            if not provided or not timestamp:
                raise _Refused(403, "missing signature")
            if not android_gateway.fresh(timestamp, self._clock()):
                log.warning("sms: Android gateway request refused: stale or invalid timestamp")
                raise _Refused(403, "stale timestamp")
            body = await _read_body(request)
            if not android_gateway.verify(self._android_key, body, timestamp, provided):
                log.warning("sms: Android gateway request refused: bad signature")
                raise _Refused(403, "bad signature")
            if not self._replays.first_time(provided.strip().lower()):
                log.warning("sms: Android gateway request refused: replayed")
                raise _Refused(403, "replayed request")
            _require_content_type(request, "application/json")
            try:
                event = android_gateway.parse_event(body)
            except ValueError:
                raise _Refused(400, "malformed event") from None
        except _Refused as refused:
            return refused.response()
        if event.event != android_gateway.RECEIVED_EVENT:
            return JSONResponse({"status": "ignored"})
        outcome = await asyncio.to_thread(
            self.relay.process, InboundSms("android", event.sender, event.text, event.message_id), True)
        if outcome.queued:
            # Committed with the turn (an erasure also dropped what was still waiting for the person); a
            # duplicate's answer is already there, sent or on its way.
            if not outcome.duplicate:
                self.outbox.queued(event.sender, outcome.messages)
        else:
            self.outbox.send(event.sender, outcome.messages)  # nothing could be stored (database down)
        return JSONResponse({"status": "duplicate" if outcome.duplicate else "ok"})


async def _read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit() and len(declared) <= 18):
            raise _Refused(400, "bad Content-Length")
        if int(declared) > limit:
            raise _Refused(413, "body too large")
    received = bytearray()
    try:
        async for chunk in request.stream():
            received += chunk
            if len(received) > limit:
                raise _Refused(413, "body too large")
    except ClientDisconnect:
        raise _Refused(400, "client disconnected") from None
    return bytes(received)


def _require_content_type(request: Request, expected: str) -> None:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != expected:
        raise _Refused(415, f"expected {expected}")


def routes(runtime) -> list[BaseRoute]:  # type: ignore[no-untyped-def]
    return SmsChannel(runtime).routes()


def sms_channel_of(app) -> SmsChannel | None:  # type: ignore[no-untyped-def]
    """The SmsChannel behind an app's SMS routes (to close its outbox at shutdown), or None."""
    for route in getattr(app, "routes", ()):
        endpoint = getattr(route, "endpoint", None)
        owner = getattr(endpoint, "__self__", None)
        if isinstance(owner, SmsChannel):
            return owner
    return None
