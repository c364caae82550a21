"""Every figure a chapter's prose states about the data is recomputed, and every other number
in its prose is exempt with a reason (see tests/claims/__init__.py)."""
import difflib
import importlib
import json
import re
from pathlib import Path

import pytest

from tests.claims import NUMBER

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "tests" / "claims").glob("ch*.py"))


def prose(notebook: str) -> list[str]:
    """The markdown cells of a notebook, whitespace-normalised."""
    cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
    return [" ".join("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown"]


def _plain(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module", params=CHAPTERS)
def chapter(request):
    return importlib.import_module(f"tests.claims.{request.param}")


@pytest.mark.slow
def test_every_claim_is_in_the_prose_with_its_computed_figures(chapter):
    cells = prose(chapter.NOTEBOOK)
    text = "\n".join(cells)
    missing = []
    for claim in chapter.CLAIMS:
        sentence = _plain(claim.render())
        if sentence not in text:
            close = difflib.get_close_matches(sentence, [s for c in cells for s in
                                                        re.split(r"(?<=[.;:!?])\s", c)], n=1, cutoff=0.3)
            missing.append(f"  computed: {sentence!r}\n  prose:    {close[0] if close else '(nothing close)'!r}")
    assert not missing, f"{chapter.NOTEBOOK}: prose and computation disagree:\n" + "\n".join(missing)


@pytest.mark.slow
def test_every_other_number_in_the_prose_is_exempt_with_a_reason(chapter):
    rest = "\n".join(prose(chapter.NOTEBOOK))
    for claim in chapter.CLAIMS:
        rest = rest.replace(_plain(claim.render()), " ")
    for fragment, reason in chapter.EXEMPT.items():
        assert reason.strip(), f"exempt fragment {fragment!r} needs a reason"
        assert _plain(fragment) in rest or _plain(fragment) in "\n".join(prose(chapter.NOTEBOOK)), \
            f"{chapter.NOTEBOOK}: exempt fragment {fragment!r} is no longer in the prose"
        rest = rest.replace(_plain(fragment), " ")
    rest = re.sub(r"\]\([^)]*\)", "]", rest)                 # link targets
    rest = re.sub(r"`[^`]*`", " ", rest)                      # code
    unexplained = []
    for match in NUMBER.finditer(rest):
        number = match.group().lstrip("+-−").replace(",", "")
        value = float(number)
        if (number.isdigit() and (value <= 10 or 1900 <= value <= 2099)):
            continue
        unexplained.append(rest[max(0, match.start() - 40): match.end() + 20].replace("\n", " "))
    assert not unexplained, (f"{chapter.NOTEBOOK}: numbers in the prose that are neither a claim "
                             f"nor exempt:\n  " + "\n  ".join(unexplained))


@pytest.mark.slow
def test_every_bank_claim_is_in_its_exercise_with_its_computed_figures():
    """The figures the exercise banks state about the course's shop and the students' shops
    (tests/claims/banks.py) are what the code computes today."""
    from casekit.exercises.bank import load_bank
    from casekit.solutions import work_once
    from tests.claims import banks

    bank = load_bank()
    missing = []
    with work_once():      # the solutions' shared steps run once for each student's shop
        for claim in banks.CLAIMS:
            text = _plain(banks.field_text(bank[claim.exercise], claim.field))
            sentence = _plain(claim.render())
            if sentence not in text:
                pieces = re.split(r"(?<=[.;:!?])\s", text)
                close = difflib.get_close_matches(sentence, pieces, n=1, cutoff=0.3)
                missing.append(f"  {claim.exercise} {claim.field}\n  computed: {sentence!r}\n"
                               f"  bank:     {close[0] if close else '(nothing close)'!r}")
    assert not missing, "exercise banks and computation disagree:\n" + "\n".join(missing)
