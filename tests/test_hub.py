"""The classroom on a real JupyterHub, started here: jupyterhub from PyPI, the
configurable-http-proxy from npm (``npm ci`` installs it from package.json), the dummy
authenticator, local processes, and the casekit service run by the hub from
``deploy/jupyterhub_config.py``. Everything runs twice: attempts in SQLite, then in a real
PostgreSQL server started by the fixture.

Three students sign in (users and API tokens made through the hub's REST API), check
answers through ``casekit.hub.client`` exactly as a kernel in their server would, and we
assert what they and their instructor care about: every attempt recorded under its own
student with the server's time, nobody reading or writing anyone else's, no key in a
reply, nothing lost when the service is killed, and an outbox that is sent exactly once.

Without the proxy (``npm ci``) or PostgreSQL these tests are skipped with the reason;
under CI=true they must run (.ci/run installs both).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from casekit import exercises
from casekit.hub import client
from casekit.hub.store import AttemptStore
from tests.test_hub_store import _free_port, _numbers, postgres_server  # noqa: F401 - fixture
from tests.conftest import require

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
USERS = ("alice", "bob", "carol")
RIGHT, WRONG = "Reactive", "Accountable"      # crm.quiz-01, by option text (letters are
QUIZ3 = ["The customer's current value", "The customer's potential value",   # shuffled per
         "The profit over the customer's lifetime", "The customer's reputation value"]  # student)
WAIT = 90          # seconds: the longest any start-up may take


def _need_proxy():
    require(PROXY.exists(), "configurable-http-proxy (node_modules)",
            "`make test` runs `npm ci` where npm is installed")


def _http(method: str, url: str, token: str | None = None, body: dict | None = None,
          timeout: float = 60) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


class Hub:
    """A running JupyterHub with the casekit service, and what the tests need of it."""

    def __init__(self, folder: Path, db: str):
        self.folder, self.db = folder, db
        self.port = _free_port()
        self.admin_token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.service = f"{self.url}/services/casekit/"
        self.log = folder / "hub.log"
        self.tokens: dict[str, str] = {}
        self.course = folder / "course.toml"     # the service reads it again when it changes
        write_course(self.course, deadline=_in(days=1))
        overlay = folder / "jupyterhub_config.py"
        overlay.write_text(f"""\
c = get_config()
load_subconfig({str(ROOT / "deploy" / "jupyterhub_config.py")!r})
# a service for the tests to make users and tokens with, through the REST API
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {self.admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "test-admin", "scopes": ["admin:users", "tokens"],
                                 "services": ["test-admin"]}})
# tests only: notice a killed service within a second (the hub polls every 30 s)
import jupyterhub.services.service as _service
from traitlets import default as _default
class _QuickPoll(_service._ServiceSpawner):
    @_default("poll_interval")
    def _poll_interval(self):
        return 1
_service._ServiceSpawner = _QuickPoll
""")
        env = {**os.environ, "CASEKIT_HUB_PORT": str(self.port),
               "CASEKIT_HUB_API_PORT": str(_free_port()),
               "CASEKIT_PROXY_API_PORT": str(_free_port()),
               "CASEKIT_SERVICE_PORT": str(_free_port()), "CASEKIT_HUB_DB": db,
               "CASEKIT_COURSE": str(self.course)}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(overlay)], cwd=folder, env=env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_up(self, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"jupyterhub exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if _http("GET", self.url + "/hub/api", timeout=3)[0] == 200 and \
                        _http("GET", self.service + "health", timeout=3)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        pytest.fail(f"the hub or its casekit service did not answer in {timeout}s:\n{self.tail()}")

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 60) -> dict:
        status, text = _http(method, f"{self.url}/hub/api/{path}", self.admin_token, body,
                             timeout=timeout)
        assert status in (200, 201), f"{method} {path}: {status} {text}"
        return json.loads(text)

    def add_users(self, names) -> None:
        for name in names:
            self.api("POST", f"users/{name}")
            self.tokens[name] = self.api("POST", f"users/{name}/tokens",
                                         {"note": "a kernel of the test"})["token"]

    def env_for(self, user: str, url: str | None = None) -> dict:
        """The variables a kernel in ``user``'s single-user server has."""
        return {"JUPYTERHUB_USER": user, "JUPYTERHUB_API_TOKEN": self.tokens[user],
                "CASEKIT_SERVICE_URL": url or self.service}

    def service_pid(self) -> int | None:
        """The casekit service process the hub started (a child of the hub)."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (proc / "cmdline").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if parent == self.proc.pid and command[1:4] == [b"-m", b"casekit.cli", b"serve"]:
                return int(proc.name)
        return None

    def wait_for_service(self, not_pid: int | None = None, timeout: float = WAIT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.service_pid()
            if pid and pid != not_pid:
                try:
                    if _http("GET", self.service + "health", timeout=3)[0] == 200:
                        return pid
                except OSError:
                    pass
            time.sleep(0.2)
        pytest.fail(f"the hub did not restart the casekit service in {timeout}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:   # the proxy and the service are in the hub's process group: none outlives it
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request, tmp_path_factory):
    _need_proxy()
    folder = tmp_path_factory.mktemp(f"hub-{request.param}")
    drop = None
    if request.param == "sqlite":
        db = str(folder / "casekit-attempts.sqlite")
    else:
        import sqlalchemy as sa

        server = request.getfixturevalue("postgres_server")
        name = f"casekit_hub_{os.getpid()}_{next(_numbers)}"
        admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        db = f"{server}/{name}"

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    running = Hub(folder, db)
    try:
        running.wait_until_up()
        running.add_users(USERS)
        yield running
    finally:
        running.stop()
        if drop:
            drop()


def _in(**delta) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(**delta)).isoformat(timespec="seconds")


def write_course(path: Path, deadline: str, extensions: str = "") -> None:
    """Chapter 06 assessed: "saved" feedback, two attempts; service.missed-service with
    immediate feedback, three attempts and 25% off per extra try. Written atomically."""
    text = f"""\
[[assessed]]
chapters = ["06"]
deadline = "{deadline}"
feedback = "saved"
max_attempts = 2

[[assessed]]
exercises = ["service.missed-service"]
deadline = "{deadline}"
feedback = "immediate"
max_attempts = 3
penalty_per_try = 0.25

[extensions]
{extensions}
"""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _recorded(hub: Hub, user: str) -> list[dict]:
    with AttemptStore(hub.db) as store:
        return store.attempts(user)


def _expected(exercise_id: str, user: str):
    return getattr(exercises._resolved(exercises.get(exercise_id), user), "answer", None)


def test_three_students_checks_are_recorded_under_their_own_names_with_server_time(hub, tmp_path):
    started = dt.datetime.now(dt.timezone.utc)
    before = {u: len(_recorded(hub, u)) for u in USERS}
    for user in USERS:
        env = hub.env_for(user)
        wrong = client.submit(exercises.get("crm.quiz-01"), WRONG, env=env, home=tmp_path / user)
        right = client.submit(exercises.get("crm.quiz-01"), RIGHT, env=env, home=tmp_path / user)
        own = client.submit(exercises.get("crm.recent-buyers"), _expected("crm.recent-buyers", user),
                            env=env, home=tmp_path / user)
        assert not wrong.correct and wrong.valid and wrong.message.startswith("✗ Not yet.")
        assert right.correct and right.score == 1.0 and "**Why:**" in right.message
        assert own.correct, f"{user}'s own answer on {user}'s own data: {own.message}"
    # the same number is wrong for someone else: keys are per student, from the hub's name
    alices = _expected("crm.recent-buyers", "alice")
    assert _expected("crm.recent-buyers", "bob") != alices
    as_bob = client.submit("crm.recent-buyers", alices, env=hub.env_for("bob"), home=tmp_path / "bob")
    assert not as_bob.correct
    finished = dt.datetime.now(dt.timezone.utc)

    for user in USERS:
        rows = _recorded(hub, user)[before[user]:]
        assert {r["student"] for r in rows} == {user}
        assert [(r["exercise"], r["correct"]) for r in rows[:3]] == [
            ("crm.quiz-01", False), ("crm.quiz-01", True), ("crm.recent-buyers", True)]
        assert all(started <= r["server_time"] <= finished for r in rows), "server time, UTC"
        seen = client.attempts(env=hub.env_for(user))
        assert [a["client_id"] for a in seen] == [r["client_id"] for r in _recorded(hub, user)]
        assert all(a["server_time"].endswith("Z") for a in seen)


def test_feedback_is_what_check_gives_and_a_wrong_answer_reveals_no_key(hub):
    for exercise_id, answer in [("crm.recent-buyers", 1234), ("crm.top20-share", 0.01),
                                ("crm.quiz-02", "Price loyalty")]:
        expected = _expected(exercise_id, "carol")
        local = exercises._resolved(exercises.get(exercise_id), "carol").check(answer)
        status, text = _http("POST", hub.service + "check", hub.tokens["carol"],
                             {"exercise": exercise_id, "answer": answer,
                              "client_id": uuid.uuid4().hex})
        reply = json.loads(text)
        assert status == 200 and reply["saved"] is True
        assert (reply["correct"], reply["score"]) == (local.correct, local.score)
        # check()'s message, and at most the explanation check() adds once it is earned
        assert reply["message"] == local.message or \
            reply["message"].startswith(local.message + "\n\n**Why:**")
        shown_to_student = json.dumps({k: v for k, v in reply.items()
                                       if k not in ("server_time", "client_id", "client_time")})
        if not local.correct and isinstance(expected, (int, float)):
            for key in {f"{expected}", f"{expected:g}", f"{expected:.2f}", f"{expected:.3f}"}:
                assert key not in shown_to_student, f"the key {key} is in a reply to a wrong answer"


def test_a_token_reads_and_writes_only_its_owners_attempts(hub):
    alice = hub.tokens["alice"]
    bobs_before = [r["client_id"] for r in _recorded(hub, "bob")]
    # posting "as bob" with alice's token records it as alice's
    cid = uuid.uuid4().hex
    status, text = _http("POST", hub.service + "check", alice,
                         {"exercise": "crm.quiz-01", "answer": RIGHT, "client_id": cid,
                          "student": "bob", "user": "bob"})
    assert status == 200
    assert cid in [r["client_id"] for r in _recorded(hub, "alice")]
    assert [r["client_id"] for r in _recorded(hub, "bob")] == bobs_before
    # reading: only your own, whatever you ask for
    for query in ("", "?student=bob", "?user=bob"):
        status, text = _http("GET", hub.service + "attempts" + query, alice)
        data = json.loads(text)
        assert status == 200 and data["student"] == "alice"
        assert cid in [a["client_id"] for a in data["attempts"]]
        assert not set(bobs_before) & {a["client_id"] for a in data["attempts"]}
    # bob's client id, resent by alice, does not touch bob's attempt
    if bobs_before:
        status, _ = _http("POST", hub.service + "check", alice,
                          {"exercise": "crm.quiz-01", "answer": WRONG, "client_id": bobs_before[0]})
        assert status == 200
        assert [r["client_id"] for r in _recorded(hub, "bob")] == bobs_before
    # no token, a made-up token, the hub's own API for another user, a service token: refused
    for token in (None, "not-a-token", secrets.token_hex(16)):
        assert _http("GET", hub.service + "attempts", token)[0] == 403
        assert _http("POST", hub.service + "check", token,
                     {"exercise": "crm.quiz-01", "answer": RIGHT, "client_id": "x1"})[0] == 403
    assert _http("GET", hub.service + "attempts", hub.admin_token)[0] == 403
    assert _http("GET", f"{hub.url}/hub/api/users/bob/tokens", alice)[0] in (403, 404)
    assert _http("POST", f"{hub.url}/hub/api/users/bob/tokens", alice, {})[0] in (403, 404)
    # keys and the database are not reachable by any path
    for path in ("keys", "answers", "exercises", "casekit-attempts.sqlite", "static/x",
                 "static/../casekit-attempts.sqlite", "check?exercise=crm.recent-buyers"):
        status, text = _http("GET", hub.service + path, alice)
        assert status in (403, 404, 405), f"{path}: {status}"
        assert str(_expected("crm.recent-buyers", "alice")) not in text


def test_killing_the_service_mid_session_loses_no_acknowledged_attempt(hub, tmp_path):
    env = hub.env_for("bob")
    acknowledged: list[str] = []
    kept: list[str] = []
    stop = threading.Event()

    def student():
        n = 0
        while not stop.is_set() and n < 400:
            attempt = {"exercise": "crm.quiz-03", "answer": QUIZ3[n % 4],
                       "client_id": uuid.uuid4().hex}
            n += 1
            try:
                reply = client.post_check(attempt, env, timeout=10)
            except (client.Unreachable, client.ServiceError):
                kept.append(attempt["client_id"])
                continue
            assert reply["saved"] is True
            acknowledged.append(reply["client_id"])

    worker = threading.Thread(target=student)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        old = hub.service_pid()
        assert old, "the hub runs the service"
        os.kill(old, signal.SIGKILL)        # mid-session, with requests in flight
        told = client.submit("crm.quiz-01", "Proactive", env=env, home=tmp_path)
        hub.wait_for_service(not_pid=old)
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=60)
    assert acknowledged, "some attempts were acknowledged before the kill"
    after = client.submit("crm.quiz-01", RIGHT, env=env, home=tmp_path)
    assert after.correct, after.message
    recorded = [r["client_id"] for r in _recorded(hub, "bob")]
    assert set(acknowledged) <= set(recorded), "an acknowledged attempt was lost"
    assert len(recorded) == len(set(recorded)), "an attempt was recorded twice"
    if "saved on this machine" in told.message:     # sent from the outbox by the next check
        assert "earlier answer kept on this machine was sent" in after.message
    assert client.Outbox("bob", tmp_path).pending() == []
    assert [r["answer"] for r in _recorded(hub, "bob") if r["exercise"] == "crm.quiz-01"][-2:] \
        == ["Proactive", RIGHT]


def test_an_unreachable_service_keeps_the_attempt_and_the_next_check_sends_it_once(hub, tmp_path):
    dead = f"http://127.0.0.1:{_free_port()}/services/casekit/"
    before = len(_recorded(hub, "carol"))
    offline = client.submit("crm.quiz-01", "Partnership", env=hub.env_for("carol", url=dead), home=tmp_path)
    assert not offline.correct and not offline.valid
    assert "saved on this machine" in offline.message and "will be sent" in offline.message
    waiting = client.Outbox("carol", tmp_path).pending()
    assert [a["answer"] for a in waiting] == ["Partnership"]
    assert len(_recorded(hub, "carol")) == before, "not sent yet"

    online = client.submit("crm.quiz-01", RIGHT, env=hub.env_for("carol"), home=tmp_path)
    assert online.correct and "1 earlier answer kept on this machine was sent" in online.message
    assert client.Outbox("carol", tmp_path).pending() == []
    again = client.submit("crm.quiz-02", "Super loyalty", env=hub.env_for("carol"), home=tmp_path)
    assert "earlier answer" not in again.message
    rows = _recorded(hub, "carol")[before:]
    assert [r["answer"] for r in rows] == ["Partnership", RIGHT, "Super loyalty"]
    assert [r["client_id"] for r in rows].count(waiting[0]["client_id"]) == 1
    # a reply lost on the way back: the kernel sends the same attempt again, recorded once
    first = client.post_check(waiting[0], hub.env_for("carol"))
    assert first["duplicate"] is True and first["client_id"] == waiting[0]["client_id"]
    assert len(_recorded(hub, "carol")) == before + 3


def test_in_a_hub_session_check_needs_no_id_and_goes_to_the_service(hub, tmp_path, monkeypatch):
    """What a student's notebook does: start() ignores a typed id, check() is recorded by
    the service under the hub user, on the hub user's own data; no local answer sheet."""
    for name, value in hub.env_for("carol").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    monkeypatch.setitem(exercises._state, "student", None)
    assert exercises.student() == "carol"
    assert exercises.start("someone-else").student == "carol"
    before = len(_recorded(hub, "carol"))
    fb = exercises.check("crm.recent-buyers", _expected("crm.recent-buyers", "carol"))
    assert fb.correct, fb.message
    wrong = exercises.check("crm.quiz-01", WRONG)
    assert not wrong.correct and wrong.message.startswith("✗ Not yet.")
    rows = _recorded(hub, "carol")[before:]
    assert [(r["student"], r["exercise"], r["correct"]) for r in rows] == [
        ("carol", "crm.recent-buyers", True), ("carol", "crm.quiz-01", False)]
    assert not (tmp_path / "answers").exists(), "the service keeps the attempts, not a sheet"


def test_the_outbox_sends_oldest_first_keeps_what_did_not_go_and_never_drops_a_refusal(tmp_path):
    box = client.Outbox("dana", tmp_path)
    for n in range(4):
        box.add({"exercise": "crm.quiz-01", "answer": n, "client_id": f"c{n}"})
    sent = []

    def send(attempt):
        if attempt["answer"] == 1:
            raise client.ServiceError(404, "No exercise")        # refused for good
        if attempt["answer"] == 3:
            raise client.Unreachable("connection refused")        # try again later
        sent.append(attempt["client_id"])

    assert box.flush(send) == (2, 1, 1)
    assert sent == ["c0", "c2"]
    assert [a["client_id"] for a in box.pending()] == ["c3"]
    refused = [json.loads(line) for line in box.rejected_path.read_text().splitlines()]
    assert [r["client_id"] for r in refused] == ["c1"] and "No exercise" in refused[0]["refused"]

    def signed_out(attempt):
        raise client.ServiceError(403, "token expired")

    assert box.flush(signed_out) == (0, 0, 1)             # kept for when the student signs in
    assert box.flush(lambda a: sent.append(a["client_id"])) == (1, 0, 0)
    assert sent[-1] == "c3" and box.pending() == [] and not box.path.exists()


_FIRST_CHECKS = """
import sys
from casekit.hub.service import check_attempt, warm_up
from casekit.hub.store import AttemptStore
warm_up()
before = set(sys.modules)
store = AttemptStore(sys.argv[1])
for exercise in ("crm.recent-buyers", "value.bgnbd-forecast"):
    check_attempt(store, "dana", exercise, 1.0, exercise)
heavy = ("numpy", "pandas", "scipy", "statsmodels", "casekit.data", "casekit.solutions",
         "casekit.clv")
print(sorted(m for m in set(sys.modules) - before if m.startswith(heavy)))
"""


def test_a_warmed_up_service_loads_nothing_for_a_students_first_computed_check(tmp_path):
    """``casekit serve`` warms up as it starts (``warm_up``): a student's first computed
    checks then only work out their keys, loading no library or reference solution
    (half a second the first student after a restart used to wait)."""
    run = subprocess.run([sys.executable, "-c", _FIRST_CHECKS, str(tmp_path / "a.sqlite")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_casekit_serve_outside_a_hub_says_how_to_run_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    run = subprocess.run([sys.executable, "-m", "casekit.cli", "serve", "--db",
                          str(tmp_path / "a.sqlite")], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1 and "deploy/jupyterhub_config.py" in run.stderr
    env.update(JUPYTERHUB_API_TOKEN="x", JUPYTERHUB_API_URL="http://127.0.0.1:1/hub/api")
    run = subprocess.run([sys.executable, "-m", "casekit.cli", "serve", "--db", "mysql://h/db"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "not supported" in run.stderr
    assert not (tmp_path / "a.sqlite").exists()


def test_assessed_exercises_follow_the_course_file_on_server_time(hub, tmp_path):
    """Chapter 06 is assessed: before the deadline a check says only "saved" (the score is
    recorded, never shown), a third try is refused, an unreadable answer costs nothing;
    an immediate-feedback exercise shows its per-try penalty; once the deadline passes
    (the file changed while the service runs) feedback is immediate, except for the
    student whose own extension has not run out."""
    write_course(hub.course, deadline=_in(days=1))
    alice, carol = hub.env_for("alice"), hub.env_for("carol")
    home = tmp_path / "alice"
    unreadable = client.submit("service.hand-appraisal", "about eighty", env=alice, home=home)
    assert not unreadable.valid and "not a number" in unreadable.message
    first = client.submit("service.hand-appraisal", 80, env=alice, home=home)
    second = client.submit("service.hand-appraisal", 82.8, env=alice, home=home)
    for fb in (first, second):
        assert fb.valid and not fb.correct and fb.score == 0.0
        assert fb.message.startswith("✓ Saved (try ") and "graded after your deadline" in fb.message
        assert "82.8" not in fb.message and "too low" not in fb.message.lower()
    assert "(try 2 of 2)" in second.message
    third = client.submit("service.hand-appraisal", 82.8, env=alice, home=home)
    assert not third.valid and "No attempts left at service.hand-appraisal" in third.message
    assert client.Outbox("alice", home).pending() == [], "a refusal is final, not kept to resend"
    rows = [r for r in _recorded(hub, "alice") if r["exercise"] == "service.hand-appraisal"]
    assert [(r["valid"], r["correct"]) for r in rows] == [(False, False), (True, False), (True, True)]
    seen = [a for a in client.attempts("service.hand-appraisal", env=alice)]
    assert [a["pending"] for a in seen] == [False, True, True], "scores hidden until the deadline"
    assert [a["message"][:15] for a in seen[1:]] == ["✓ Saved (try 1)", "✓ Saved (try 2)"], \
        "numbered as the replies were: the unreadable answer was no try"
    assert all(a["score"] == 0.0 and "82.8" not in json.dumps(a["message"]) for a in seen)
    again = client.post_check({"exercise": "service.hand-appraisal", "answer": 82.8,
                               "client_id": rows[-1]["client_id"]}, alice)
    assert again["duplicate"] and again["pending"], "a resent attempt gets its first reply"

    tries = [client.submit("service.missed-service", x, env=carol, home=tmp_path / "carol")
             for x in (5, 7, 9.6, 9.6)]
    assert [fb.correct for fb in tries[:3]] == [False, False, True]
    assert "worth 50% of the points" in tries[2].message and "0 attempts left of 3" in tries[2].message
    assert "No attempts left" in tries[3].message
    assert [r["penalty"] for r in _recorded(hub, "carol")
            if r["exercise"] == "service.missed-service"] == [0.0, 0.25, 0.5]

    # the deadline passes for the class; alice has an extension
    write_course(hub.course, deadline=_in(hours=-1), extensions=f'alice = "{_in(days=2)}"')
    late = client.submit("service.hand-appraisal", 82.8, env=hub.env_for("bob"), home=tmp_path / "bob")
    assert late.correct and late.message.startswith("✓ Correct.")
    assert "after your deadline" in late.message and "recorded as late" in late.message
    assert all(a["pending"] for a in client.attempts("service.hand-appraisal", env=alice)[1:])
    shown = client.submit("service.rings", "Within two rings; never after more than four",
                          env=hub.env_for("carol"), home=tmp_path / "carol")
    assert shown.correct, "after the deadline feedback is immediate"


def test_the_gradebook_grades_the_services_database_with_server_time(hub, tmp_path):
    """``casekit grade --db``: no sheets collected; the course file's deadline and alice's
    extension apply, the late penalty uses the server's time, the per-try penalty is
    taken off, and export works as on the LMS path; ``feedback --publish`` puts each page
    into its student's home."""
    from casekit.grading.export import export_grades
    from casekit.grading.gradebook import Gradebook

    gradebook = tmp_path / "gradebook.sqlite"
    run = subprocess.run([sys.executable, "-m", "casekit.cli", "grade", "--db", hub.db,
                          "--course", str(hub.course), "--chapter", "06", "--late-penalty", "50%",
                          "--gradebook", str(gradebook)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert run.returncode == 0, run.stderr
    assert "Extension from the course file: alice" in run.stdout
    with Gradebook(gradebook, create=False) as gb:
        scores = gb.scores()
        attempts = {r["student"]: r for r in gb.attempts() if r["exercise"] == "service.hand-appraisal"}
    assert scores["alice"]["service.hand-appraisal"]["points"] == 2.0, "on time by her extension"
    assert scores["bob"]["service.hand-appraisal"]["points"] == 1.0, "late: 50% off"
    assert scores["bob"]["service.hand-appraisal"]["late_days"] == 1
    # carol's right answer was her third try (50% off) and, by the deadline the course file
    # now gives (an hour before the first test moved it), a day late (50% off again)
    assert scores["carol"]["service.missed-service"]["points"] == 0.25
    recorded = [r for r in _recorded(hub, "bob") if r["exercise"] == "service.hand-appraisal"]
    assert attempts["bob"]["handed_in"] == recorded[-1]["server_time"].isoformat().replace("+00:00", "Z")
    csv = export_grades(gradebook, tmp_path / "grades.csv").read_text()
    assert "alice" in csv and "bob" in csv

    homes = tmp_path / "homes"          # feedback into the hub homes; carol has none yet
    for uid, user in enumerate(("alice", "bob"), 4201):
        (homes / user).mkdir(parents=True)
        if os.geteuid() == 0:
            os.chown(homes / user, uid, uid)
    run = subprocess.run([sys.executable, "-m", "casekit.cli", "feedback", "--gradebook",
                          str(gradebook), "--out", str(tmp_path / "feedback"), "--publish",
                          f"{homes}/{{username}}"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Published 2 of 3 into the students' homes" in run.stdout
    assert "carol: skipped: no home yet" in run.stdout
    page = homes / "alice" / "feedback" / "casekit-feedback.html"
    assert page.read_bytes() == (tmp_path / "feedback" / "alice.html").read_bytes()
    assert page.stat().st_uid == (4201 if os.geteuid() == 0 else os.geteuid())
