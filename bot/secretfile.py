"""Secrets kept in the data directory (the pepper, the desk's session key): created once, private."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger(__name__)


def create_secret_file(path: Path, random_bytes: int) -> bool:
    """Write a new random secret unless the file exists; True when this call created it.

    Written to a private temporary file, then linked into place: link() fails if another process
    created the file meanwhile, and no process can ever read a half-written secret."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(random_bytes) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False  # another process won the race: use its secret
    finally:
        tmp.unlink(missing_ok=True)


def read_secret_file(path: Path, what: str) -> str | None:
    """The secret's text, or None when it cannot be read; a file others could read is made private."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Tighten rather than refuse to start: the secret is still ours.
        log.warning("%s was readable by others (mode %o); setting it to 0600", what, mode)
        path.chmod(0o600)
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
