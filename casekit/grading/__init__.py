"""Instructor tools: release problem sets, collect answer sheets, grade, give feedback.

One module per step of a grading cycle, each also reachable from the ``casekit`` command
(:mod:`casekit.cli`):

- :mod:`~casekit.grading.release` — the student edition of a problem-set notebook;
- :mod:`~casekit.grading.reference` — each student's expected answers, on their own data;
- :mod:`~casekit.grading.sheets` — read a handed-in sheet without trusting it;
- :mod:`~casekit.grading.collect` — gather answer sheets from folders and LMS zip exports;
- :mod:`~casekit.grading.grade` — re-check every attempt on the student's own data;
- :mod:`~casekit.grading.policy` — which attempt counts, hand-in times, deadlines,
  extensions, late penalties;
- :mod:`~casekit.grading.marking` — free-text answers marked at the terminal or by CSV;
- :mod:`~casekit.grading.gradebook` — the SQLite gradebook the scores live in;
- :mod:`~casekit.grading.export` — a CSV for a spreadsheet or an LMS gradebook;
- :mod:`~casekit.grading.feedback` — one HTML page per student (templates and rendering
  shared with the report in :mod:`~casekit.grading.pages`);
- :mod:`~casekit.grading.report` — item analysis (difficulty, discrimination, wrong answers).

Grading reads answer sheets as data; it never runs student code. ``docs/instructors.md``
walks through a full cycle.
"""
