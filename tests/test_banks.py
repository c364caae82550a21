"""Every chapter's exercise bank keeps the house rules (exercises/README.md): its own id
prefix, a mix of exercise types, exercises on the student's own data, and for every
exercise points, hints, a source and a key term that the glossary knows in both languages."""
import json
from pathlib import Path

import pytest

from casekit.exercises.bank import load_bank
from casekit.glossary import lookup

PREFIXES = {"00": "crm.", "01": "value.", "02": "loyal.", "03": "defect.", "04": "basket.",
            "05": "swot.", "06": "service."}
BANK = load_bank()
ROOT = Path(__file__).resolve().parents[1]


def _code(chapter: str) -> str:
    """The code of the chapter's notebook and problem set."""
    paths = [*ROOT.glob(f"notebooks/{chapter}-*.ipynb"), *ROOT.glob(f"exercises/{chapter}-*.ipynb")]
    return "\n".join("".join(c["source"]) for p in paths
                     for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
                     if c["cell_type"] == "code")


def test_every_bank_belongs_to_a_chapter_with_its_prefix():
    assert {e.chapter for e in BANK.values()} == set(PREFIXES)


@pytest.mark.parametrize("chapter", sorted(PREFIXES))
def test_chapter_bank_keeps_the_house_rules(chapter):
    bank = [e for e in BANK.values() if e.chapter == chapter]
    assert len(bank) >= 14
    assert all(e.id.startswith(PREFIXES[chapter]) for e in bank)
    assert len({e.kind for e in bank}) >= 6, "use most of the seven exercise types"
    assert sum(e.computed for e in bank) >= 3, "some exercises run on the student's own data"
    for e in bank:
        assert e.points > 0 and e.hints and e.source, e.id
        assert e.explanation or e.kind == "text", e.id
        entry = lookup(e.term["en"])
        assert (entry["term"], entry["zh"]) == (e.term["en"], e.term["zh"]), e.id


@pytest.mark.parametrize("chapter", sorted(PREFIXES))
def test_every_exercise_is_used_by_its_chapter(chapter):
    code = _code(chapter)
    unused = [e.id for e in BANK.values() if e.chapter == chapter
              and f'show("{e.id}")' not in code and f'check("{e.id}"' not in code]
    assert not unused, f"no notebook of chapter {chapter} shows or checks {unused}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(PREFIXES))
def test_computed_exercises_accept_the_reference_and_name_each_mistake(chapter):
    """On a student's own data: the reference answer is right, and each recognised mistake
    that gives a different number from the answer gets its own message."""
    from casekit.data import for_student

    shop = for_student(f"s2026-bank-{chapter}")
    for e in (e for e in BANK.values() if e.chapter == chapter and e.computed):
        resolved = e.resolve(shop)
        if e.kind == "table":
            fb = resolved.check([list(row) for row in resolved.answer])
            assert fb.correct, (e.id, fb.message)
            continue
        assert resolved.check(resolved.answer).correct, e.id
        absolute, relative = resolved.tolerances()

        def near(x, y):
            return abs(x - y) <= max(absolute, relative * abs(y))

        seen = []
        for mistake in resolved.mistakes:
            value = mistake["value"]
            if near(value, resolved.answer) or any(near(value, v) for v in seen):
                continue    # on this student's data the slip gives the answer or an earlier slip
            seen.append(value)
            fb = resolved.check(value)
            assert not fb.correct and mistake["message"] in fb.message, (e.id, mistake, fb.message)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(PREFIXES))
def test_the_grader_works_every_answer_out_per_student(chapter):
    """Two students get their own expected answers, and no reference solution fails."""
    from casekit.grading.reference import resolve_for

    computed = [e for e in BANK.values() if e.chapter == chapter and e.computed]
    one, errors_one = resolve_for("s1", computed)
    two, errors_two = resolve_for("s2", computed)
    assert not errors_one and not errors_two
    assert any(one[e.id].reference() != two[e.id].reference() for e in computed)
