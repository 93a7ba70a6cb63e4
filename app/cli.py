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


rules_cli = AppGroup("rules", help="Rule sets: import and export as JSON files.")


@rules_cli.command("import")
@click.argument("directory", required=False)
def rules_import_command(directory):
    """Load rule-set files (default: rules/) into the database; changed rules become a
    new published version, unchanged ones are left alone."""
    from .engine.rules import DEFAULT_RULES_DIR, RuleValidationError
    from .extensions import db
    from .services.rulesets import import_dir

    try:
        report = import_dir(db.session, directory or DEFAULT_RULES_DIR)
    except RuleValidationError as exc:
        db.session.rollback()
        raise click.ClickException(f"invalid rule file: {exc}") from None
    db.session.commit()
    for kind, keys in report.items():
        click.echo(f"{kind}: {', '.join(keys) or '-'}")


@rules_cli.command("export")
@click.argument("directory")
def rules_export_command(directory):
    """Write the published version of every rule set to DIRECTORY/<key>.json."""
    from .extensions import db
    from .services.rulesets import export_dir

    for path in export_dir(db.session, directory):
        click.echo(path)


def register_cli(app) -> None:
    app.cli.add_command(orderflow_cli)
    app.cli.add_command(rules_cli)
    from .cli_workflows import register as register_workflow_cli

    register_workflow_cli(app)
    from .money_cli import register_money_cli

    register_money_cli(app)
    from .cli_repair import register as register_repair_cli

    register_repair_cli(app)
