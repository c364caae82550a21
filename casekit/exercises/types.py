"""Exercise types and their checking logic.

Checking is pure: ``exercise.check(answer)`` turns *any* input into a :class:`Feedback`
— never an exception — so a widget or a grader can hand it whatever a student typed.
A computed exercise is first bound to one student's data with
``exercise.resolve(retailer)``, which runs the reference solution on it.

>>> ex = NumericExercise(id="demo.margin", prompt="Margin?", answer=0.25, units="share")
>>> ex.check("0.25").correct
True
>>> print(ex.check("25%").message)
✓ Correct.
>>> print(ex.check("abc").message)
⚠ 'abc' is not a number. Type digits only, for example 1234.5 or 12%.

Every answer is first turned into its **stored form** (``exercise.stored(answer)``): plain,
bounded JSON holding only what checking needs — a number, the chosen option's text, the
asked rows and columns of a table. Feedback is always computed from that form, and the
answer sheet keeps exactly that form, so re-checking a sheet (what the grader does) gives
the score the student saw. An answer that cannot be read is stored as a short summary
marked as cut, ``{"cut": ..., "problem": ...}``, which checks as the same message.

>>> ex.stored(" 25% ")
'25%'
>>> import decimal
>>> ex.stored(decimal.Decimal("0.25"))
0.25
>>> ex.stored([1, 2])["problem"]
'Expected a single number, got a list of 2 values.'
"""
from __future__ import annotations

import hashlib
import importlib
import json
import math
import numbers
import random
import re
import reprlib
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from casekit.i18n import _

__all__ = [
    "AnswerError", "ChoiceExercise", "Exercise", "Feedback", "MatchingExercise",
    "MultipleChoiceExercise", "NumericExercise", "OrderingExercise", "TableExercise",
    "TextExercise", "form_of", "from_form", "is_cut", "letter", "parse_number", "saved_unchecked",
    "sentences",
]

TICK, CROSS, HALF, WARN = "✓", "✗", "◐", "⚠"


def saved_unchecked() -> str:
    """What :meth:`Exercise.check` says for an assessed exercise of a student build (no key),
    in the reader's language."""
    return f"{TICK} " + _("Saved; checked after the deadline (this is an assessed exercise).")


class AnswerError(ValueError):
    """An answer that cannot be read; its message tells the student what to type."""


@dataclass(frozen=True)
class Feedback:
    """The result of one check: ``correct``, a ``score`` in [0, 1] and a ``message``.

    ``valid`` is False when the answer could not be read at all (empty, text in a number
    box, wrong shape): such tries are saved but do not count toward revealing the
    explanation.

    >>> Feedback(True, 1.0, "✓ Correct.")
    ✓ Correct.
    """

    correct: bool
    score: float
    message: str
    valid: bool = True

    def __post_init__(self):
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score!r}")

    def __repr__(self):
        return self.message

    def _repr_html_(self):
        return feedback_html(self)


def feedback_html(fb: Feedback) -> str:
    """The feedback as a coloured HTML box (green right, amber partial, red wrong)."""
    colour = ("#1b7837" if fb.correct else "#b35806" if fb.score > 0 or not fb.valid
              else "#b2182b")
    from casekit.markup import to_html

    body = to_html(fb.message)
    return (f'<div class="casekit-feedback-box" style="border-left:4px solid {colour};'
            f'padding:4px 10px;margin:4px 0">{body}</div>')


def sentences(*parts: str) -> str:
    """Sentences run together: a space between English ones, none next to a full-width mark
    (a Chinese full stop, colon, bracket), as each language writes them; empty parts are
    left out.

    >>> sentences("✗ Not yet.", "Try again."), sentences("✗ 还不对。", "再试一次。")
    ('✗ Not yet. Try again.', '✗ 还不对。再试一次。')
    """
    out = ""
    for part in filter(None, parts):
        joined = not out or out[-1] in _FULL_WIDTH_END or part[0] in _FULL_WIDTH_START
        out += part if joined else " " + part
    return out


_FULL_WIDTH_END, _FULL_WIDTH_START = "。！？：；，）”", "（“"


def letter(i: int) -> str:
    """The label of option ``i`` (0 → 'A').

    >>> letter(2)
    'C'
    """
    return chr(ord("A") + i)


# --------------------------------------------------------------------------- numbers
_CURRENCY = re.compile(r"[¥$€£]|元|rmb|usd|cny", re.IGNORECASE)
#: what a Chinese keyboard types for ASCII (full-width １２．５％, ，, ￥, the ideographic
#: space) and the minus signs and dashes a copied text gives for "-", as ASCII
_ASCII = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: " ", 0xFFE5: "¥",
          **dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63"), "-")}
#: Chinese number words a student may type after the digits: 3.5万 = 35,000
_MYRIAD = {"万": "e4", "亿": "e8"}
#: commas only between groups of three digits: 1,234,567.5
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?(e[+-]?\d+)?", re.IGNORECASE)


def parse_number(value: Any, what: str | None = None) -> tuple[float, bool]:
    """Read one number from whatever a student typed or computed.

    Returns ``(number, typed_as_percent)``; raises :class:`AnswerError` with a message
    that says what to fix (``what`` names what to type; default: "a number").

    >>> parse_number(" 1,234.5 ")
    (1234.5, False)
    >>> parse_number("12%")
    (12.0, True)
    >>> parse_number("￥3.5万"), parse_number("１２．５％"), parse_number("−3")
    ((35000.0, False), (12.5, True), (-3.0, False))
    >>> parse_number(float("nan"))
    Traceback (most recent call last):
    ...
    casekit.exercises.types.AnswerError: Your value is NaN (not a number): usually a missing value or 0/0 earlier in the calculation. Look for NaN with .isna().
    """
    return _parse_number(value, _("a number") if what is None else what, 0)


def _parse_number(value: Any, what: str, depth: int) -> tuple[float, bool]:
    percent = False
    if value is None:
        raise AnswerError(_("The answer is empty: type {what}.").format(what=what))
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise AnswerError(_("Expected {what}, got {value} (a yes/no value).")
                          .format(what=what, value=value))
    if hasattr(value, "shape") and hasattr(value, "size") and not isinstance(value, numbers.Number):
        # numpy arrays, pandas Series/DataFrames
        if value.size != 1:
            raise AnswerError(_("Expected a single number, got {n} values (shape {shape}). "
                                "Pick out the one number asked for.")
                              .format(n=value.size, shape=tuple(value.shape)))
        value = value.item() if hasattr(value, "item") else value.to_numpy().item()
    if isinstance(value, (list, tuple, set, dict)):
        if len(value) != 1:
            raise AnswerError(_("Expected a single number, got a {kind} of {n} values.")
                              .format(kind=type(value).__name__, n=len(value)))
        if depth >= 3:
            raise AnswerError(_("Expected a single number, got lists nested inside lists: "
                                "pick out the one number asked for."))
        value = next(iter(value.values() if isinstance(value, dict) else value))
        return _parse_number(value, what, depth + 1)
    if isinstance(value, str):
        text = value.strip()
        says = typed_number_messages        # worked out only when something is wrong
        if not text:
            raise AnswerError(says()["empty"].format(what=what))
        if len(text) > 60:
            raise AnswerError(says()["too_long"])
        cleaned = _CURRENCY.sub("", text.translate(_ASCII))
        cleaned = cleaned.replace("_", "").replace(" ", "")
        if cleaned.endswith("%"):
            percent, cleaned = True, cleaned[:-1]
        scale = "" if percent else _MYRIAD.get(cleaned[-1:], "")
        cleaned = cleaned[:-1] if scale else cleaned
        if "," in cleaned:
            if not _THOUSANDS.fullmatch(cleaned):
                raise AnswerError(says()["comma"].format(text=repr(text)))
            cleaned = cleaned.replace(",", "")
        try:
            number = float(cleaned + scale)     # 3.5万 read as 3.5e4: exact
        except ValueError:
            raise AnswerError(says()["not_number"].format(text=repr(text))) from None
    elif isinstance(value, numbers.Number) and not isinstance(value, complex):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            raise AnswerError(_("That number is too large to compare.")) from None
    else:
        raise AnswerError(_("Expected {what}, got a {kind}.")
                          .format(what=what, kind=type(value).__name__))
    if math.isnan(number):
        raise AnswerError(typed_number_messages()["nan"])
    if math.isinf(number):
        raise AnswerError(typed_number_messages()["infinite"])
    return number, percent


def typed_number_messages() -> dict[str, str]:
    """What :func:`parse_number` says of text it cannot read, in the reader's language
    (``{what}``: what to type; ``{text}``: the text's repr). The book's quizzes say the same.

    >>> typed_number_messages()["comma"].format(text="'1,5'")[:45]
    "In '1,5' a comma does not separate thousands:"
    """
    return {
        "empty": _("The answer box is empty: type {what}."),
        "too_long": _("That is far too long to be one number. Type digits only, for example "
                      "1234.5 or 12%."),
        "comma": _("In {text} a comma does not separate thousands: write a decimal with a "
                   "point (1.5, not 1,5) and thousands as 1,234 or 1234."),
        "not_number": _("{text} is not a number. Type digits only, for example 1234.5 or 12%."),
        "nan": _("Your value is NaN (not a number): usually a missing value or 0/0 earlier in "
                 "the calculation. Look for NaN with .isna()."),
        "infinite": _("Your value is infinite: is there a division by zero earlier in the "
                      "calculation?"),
    }


def _close(x: float, target: float, abs_tol: float, rel_tol: float) -> bool:
    return abs(x - target) <= max(abs_tol, rel_tol * abs(target))


# --------------------------------------------------------------------------- base class
@dataclass(frozen=True)
class Exercise:
    """Fields every exercise has. Subclasses implement ``_read`` (an answer → its stored
    form) and ``_check`` (a stored form → Feedback).

    ``solution`` (``"module:function"``) marks a computed exercise: the function gets the
    student's simulated retailer and returns the expected answer.
    """

    kind: ClassVar[str] = "exercise"
    id: str
    prompt: str
    points: float = 1.0
    hints: tuple[str, ...] = ()
    explanation: str = ""
    reveal_after: int = 3
    term: dict = field(default_factory=dict)
    source: str = ""
    chapter: str = ""
    solution: str = ""
    form_only: bool = False   # a student build's assessed exercise: no key, saved unchecked
    # set by casekit.exercises.translation.localized: the reader's language, each translated
    # choice's English text, and the English exercise (none of them part of its identity)
    lang: str = field(default="en", repr=False, compare=False)
    names: dict = field(default_factory=dict, repr=False, compare=False)
    original: Any = field(default=None, repr=False, compare=False)

    @property
    def computed(self) -> bool:
        """True when the answer depends on the student's own data."""
        return bool(self.solution)

    @property
    def expects(self) -> str:
        """What an answer of this type is, as a student is told to give it."""
        return _("an answer")

    def check(self, answer: Any, student: str | None = None) -> Feedback:
        """Check ``answer`` (as ``student`` sees the exercise: their option letters; ``None``
        means bank order). Never raises: unreadable input gives a Feedback saying what to fix.

        The feedback is that of :meth:`stored` ``(answer)``, so checking an answer and
        checking what the answer sheet keeps of it always agree.
        """
        if self.form_only:      # no key here: read and save the form, graded later
            stored = self.stored(answer, student)
            if is_cut(stored):
                return Feedback(False, 0.0, f"{WARN} {stored['problem']}", valid=False)
            try:
                self._readable(self._shown(stored))
            except AnswerError as err:
                return Feedback(False, 0.0, f"{WARN} {err}", valid=False)
            return Feedback(False, 0.0, saved_unchecked())
        if self.solution and self.reference() is None:
            return Feedback(False, 0.0, _("{id} is computed on your own data: check it with "
                                          "casekit.exercises.check({quoted}, value).")
                            .format(id=self.id, quoted=repr(self.id)))
        stored = self.stored(answer, student)
        if is_cut(stored):
            return Feedback(False, 0.0, f"{WARN} {stored['problem']}", valid=False)
        try:
            return self._check(self._shown(stored))
        except AnswerError as err:
            return Feedback(False, 0.0, f"{WARN} {err}", valid=False)
        except Exception as err:  # a bug of ours must not reach the student as a traceback
            return Feedback(False, 0.0, f"{WARN} " + _(
                "This answer could not be checked ({error}). Check its format and try again; "
                "if it persists, tell your instructor.").format(error=type(err).__name__),
                valid=False)

    def stored(self, answer: Any, student: str | None = None) -> Any:
        """``answer`` as the answer sheet keeps it: plain JSON, at most 50,000 characters,
        holding only what checking needs. Checking the stored form gives the same feedback
        as checking ``answer``; storing it again changes nothing. An answer that cannot be
        read becomes ``{"cut": <short summary>, "problem": <what to fix>}``. Never raises,
        whatever ``answer`` is.

        >>> ChoiceExercise(id="d.q", prompt="?", options=({"text": "Yes", "correct": True},
        ...                                              {"text": "No"})).stored("b")
        'No'
        """
        if student is not None and not isinstance(student, str):
            raise TypeError(f"student must be a student id (str) or None, got {type(student).__name__}")
        if is_cut(answer):
            return {"cut": answer["cut"], "problem": answer["problem"]}
        try:
            value = _swap(self._read(self._shown(answer), student), self.names)
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            if not text.isascii():   # a lone surrogate cannot be saved as UTF-8: replace it
                text = text.encode("utf-8", "replace").decode("utf-8")
        except AnswerError as err:
            return _cut(answer, str(err))
        except Exception as err:  # RecursionError, an object whose __len__/__float__ raises, ...
            return _cut(answer, _("This answer could not be read (reading a {kind} raised "
                                  "{error}). Give {expects}.")
                        .format(kind=type(answer).__name__, error=type(err).__name__,
                                expects=self.expects))
        if len(text) > _MAX_STORED:
            return _cut(answer, _("This answer is far too large to save. Give {expects}.")
                        .format(expects=self.expects))
        return json.loads(text)

    def _shown(self, answer: Any) -> Any:
        """An answer in English choices (a stored one) as this translated exercise shows it."""
        if not self.names:
            return answer
        return _swap(answer, {english: local for local, english in self.names.items()})

    def _read(self, answer: Any, student: str | None) -> Any:  # pragma: no cover - abstract
        """The stored form of ``answer`` (plain JSON); raises AnswerError saying what to fix."""
        raise NotImplementedError

    def _check(self, stored: Any) -> Feedback:  # pragma: no cover - abstract
        """The feedback for an answer in stored form."""
        raise NotImplementedError

    def _readable(self, stored: Any) -> None:
        """Raise AnswerError if a stored answer could not be checked (no key needed): what
        a form-only exercise tells the student at once. ``_read`` already ensures it for
        every type but numbers, which are stored as typed."""

    def resolve(self, retailer) -> "Exercise":
        """This exercise with its answer (and computed mistakes) worked out on ``retailer``.

        Exercises without a ``solution`` are returned unchanged.
        """
        if not self.solution:
            return self
        changes = {"answer": _to_answer(call_solution(self.solution, retailer), self)}
        if any("solution" in m for m in getattr(self, "mistakes", ())):
            changes["mistakes"] = tuple(
                {"value": float(call_solution(m["solution"], retailer)), "message": m["message"]}
                if "solution" in m else m for m in self.mistakes)
        return replace(self, **changes)

    def reference(self) -> Any:
        """The stored answer (``None`` for computed or free-text exercises)."""
        return None

    def as_text(self, student: str | None = None) -> str:
        """A plain-text rendering (what a reader without widgets sees), options in the order
        ``student`` sees them."""
        head = f"[{self.id}] ({self.kind.replace('_', ' ')}, {self.points:g} pt)"
        return f"{head}\n{self.prompt.strip()}" + self._text_body(student)

    def _text_body(self, student: str | None) -> str:
        return ""


def _swap(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every string that is a key of ``names`` replaced by its value, inside
    lists and dict keys and values too (the stored forms of choices, matchings, orders).

    >>> _swap({"Ann": ["yes", 3]}, {"yes": "是", "Ann": "安"})
    {'安': ['是', 3]}
    """
    if not names:
        return value
    if isinstance(value, str):
        return names.get(value, value)
    if type(value) in (list, tuple):
        return type(value)(_swap(v, names) for v in value)
    if type(value) is dict:
        return {_swap(k, names): _swap(v, names) for k, v in value.items()}
    return value


def call_solution(path: str, retailer) -> Any:
    """Run the reference solution ``"module:function"`` on ``retailer``."""
    module, _colon, name = path.partition(":")
    return getattr(importlib.import_module(module), name)(retailer)


def _to_answer(value: Any, exercise: Exercise) -> Any:
    """A solution's return value in the form the exercise stores (float, or rows of floats)."""
    if isinstance(exercise, TableExercise):
        return tuple(tuple(row) for row in exercise._grid(value))
    return parse_number(value)[0]


_MAX_STORED, _MAX_TEXT = 50_000, 20_000
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 60, 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 5


def _short(value: Any) -> str:
    """A short repr of anything, never raising (not even for a 5,000-digit int).

    >>> _short(list(range(100)))
    '[0, 1, 2, 3, 4, ...]'
    """
    try:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
            return f"a whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return _SHORT.repr(value)
    except Exception:
        return f"a {type(value).__name__}"


def _describe(value: Any, limit: int = 300) -> str:
    """What ``value`` is, briefly: its type, its size, its start (never raises).

    >>> _describe([1, 2, 3])
    'list of 3 values: [1, 2, 3]'
    """
    try:
        size = ""
        if isinstance(value, (str, bytes)):
            size = f" of {len(value)} characters"
        elif isinstance(value, (list, tuple, dict, set, frozenset)):
            size = f" of {len(value)} values"
        text = f"{type(value).__name__}{size}: {_short(value)}"
    except Exception:
        text = type(value).__name__
    return text[:limit]


def _cut(answer: Any, problem: str) -> dict:
    """The stored form of an answer that cannot be read: a summary, marked as cut."""
    return {"cut": _describe(answer), "problem": problem[:600]}


def is_cut(value: Any) -> bool:
    """True for the stored form of an unreadable answer (``{"cut": ..., "problem": ...}``).

    >>> is_cut({"cut": "list of 5000 values: [0, ...]", "problem": "Expected one number."})
    True
    """
    try:
        return type(value) is dict and set(value) == {"cut", "problem"} \
            and isinstance(value["cut"], str) and isinstance(value["problem"], str) \
            and len(value["cut"]) <= 300 and len(value["problem"]) <= 600
    except Exception:
        return False


def _verdict(correct: bool, score: float, text: str = "") -> Feedback:
    mark = TICK if correct else (HALF if score > 0 else CROSS)
    lead = _("Correct.") if correct else (_("Partly right.") if score > 0 else _("Not yet."))
    return Feedback(correct, round(score, 6), sentences(f"{mark} {lead}", text))


# --------------------------------------------------------------------------- numeric
@dataclass(frozen=True)
class NumericExercise(Exercise):
    """One number, within a tolerance; known mistakes get their own message."""

    kind: ClassVar[str] = "numeric"
    answer: float | None = None
    tolerance: float | None = None
    rel_tolerance: float | None = None
    units: str = ""
    mistakes: tuple[dict, ...] = ()   # {"value": x, "message": "..."} (value may be computed)

    def reference(self):
        return self.answer

    def tolerances(self) -> tuple[float, float]:
        """(absolute, relative) tolerance; 0.5% relative when neither is given."""
        if self.tolerance is None and self.rel_tolerance is None:
            return 0.0, 0.005
        return (self.tolerance or 0.0), (self.rel_tolerance or 0.0)

    @property
    def expects(self) -> str:
        return _("one number, for example 1234.5 or 12%")

    def _read(self, answer, student):
        if isinstance(answer, str):      # kept as typed (a % sign matters)
            text = answer.strip()
            if len(text) > 60:
                parse_number(text)       # raises: far too long
            return text
        if type(answer) is dict and set(answer) == {"columns", "index", "data"}:
            answer = answer["data"]      # a 1×1 frame as older answer sheets stored it
        x, percent = parse_number(answer)
        return f"{x!r}%" if percent else x

    def numbers(self, stored) -> list[float]:
        """The numbers a stored answer is checked by; AnswerError when it has none.

        >>> NumericExercise(id="d.n", prompt="?", units="share").numbers("25%")
        [0.25]
        """
        return [self._readable(self._shown(stored))]

    def _readable(self, answer) -> float:
        x, percent = parse_number(answer)
        if percent and self.units in ("", "share", "fraction"):
            x /= 100.0
        elif percent and self.units != "%":
            raise AnswerError(_("This answer is in {units}, not a percentage: drop the % sign.")
                              .format(units=self.units))
        return x

    def _check(self, answer):
        target = self.answer
        x = self._readable(answer)
        abs_tol, rel_tol = self.tolerances()
        if _close(x, target, abs_tol, rel_tol):
            return _verdict(True, 1.0)
        for mistake in self.mistakes:
            value = mistake.get("value")
            if value is not None and _close(x, float(value), abs_tol, rel_tol):
                return _verdict(False, 0.0, mistake["message"])
        return _verdict(False, 0.0, self._generic_mistake(x, target, abs_tol, rel_tol))

    def _generic_mistake(self, x, target, abs_tol, rel_tol) -> str:
        unit = f" {self.units}" if self.units and self.units not in ("share", "%") else ""
        if target != 0:
            if _close(x, target * 100, abs_tol * 100, rel_tol):
                return _("Your answer is 100 times too large: it looks like a percentage where "
                         "a fraction is expected (type 0.25, not 25).")
            if _close(x, target / 100, abs_tol / 100, rel_tol):
                return _("Your answer is 100 times too small: it looks like a fraction where a "
                         "percentage is expected (type 25, not 0.25).")
            if _close(x, -target, abs_tol, rel_tol):
                return _("Right size, wrong sign: check which quantity is subtracted from which.")
            for factor in (1000, 1e6):
                if _close(x, target * factor, abs_tol * factor, rel_tol) or \
                        _close(x, target / factor, abs_tol / factor, rel_tol):
                    off = (_("Off by a factor of a thousand: check the units{unit}.")
                           if factor == 1000 else
                           _("Off by a factor of a million: check the units{unit}."))
                    return off.format(unit=unit)
        near = max(abs_tol, rel_tol * abs(target)) * 5
        if abs(x - target) <= near:
            return _("Close, but outside the tolerance: check your rounding and intermediate "
                     "steps.")
        return _("Your answer is too high.") if x > target else _("Your answer is too low.")


# --------------------------------------------------------------------------- choices
@dataclass(frozen=True)
class ChoiceExercise(Exercise):
    """Pick the one right option (answer by letter, position or option text).

    Each student sees the options in their own order (:meth:`order`), so a letter means the
    option at that place *for that student*. The stored form is the option's text, so a
    stored answer needs no order to be graded.

    >>> ex = ChoiceExercise(id="d.q", prompt="?", options=({"text": "Yes", "correct": True},
    ...                                                     {"text": "No"}, {"text": "Maybe"}))
    >>> [ex.options[i]["text"] for i in ex.order("s1")]
    ['No', 'Yes', 'Maybe']
    >>> ex.check("B", student="s1").correct, ex.stored("B", student="s1")
    (True, 'Yes')
    """

    kind: ClassVar[str] = "single"
    options: tuple[dict, ...] = ()   # {"text", "correct", "feedback"}

    def reference(self):
        return [i for i, o in enumerate(self.options) if o.get("correct")][0]

    @property
    def expects(self) -> str:
        return _("one option: its letter or its text")

    def order(self, student: str | None = None) -> tuple[int, ...]:
        """The bank positions of the options in the order ``student`` sees them: shuffled,
        seeded by a hash of the student id and the exercise id (bank order for ``None``)."""
        if student is None:
            return tuple(range(len(self.options)))
        if not isinstance(student, str):
            raise TypeError(f"student must be a student id (str) or None, got {type(student).__name__}")
        digest = hashlib.sha256(f"{student}\x1f{self.id}".encode()).digest()
        order = list(range(len(self.options)))
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
        return tuple(order)

    def label(self, i: int, student: str | None = None) -> str:
        """Option ``i`` (bank position) as ``student`` sees it: ``'B. its text'``."""
        return f"{letter(self.order(student).index(i))}. {self.options[i]['text']}"

    def _text_body(self, student):
        return "\n" + "\n".join(f"  {self.label(i, student)}" for i in self.order(student))

    def option_index(self, value: Any, student: str | None = None) -> int:
        """Turn an option's text, or its letter ('C', 'c') or position (2) in the order
        ``student`` sees, into its bank position. Old answer sheets stored letters and
        positions in bank order: ``student=None`` reads them so."""
        n = len(self.options)
        allowed = _("one of {first}–{last}").format(first=letter(0), last=letter(n - 1))
        if value is None or (isinstance(value, str) and not value.strip()):
            raise AnswerError(_("No option chosen: choose {allowed}.").format(allowed=allowed))
        if isinstance(value, bool):
            raise AnswerError(_("Choose {allowed}, not {value}.").format(allowed=allowed,
                                                                         value=value))
        no_such = _("There is no option {option}: choose {allowed}.")
        order = self.order(student)
        if isinstance(value, numbers.Integral):
            if 0 <= value < n:
                return order[int(value)]
            raise AnswerError(no_such.format(option=_short(value), allowed=allowed))
        if isinstance(value, str):
            text = value.strip()
            for i, o in enumerate(self.options):     # an option's text first, then a letter
                if o["text"].strip().casefold() == text.casefold():
                    return i
            if len(text) == 1 and text.upper().isalpha():
                i = ord(text.upper()) - ord("A")
                if 0 <= i < n:
                    return order[i]
                raise AnswerError(no_such.format(option=repr(text), allowed=allowed))
            raise AnswerError(_("{text} is not one of the options: choose {allowed}.")
                              .format(text=repr(text[:40]), allowed=allowed))
        raise AnswerError(_("Choose {allowed} (got a {kind}).")
                          .format(allowed=allowed, kind=type(value).__name__))

    def _read(self, answer, student):
        return self.options[self.option_index(answer, student)]["text"]

    def _check(self, answer):
        i = self.option_index(answer)
        right = self.reference()
        note = self.options[i].get("feedback", "")
        return _verdict(i == right, float(i == right), note)


@dataclass(frozen=True)
class MultipleChoiceExercise(ChoiceExercise):
    """Pick every right option. Score = (right picks − wrong picks) / number right, ≥ 0.

    The stored form is the list of the ticked options' texts, in bank order.
    """

    kind: ClassVar[str] = "multiple"

    def reference(self):
        return [i for i, o in enumerate(self.options) if o.get("correct")]

    @property
    def expects(self) -> str:
        return _("the options you tick: a list of their letters or texts")

    def _picks(self, value, student: str | None = None) -> list[int]:
        """The bank positions of the ticked options, sorted."""
        if isinstance(value, str):
            if len(value) > 5000:
                raise AnswerError(_("That is far too long: give the letters or texts of the "
                                    "options you tick."))
            texts = {o["text"].strip().casefold() for o in self.options}
            parts = [value.strip()] if value.strip().casefold() in texts else \
                [v.strip() for v in re.split(r"[,;\n]+", value) if v.strip()]
            if not all(p.casefold() in texts for p in parts):   # letters: "A C", "a,c"
                parts = [v for v in re.split(r"[,;\s]+", value.strip()) if v]
            value = parts
        elif not isinstance(value, (list, tuple, set, frozenset)) and hasattr(value, "tolist"):
            value = value.tolist()
        if not isinstance(value, (list, tuple, set, frozenset)):
            value = [value] if value is not None else []
        if len(value) == 0:
            raise AnswerError(_("No option chosen: tick every option you think is right."))
        if len(value) > 2 * len(self.options):
            raise AnswerError(_("{picks} picks, but there are only {options} options: tick each "
                                "at most once.")
                              .format(picks=len(value), options=len(self.options)))
        return sorted({self.option_index(v, student) for v in value})

    def _read(self, answer, student):
        return [self.options[i]["text"] for i in self._picks(answer, student)]

    def _check(self, answer):
        picks = set(self._picks(answer))
        right = set(self.reference())
        hits, wrong = picks & right, picks - right
        score = max(0.0, (len(hits) - len(wrong)) / len(right))
        if picks == right:
            return _verdict(True, 1.0)
        parts = [_("You found {hits} of the {right} right options.")
                 .format(hits=len(hits), right=len(right))]
        for i in sorted(wrong):
            note = self.options[i].get("feedback", "")
            text = self.options[i]["text"]
            parts.append(_('"{option}" is not one of them: {note}').format(option=text, note=note)
                         if note else _('"{option}" is not one of them.').format(option=text))
        if len(hits) < len(right) and not wrong:
            parts.append(_("At least one right option is still missing."))
        return _verdict(False, score, sentences(*parts))


# --------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class MatchingExercise(Exercise):
    """Assign each item a category. Score = share of items placed right."""

    kind: ClassVar[str] = "matching"
    categories: tuple[str, ...] = ()
    items: tuple[dict, ...] = ()   # {"text", "answer", "feedback"}

    def reference(self):
        return {it["text"]: it["answer"] for it in self.items}

    @property
    def expects(self) -> str:
        return _("{item: category}, one entry per item")

    def _text_body(self, student):
        cats = _("Categories: {categories}").format(categories=", ".join(self.categories))
        return f"\n{cats}\n" + "\n".join(f"  - {it['text']}" for it in self.items)

    def _assignment(self, value) -> dict[str, str]:
        texts = [it["text"] for it in self.items]
        if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, dict)):
            value = list(value.tolist() if hasattr(value, "tolist") else value)
            if len(value) != len(texts):
                raise AnswerError(_("Expected a category for each of the {items} items, got "
                                    "{got}.").format(items=len(texts), got=len(value)))
            value = dict(zip(texts, value))
        if hasattr(value, "to_dict") and not isinstance(value, dict):
            value = value.to_dict()
        if not isinstance(value, dict):
            raise AnswerError(_("Give the answer as {item: category}, one entry per item."))
        if len(value) > 2 * len(texts):
            raise AnswerError(_("{entries} entries, but there are only {items} items: give one "
                                "category per item.").format(entries=len(value), items=len(texts)))
        by_fold = {t.casefold(): t for t in texts}
        cats = {c.casefold(): c for c in self.categories}
        out = {}
        for key, cat in value.items():
            item = by_fold.get(key.strip().casefold()) if isinstance(key, str) else None
            if item is None:
                shown = repr(key[:40]) if isinstance(key, str) else _short(key)
                raise AnswerError(_("{item} is not one of the items.").format(item=shown))
            if cat is None or (isinstance(cat, str) and not cat.strip()):
                continue
            c = cats.get(cat.strip().casefold()) if isinstance(cat, str) else None
            if c is None:
                shown = repr(cat[:40]) if isinstance(cat, str) else _short(cat)
                raise AnswerError(_("{category} is not a category: use one of {categories}.")
                                  .format(category=shown, categories=", ".join(self.categories)))
            out[item] = c
        missing = [t for t in texts if t not in out]
        if missing:
            shown = "; ".join(missing[:3]) + (" …" if len(missing) > 3 else "")
            raise AnswerError(_("{n} item(s) still have no category: {items}.")
                              .format(n=len(missing), items=shown))
        return {t: out[t] for t in texts}

    def _read(self, answer, student):
        return self._assignment(answer)

    def _check(self, answer):
        given = self._assignment(answer)
        right = self.reference()
        wrong = [it for it in self.items if given[it["text"]] != right[it["text"]]]
        score = 1 - len(wrong) / len(self.items)
        if not wrong:
            return _verdict(True, 1.0)
        lines = [_("{right} of {total} placed right. Look again at:")
                 .format(right=len(self.items) - len(wrong), total=len(self.items))]
        for it in wrong[:4]:
            note = it.get("feedback") or \
                _("it is not {category}").format(category=given[it["text"]])
            lines.append(f"- {it['text']}: {note}")
        if len(wrong) > 4:
            lines.append("- " + _("… and {n} more.").format(n=len(wrong) - 4))
        return _verdict(False, score, "\n".join(lines))


# --------------------------------------------------------------------------- ordering
@dataclass(frozen=True)
class OrderingExercise(Exercise):
    """Put items in order. Score = share of item pairs in the right relative order."""

    kind: ClassVar[str] = "ordering"
    items: tuple[str, ...] = ()   # in the correct order

    def reference(self):
        return list(self.items)

    def shuffled(self) -> list[str]:
        """The items in the (deterministic, never already-correct) order shown to students."""
        order = list(self.items)
        rng = random.Random(self.id)
        for _attempt in range(10):
            rng.shuffle(order)
            if order != list(self.items):
                break
        return order

    @property
    def expects(self) -> str:
        return _("the items in order, first item first, as a list")

    def _text_body(self, student):
        return "\n" + "\n".join(f"  {letter(i)}. {t}" for i, t in enumerate(self.shuffled()))

    def _order(self, value) -> list[str]:
        shown = self.shuffled()
        if isinstance(value, (str, list, tuple, dict)) and len(value) > 5000:
            raise AnswerError(_("That is far too long: put the {n} items in order.")
                              .format(n=len(self.items)))
        if isinstance(value, dict):   # {item: position}
            try:
                ranked = sorted(value.items(), key=lambda kv: float(kv[1]))
            except (TypeError, ValueError):
                raise AnswerError(_("Give every item a position number (1 = first).")) from None
            positions = [float(p) for _item, p in ranked]
            if len(set(positions)) != len(positions):
                raise AnswerError(_("Two items share a position: use each position once."))
            value = [k for k, _position in ranked]
        if isinstance(value, str):
            value = [v for v in re.split(r"[,;\s>]+", value.strip()) if v]
        if not isinstance(value, (list, tuple)):
            raise AnswerError(_("Give the order as a list, first item first (e.g. 'C, A, B')."))
        every_once = _("Use every one of the {n} items exactly once.").format(n=len(self.items))
        if len(value) > 2 * len(self.items):
            raise AnswerError(every_once)
        by_fold = {t.casefold(): t for t in self.items}
        out = []
        for v in value:
            if not isinstance(v, str):
                raise AnswerError(_("{item} is not one of the items: give each item's text or "
                                    "letter.").format(item=_short(v)))
            s = v.strip()
            if len(s) == 1 and s.upper().isalpha() and ord(s.upper()) - 65 < len(shown):
                out.append(shown[ord(s.upper()) - 65])
            elif s.casefold() in by_fold:
                out.append(by_fold[s.casefold()])
            else:
                raise AnswerError(_("{item} is not one of the items.").format(item=repr(s[:40])))
        if sorted(out) != sorted(self.items):
            raise AnswerError(every_once)
        return out

    def _read(self, answer, student):
        return self._order(answer)

    def _check(self, answer):
        given = self._order(answer)
        right = self.reference()
        rank = {t: i for i, t in enumerate(right)}
        n = len(given)
        pairs = [(given[i], given[j]) for i in range(n) for j in range(i + 1, n)]
        good = sum(rank[a] < rank[b] for a, b in pairs)
        score = good / len(pairs) if pairs else 1.0
        if given == right:
            return _verdict(True, 1.0)
        first_bad = next(i for i, (g, r) in enumerate(zip(given, right)) if g != r)
        text = _("{good} of {pairs} pairs are in the right order. The first place that is "
                 "wrong is position {position}: think again about what comes there.") \
            .format(good=good, pairs=len(pairs), position=first_bad + 1)
        return _verdict(False, score, text)


# --------------------------------------------------------------------------- table
@dataclass(frozen=True)
class TableExercise(Exercise):
    """Fill a small table of numbers. Score = share of cells within tolerance."""

    kind: ClassVar[str] = "table"
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    answer: tuple[tuple[float, ...], ...] | None = None
    tolerance: float | None = None
    rel_tolerance: float | None = None

    tolerances = NumericExercise.tolerances

    def reference(self):
        return None if self.answer is None else [list(r) for r in self.answer]

    def numbers(self, stored) -> list[float]:
        """The cells a stored answer is checked by, row after row; AnswerError when it has
        none.

        >>> TableExercise(id="d.t", prompt="?", rows=("r",), columns=("a", "b")).numbers([[1, "2%"]])
        [1.0, 2.0]
        """
        return [x for row in self._grid(self._shown(stored)) for x in row]

    @property
    def expects(self) -> str:
        return _("a table: a DataFrame or a list of rows of numbers")

    def _text_body(self, student):
        return ("\n" + _("Rows: {rows}").format(rows=", ".join(self.rows))
                + "\n" + _("Columns: {columns}").format(columns=", ".join(self.columns)))

    def _read(self, answer, student):
        """Only the asked rows and columns, in the stored ``{"columns", "index", "data"}`` form."""
        return {"columns": list(self.columns), "index": list(self.rows), "data": self._grid(answer)}

    def _grid(self, value, name="your table") -> list[list[float]]:
        shape = (len(self.rows), len(self.columns))
        if isinstance(value, dict) and set(value) == {"columns", "index", "data"}:
            # a DataFrame as an answer sheet stores it; one exactly in the asked shape (as
            # every stored answer is) is read as its rows: a DataFrame would give the same
            value = value["data"] if _in_shape(value, self.rows, self.columns) \
                else _stored_table(value)
        if hasattr(value, "reindex") and hasattr(value, "columns"):  # DataFrame
            if set(map(str, value.index)) >= set(self.rows) and \
                    set(map(str, value.columns)) >= set(self.columns):
                value = value.rename(index=str, columns=str).loc[list(self.rows), list(self.columns)]
            value = value.to_numpy().tolist()
        elif isinstance(value, dict):
            try:
                value = [[value[r][c] for c in self.columns] for r in self.rows]
            except (KeyError, TypeError):
                raise AnswerError(_("Give the table as {row: {column: value}} with every row "
                                    "and column named.")) from None
        elif hasattr(value, "tolist"):
            value = value.tolist()
        if not isinstance(value, (list, tuple)) or not all(isinstance(r, (list, tuple)) for r in value):
            raise AnswerError(_("Expected a table of {rows} rows × {columns} columns (a "
                                "DataFrame or a list of rows).")
                              .format(rows=shape[0], columns=shape[1]))
        got = (len(value), max((len(r) for r in value), default=0))
        if got != shape or any(len(r) != shape[1] for r in value):
            raise AnswerError(_("Expected {rows} rows × {columns} columns, got {got_rows} × "
                                "{got_columns}.").format(rows=shape[0], columns=shape[1],
                                                         got_rows=got[0], got_columns=got[1]))
        grid = []
        for r, row in zip(self.rows, value):
            cells = []
            for c, cell in zip(self.columns, row):
                try:
                    cells.append(parse_number(cell)[0])
                except AnswerError as err:
                    raise AnswerError(_("Cell ({row}, {column}): {problem}")
                                      .format(row=r, column=c, problem=err)) from None
            grid.append(cells)
        return grid

    def _check(self, answer):
        given = self._grid(answer)
        right = self.answer
        abs_tol, rel_tol = self.tolerances()
        wrong = [(r, c) for i, r in enumerate(self.rows) for j, c in enumerate(self.columns)
                 if not _close(given[i][j], right[i][j], abs_tol, rel_tol)]
        cells = len(self.rows) * len(self.columns)
        if not wrong:
            return _verdict(True, 1.0)
        shown = "; ".join(f"{r} / {c}" for r, c in wrong[:5]) + (" …" if len(wrong) > 5 else "")
        return _verdict(False, 1 - len(wrong) / cells,
                        _("{right} of {cells} cells are right. Check: {shown}.")
                        .format(right=cells - len(wrong), cells=cells, shown=shown))


def _in_shape(value: dict, rows: tuple, columns: tuple) -> bool:
    """True when a stored table has exactly ``rows`` × ``columns``, in order, of floats.

    >>> _in_shape({"columns": ["c"], "index": ["r"], "data": [[1.0]]}, ("r",), ("c",))
    True
    >>> _in_shape({"columns": ["c"], "index": ["r"], "data": [[1]]}, ("r",), ("c",))
    False
    """
    data = value["data"]
    return (value["index"] == list(rows) and value["columns"] == list(columns)
            and isinstance(data, list) and len(data) == len(rows)
            and all(isinstance(r, list) and len(r) == len(columns)
                    and all(type(x) is float for x in r) for r in data))


def _stored_table(value: dict) -> Any:
    """``{"columns", "index", "data"}`` (a DataFrame in an answer sheet) as a DataFrame, or
    as its rows when it does not have that shape.

    >>> _stored_table({"columns": ["c"], "index": ["r"], "data": [[1.0]]})
         c
    r  1.0
    """
    import pandas as pd

    try:
        return pd.DataFrame(value["data"], index=[str(i) for i in value["index"]],
                            columns=[str(c) for c in value["columns"]])
    except (TypeError, ValueError):
        return value["data"]


# --------------------------------------------------------------------------- free text
@dataclass(frozen=True)
class TextExercise(Exercise):
    """A written answer, self-assessed against a model answer and rubric; graded by hand.

    The answer is the text, or ``{"text": ..., "rubric": [True, False, ...]}`` once the
    student has ticked the rubric items their answer meets (score = share ticked).
    """

    kind: ClassVar[str] = "text"
    model_answer: str = ""
    rubric: tuple[str, ...] = ()

    @property
    def expects(self) -> str:
        return _("your answer as text")

    def _text_body(self, student):
        return "\n" + _("(Free text; compare with the model answer after you submit.)")

    def _text_and_ticks(self, answer) -> tuple[str, list[bool] | None]:
        ticks = None
        if type(answer) is dict:
            ticks = answer.get("rubric")
            answer = answer.get("text")
        if not isinstance(answer, str):
            raise AnswerError(_("Write your answer as text."))
        if len(answer.strip()) < 3:
            raise AnswerError(_("The answer is empty: write a few sentences first."))
        if len(answer) > _MAX_TEXT:
            answer = answer[:_MAX_TEXT] + " …[cut]"
        if ticks is not None and (not isinstance(ticks, (list, tuple)) or len(ticks) != len(self.rubric)
                                  or not all(isinstance(t, bool) for t in ticks)):
            raise AnswerError(_("Tick each of the {n} rubric items yes or no.")
                              .format(n=len(self.rubric)))
        return answer, (None if ticks is None else list(ticks))

    def _read(self, answer, student):
        text, ticks = self._text_and_ticks(answer)
        return text if ticks is None else {"text": text, "rubric": ticks}

    def _check(self, answer):
        answer, ticks = self._text_and_ticks(answer)
        rubric = "\n".join(f"- {r}" for r in self.rubric)
        if ticks is None:
            saved = _("Saved for your instructor to grade. Now compare it with the model "
                      "answer:")
            return Feedback(False, 0.0, f"{saved}\n\n{self.model_answer}\n\n"
                                        + _("Rubric:") + f"\n{rubric}")
        score = sum(ticks) / len(ticks) if ticks else 0.0
        return Feedback(score == 1.0, round(score, 6),
                        _("Self-assessed: {met} of {n} rubric items met. Your instructor grades "
                          "the text itself.").format(met=sum(ticks), n=len(ticks)))


TYPES: dict[str, type[Exercise]] = {
    cls.kind: cls for cls in (NumericExercise, ChoiceExercise, MultipleChoiceExercise,
                              MatchingExercise, OrderingExercise, TableExercise, TextExercise)
}


#: What a form-only exercise keeps, per type, besides id, prompt, points, hints, term,
#: chapter and reveal_after: what the student's form needs, never a key.
_FORM_FIELDS = {"numeric": ("units",), "single": ("options",), "multiple": ("options",),
                "matching": ("categories", "items"), "ordering": ("items",),
                "table": ("rows", "columns"), "text": ()}


def form_of(exercise: Exercise) -> dict:
    """What a student's form needs of ``exercise`` and nothing of its key: no correct
    option, option or item feedback, answer, tolerance, mistakes, explanation, solution,
    model answer or rubric. Options are sorted by text and ordering items alphabetically
    (the bank's order could give the key away). :func:`from_form` reads it back.

    >>> ex = ChoiceExercise(id="d.q", prompt="?", explanation="Because.",
    ...                     options=({"text": "Yes", "correct": True, "feedback": "Right"},
    ...                              {"text": "No"}))
    >>> form_of(ex)["options"], "explanation" in form_of(ex)
    ([{'text': 'No'}, {'text': 'Yes'}], False)
    >>> from_form(form_of(ex)).check("Yes").message.startswith("✓ Saved; checked after")
    True
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")
    form = {"id": exercise.id, "type": exercise.kind, "prompt": exercise.prompt,
            "points": exercise.points, "hints": list(exercise.hints),
            "term": dict(exercise.term), "chapter": exercise.chapter,
            "reveal_after": exercise.reveal_after}
    for name in _FORM_FIELDS[exercise.kind]:
        value = getattr(exercise, name)
        if name == "options":
            value = sorted(({"text": o["text"]} for o in value), key=lambda o: o["text"].casefold())
        elif name == "items" and exercise.kind == "matching":
            value = [{"text": it["text"]} for it in value]
        elif name == "items":
            value = sorted(value, key=str.casefold)
        form[name] = list(value) if isinstance(value, tuple) else value
    return form


def from_form(data: dict) -> Exercise:
    """The form-only exercise described by :func:`form_of`'s dict: it reads and stores an
    answer as the full exercise does and checks it as "saved; checked after the deadline"."""
    if not isinstance(data, dict) or data.get("type") not in _FORM_FIELDS:
        raise ValueError(f"not an exercise form (a dict with a 'type' among "
                         f"{', '.join(_FORM_FIELDS)}): {_short(data)}")
    values = {k: v for k, v in data.items() if k != "type"}
    for key in ("hints", "options", "categories", "items", "rows", "columns"):
        if key in values:
            values[key] = tuple(values[key])
    return TYPES[data["type"]](form_only=True, **values)
