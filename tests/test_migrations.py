"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, Model.metadata)
    assert diff == [], f"models changed without a migration (run `flask db migrate`): {diff}"


def test_a_database_upgraded_before_the_empty_slots_were_filled_reaches_the_models(tmp_path):
    """d7b1c0de0008 landed as an empty slot; databases already there must still get every table."""
    from flask_migrate import stamp, upgrade

    from helpers import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path / "uploads")
    with app.app_context():
        upgrade(revision="0f14e83ec6b2")
        stamp(revision="d7b1c0de0008")  # what an upgrade through the empty slots left behind
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                    Model.metadata)
    assert diff == []
