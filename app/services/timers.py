"""Due timers fire their trigger as System through services.transitions.fire.

``run_due_timers(now)`` is the one entry point: ``flask timers run`` (cron), the in-process
loop of run.py (every minute) and the RQ job (``flask timers worker``) all call it.

Claiming is safe with several runners at once: on PostgreSQL due rows are selected
``FOR UPDATE SKIP LOCKED``; on both databases a timer is claimed by the conditional
``UPDATE timer SET status='running' WHERE id=? AND status='pending'`` and only the runner
whose UPDATE touched the row fires it. Each timer fires in its own transaction.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from sqlalchemy import select, update

from ..models import Timer
from ..models.types import utcnow

log = logging.getLogger(__name__)
BATCH = 200
MAX_ATTEMPTS = 3


def _claim(session, timer_id: int) -> bool:
    result = session.execute(
        update(Timer).where(Timer.id == timer_id, Timer.status == "pending")
        .values(status="running", attempts=Timer.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _due_ids(session, now: dt.datetime, limit: int) -> list[int]:
    query = (select(Timer.id).where(Timer.status == "pending", Timer.due_at <= now)
             .order_by(Timer.due_at, Timer.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.execute(query).scalars())
    return ids


def run_due_timers(now: Optional[dt.datetime] = None, *, session=None, limit: int = BATCH) -> int:
    """Fire every timer due at ``now`` (naive UTC; default: now). Returns how many fired.

    A timer whose trigger is no longer valid in the order's state is marked cancelled; one
    whose guards fail or whose effects raise is retried (``attempts``) up to MAX_ATTEMPTS,
    then marked failed with ``last_error``.
    """
    from . import transitions

    if session is None:
        from ..extensions import db

        session = db.session
    now = now or utcnow()
    fired = 0
    while True:
        ids = _due_ids(session, now, limit)
        if not ids:
            session.rollback()
            return fired
        claimed = [i for i in ids if _claim(session, i)]  # each claim commits (releases the locks)
        for timer_id in claimed:
            timer = session.get(Timer, timer_id)
            order_id, trigger = timer.order_id, timer.trigger
            try:
                transitions.fire(session, order_id, trigger, actor=None, system=True,
                                 comment=f"Timer {timer.name}")
                timer = session.get(Timer, timer_id)
                timer.status, timer.fired_at = "fired", utcnow()
                session.commit()
                fired += 1
            except (transitions.InvalidTransition, transitions.TriggerNotAllowed, transitions.OrderNotFound) as exc:
                session.rollback()
                _finish(session, timer_id, "cancelled", str(exc))
            except Exception as exc:  # guard failed or an effect broke: retry later, then give up
                session.rollback()
                log.warning("timer %s on order %s failed: %s", timer_id, order_id, exc)
                timer = session.get(Timer, timer_id)
                status = "failed" if timer.attempts >= MAX_ATTEMPTS else "pending"
                _finish(session, timer_id, status, f"{type(exc).__name__}: {exc}")
        if len(ids) < limit:
            return fired


def _finish(session, timer_id: int, status: str, error: str) -> None:
    session.execute(update(Timer).where(Timer.id == timer_id)
                    .values(status=status, last_error=error[:2000]).execution_options(synchronize_session=False))
    session.commit()


# --------------------------------------------------------------------------- runners


def run_job() -> int:
    """RQ job: build an app and run the due timers (used by ``flask timers worker``)."""
    from .. import create_app

    app = create_app()
    with app.app_context():
        return run_due_timers()


def enqueue(redis_url: str):
    """Put one run_due_timers job on the ``orderflow-timers`` RQ queue."""
    from redis import Redis
    from rq import Queue

    return Queue("orderflow-timers", connection=Redis.from_url(redis_url)).enqueue(run_job)


def start_background_loop(app, interval: float = 60.0):
    """Daemon thread running run_due_timers every ``interval`` seconds (``make run``; not in tests)."""
    import threading

    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            with app.app_context():
                try:
                    count = run_due_timers()
                    if count:
                        log.info("timers fired: %s", count)
                except Exception:  # keep the loop alive
                    log.exception("timer loop failed")
                    from ..extensions import db

                    db.session.rollback()
                finally:
                    from ..extensions import db

                    db.session.remove()

    thread = threading.Thread(target=loop, name="orderflow-timers", daemon=True)
    thread.start()
    return stop
