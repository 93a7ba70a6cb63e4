"""Human order numbers per kind: WR-000123.

A counter row per kind is bumped with UPDATE ... RETURNING inside the caller's
transaction, so concurrent creators are serialised by the database's row lock
(SQLite: its write lock) and never share a number. A rolled-back order gives its
number back; numbers are unique and stable, and gaps are tolerated, not prevented.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import NumberSequence
from .workflows import number_prefix


def format_number(kind: str, value: int) -> str:
    return f"{number_prefix(kind)}-{value:06d}"


def next_number(session: Session, kind: str) -> str:
    bump = (
        update(NumberSequence)
        .where(NumberSequence.kind == kind)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    value = session.execute(bump).scalar()
    if value is None:
        # First order of this kind: create the counter unless a concurrent creator did.
        dialect = session.get_bind().dialect.name
        insert_fn = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
        session.execute(
            insert_fn(NumberSequence).values(kind=kind, last_value=0).on_conflict_do_nothing()
        )
        value = session.execute(bump).scalar()
    return format_number(kind, value)


def current_value(session: Session, kind: str) -> int:
    row = session.execute(select(NumberSequence.last_value).where(NumberSequence.kind == kind))
    return row.scalar() or 0


def reserve_numbers(session: Session, kind: str, count: int) -> list[str]:
    """``count`` consecutive numbers of ``kind`` with one UPDATE (bulk intake): the block is
    the caller's alone, concurrent creators get numbers before or after it."""
    if count <= 0:
        return []
    bump = (
        update(NumberSequence)
        .where(NumberSequence.kind == kind)
        .values(last_value=NumberSequence.last_value + count)
        .returning(NumberSequence.last_value)
    )
    last = session.execute(bump).scalar()
    if last is None:
        next_number(session, kind)  # creates the counter (and takes one number, a tolerated gap)
        last = session.execute(bump).scalar()
    return [format_number(kind, value) for value in range(last - count + 1, last + 1)]
