"""`aiguillage purge` refuses a retention that would delete conversations in progress, and the data
directory is private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def aiguillage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    env.update(PYTHONPATH=str(ROOT), AIGUILLAGE_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("days", ["0", "-1", "trente"])
def test_purge_refuses_less_than_one_day_with_a_clear_error(tmp_path: Path, days: str) -> None:
    done = aiguillage(tmp_path, "purge", "--days", days)
    assert done.returncode == 2
    assert "--days" in done.stderr and ("at least 1" in done.stderr or "whole number" in done.stderr)
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_purge_with_one_day_runs_and_the_data_directory_is_0700(tmp_path: Path) -> None:
    done = aiguillage(tmp_path, "purge", "--days", "1")
    assert done.returncode == 0, done.stderr
    assert "inactive for more than 1 days deleted" in done.stdout
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    for path in (tmp_path / "data").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_data_directory_open_to_others_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(mode=0o755)
    os.chmod(tmp_path / "data", 0o755)
    assert aiguillage(tmp_path, "purge").returncode == 0
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
