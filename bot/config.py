"""Every setting, read from the environment (and an optional .env file) in one place.

A malformed value stops the program with a message naming the variable. Secrets are typed
so that printing or logging the settings never shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlparse


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Secret:
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')" if self.value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: a SQLite file in data_dir
    knowledge_dir: Path | None = None
    pepper: Secret = Secret("")  # empty: generated once into data_dir/pepper
    retention_days: int = 30
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # https://… where Telegram and SMS gateways reach us; enables webhooks
    log_level: str = "INFO"
    telegram_token: Secret = Secret("")
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: Secret = Secret("")
    twilio_auth_token: Secret = Secret("")
    smsgateway_signing_key: Secret = Secret("")
    smsgateway_url: str = ""  # the Android SMS Gateway's API, e.g. http://192.168.1.20:8080
    smsgateway_user: str = ""
    smsgateway_password: Secret = Secret("")
    session_secret: Secret = Secret("")  # desk cookies; empty: generated once into data_dir
    create_first_counsellor: bool = True
    audit_retention_days: int = 365  # the desk's audit trail (who signed in, who picked up which case)
    http_read_timeout: int = 30  # seconds a client has to send a whole request before it is disconnected

    @property
    def sqlite_default(self) -> bool:
        return not self.database_url

    def describe(self) -> dict[str, str]:
        """Settings as text, secrets masked: safe to print at start-up."""
        return {f.name: repr(getattr(self, f.name)) if isinstance(getattr(self, f.name), Secret)
                else str(getattr(self, f.name)) for f in fields(self)}


ENV_PREFIX = "AIGUILLAGE_"


def read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(f"{path}:{number}: expected NAME=value")
        name, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip().removeprefix("export ").strip()] = value
    return values


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    env = dict(read_dotenv(dotenv)) if dotenv else {}
    env.update(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    for spec in fields(Settings):
        name = ENV_PREFIX + spec.name.upper()
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        raw = raw.strip()
        kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", str(spec.type))
        try:
            if "Secret" in kind:
                values[spec.name] = Secret(raw)
            elif kind == "int":
                values[spec.name] = int(raw)
            elif kind == "bool":
                if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError("expected true or false")
                values[spec.name] = raw.lower() in ("1", "true", "yes", "on")
            elif "Path" in kind:
                values[spec.name] = Path(raw)
            else:
                values[spec.name] = raw
        except ValueError as error:
            raise ConfigError(f"{name}: {error} (got {raw!r})") from None
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if not 1 <= settings.port <= 65535:
        raise ConfigError(f"{ENV_PREFIX}PORT: must be a port number from 1 to 65535 (got {settings.port})")
    if settings.retention_days < 1:
        raise ConfigError(f"{ENV_PREFIX}RETENTION_DAYS: must be at least 1 (got {settings.retention_days})")
    for name in ("public_url", "telegram_api_url", "smsgateway_url"):
        value = getattr(settings, name)
        if value and urlparse(value).scheme not in ("http", "https"):
            raise ConfigError(f"{ENV_PREFIX}{name.upper()}: must start with http:// or https:// (got {value!r})")
    if settings.database_url and not settings.database_url.split(":", 1)[0].startswith(("sqlite", "postgres")):
        raise ConfigError(f"{ENV_PREFIX}DATABASE_URL: must be a sqlite:// or postgresql:// URL")
    if settings.database_url:
        _check_database_url(settings.database_url)
    if settings.session_secret and len(settings.session_secret.value) < 32:
        raise ConfigError(f"{ENV_PREFIX}SESSION_SECRET: must have at least 32 characters (e.g. from: openssl rand -hex 32)")
    if settings.audit_retention_days < 1:
        raise ConfigError(f"{ENV_PREFIX}AUDIT_RETENTION_DAYS: must be at least 1 (got {settings.audit_retention_days})")
    if not 1 <= settings.http_read_timeout <= 600:
        raise ConfigError(f"{ENV_PREFIX}HTTP_READ_TIMEOUT: must be from 1 to 600 seconds (got {settings.http_read_timeout})")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"{ENV_PREFIX}LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR (got {settings.log_level!r})")
    secret = settings.telegram_webhook_secret.value
    if secret and not all(c.isalnum() or c in "_-" for c in secret):
        raise ConfigError(f"{ENV_PREFIX}TELEGRAM_WEBHOOK_SECRET: only letters, digits, _ and - are allowed")


def _check_database_url(url: str) -> None:
    """Parse the URL now, so a typo stops start-up with the variable's name rather than a traceback later."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = f"{ENV_PREFIX}DATABASE_URL"
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError):
        raise ConfigError(f"{name}: not a valid URL (expected postgresql://user:password@host:5432/database, "
                          f"with the port a number)") from None
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"{name}: the port must be from 1 to 65535 (got {port})")
