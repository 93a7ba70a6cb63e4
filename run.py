"""python run.py: migrate, create roles, seed demo data if empty, serve.

HOST/PORT come from the environment (default 127.0.0.1:8080).
"""
from __future__ import annotations

import os
import sys

from flask_migrate import upgrade

from app import create_app, is_production


def prepare(app) -> None:
    from app.services.roles import sync_roles

    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        from app.extensions import db
        from app.services.workflows import load_shipped

        load_shipped(db.session)  # workflows/*.yaml as version 1 where not loaded yet
        db.session.commit()
        if app.config.get("SEED_DEMO_DATA") and not is_production(app):
            from seed.demo import load_demo

            print(load_demo(app))


def print_logins(app) -> None:
    if is_production(app) or not app.config.get("SEED_DEMO_DATA"):
        return
    from app.services.roles import ROLES

    password = app.config["DEMO_PASSWORD"]
    print("\nDemo logins (user / password):")
    for role in ROLES:
        print(f"  {role.lower():<11} / {password}")
    print(f"\nOpen http://{app.config['HOST']}:{app.config['PORT']}/\n", flush=True)


def main() -> int:
    app = create_app()
    prepare(app)
    print_logins(app)
    if app.config.get("TIMERS_IN_PROCESS"):
        from app.services.timers import start_background_loop

        start_background_loop(app, float(app.config.get("TIMERS_INTERVAL", 60)))
    if app.config.get("MONEY_IN_PROCESS"):
        from app.services.notifications import start_background_loop as start_money_loop

        # E-mails every minute (retries with backoff), the payout job every PAYOUTS_INTERVAL.
        start_money_loop(app, float(app.config.get("NOTIFICATIONS_INTERVAL", 60)),
                         float(app.config.get("PAYOUTS_INTERVAL", 3600)))
    from app.services.repair.bulk import resume_interrupted

    resume_interrupted(app)  # file imports the last run of the server left half done
    app.run(host=app.config["HOST"], port=int(app.config["PORT"]), debug=False, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
