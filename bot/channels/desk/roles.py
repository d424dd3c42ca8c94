"""Desk roles: an admin account also opens the statistics page (/desk/stats).

    grant_admin(database, "camille")     # `aiguillage counsellor add camille --admin`
    is_admin(database, counsellor_id)
"""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.channels.desk.accounts import CounsellorError, normalise_name
from bot.storage.database import Database
from bot.storage.models import Counsellor
from bot.storage.models_followup import ADMIN, CounsellorRole


def grant_admin(database: Database, name: str) -> None:
    with database.transaction() as session:
        counsellor_id = session.execute(select(Counsellor.id).where(
            Counsellor.name == normalise_name(name))).scalar_one_or_none()
        if counsellor_id is None:
            raise CounsellorError(f"no counsellor named {name!r}")
        session.execute(delete(CounsellorRole).where(CounsellorRole.counsellor_id == counsellor_id,
                                                     CounsellorRole.role == ADMIN))
        session.add(CounsellorRole(counsellor_id=counsellor_id, role=ADMIN))


def revoke_admin(database: Database, name: str) -> None:
    with database.transaction() as session:
        counsellor_id = session.execute(select(Counsellor.id).where(
            Counsellor.name == normalise_name(name))).scalar_one_or_none()
        session.execute(delete(CounsellorRole).where(CounsellorRole.counsellor_id == counsellor_id,
                                                     CounsellorRole.role == ADMIN))


def is_admin(database: Database, counsellor_id: int) -> bool:
    with database.transaction() as session:
        return session.execute(select(CounsellorRole.role).where(
            CounsellorRole.counsellor_id == counsellor_id, CounsellorRole.role == ADMIN)).first() is not None
