"""Flask extensions, created unbound here and bound to the app in the factory.

flask-smorest's ``Api`` keeps per-app state (its spec), so the factory makes one per app.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from service import sqlite  # noqa: F401 - registers the SQLite connection settings

# Stable constraint names, so that Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate(directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)

# The base class of the models.  mypy cannot use an instance attribute (``db.Model``) as a
# base class (python/mypy#8603), so for type checking it is described as what it is at run
# time: Flask-SQLAlchemy's ``Model`` mixin (``query``, ``__fsa__``) on a declarative base
# (``__init__(**kw)``, ``metadata``), every model mapped to a table.  At run time it is
# ``db.Model`` itself.
if TYPE_CHECKING:
    from typing import ClassVar

    from flask_sqlalchemy.model import Model as _FSAModel
    from sqlalchemy import Table
    from sqlalchemy.orm import DeclarativeBase

    class Model(_FSAModel, DeclarativeBase):
        __table__: ClassVar[Table]
else:
    Model = db.Model
