"""The casekit service for JupyterHub: checks answers with the keys it alone holds, for the
hub user who sent them, and records every attempt with the server's time.

Run by the hub as a managed service (``deploy/jupyterhub_config.py``)::

    c.JupyterHub.services = [{"name": "casekit", "url": "http://127.0.0.1:10101",
                              "command": ["casekit", "serve", "--db", "/srv/casekit/attempts.sqlite"]}]

The hub gives the service its environment (``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_API_URL``,
``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_SERVICE_URL``, ``JUPYTERHUB_CLIENT_ID``,
``JUPYTERHUB_OAUTH_CALLBACK_URL``, ...). Who is asking is decided by the hub alone: a
browser signs in with the hub's OAuth; a kernel sends its user's API token in the
``Authorization: token …`` header. The request body never names the student.

Endpoints, under the service prefix (``/services/casekit/``):

``POST check``    ``{"exercise": id, "answer": JSON, "client_id": id, "client_time": text}``
                  → ``{"correct", "score", "message", "valid", "saved": true, "attempt",
                  "server_time", "client_id", "exercise", "duplicate"}``; the feedback is
                  what ``check()`` gives (computed exercises worked out on
                  ``casekit.data.for_student(<hub user>)``), recorded before the reply. An
                  attempt sent again with the same ``client_id`` is recorded once and
                  answered with the first reply (``"duplicate": true``).
``GET attempts``  → ``{"student": name, "attempts": [...]}``: the caller's own, only.

With a course file (``casekit serve --course course.toml``, format in
:mod:`casekit.hub.course`) assessed exercises follow its rules, on the server's clock: a
``feedback = "saved"`` exercise answers only "saved, graded after your deadline" (and
hides its scores from ``GET attempts``) until the student's own deadline; an attempt past
``max_attempts`` is refused (409), one after a deadline with ``accept_late = false`` too
(410); each attempt records the ``penalty`` its try number costs.
``GET health``    → ``{"ok": true}`` (no sign-in; says nothing about anyone).
``GET``           a page for a signed-in browser: who you are and how many attempts.

>>> check_payload({"exercise": "crm.quiz-01", "answer": "A", "client_id": "k-1"})
('crm.quiz-01', 'A', 'k-1', None)
>>> check_payload({"exercise": "crm.quiz-01", "answer": "A"})
Traceback (most recent call last):
...
ValueError: client_id is missing: send a new id (letters, digits, _ . : -) with each attempt
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import html
import json
import logging
import os
import signal
import sys
import datetime as dt
from typing import Any
from urllib.parse import urlparse

from casekit.hub.store import (CLIENT_ID, EXERCISE_ID, AttemptStore, ClientIdConflict, NoTriesLeft,
                               database_url)
from casekit.i18n import LANGUAGES

__all__ = ["CheckError", "build_app", "check_attempt", "check_payload", "main", "public_row",
           "warm_up"]

log = logging.getLogger("casekit.hub.service")
DEFAULT_PORT = 10101
MAX_BODY = 1 << 20


class CheckError(ValueError):
    """A request the service refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def check_payload(body: Any) -> tuple[str, Any, str, str | None]:
    """``(exercise, answer, client_id, client_time)`` from a decoded ``POST check`` body;
    ValueError saying what is wrong otherwise. A ``student`` field is ignored: the hub
    says who is asking."""
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    exercise = body.get("exercise")
    if not isinstance(exercise, str) or not EXERCISE_ID.match(exercise):
        raise ValueError(f"exercise {exercise!r} is not an exercise id")
    if "answer" not in body:
        raise ValueError("answer is missing")
    client_id = body.get("client_id")
    if client_id is None:
        raise ValueError("client_id is missing: send a new id (letters, digits, _ . : -) with "
                         "each attempt")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValueError(f"client_id {client_id!r} is not allowed: 1-64 letters, digits, _ . : -")
    client_time = body.get("client_time")
    if client_time is not None and not isinstance(client_time, str):
        raise ValueError("client_time must be text (an ISO time) or absent")
    return exercise, body["answer"], client_id, client_time


def public_row(row: dict, duplicate: bool = False, hidden_until: dt.datetime | None = None
               ) -> dict:
    """What a student may see of their own attempt (JSON-ready). ``hidden_until`` (a
    "saved" assessed exercise before the student's deadline) hides the score and feedback.
    """
    out = {"exercise": row["exercise"], "answer": row["answer"], "correct": row["correct"],
           "score": row["score"], "valid": row["valid"], "message": row["message"],
           "points": row["points"], "attempt": row["attempt"], "saved": True,
           "server_time": row["server_time"].isoformat().replace("+00:00", "Z"),
           "client_id": row["client_id"], "client_time": row["client_time"],
           "penalty": row.get("penalty"), "duplicate": duplicate, "pending": False}
    if hidden_until is not None and row["valid"]:
        out.update(correct=False, score=0.0, pending=True,
                   message=_saved_message(row["try"], None, hidden_until))
    return out


def _saved_message(attempt: int, most: int | None, deadline: dt.datetime) -> str:
    from casekit.i18n import _

    when = f"{deadline.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
    text = _("✓ Saved (try {attempt} of {most}).") if most else _("✓ Saved (try {attempt}).")
    return text.format(attempt=attempt, most=most) + " " + _(
        "This exercise is assessed: it is graded after your deadline, {when}, and you see the "
        "result then.").format(when=when)


def _course_rule(course, exercise_id: str):
    """``(rule, chapter)`` of an exercise under ``course`` (rule None: practice)."""
    if course is None:
        return None, ""
    from casekit import exercises

    try:
        chapter = exercises.get(exercise_id).chapter
    except ValueError:
        return None, ""
    return course.rule(exercise_id, chapter), chapter


def hidden_until(course, student: str, exercise_id: str, now: dt.datetime | None = None
                 ) -> dt.datetime | None:
    """The deadline until which ``student``'s results at this exercise stay hidden, or None
    (practice, immediate feedback, or the deadline has passed)."""
    rule, chapter = _course_rule(course, exercise_id)
    if rule is None or rule.feedback != "saved":
        return None
    deadline = course.deadline_for(student, chapter, rule)
    now = now or dt.datetime.now(dt.timezone.utc)
    return deadline if deadline is not None and now <= deadline else None


def check_attempt(store: AttemptStore, student: str, exercise_id: str, answer: Any,
                  client_id: str, client_time: str | None = None, course=None) -> dict:
    """Check ``answer`` for ``student`` exactly as ``check()`` does, record it, and return
    the reply (:func:`public_row`). Raises :class:`CheckError` for an unknown exercise or a
    reused client id, and under ``course`` (:class:`casekit.hub.course.Course`) for an
    attempt past ``max_attempts`` (409) or after a closed deadline (410).

    >>> import tempfile, pathlib
    >>> store = AttemptStore(pathlib.Path(tempfile.mkdtemp()) / "a.sqlite")
    >>> reply = check_attempt(store, "alice", "crm.quiz-01", "Reactive", "c1")
    >>> reply["correct"], reply["saved"], reply["message"].startswith("✓ Correct.")
    (True, True, True)
    >>> check_attempt(store, "alice", "crm.quiz-01", "Reactive", "c1")["duplicate"]
    True
    """
    from casekit import exercises

    try:
        exercise = exercises.get(exercise_id)
    except ValueError as err:
        raise CheckError(404, str(err)) from None
    rule, _ = _course_rule(course, exercise.id)
    if rule is None:
        return _check_and_record(store, student, exercise, answer, client_id, client_time)[0]
    again = store.find(student, client_id)
    if again is not None and again["exercise"] == exercise.id and \
            again["answer"] == exercise.stored(answer, student):   # sent again: first reply
        return public_row(again, duplicate=True,
                          hidden_until=hidden_until(course, student, exercise.id))
    now = dt.datetime.now(dt.timezone.utc)
    deadline = course.deadline_for(student, exercise.chapter, rule)
    late = deadline is not None and now > deadline
    if late and not rule.accept_late:
        raise CheckError(410, f"{exercise.id} closed at your deadline, "
                              f"{deadline:%Y-%m-%d %H:%M} UTC: this answer was not recorded.")
    saved_only = rule.feedback == "saved" and not late
    reply, row = _check_and_record(store, student, exercise, answer, client_id, client_time,
                                   rule=rule, explain=not saved_only)
    if reply["duplicate"]:      # the same attempt arrived twice at once: its first reply
        return public_row(row, duplicate=True,
                          hidden_until=hidden_until(course, student, exercise.id))
    if saved_only and reply["valid"]:
        reply.update(correct=False, score=0.0, pending=True,
                     message=_saved_message(row["try"], rule.max_attempts, deadline))
        return reply
    from casekit.i18n import _

    notes = []
    if reply["valid"] and reply["penalty"]:
        notes.append(_("this was try {n}: it is worth {share} of the points.").format(
            n=row["try"], share=f"{1 - reply['penalty']:.0%}"))
    if reply["valid"] and rule.max_attempts is not None:
        left = rule.max_attempts - row["try"]
        notes.append((_("{left} attempt left of {most}.") if left == 1 else
                      _("{left} attempts left of {most}.")).format(left=left, most=rule.max_attempts))
    if late:
        notes.append(_("after your deadline ({when}): recorded as late.").format(
            when=f"{deadline:%Y-%m-%d %H:%M} UTC"))
    for note in notes:
        reply["message"] += "\n\n**" + _("Note:") + f"** {note}"
    return reply


def _speaking(lang: str | None, fn, *args):
    """``fn(*args)`` answering in ``lang`` (the student's; None: English) in this worker thread."""
    from casekit.i18n import speaking

    with speaking(lang or "en"):
        return fn(*args)


def _check_and_record(store: AttemptStore, student: str, exercise, answer: Any, client_id: str,
                      client_time: str | None, rule=None, explain: bool = True
                      ) -> tuple[dict, dict]:
    """Check and record one attempt; return the reply and the stored row. Under ``rule``
    the database refuses a try past ``max_attempts`` (409), counted in the same
    transaction as the insert, so the limit holds across service processes."""
    import casekit
    from casekit import exercises

    from casekit.hub import keys

    from casekit.exercises.translation import localized
    from casekit.i18n import _

    try:    # as casekit.exercises.submit does: check the stored form, which is recorded
        resolved = localized(keys.resolved(store, exercise, student))  # keys kept in the database
    except Exception as err:  # the reference failing on this student's data: not their fault
        resolved, failure = None, f"{type(err).__name__}: {err}"
    shown = resolved or localized(exercise)     # in the student's language (speaking)
    stored = shown.stored(answer, student)
    if resolved is None:
        feedback = exercises.Feedback(
            False, 0.0, "⚠ " + _("Your answer could not be checked now: working out the expected "
                                 "answer on your data failed ({failure}). It is saved; tell your "
                                 "instructor.").format(failure=failure), valid=False)
    else:
        feedback = resolved.check(stored)
    tries = store.count_valid(student, exercise.id) + (1 if feedback.valid else 0)
    message = feedback.message
    if explain and shown.explanation and feedback.valid and (
            feedback.correct or tries >= exercise.reveal_after):
        message += "\n\n**" + _("Why:") + f"** {shown.explanation}"     # as check() writes it
    try:
        row, created = store.record(student, exercise.id, stored,
                                    score=feedback.score, correct=feedback.correct,
                                    valid=feedback.valid, message=message, client_id=client_id,
                                    points=exercise.points, client_time=client_time,
                                    casekit=casekit.__version__,
                                    max_tries=None if rule is None else rule.max_attempts,
                                    penalty=None if rule is None else rule.penalty)
    except ClientIdConflict as err:
        raise CheckError(409, str(err)) from None
    except NoTriesLeft as err:
        raise CheckError(409, f"No attempts left at {exercise.id}: you have used all "
                              f"{err.max_tries} the course allows. This answer was not "
                              "recorded; your earlier ones count.") from None
    return public_row(row, duplicate=not created), row


def _handlers(prefix: str, store: AttemptStore, pool: concurrent.futures.Executor,
              course_file=None):
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from jupyterhub.utils import url_path_join
    from tornado import web

    class Base(HubOAuthenticated, web.RequestHandler):
        """Identifies the hub user before the handler runs (asynchronously)."""

        async def prepare(self):
            model = None
            try:
                model = await self.hub_auth.get_user(self, sync=False)
            except web.HTTPError:
                raise
            except Exception:  # the hub could not be asked: say so, do not guess
                log.exception("could not ask the hub who is calling")
                raise web.HTTPError(503, "the hub did not answer; try again") from None
            if model:
                try:
                    model = self.check_hub_user(model)
                except Exception:
                    model = None
            self._hub_auth_user_cache = model

        def student(self) -> str:
            model = self.current_user
            if not model:
                raise web.HTTPError(403, "sign in to the hub first (or send your API token "
                                         "in the Authorization header)")
            if model.get("kind", "user") != "user":
                raise web.HTTPError(403, "only hub users have attempts")
            from casekit.exercises.sheet import check_student_id

            try:
                return check_student_id(model["name"])
            except ValueError as err:
                raise web.HTTPError(403, str(err)) from None

        def write_json(self, data: dict, status: int = 200):
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(data, ensure_ascii=False))

        def write_error(self, status_code: int, **kwargs):
            reason = self._reason
            exc = kwargs.get("exc_info", (None, None, None))[1]
            if isinstance(exc, web.HTTPError) and exc.log_message:
                reason = exc.log_message
            self.write_json({"error": reason, "status": status_code}, status_code)

    class CheckHandler(Base):
        async def post(self):
            student = self.student()
            try:
                body = json.loads(self.request.body or b"null")
                exercise, answer, client_id, client_time = check_payload(body)
            except ValueError as err:
                return self.write_json({"error": str(err), "status": 400}, 400)
            lang = body.get("lang") if body.get("lang") in LANGUAGES else None
            loop = asyncio.get_running_loop()
            try:
                course = course_file.get() if course_file is not None else None
                reply = await loop.run_in_executor(pool, _speaking, lang, check_attempt, store,
                                                   student, exercise, answer, client_id,
                                                   client_time, course)
            except CheckError as err:
                return self.write_json({"error": str(err), "status": err.status,
                                        "message": f"⚠ {err}"}, err.status)
            log.info("attempt %s %s %s score=%s%s", student, exercise, client_id,
                     reply["score"], " (again)" if reply["duplicate"] else "")
            self.write_json(reply)

    class AttemptsHandler(Base):
        async def get(self):
            student = self.student()
            exercise = self.get_argument("exercise", None)
            loop = asyncio.get_running_loop()
            try:
                rows = await loop.run_in_executor(pool, store.attempts, student, exercise)
            except ValueError as err:
                return self.write_json({"error": str(err), "status": 400}, 400)
            course = course_file.get() if course_file is not None else None
            now = dt.datetime.now(dt.timezone.utc)
            self.write_json({"student": student, "attempts": [
                public_row(r, hidden_until=hidden_until(course, student, r["exercise"], now))
                for r in rows]})

    class HealthHandler(web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"ok": True, "service": "casekit"}))

    class PageHandler(Base):
        @web.authenticated
        async def get(self):
            student = self.student()
            loop = asyncio.get_running_loop()
            rows = await loop.run_in_executor(pool, store.attempts, student, None)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(f"<!doctype html><meta charset=utf-8><title>casekit</title>"
                        f"<p>Signed in as <b>{html.escape(student)}</b>: "
                        f"{len(rows)} attempts recorded.</p>")

    return [
        (prefix, PageHandler),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        (url_path_join(prefix, "check"), CheckHandler),
        (url_path_join(prefix, "attempts"), AttemptsHandler),
        (url_path_join(prefix, "health"), HealthHandler),
    ]


def build_app(store: AttemptStore, prefix: str | None = None, *, workers: int = 4,
              course=None):
    """The tornado application of the service, its routes under ``prefix`` (default
    ``$JUPYTERHUB_SERVICE_PREFIX`` or ``/services/casekit/``); ``course`` is a
    :class:`casekit.hub.course.CourseFile` (None: every exercise is practice)."""
    import secrets

    from tornado import web

    prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/casekit/")
    if not prefix.startswith("/"):
        raise ValueError(f"prefix must start with /, got {prefix!r}")
    if not prefix.endswith("/"):
        prefix += "/"
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="casekit-check")
    app = web.Application(_handlers(prefix, store, pool, course),
                          cookie_secret=os.environ.get("CASEKIT_COOKIE_SECRET",
                                                       secrets.token_hex(32)).encode(),
                          xsrf_cookies=False)
    app.casekit_pool = pool
    return app


def warm_up() -> None:
    """Load what checking a computed exercise needs before the first student asks (they
    would wait about half a second for it): the banks, the fingerprints, and one
    exercise of each chapter worked out on a throw-away shop (which imports pandas, scipy,
    the simulator, the reference solutions and the analysis modules they call)."""
    from casekit import exercises
    from casekit.hub.keys import _computed, _fingerprint

    computed = _computed()
    for exercise in computed:
        _fingerprint(exercise)
    shop = exercises._student_data("casekit-warm-up")
    for exercise in {ex.chapter: ex for ex in computed}.values():
        exercise.resolve(shop)


def _port_from_env() -> int:
    url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if url:
        port = urlparse(url).port
        if port:
            return port
    return DEFAULT_PORT


def build_parser() -> argparse.ArgumentParser:
    """Arguments of ``casekit serve``."""
    p = argparse.ArgumentParser(
        prog="casekit serve",
        description="Run the casekit service for JupyterHub (normally started by the hub as a "
                    "managed service): checks answers for the signed-in hub user and records "
                    "every attempt with the server's time.")
    p.add_argument("--db", metavar="URL",
                   default=os.environ.get("CASEKIT_HUB_DB", "casekit-attempts.sqlite"),
                   help="a SQLite file (default $CASEKIT_HUB_DB or ./casekit-attempts.sqlite) "
                        "or a postgresql://user@host/db URL")
    p.add_argument("--port", type=int, default=None,
                   help="port to listen on (default: the port of $JUPYTERHUB_SERVICE_URL, else "
                        f"{DEFAULT_PORT})")
    p.add_argument("--ip", default=None,
                   help="address to listen on (default: the host of $JUPYTERHUB_SERVICE_URL, "
                        "else 127.0.0.1)")
    p.add_argument("--workers", type=int, default=4, help="threads checking answers (default 4)")
    p.add_argument("--course", metavar="FILE", default=os.environ.get("CASEKIT_COURSE") or None,
                   help="the course file: assessed exercises, deadlines, extensions, feedback, "
                        "attempt limits (default $CASEKIT_COURSE; none: all practice). Read "
                        "again when it changes.")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the service until SIGTERM/SIGINT; return the exit status."""
    args = build_parser().parse_args(argv)
    if args.port is not None and not 0 < args.port < 65536:
        print(f"casekit serve: --port {args.port} is not a port (1-65535)", file=sys.stderr)
        return 1
    if args.workers < 1:
        print("casekit serve: --workers must be at least 1", file=sys.stderr)
        return 1
    missing = [v for v in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL") if not os.environ.get(v)]
    if missing:
        print(f"casekit serve: {', '.join(missing)} not set: run it as a JupyterHub service "
              "(see deploy/jupyterhub_config.py)", file=sys.stderr)
        return 1
    try:
        database_url(args.db)
    except ValueError as err:
        print(f"casekit serve: {err}", file=sys.stderr)
        return 1
    args.course_file = None
    if args.course:
        from casekit import exercises
        from casekit.hub.course import CourseError, CourseFile

        try:
            args.course_file = CourseFile(args.course, exercises._bank())
        except (CourseError, OSError) as err:
            print(f"casekit serve: {err}", file=sys.stderr)
            return 1
    logging.basicConfig(level=logging.WARNING, format="[casekit %(asctime)s] %(message)s")
    for name in ("casekit.hub.service", "tornado.access"):
        logging.getLogger(name).setLevel(logging.INFO)
    return asyncio.run(_serve(args))


async def _serve(args) -> int:
    from tornado.httpserver import HTTPServer

    store = AttemptStore(args.db)
    app = build_app(store, workers=args.workers, course=args.course_file)
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
    ip = args.ip or url.hostname or "127.0.0.1"
    port = args.port or _port_from_env()
    server = HTTPServer(app, xheaders=True, max_body_size=MAX_BODY)
    server.listen(port, ip)
    app.casekit_pool.submit(warm_up).add_done_callback(
        lambda done: done.exception() and log.error("warming up failed: %s", done.exception()))
    log.info("casekit service on http://%s:%s%s, attempts in %r", ip, port,
             os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/casekit/"), store)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: no new requests; finishing the ones in progress")
    server.stop()
    await server.close_all_connections()
    app.casekit_pool.shutdown(wait=True)
    store.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
