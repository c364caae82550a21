"""The classroom on JupyterHub: a casekit service that holds the keys, knows the student
from the hub, stamps server time and records every attempt in a database.

- :mod:`casekit.hub.store` — the attempt store (SQLite in WAL mode, or PostgreSQL by URL);
- :mod:`casekit.hub.service` — the tornado service the hub runs (``casekit serve``);
- :mod:`casekit.hub.client` — the student side: ``check()`` in a hub session posts here,
  and keeps an attempt in a local outbox when the service cannot be reached.
- :mod:`casekit.hub.course` — the course file: assessed exercises, deadlines, extensions,
  feedback mode, attempt limits and per-try penalties (``casekit serve --course``);
- :mod:`casekit.hub.gradedb` — ``casekit grade --db``: the gradebook from the service's
  attempts, the server's time as the hand-in time;
- :mod:`casekit.hub.keys` — computed exercises' keys per student, kept in the database;
- :mod:`casekit.hub.links` — nbgitpuller links, one per chapter;
- :mod:`casekit.hub.publish` — feedback pages into each student's hub home
  (``casekit feedback --publish``), following no link a student planted.

Importing this package is cheap: the store and the service import SQLAlchemy, tornado and
JupyterHub only when used (``pip install 'casekit[hub]'`` installs them).
"""
