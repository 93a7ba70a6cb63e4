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
