"""The student side of the classroom: in a JupyterHub session ``check()`` sends the answer
to the casekit service, which knows the student from the hub's token.

A hub session is recognised by three variables in the kernel's environment: the hub sets
``JUPYTERHUB_USER`` and ``JUPYTERHUB_API_TOKEN`` for every single-user server, and the
course's hub configuration sets ``CASEKIT_SERVICE_URL`` (``deploy/jupyterhub_config.py``).

When the service cannot be reached (the network, a restart, the proxy answering 502/503/
504) the attempt is kept in an outbox on this machine,
``<workbook folder>/outbox/<user>.jsonl`` (one JSON line per attempt, written atomically
under a lock), the student is told so, and the outbox is sent, oldest first, before the
next attempt that gets through. Every attempt carries its own ``client_id``, so one sent
twice (a reply lost on the way back, two notebooks flushing at once) is recorded once.

This module uses the standard library only: importing it costs nothing.

>>> active(env={"JUPYTERHUB_USER": "alice"})        # no token, no service URL: not a hub session
False
>>> active(env={"JUPYTERHUB_USER": "alice", "JUPYTERHUB_API_TOKEN": "t",
...             "CASEKIT_SERVICE_URL": "http://127.0.0.1:8000/services/casekit/"})
True
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Mapping

from casekit.exercises.sheet import _locked, atomic_write, check_student_id, json_safe, workbook_home
from casekit.exercises.types import Feedback

__all__ = ["Outbox", "ServiceError", "active", "attempts", "flush", "hub_user", "post_check",
           "service_url", "submit"]

TIMEOUT = float(os.environ.get("CASEKIT_SERVICE_TIMEOUT", "20"))
#: HTTP statuses that mean "the service cannot take it right now" (the hub's proxy answers
#: 502/503 when the service is down; 500 is a fault of the service): kept and sent later.
UNREACHABLE = {500, 502, 503, 504}
#: Statuses that mean "not signed in right now" (an expired token): kept and sent later too.
SIGN_IN = {401, 403}


class ServiceError(RuntimeError):
    """The service answered but refused the request (``status`` is the HTTP status)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Unreachable(OSError):
    """The service could not be reached (connection refused, timeout, 502/503/504)."""


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def active(env: Mapping[str, str] | None = None) -> bool:
    """True in a hub session with the casekit service configured."""
    e = _env(env)
    return all(e.get(k) for k in ("JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "CASEKIT_SERVICE_URL"))


def hub_user(env: Mapping[str, str] | None = None) -> str | None:
    """The hub user of this session (``JUPYTERHUB_USER``), or None outside a hub.

    >>> hub_user(env={"JUPYTERHUB_USER": "alice"}), hub_user(env={})
    ('alice', None)
    """
    return _env(env).get("JUPYTERHUB_USER") or None


def service_url(env: Mapping[str, str] | None = None) -> str:
    """The service's base URL, ending in ``/``.

    >>> service_url(env={"CASEKIT_SERVICE_URL": "http://hub:8000/services/casekit"})
    'http://hub:8000/services/casekit/'
    """
    url = _env(env).get("CASEKIT_SERVICE_URL", "")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"CASEKIT_SERVICE_URL {url!r} is not an http(s) URL")
    return url if url.endswith("/") else url + "/"


def _request(method: str, path: str, body: dict | None, env, timeout: float) -> dict:
    e = _env(env)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        service_url(e) + path, data=data, method=method,
        headers={"Authorization": f"token {e.get('JUPYTERHUB_API_TOKEN', '')}",
                 "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        text = err.read().decode("utf-8", "replace")
        if err.code in UNREACHABLE:
            raise Unreachable(f"the service answered {err.code}") from None
        try:
            reason = json.loads(text).get("error") or text
        except (ValueError, AttributeError):
            reason = text[:300]
        raise ServiceError(err.code, f"the casekit service refused it ({err.code}): {reason}") from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError,
            http.client.HTTPException) as err:
        raise Unreachable(str(getattr(err, "reason", err))) from None
    except ValueError as err:       # a proxy's HTML page, half a reply
        raise Unreachable(f"an unreadable reply ({err})") from None


def post_check(attempt: dict, env: Mapping[str, str] | None = None,
               timeout: float = TIMEOUT) -> dict:
    """Send one attempt (``exercise``, ``answer``, ``client_id``, ``client_time``) and
    return the service's reply. Raises :class:`Unreachable` or :class:`ServiceError`."""
    for key in ("exercise", "answer", "client_id"):
        if key not in attempt:
            raise ValueError(f"attempt has no {key!r}")
    return _request("POST", "check", attempt, env, timeout)


def attempts(exercise: str | None = None, env: Mapping[str, str] | None = None,
             timeout: float = TIMEOUT) -> list[dict]:
    """Your attempts as the service recorded them (with the server's time)."""
    path = "attempts" if exercise is None else \
        "attempts?" + urllib.parse.urlencode({"exercise": exercise})
    return _request("GET", path, None, env, timeout)["attempts"]


class Outbox:
    """Attempts waiting to be sent: ``<home>/outbox/<user>.jsonl``, one JSON object a line.

    >>> import tempfile, pathlib
    >>> box = Outbox("alice", home=pathlib.Path(tempfile.mkdtemp()))
    >>> box.add({"exercise": "crm.quiz-01", "answer": "A", "client_id": "c1"})
    1
    >>> [a["client_id"] for a in box.pending()]
    ['c1']
    """

    def __init__(self, user: str, home: Path | None = None):
        self.user = check_student_id(user)
        self.folder = (workbook_home() if home is None else Path(home)) / "outbox"
        self.path = self.folder / f"{self.user}.jsonl"
        self.rejected_path = self.folder / f"{self.user}.rejected.jsonl"

    def _lock(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return _locked(self.folder / f"{self.user}.lock")

    def _read(self, path: Path) -> list[dict]:
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:   # a damaged line is kept aside, never dropped
                    out.append({"damaged": line})
        return out

    def _write(self, path: Path, items: list[dict]) -> None:
        if not items:
            if path.exists():
                path.unlink()
            return
        atomic_write(path, "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))

    def pending(self) -> list[dict]:
        """The attempts not yet sent, oldest first."""
        return [a for a in self._read(self.path) if "damaged" not in a]

    def add(self, attempt: dict) -> int:
        """Keep ``attempt``; return how many are waiting."""
        with self._lock():
            items = self._read(self.path)
            items.append(attempt)
            self._write(self.path, items)
            return len(items)

    def flush(self, send) -> tuple[int, int, int]:
        """Send the waiting attempts, oldest first, with ``send(attempt)``; stop at the
        first that cannot get through (it and later ones stay). An attempt the service
        refuses for good (unknown exercise, reused id) moves to ``<user>.rejected.jsonl``.
        Returns ``(sent, rejected, still waiting)``."""
        sent = rejected = 0
        with self._lock():
            items = self._read(self.path)
            if not items:
                return 0, 0, 0
            keep, refused = [], self._read(self.rejected_path)
            for n, item in enumerate(items):
                if "damaged" in item:
                    refused.append(item)
                    rejected += 1
                    continue
                try:
                    send(item)
                    sent += 1
                except ServiceError as err:
                    if err.status in SIGN_IN:      # sign-in trouble: try again later
                        keep = items[n:]
                        break
                    refused.append({**item, "refused": str(err)})
                    rejected += 1
                except Unreachable:
                    keep = items[n:]
                    break
            self._write(self.rejected_path, refused)
            self._write(self.path, keep)
        return sent, rejected, len(keep)


def _stored(exercise, answer: Any, user: str) -> Any:
    """The answer as the answer sheet would keep it (plain JSON, what checking needs);
    the service reads it again the same way, so the feedback is the same as check()'s."""
    if isinstance(exercise, str):
        from casekit import exercises

        try:
            exercise = exercises.get(exercise)
        except ValueError:
            return json_safe(answer)
    try:
        return exercise.stored(answer, user)
    except Exception:   # stored() never raises by contract; be safe all the same
        return json_safe(answer)


def _new_attempt(exercise, answer: Any, user: str) -> dict:
    exercise_id = exercise if isinstance(exercise, str) else exercise.id
    from casekit.i18n import language

    return {"exercise": exercise_id, "answer": _stored(exercise, answer, user),
            "client_id": uuid.uuid4().hex, "lang": language(),   # the reply's language
            "client_time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def flush(env: Mapping[str, str] | None = None, home: Path | None = None) -> tuple[int, int, int]:
    """Send what is waiting in this user's outbox; ``(sent, rejected, still waiting)``."""
    e = _env(env)
    return Outbox(e["JUPYTERHUB_USER"], home).flush(lambda a: post_check(a, e))


def submit(exercise, answer: Any, env: Mapping[str, str] | None = None,
           home: Path | None = None) -> Feedback:
    """Check ``answer`` to ``exercise`` (an :class:`~casekit.exercises.Exercise` or its id)
    at the service and return its feedback. First sends anything waiting in the outbox.
    If the service cannot be reached the attempt is kept in the outbox and the feedback
    says so (it is not marked: the service holds the keys)."""
    e = _env(env)
    if not active(e):
        raise RuntimeError("not in a JupyterHub session with CASEKIT_SERVICE_URL set")
    attempt = _new_attempt(exercise, answer, e["JUPYTERHUB_USER"])
    box = Outbox(e["JUPYTERHUB_USER"], home)
    notes = []
    try:
        sent, rejected, left = box.flush(lambda a: post_check(a, e))
        if sent:
            notes.append(f"{sent} earlier answer{'s' if sent > 1 else ''} kept on this machine "
                         f"{'were' if sent > 1 else 'was'} sent to the casekit service.")
        if rejected:
            notes.append(f"{rejected} earlier answer(s) were refused by the service; they are "
                         f"kept in {box.rejected_path} for your instructor.")
        if left:        # older answers still waiting go first: keep this one behind them
            raise Unreachable("earlier answers are still waiting to be sent")
        reply = post_check(attempt, e)
    except (Unreachable, ServiceError) as err:
        if isinstance(err, ServiceError) and err.status not in SIGN_IN:
            return Feedback(False, 0.0, f"⚠ {err}", valid=False)   # refused for good: not kept
        try:
            waiting = box.add(attempt)
        except OSError as failure:      # disk full, read-only folder: say so, never raise
            return Feedback(False, 0.0,
                            f"⚠ **NOT saved.** The casekit service did not take your answer "
                            f"({err}) and it could not be kept on this machine either "
                            f"({failure}). Check again in a minute; if it keeps failing, tell "
                            "your instructor.", valid=False)
        return Feedback(False, 0.0,
                        f"⚠ The casekit service did not take your answer ({err}). It is saved on "
                        f"this machine ({box.path}) and will be sent when the service answers "
                        f"({waiting} waiting): run any check again in a minute.", valid=False)
    message = reply["message"]
    for note in notes:
        message += f"\n\n**Note:** {note}"
    return Feedback(bool(reply["correct"]), float(reply["score"]), message,
                    bool(reply.get("valid", True)))
