"""Pseudonymous keys and the pepper (no database involved)."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import threading
from pathlib import Path

import pytest
import storage_fixtures  # noqa: F401  (puts the project on sys.path)

from bot.storage.pseudonym import PepperError, load_or_create_pepper, message_key, pseudonymise


def test_pseudonym_is_hex_hmac_sha256_of_channel_and_identifier() -> None:
    key = pseudonymise(b"pepper", "sms", "+33612345678")
    assert key == hmac.new(b"pepper", b"sms:+33612345678", hashlib.sha256).hexdigest()
    assert len(key) == 64 and "612345678" not in key
    assert pseudonymise(b"pepper", "telegram", "+33612345678") != key
    assert pseudonymise(b"other", "sms", "+33612345678") != key


def test_message_keys_live_in_another_domain() -> None:
    user = pseudonymise(b"pepper", "sms", "x")
    assert message_key(b"pepper", "sms", user, "1") != message_key(b"pepper", "sms", user, "2")
    assert message_key(b"pepper", "sms", user, "1") != pseudonymise(b"pepper", "sms", f"{user}:1")


def test_pepper_file_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = load_or_create_pepper(data_dir, None)
    path = data_dir / "pepper"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_or_create_pepper(data_dir, None) == first
    assert load_or_create_pepper(data_dir, "") == first  # an empty variable means "not set"
    assert [p.name for p in data_dir.iterdir()] == ["pepper"]  # no temporary file left behind


def test_pepper_from_the_environment_wins(tmp_path: Path) -> None:
    assert load_or_create_pepper(tmp_path, "a-long-operator-chosen-pepper") == b"a-long-operator-chosen-pepper"
    assert not (tmp_path / "pepper").exists()
    with pytest.raises(PepperError):
        load_or_create_pepper(tmp_path, "short")


def test_a_damaged_pepper_file_stops_the_program(tmp_path: Path) -> None:
    (tmp_path / "pepper").write_text("")
    os.chmod(tmp_path / "pepper", 0o600)
    with pytest.raises(PepperError):
        load_or_create_pepper(tmp_path, None)


def test_a_readable_pepper_file_is_made_private(tmp_path: Path) -> None:
    first = load_or_create_pepper(tmp_path, None)
    os.chmod(tmp_path / "pepper", 0o644)
    assert load_or_create_pepper(tmp_path, None) == first
    assert stat.S_IMODE((tmp_path / "pepper").stat().st_mode) == 0o600


def test_concurrent_first_starts_agree_on_one_pepper(tmp_path: Path) -> None:
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(load_or_create_pepper(tmp_path, None))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1
