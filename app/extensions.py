"""Extension singletons. Each app binds them in its own ``init_*`` step."""
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

db = SQLA()
migrate = Migrate()
