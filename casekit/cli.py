"""The ``casekit`` command: release problem sets, collect answer sheets, grade, give feedback.

Run ``casekit --help`` for the grading cycle, ``casekit <command> --help`` for one step.
Every command is a thin layer over :mod:`casekit.grading`; a bad argument or input file
prints one line saying what to fix (exit status 1), never a traceback.

>>> main(["--version"])
casekit 0.1.0
0
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import textwrap

__all__ = ["build_parser", "main"]

_CYCLE = """\
A grading cycle, step by step (docs/instructors.md walks through one):

  1. casekit release exercises/00-what-is-crm.ipynb --out release/
        the student edition: solutions hidden, outputs cleared
  2. casekit collect lms-export.zip late/ --out sheets/ --roster roster.csv
        gather the answer sheets students handed in; report bad ones
  3. casekit grade sheets/ --deadline 2026-12-01T23:59+08:00 --late-penalty 0.1
        re-check every answer on each student's own data into gradebook.sqlite
  4. casekit grade --manual            (or --pending-csv / --rubric-csv)
        mark free-text answers
  5. casekit export grades.csv         a CSV for a spreadsheet or the LMS
  6. casekit feedback --out feedback/  one HTML page per student
  7. casekit report --out report/      item analysis: which exercises worked

  casekit extend s2026-017 --until TIME  one student's own deadline (kept through re-grades)
  casekit answers s2026-017            that student's expected answers, on their data
  casekit status                       what the gradebook holds

Grading reads answer sheets as data; it never runs student code. Everything works
offline. The gradebook is one SQLite file (--gradebook, or $CASEKIT_GRADEBOOK, default
./gradebook.sqlite); a crash or Ctrl-C leaves it consistent, and re-running is safe.
"""


def _fail(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def _share(text: str) -> float:
    """A late penalty per day: 0.1 or 10%."""
    try:
        value = float(text[:-1]) / 100 if text.strip().endswith("%") else float(text)
    except ValueError:
        raise _fail(f"{text!r} is not a share: write 0.1 or 10% (lost per day late)") from None
    if not 0 <= value <= 1:
        raise _fail(f"{text!r} must be between 0 and 1 (or 0% and 100%)")
    return value


def _megabytes(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise _fail(f"{text!r} is not a positive size in MB")
    return int(value * 2 ** 20)


def _formatter(prog):
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``casekit`` command (every sub-command and option)."""
    import casekit

    parser = argparse.ArgumentParser(
        prog="casekit", formatter_class=_formatter,
        description="CRM Casebook tools for instructors: release problem sets, collect answer "
                    "sheets, grade them, and give feedback — for a class of any size.",
        epilog=_CYCLE)
    parser.add_argument("--version", action="version", version=f"casekit {casekit.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    book = argparse.ArgumentParser(add_help=False)
    book.add_argument("--gradebook", metavar="FILE",
                      default=os.environ.get("CASEKIT_GRADEBOOK", "gradebook.sqlite"),
                      help="the gradebook file (default: $CASEKIT_GRADEBOOK or ./gradebook.sqlite)")

    def command(name, summary, details, parents=()):
        p = sub.add_parser(name, help=summary, description=summary + "\n\n" + textwrap.dedent(details),
                           formatter_class=_formatter, parents=list(parents))
        return p

    p = command("release", "Write the student edition of problem-set notebooks.", """\
        Code cells tagged `solution` become `# your code here` + `...`; every output and saved
        widget state is cleared; exercise widgets stay; the start(...) cell asks for the
        student id. The sources are never modified, and releasing again gives the same files.

        With --assessed COURSE also writes the student build of casekit (a wheel) to --out:
        the assessed exercises of the course file without their keys or solution code;
        students install it, check() saves those answers unchecked, and you grade as usual.

        example:  casekit release exercises/*.ipynb --out release/
                  casekit release exercises/06-service-team.ipynb --assessed course.toml --out release/""")
    p.add_argument("sources", nargs="+", metavar="NOTEBOOK", help="problem-set notebooks (.ipynb)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the student editions")
    p.add_argument("--assessed", metavar="COURSE", help="course file: also build the student "
                   "wheel without the assessed exercises' keys (casekit/build.py)")
    p.set_defaults(func=_release)

    p = command("answers", "Print one student's expected answers, computed on their own data.", """\
        Computed exercises (marked *) are worked out on the student's personal ValueMart,
        casekit.data.for_student(STUDENT); --data also saves that data as CSV files, so you
        can redo any student's analysis yourself.

        examples: casekit answers s2026-017
                  casekit answers s2026-017 --exercise crm.recent-buyers --data s017-data/""")
    p.add_argument("student", metavar="STUDENT", help="the student id")
    p.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    p.add_argument("--chapter", action="append", metavar="NN", help="only this chapter (repeatable)")
    p.add_argument("--data", metavar="DIR", help="also write the student's data tables as CSV here")
    p.set_defaults(func=_answers)

    p = command("collect", "Gather answer sheets from folders and LMS zip exports.", """\
        Looks for <student>.json sheets in folders (at any depth), zip files and zips inside
        zips, and writes one sheet per student to --out. Reports, without stopping:
        unreadable or truncated files, files over the size limit, sheets whose student does
        not match the file or folder they came in (or that name another student), duplicates
        (identical copies dropped, diverging copies merged), attempts at unknown exercises,
        and students on the roster with no sheet. --out/collect-report.csv lists every file.
        Re-running adds to --out (late uploads); nothing collected is ever deleted: every
        distinct upload is kept in --out/.versions/.

        example:  casekit collect canvas-export.zip late-emails/ --out sheets/ --roster roster.csv""")
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="folders, .zip or .json files")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the collected sheets "
                   "(new, or an earlier collection to update)")
    p.add_argument("--roster", metavar="CSV", help="class list with a 'Student ID' column "
                   "(optional 'Name'), or Canvas's gradebook export as it is")
    p.add_argument("--max-sheet-mb", type=_megabytes, default=None, metavar="MB",
                   help="reject sheets larger than this (default 10)")
    p.add_argument("--times", metavar="CSV", help="submission times exported by the LMS (an id "
                   "column and 'Submitted at' or Moodle's 'Last modified (submission)'): every "
                   "attempt gets handed_in, the LMS time of the earliest upload holding it")
    p.add_argument("--timezone", default="UTC", metavar="ZONE", help="time zone of --times "
                   "entries without one, an IANA name such as Asia/Shanghai (default UTC)")
    p.set_defaults(func=_collect)

    p = command("grade", "Grade answer sheets into the gradebook; mark free-text answers.", """\
        Every attempt is re-checked with the exercise's checker, on the student's own data for
        computed exercises; the score stored in a sheet is never trusted and no student code
        runs. Settings you leave out keep their earlier values (first run: best attempt, no
        deadline, no penalty, all chapters). An unchanged sheet is skipped; every change of a
        score is kept in the gradebook's history table.

        examples: casekit grade sheets/
                  casekit grade sheets/ --policy last --deadline 2026-12-01T23:59+08:00 \\
                        --deadline 01=2026-12-15T23:59+08:00 --late-penalty 10%
                  casekit grade --pending-csv to-mark.csv   (mark in a spreadsheet, then)
                  casekit grade --rubric-csv to-mark.csv
                  casekit grade --manual                    (mark at the terminal)""", [book])
    p.add_argument("sheets", nargs="?", metavar="SHEETS", help="folder of <student>.json sheets "
                   "(from casekit collect); leave out to re-score with new settings")
    p.add_argument("--policy", choices=["best", "last"], help="which attempt counts")
    p.add_argument("--deadline", action="append", metavar="[NN=]TIME",
                   help="ISO time with a time zone, for all chapters or chapter NN (repeatable)")
    p.add_argument("--no-deadline", action="store_true", help="remove every deadline")
    p.add_argument("--released", action="append", metavar="[NN=]TIME",
                   help="when a chapter (or all) went out: attempts dated earlier are flagged")
    p.add_argument("--late-penalty", type=_share, metavar="SHARE",
                   help="value lost per started day late: 0.1 or 10%%")
    p.add_argument("--chapter", action="append", metavar="NN", help="grade only this chapter "
                   "(repeatable; default: all)")
    p.add_argument("--roster", metavar="CSV", help="class list: students without a sheet get 0")
    p.add_argument("--max-sheet-mb", type=_megabytes, default=None, metavar="MB",
                   help="skip sheets larger than this (default 10)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="processes that re-check "
                   "sheets in parallel (default: one per CPU core)")
    p.add_argument("--manual", action="store_true", help="mark pending free-text answers here, "
                   "rubric item by rubric item")
    p.add_argument("--pending-csv", metavar="FILE", help="write the pending free-text answers to "
                   "a CSV to mark in a spreadsheet")
    p.add_argument("--rubric-csv", metavar="FILE", help="import marks: columns 'Student ID', "
                   "'Exercise', 'Points' (optional 'Comment')")
    p.add_argument("--grader", default="", metavar="NAME", help="your name, kept with each mark")
    p.add_argument("--db", metavar="URL", help="grade the attempts the casekit service recorded "
                   "(its SQLite file or postgresql:// URL) instead of SHEETS; the server's time "
                   "is the hand-in time")
    p.add_argument("--course", metavar="FILE", help="with --db: the course file's deadlines (unless "
                   "--deadline is given) and extensions")
    p.set_defaults(func=_grade)

    p = command("extend", "Give one student their own deadline (an extension).", """\
        The student's attempts are scored against their own deadline instead of the class's,
        for one chapter or all; marks already given are kept, and the feedback page shows
        them no expected answers before their own deadline. Every change is in the history.

        examples: casekit extend s2026-017 --until 2026-12-08T23:59+08:00 --reason "medical"
                  casekit extend s2026-017 --until 2026-12-08T23:59+08:00 --chapter 01
                  casekit extend s2026-017 --remove --chapter 01""", [book])
    p.add_argument("student", metavar="STUDENT", help="the student id")
    until = p.add_mutually_exclusive_group(required=True)
    until.add_argument("--until", metavar="TIME", help="their deadline: ISO time with a time zone")
    until.add_argument("--remove", action="store_true", help="take the extension away")
    p.add_argument("--chapter", default="*", metavar="NN", help="only this chapter (default: all)")
    p.add_argument("--reason", default="", metavar="TEXT", help="kept with the extension")
    p.set_defaults(func=_extend)

    p = command("export", "Write the grades as a CSV for a spreadsheet or an LMS.", """\
        Columns, in this order: Student ID, Name, one per exercise (or per chapter with
        --by chapter), Total, Max. UTF-8 with a byte-order mark; text starting with = + - @
        (or a tab, a full-width ＝ ＋ － ＠, or any of them after spaces) is prefixed with an
        apostrophe so no spreadsheet runs it. --lms canvas writes Canvas's
        gradebook columns instead (Student, ID, SIS User ID, SIS Login ID, Section, ...).

        example:  casekit export grades.csv --by chapter""", [book])
    p.add_argument("out", metavar="CSV", help="the file to write")
    p.add_argument("--by", choices=["exercise", "chapter"], default="exercise",
                   help="a column per exercise (default) or per chapter")
    p.add_argument("--lms", choices=["generic", "canvas"], default="generic",
                   help="column conventions (default generic; Moodle imports it as is)")
    p.set_defaults(func=_export)

    p = command("feedback", "Write one HTML feedback page per student.", """\
        A summary first (total, points per chapter, late days and penalty, the late policy,
        answers waiting for a mark), then per exercise, what to review first: points, the
        answer that counted and the checker's comment, the hints, and, once the student's
        own deadline (an extension moves it) has passed, the expected answer on the
        student's own data and the explanation. index.html lists names, ids and totals.

        On a hub, --publish also puts each page into its student's home, as
        feedback/casekit-feedback.html, readable by that student only.

        The students' pages are in the course's language: --lang, else the course file's
        language (language = "zh" in course.toml, --course or $CASEKIT_COURSE), else
        $CASEKIT_LANG, else English. index.html, the instructor's, is in English.

        example:  casekit feedback --out feedback/
                  casekit feedback --out feedback-zh/ --lang zh
                  sudo casekit feedback --out feedback/ --publish '/home/{username}'""", [book])
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the pages")
    p.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    p.add_argument("--lang", metavar="LANG", help="the pages' language: en or zh (default: the "
                   "course file's language, else $CASEKIT_LANG, else en)")
    p.add_argument("--course", metavar="FILE", help="course file whose language the pages are in "
                   "(default $CASEKIT_COURSE)")
    p.add_argument("--publish", metavar="HOME",
                   help="also copy each page into the student's hub home: HOME is a home's path "
                        "with {username} for the hub user ('/home/{username}'; The Littlest "
                        "JupyterHub: '/home/jupyter-{username}'). Run as root to give each page "
                        "to its home's owner (mode 0600); symbolic links are never followed.")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--reveal", dest="reveal", action="store_const", const=True, default=None,
                       help="show expected answers now, whatever the deadline")
    shown.add_argument("--hide", dest="reveal", action="store_const", const=False,
                       help="never show expected answers")
    p.set_defaults(func=_feedback)

    p = command("report", "Item analysis: success, attempts, wrong answers, discrimination.", """\
        Writes items.csv, copied-keys.csv (answers wrong on the student's own data but right
        on a classmate's), a difficulty × discrimination plot (PNG) and index.html. Difficulty
        is the mean share of the points earned; discrimination the correlation of an
        exercise's score with the rest of the total (aim for 0.2 or more).

        example:  casekit report --out report/""", [book])
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the report")
    p.set_defaults(func=_report)

    p = command("status", "Summarise the gradebook: students, scores by status, runs, integrity.",
                "example:  casekit status --gradebook course.sqlite", [book])
    p.set_defaults(func=_status)

    p = command("serve", "Run the casekit service for JupyterHub (the hub starts it).", """\
        Checks answers for the signed-in hub user with the keys only it holds and records
        every attempt with the server's time, in a SQLite file or PostgreSQL. Needs the
        environment a hub gives a managed service; deploy/jupyterhub_config.py sets it up.

        example:  casekit serve --db postgresql://casekit@db/course""")
    p.add_argument("--db", metavar="URL", help="SQLite file or postgresql:// URL "
                   "(default $CASEKIT_HUB_DB or ./casekit-attempts.sqlite)")
    p.add_argument("--port", type=int, help="port (default: from $JUPYTERHUB_SERVICE_URL)")
    p.add_argument("--ip", help="address (default: from $JUPYTERHUB_SERVICE_URL, else 127.0.0.1)")
    p.add_argument("--workers", type=int, help="threads checking answers (default 4)")
    p.add_argument("--course", metavar="FILE", help="course file: assessed exercises, deadlines, "
                   "extensions, feedback, attempt limits (default $CASEKIT_COURSE)")
    p.set_defaults(func=_serve)
    return parser


def _serve(args) -> int:
    from casekit.hub.service import main as serve

    return serve([f"--{k}={v}" for k in ("db", "port", "ip", "workers", "course")
                  if (v := getattr(args, k)) is not None])


def _max_bytes(args) -> dict:
    return {} if args.max_sheet_mb is None else {"max_bytes": args.max_sheet_mb}


def _release(args) -> int:
    from casekit.grading.release import release

    for result in release(args.sources, args.out):
        print(f"{result.source} -> {result.path} ({result.replaced} solution cell(s) hidden)")
        for warning in result.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    if args.assessed:
        from casekit.build import build_student

        wheel = build_student(args.assessed, args.out)
        print(f"{args.assessed} -> {wheel} (the student build: no keys of assessed exercises; "
              f"students `pip install {wheel.name}`)")
    return 0


def _answers(args) -> int:
    from casekit.exercises.bank import load_bank
    from casekit.grading.common import atomic_write, check_path
    from casekit.grading.reference import describe_expected, resolve_for, student_data

    bank = load_bank()
    unknown = [i for i in args.exercise or [] if i not in bank]
    if unknown:
        raise ValueError(f"no exercise {unknown[0]!r} in the bank (`casekit answers STUDENT` "
                         "without --exercise lists them all)")
    chosen = [ex for ex in bank.values() if (not args.exercise or ex.id in args.exercise)
              and (not args.chapter or ex.chapter in args.chapter)]
    resolved, errors = resolve_for(args.student, chosen)
    print(f"Expected answers for {args.student} (* = computed on this student's own data):")
    width = max((len(ex.id) for ex in chosen), default=10) + 2
    for ex in chosen:
        text = errors.get(ex.id) or describe_expected(resolved[ex.id], student=args.student)
        text = " ".join(text.split())
        mark = "*" if ex.computed else " "
        print(f"{ex.id + mark:<{width}} {ex.kind:<9} {ex.points:>3g} pt  "
              f"{text if len(text) <= 200 else text[:200] + ' …'}")
    if args.data:
        folder = check_path("--data", args.data)
        retailer = student_data(args.student)
        tables = {k: v for k, v in vars(retailer).items() if hasattr(v, "to_csv")}
        for name, table in tables.items():
            atomic_write(folder / f"{name}.csv", table.to_csv(index=False))
        print(f"Wrote {len(tables)} table(s) of {args.student}'s data to {folder}: "
              + ", ".join(f"{n}.csv" for n in tables))
    return 1 if errors else 0


def _collect(args) -> int:
    from casekit.grading.collect import collect

    report = collect(args.sources, args.out, roster=args.roster, times=args.times,
                     timezone=args.timezone, **_max_bytes(args))
    print(report.summary())
    return 0


def _grade(args) -> int:
    from casekit.grading import grade as g
    from casekit.grading import marking as m

    marking = args.manual or args.rubric_csv or args.pending_csv
    settings_given = any(x is not None for x in (args.policy, args.deadline, args.late_penalty,
                                                 args.chapter, args.roster, args.released)) \
        or args.no_deadline
    if args.no_deadline and args.deadline:
        raise ValueError("give --deadline or --no-deadline, not both")
    if args.db:
        from casekit.hub.gradedb import grade_db

        if args.sheets:
            raise ValueError("give SHEETS or --db, not both")
        summary = grade_db(args.db, args.gradebook, course=args.course,
                           deadlines=[] if args.no_deadline else args.deadline,
                           policy=args.policy, late_penalty=args.late_penalty,
                           chapters=args.chapter, releases=args.released, roster=args.roster,
                           jobs=args.jobs, **_max_bytes(args))
        print(summary.text())
    elif args.course:
        raise ValueError("--course goes with --db (the course file of the hub's service)")
    elif args.sheets or settings_given or not marking:
        deadlines = [] if args.no_deadline else args.deadline
        summary = g.grade(args.sheets, args.gradebook, policy=args.policy, deadlines=deadlines,
                          late_penalty=args.late_penalty, chapters=args.chapter,
                          releases=args.released, roster=args.roster, jobs=args.jobs,
                          **_max_bytes(args))
        print(summary.text())
    if args.rubric_csv:
        applied, problems = m.import_rubric_csv(args.gradebook, args.rubric_csv, grader=args.grader)
        print(f"Imported {applied} mark(s) from {args.rubric_csv}.")
        for problem in problems:
            print(f"  problem: {problem}", file=sys.stderr)
    if args.manual:
        m.mark_interactively(args.gradebook, grader=args.grader)
    if args.pending_csv:
        n = m.write_pending_csv(args.gradebook, args.pending_csv)
        print(f"Wrote {n} pending answer(s) to {args.pending_csv}: fill the Points column, then "
              f"`casekit grade --rubric-csv {args.pending_csv}`.")
    return 0


def _extend(args) -> int:
    from casekit.grading.grade import extend

    changes = extend(args.gradebook, args.student, None if args.remove else args.until,
                     chapter=args.chapter, reason=args.reason)
    what = "for every chapter" if args.chapter == "*" else f"for chapter {args.chapter}"
    print(f"{args.student}: extension {'removed' if args.remove else 'to ' + args.until} {what}; "
          f"{len(changes)} score(s) changed" + (":" if changes else "."))
    for line in changes:
        print(f"  {line}")
    return 0


def _export(args) -> int:
    from casekit.grading.export import export_grades

    path = export_grades(args.gradebook, args.out, by=args.by, lms=args.lms)
    print(f"Wrote {path}.")
    return 0


def _feedback(args) -> int:
    from casekit.grading.feedback import write_feedback

    publish = None
    if args.publish is not None:
        from casekit.grading.common import printable
        from casekit.hub.publish import check_home_template, publish_pages

        publish = check_home_template(args.publish)     # a wrong template: before any writing
    lang = args.lang
    if lang is None and (args.course or os.environ.get("CASEKIT_COURSE")):
        from casekit.hub.course import load_course

        lang = load_course(args.course or os.environ["CASEKIT_COURSE"]).language
    pages = write_feedback(args.gradebook, args.out, reveal=args.reveal, students=args.student,
                           lang=lang)
    print(f"Wrote {len(pages)} feedback page(s) to {args.out} (index.html lists them).")
    if publish is None:
        return 0
    done = publish_pages({p.name[:-len(".html")]: p for p in pages}, publish)
    published = [d for d in done if d.path is not None]
    print(f"Published {len(published)} of {len(done)} into the students' homes "
          f"({publish}/feedback/casekit-feedback.html).")
    for d in done:
        if d.path is None:
            print(f"  {printable(d.student)}: {'skipped' if d.missing else 'NOT published'}: "
                  f"{printable(d.problem)}")
    return 1 if any(d.path is None and not d.missing for d in done) else 0


def _report(args) -> int:
    from casekit.grading.report import write_report

    paths = write_report(args.gradebook, args.out)
    print("Wrote " + ", ".join(str(p) for p in paths) + ".")
    return 0


def _status(args) -> int:
    from casekit.grading.policy import Settings
    from casekit.grading.gradebook import Gradebook

    with Gradebook(args.gradebook, create=False) as gb:
        students = gb.students()
        with_sheet = sum(1 for s in students if s["sheet_sha256"] is not None)
        counts = gb.conn.execute("SELECT status, count(*) FROM scores GROUP BY status "
                                 "ORDER BY status").fetchall()
        runs = gb.conn.execute("SELECT * FROM runs ORDER BY run DESC LIMIT 3").fetchall()
        print(f"{args.gradebook}: {len(students)} student(s), {with_sheet} with a sheet; "
              f"{len(gb.exercises())} exercise(s) graded.")
        print(f"Settings: {Settings.from_json(gb.meta('settings')).describe()}.")
        print("Scores by status: " + (", ".join(f"{s} {n}" for s, n in counts) or "none yet"))
        for run in runs:
            print(f"Run {run['run']}: {run['status']}, started {run['started']}")
        print(f"Integrity check: {gb.integrity()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``casekit`` command with ``argv`` (default: the command line); return the
    exit status (0 done, 1 a problem with the input, 2 a usage error, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ValueError as err:
        print(f"casekit {args.command}: {err}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as err:   # a full disk, a read-only folder, a locked file
        print(f"casekit {args.command}: could not read or write a file ({err}). Everything "
              "finished before this is saved; fix the cause (free space, permissions) and run "
              "the same command again.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ncasekit {args.command}: interrupted. Everything finished so far is saved; "
              "run the same command again to complete it.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover - `python -m casekit.cli`
    sys.exit(main())
