"""``flask repair import FILE``: bulk intake from a CSV or XLSX file, with progress."""
import click
from flask.cli import AppGroup

repair_cli = AppGroup("repair", help="The repair shop.")


@repair_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--service", default=None, help="Repair service code or id (default: the first repair service).")
@click.option("--customer", "customer_id", type=int, default=None,
              help="Customer id for rows that name no customer (the company bringing the devices).")
@click.option("--user", "username", default=None, help="Record the import as this user.")
@click.option("--errors/--no-errors", default=True, help="List every rejected row at the end.")
def import_command(path, service, customer_id, username, errors):
    """Import one ticket per row of PATH (.csv or .xlsx); rejected rows are listed with reasons."""
    from pathlib import Path

    from .extensions import db
    from .models import User
    from .services.errors import ValidationFailed
    from .services.repair import bulk

    actor = db.session.query(User).filter_by(username=username).first() if username else None
    if username and actor is None:
        raise click.ClickException(f"unknown user {username!r}")
    data = Path(path).read_bytes()
    try:
        batch = bulk.create_batch_from_file(db.session, data, path, service=service, customer_id=customer_id,
                                            actor=actor)
        batch.filename = Path(path).name
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None

    def show(b):
        click.echo(f"\r{b.processed}/{b.total} rows ({b.created_count} created, {b.rejected_count} rejected)",
                   nl=False)

    batch = bulk.run(db.session, batch.id, bulk.stored_rows(db.session, batch.id), progress=show)
    click.echo("")
    if batch.first_number:
        click.echo(f"tickets {batch.first_number} … {batch.last_number}")
    if errors:
        for item in batch.errors or []:
            reasons = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in item["errors"].items())
            click.echo(f"row {item['row']}: {reasons}")
    click.echo(f"import #{batch.id} {batch.status}: {batch.created_count} created, {batch.rejected_count} rejected")


@repair_cli.command("resume")
def resume_command():
    """Go on with file imports that stopped before the end (the server went away meanwhile)."""
    from flask import current_app

    from .services.repair import bulk

    threads = bulk.resume_interrupted(current_app._get_current_object())
    for thread in threads:
        thread.join()
    click.echo(f"{len(threads)} interrupted import(s) finished")


def register(app) -> None:
    app.cli.add_command(repair_cli)
