"""Two workers that disagree on the pepper would split every resident in two (each worker finds or
creates its own row for the same number). The first worker to start stores the pepper's fingerprint;
a worker with another pepper refuses to start and says why and what to do. The same when the data
directory (and its generated pepper) is lost next to a kept database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from serving import Server
from storage_fixtures import drop_postgres_schema, new_postgres_schema


def refusal(server: Server) -> str:
    with pytest.raises(RuntimeError) as refused:
        server.start(timeout=60)
    lines = [line for line in str(refused.value).splitlines() if line.strip()]
    return lines[-1]


@pytest.mark.postgres
def test_a_second_worker_with_another_pepper_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    schema, url = new_postgres_schema()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    try:
        first = Server(tmp_path / "one", env={"AIGUILLAGE_DATABASE_URL": url,
                                               "AIGUILLAGE_PEPPER": "the-pepper-of-the-first-worker"})
        with first:
            second = Server(tmp_path / "two", env={"AIGUILLAGE_DATABASE_URL": url,
                                                    "AIGUILLAGE_PEPPER": "another-pepper-for-the-second"})
            line = refusal(second)
            assert "pepper" in line and "fingerprints differ" in line, line
            assert "AIGUILLAGE_PEPPER" in line  # what to do: the same pepper for every worker
            assert "the-pepper-of-the-first-worker" not in second.stderr  # never the secret itself
            assert "another-pepper-for-the-second" not in second.stderr
            # The same pepper starts fine beside the first.
            with Server(tmp_path / "two", env={"AIGUILLAGE_DATABASE_URL": url,
                                               "AIGUILLAGE_PEPPER": "the-pepper-of-the-first-worker"}):
                pass
    finally:
        drop_postgres_schema(schema)


def test_a_lost_pepper_file_next_to_a_kept_sqlite_database_is_refused(tmp_path: Path) -> None:
    with Server(tmp_path):
        pass
    (tmp_path / "data" / "pepper").unlink()  # a new one would be generated: everyone's row orphaned
    line = refusal(Server(tmp_path))
    assert "fingerprints differ" in line and "backup" in line, line
    shutil.rmtree(tmp_path / "data")  # a truly new instance starts
    with Server(tmp_path):
        pass
