"""``flask payouts run`` and ``flask notifications send``."""
import click
from flask.cli import AppGroup

payouts_cli = AppGroup("payouts", help="Workers' payouts.")
notifications_cli = AppGroup("notifications", help="The notifications outbox.")


@payouts_cli.command("run")
def payouts_run():
    """Create the payouts the payout.threshold rule set asks for (safe to run concurrently)."""
    from .extensions import db
    from .services.ledger import run_payouts

    created = run_payouts(db.session)
    for payout in created:
        click.echo(f"payout {payout.id}: worker {payout.worker_id} {payout.amount} {payout.currency}")
    click.echo(f"{len(created)} payout(s) created")


@notifications_cli.command("send")
def notifications_send():
    """Deliver due e-mails now (retries with backoff; failed after NOTIFICATION_MAX_ATTEMPTS)."""
    from .services.notifications import send_pending

    click.echo(send_pending())


def register_money_cli(app) -> None:
    app.cli.add_command(payouts_cli)
    app.cli.add_command(notifications_cli)
