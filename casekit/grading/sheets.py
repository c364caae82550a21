"""Reading handed-in answer sheets without trusting them (the grader's view of the format).

The format, its limits and its one reader live in :mod:`casekit.exercises.sheetformat`
(the student's notebook reads its own sheet with the same code); this module gives the
instructor's tools their names for it. :func:`parse_sheet` never raises on bad content:
it returns the usable part and a list of :class:`Problem` saying what was wrong, so a
run over a class keeps going and reports everything at the end.

>>> sheet, problems = parse_sheet(b'{"format": "casekit-answer-sheet", "version": 1, '
...     b'"student": "s1", "attempts": [{"id": "crm.quiz-01", "answer": "B"}, 7]}', "s1.json")
>>> sheet.student, len(sheet.attempts), problems[0].problem
('s1', 1, 'bad-attempts')
"""
from __future__ import annotations

from casekit.exercises.sheetformat import (FORMAT, MAX_ANSWER_BYTES, MAX_ATTEMPTS, MAX_DEPTH,
                                           MAX_SHEET_BYTES, VERSION, Problem, Sheet,
                                           parse_sheet, parse_timestamp, read_limited)

__all__ = ["FORMAT", "MAX_ANSWER_BYTES", "MAX_ATTEMPTS", "MAX_DEPTH", "MAX_SHEET_BYTES",
           "VERSION", "Problem", "Sheet", "parse_sheet", "parse_timestamp", "read_limited"]
