"""``flask workflows ...`` and ``flask timers ...`` commands."""
import click
from flask import current_app
from flask.cli import AppGroup

workflows_cli = AppGroup("workflows", help="Workflows: load the shipped YAML files, fire triggers.")
timers_cli = AppGroup("timers", help="Workflow timers (deadlines, offer expiry).")


@workflows_cli.command("load")
def workflows_load_command():
    """Load workflows/*.yaml as version 1 (published) where a workflow has no record (idempotent)."""
    from .extensions import db
    from .services.workflows import load_shipped

    created = load_shipped(db.session)
    db.session.commit()
    click.echo(f"workflows loaded: {created} new")


@workflows_cli.command("fire")
@click.argument("order_id", type=int)
@click.argument("trigger")
@click.option("--comment", default=None)
def workflows_fire_command(order_id, trigger, comment):
    """Fire TRIGGER on ORDER_ID as System (the same path as the browser and the API)."""
    from .extensions import db
    from .services import transitions

    try:
        order = transitions.fire(db.session, order_id, trigger, actor=None, system=True, comment=comment)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    click.echo(f"{order.number}: {order.state}")


@timers_cli.command("run")
def timers_run_command():
    """Fire every due timer once (for cron: * * * * * flask timers run)."""
    from .services.timers import run_due_timers

    click.echo(f"timers fired: {run_due_timers()}")


@timers_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs and exit.")
@click.option("--enqueue", "enqueue_only", is_flag=True, help="Only enqueue one run (e.g. from a scheduler).")
def timers_worker_command(burst, enqueue_only):
    """RQ worker on REDIS_URL running run_due_timers jobs (queue orderflow-timers)."""
    from redis import Redis
    from rq import Queue, Worker

    from .services.timers import enqueue

    url = current_app.config.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    enqueue(url)
    if enqueue_only:
        return
    connection = Redis.from_url(url)
    Worker([Queue("orderflow-timers", connection=connection)], connection=connection).work(burst=burst)


def register(app) -> None:
    app.cli.add_command(workflows_cli)
    app.cli.add_command(timers_cli)
