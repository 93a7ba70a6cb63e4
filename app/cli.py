"""``flask orderflow ...`` commands."""
import click
from flask import current_app
from flask.cli import AppGroup

orderflow_cli = AppGroup("orderflow", help="Orderflow administration.")


@orderflow_cli.command("roles")
def roles_command():
    """Create the roles and grant their permissions (idempotent)."""
    from .services.roles import sync_roles

    gained = sync_roles(current_app.appbuilder)
    for role, count in gained.items():
        click.echo(f"{role}: +{count} permissions")


@orderflow_cli.command("seed")
def seed_command():
    """Load the demo data (idempotent; refused in production)."""
    from seed.demo import load_demo

    report = load_demo(current_app)
    click.echo(report)


def register_cli(app) -> None:
    app.cli.add_command(orderflow_cli)
