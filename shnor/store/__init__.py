"""The only code that contains SQL: schema and migrations (schema.py), the connection and the unit of work
(db.py), one repository per kind of data (territories, schools, results, imports, lists, reference,
settings, accounts, audit) and what differs between databases (dialect.py)."""
from shnor.store.db import DatabaseBusy, Sql, Store, Unit  # noqa: F401
from shnor.store.schools import active_in  # noqa: F401
