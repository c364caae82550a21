"""The student build: a wheel of casekit without the keys of the assessed exercises.

Built once for this module (chapter 06 assessed, plus one quiz of chapter 00 and one
computed exercise of chapter 02), installed with pip into a fresh virtual environment
whose only casekit is the wheel (the project's editable install is not on its path), and
then:

- every file of the installed package (``.pyc`` included) and its console script is
  searched for the keys of assessed exercises: numeric answers, option and item feedback,
  mistakes, explanations, model answers, rubrics, the names of their solution functions —
  none is there, nor ``casekit answers`` or the grader;
- in that environment, offline, practice exercises (plain and computed on the student's
  own data) are checked as before, assessed ones are saved with "checked after the
  deadline" (the LMS path, ``casekit release --assessed``);
- the instructor's grader, with the full package, grades that sheet as usual.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from casekit import exercises
from casekit.exercises.translation import localized
from casekit.exercises.types import form_of, from_form, saved_unchecked

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COURSE = """\
[[assessed]]
chapters = ["06"]
deadline = "2026-12-20T23:59+08:00"
feedback = "saved"

[[assessed]]
exercises = ["crm.quiz-05", "loyal.hostage-share"]
"""
STUDENT = "s2026-042"
RINGS = "service.rings"


def _expected(exercise_id: str, student: str = STUDENT):
    return exercises._resolved(exercises.get(exercise_id), student).answer


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel, venv python, site-packages folder, course file) of the installed student build."""
    folder = tmp_path_factory.mktemp("student-build")
    course = folder / "course.toml"
    course.write_text(COURSE)
    release = folder / "release"
    run = subprocess.run([sys.executable, "-m", "casekit.cli", "release",
                          str(ROOT / "exercises" / "06-service-team.ipynb"),
                          "--assessed", str(course), "--out", str(release)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    wheel = next(release.glob("casekit-*+student-py3-none-any.whl"))
    env_dir = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, timeout=300,
                   env=_clean_env(folder))
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # numpy, pandas, ... from the project's venv: its folder on the path, but not its .pth
    # files, so the project's editable casekit is not importable there
    (site / "zz-project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, python, site, course


def _clean_env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CASEKIT_", "JUPYTERHUB_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(CASEKIT_HOME=str(folder / "home"), PYTHONHASHSEED="0")
    return env


def _run_in(built, code: str, folder: Path) -> dict:
    _, python, _, _ = built
    run = subprocess.run([str(python), "-c", code], cwd=folder, env=_clean_env(folder),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def _assessed_keys() -> dict[str, list[bytes]]:
    """For every assessed exercise, byte strings that would give its key away."""
    keys: dict[str, list[bytes]] = {}
    for ex in exercises._bank().values():
        if not (ex.chapter == "06" or ex.id in ("crm.quiz-05", "loyal.hostage-share")):
            continue
        found = []
        for shown in (ex, localized(ex, "zh")):     # and the Chinese edition's wording
            found += [shown.explanation] if shown.explanation else []
            found += [o.get("feedback", "") for o in getattr(shown, "options", ())]
            found += [m["message"] for m in getattr(shown, "mistakes", ())]
            found += [getattr(shown, "model_answer", "")] + list(getattr(shown, "rubric", ()))
            if shown.kind == "matching":
                found += [it.get("feedback", "") for it in shown.items]
        if ex.solution:
            found.append("def " + ex.solution.split(":")[1] + "(")
        texts = [t.encode() for t in found if t and len(t) > 12]
        if ex.kind == "numeric" and ex.answer is not None:
            texts += [f'"answer": {ex.answer!r}'.encode(), f"answer = {ex.answer!r}".encode(),
                      struct.pack("<d", ex.answer)]
        keys[ex.id] = texts
    return keys


def test_no_file_of_the_installed_student_build_holds_an_assessed_key(built, tmp_path):
    wheel, python, site, _ = built
    files = [p for p in (site / "casekit").rglob("*") if p.is_file()]
    files += [p for d in site.glob("casekit-*.dist-info") for p in d.rglob("*") if p.is_file()]
    files += [python.parent / "casekit"]
    assert any(p.suffix == ".pyc" for p in files), "pip compiled the package: .pyc scanned too"
    keys = _assessed_keys()
    assert len(keys) >= 15 and sum(map(len, keys.values())) >= 40, "a real sample of keys"
    contents = {p: p.read_bytes() for p in files}
    leaks = [(ex_id, key[:60], p.name) for ex_id, sample in keys.items() for key in sample
             for p, data in contents.items() if key in data]
    assert leaks == []
    # the scan finds these keys where they are: in what a build that kept the banks and
    # solutions would ship (TOML escapes make a few texts differ from their source bytes)
    import tomllib

    from casekit.exercises.bank import BANKS

    banks = [tomllib.loads(p.read_text()) for p in BANKS.glob("*.toml")]
    naive = json.dumps(banks, ensure_ascii=False).encode() + b"".join(
        p.read_bytes() for p in BANKS.glob("*.toml")) + b"".join(
        p.read_bytes() for p in (ROOT / "casekit" / "locale").glob("*/banks/*.po")) + b"".join(
        (ROOT / "casekit" / "solutions" / f).read_bytes() for f in ("ch02.py", "ch06.py"))
    texts = [k for sample in keys.values() for k in sample if len(k) != 8]
    assert sum(k in naive for k in texts) >= 0.9 * len(texts)
    # no instructor tools, no solutions of assessed exercises, no correct marks
    names = {p.relative_to(site).as_posix() for p in files if site in p.parents}
    assert {n for n in names if n.startswith("casekit/grading/") and n.endswith(".py")} == \
        {"casekit/grading/__init__.py", "casekit/grading/reference.py"}, "no grader, no collect"
    assert not [n for n in names if "solutions/ch06" in n]
    assert "casekit/solutions/ch00.py" in names, "practice solutions stay"
    assert not [n for n in names if n.endswith(".toml") and "/banks/" in n], "no full bank"
    bank = json.loads((site / "casekit" / "exercises" / "banks" / "bank.json").read_text())
    for entry in bank["exercises"]:
        if entry["id"] in keys:
            assert entry["form_only"] is True
            assert not {"answer", "explanation", "solution", "mistakes", "model_answer",
                        "rubric", "tolerance"} & set(entry)
            assert all(set(o) == {"text"} for o in entry.get("options", []))
    order = exercises.get("service.followup-order").items
    shipped = next(e for e in bank["exercises"] if e["id"] == "service.followup-order")["items"]
    assert sorted(shipped) == sorted(order) and shipped == sorted(order, key=str.casefold)
    # the Chinese catalog keeps the form's wording, not the bank order of an order's items
    zh = (site / "casekit" / "locale" / "zh" / "banks" / "06-service-team.po").read_text()
    assert 'msgctxt "service.followup-order:items"' in zh
    assert 'msgctxt "service.followup-order:items.0"' not in zh
    # `casekit answers` is not there
    run = subprocess.run([str(python.parent / "casekit"), "answers", STUDENT],
                         capture_output=True, text=True, env=_clean_env(tmp_path), timeout=120)
    assert run.returncode == 1 and "student edition" in run.stderr
    with zipfile.ZipFile(wheel) as whl:
        assert not [n for n in whl.namelist() if n.endswith(("grade.py", "cli.py.orig", "ch06.py"))]


def test_offline_practice_works_and_assessed_answers_are_saved_then_graded(built, tmp_path):
    from casekit.grading.grade import grade
    from casekit.grading.gradebook import Gradebook

    rings = exercises.get(RINGS)
    right_text = next(o["text"] for o in rings.options if o.get("correct"))
    form = from_form(form_of(rings))
    letter = "ABCDEFGH"[[form.options[i]["text"] for i in form.order(STUDENT)].index(right_text)]
    code = f"""
import json, casekit
from casekit.exercises import check, start
start({STUDENT!r})
out = {{"file": casekit.__file__}}
for name, ex_id, value in [
        ("quiz", "crm.quiz-01", "Reactive"),
        ("computed", "crm.recent-buyers", {_expected("crm.recent-buyers")!r}),
        ("computed-02", "loyal.completely-vs-satisfied", {_expected("loyal.completely-vs-satisfied")!r}),
        ("numeric", "service.hand-appraisal", 82.8),
        ("letter", {RINGS!r}, {letter!r}),
        ("assessed-computed", "service.top-bonus", {_expected("service.top-bonus")!r}),
        ("hostage", "loyal.hostage-share", {_expected("loyal.hostage-share")!r}),
        ("unreadable", "service.hand-appraisal", "eighty")]:
    fb = check(ex_id, value)
    out[name] = [fb.correct, fb.valid, fb.message]
from casekit.exercises import get
from casekit.exercises.translation import localized
start(lang="zh")                        # the Chinese edition of an assessed form
shown = localized(get({RINGS!r}))
chosen = {{english: local for local, english in shown.names.items()}}[{right_text!r}]
out["zh"] = [shown.prompt, chosen, check({RINGS!r}, chosen).message]
print(json.dumps(out, ensure_ascii=False))
"""
    out = _run_in(built, code, tmp_path)
    assert Path(out["file"]).is_relative_to(built[2]), "the wheel's casekit, not the project's"
    for name in ("quiz", "computed", "computed-02"):
        assert out[name][0] is True, f"practice {name}: {out[name]}"
    for name in ("numeric", "letter", "assessed-computed", "hostage"):
        assert out[name][:2] == [False, True] and out[name][2].startswith(saved_unchecked()), name
    assert out["unreadable"][1] is False and "not a number" in out["unreadable"][2]
    prompt, chosen, message = out["zh"]
    assert re.search(r"[\u4e00-\u9fff]", prompt + chosen) and prompt != rings.prompt
    first = message.splitlines()[0]         # "✓ 已保存；截止时间之后统一批改…"
    assert first.startswith("✓") and not re.search(r"[A-Za-z]{4}", first), message
    # the same stored form as the English letter checked above: saved once, not again
    assert "只保存一次" in message, message
    kept = json.loads((tmp_path / "home" / "answers" / f"{STUDENT}.json").read_text())["attempts"]
    assert [a["answer"] for a in kept if a["id"] == RINGS] == [right_text]

    # the instructor grades the sheet with the full package, as on the LMS path
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    shutil.copy(tmp_path / "home" / "answers" / f"{STUDENT}.json", sheets)
    grade(sheets, tmp_path / "gradebook.sqlite", chapters=["06", "02"], jobs=1, progress=False)
    with Gradebook(tmp_path / "gradebook.sqlite", create=False) as gb:
        scores = gb.scores()[STUDENT]
    for ex_id in ("service.hand-appraisal", RINGS, "service.top-bonus", "loyal.hostage-share"):
        assert scores[ex_id]["points"] == exercises.get(ex_id).points, ex_id


def test_a_form_stores_every_answer_as_the_full_exercise_does_so_the_service_grades_it_alike():
    """In a hub session with the student build, check() sends the form's stored answer to
    the service, which grades it with the full exercise: for every exercise of every type,
    the right answer given as the form reads it scores exactly as given to the full one."""
    checked = set()
    for ex in exercises._bank().values():
        form = from_form(form_of(ex))
        assert form.form_only and form.id == ex.id and form.kind == ex.kind
        if ex.kind in ("single", "multiple"):
            right = [o["text"] for o in ex.options if o.get("correct")]
            answer = right[0] if ex.kind == "single" else right
            letters = [form.label(i, STUDENT)[0] for i in form.order(STUDENT)
                       if form.options[i]["text"] in right]
            assert ex.check(form.stored(", ".join(letters), STUDENT)).correct, ex.id
        elif ex.kind in ("matching", "ordering"):
            answer = ex.reference()
        elif ex.kind == "text":
            answer = "Three short sentences of an answer."
        elif ex.kind == "numeric" and not ex.computed:
            answer = f"{ex.answer * 100:g}%" if ex.units in ("", "share") else ex.answer
        else:
            continue
        stored = form.stored(answer, STUDENT)
        if ex.kind == "multiple":   # ticked texts in the form's (neutral) order: same set
            assert sorted(stored) == sorted(ex.stored(answer, STUDENT)), ex.id
        else:
            assert stored == ex.stored(answer, STUDENT), ex.id
        assert ex.check(stored).score == ex.check(answer, STUDENT).score, ex.id
        assert form.check(answer, STUDENT).message.startswith(saved_unchecked()), ex.id
        checked.add(ex.kind)
    assert checked >= {"single", "multiple", "matching", "ordering", "numeric", "text"}
