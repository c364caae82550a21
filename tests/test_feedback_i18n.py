"""Feedback pages in the course's language: a class graded once, its pages written in
English and in 中文 show the same points; the Chinese pages show the bank's Chinese
prompts, options and hints, the checker's comments in Chinese and Chinese labels, and
every text a student or a sheet supplied is still escaped.

Runs on the real bank's chapter 00 (its zh catalog is complete) with real student data.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from casekit.cli import main
from casekit.exercises.bank import load_bank
from casekit.exercises.translation import localized
from casekit.grading import grade as g
from casekit.grading.feedback import _checker_line, write_feedback
from casekit.grading.pages import markdown
from casekit.i18n import language, speaking
from tests.test_grading import write_sheet

AFTER = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
HOSTILE = "<script>alert(1)</script>"


def attempt(exercise, answer, score=1.0, when="2026-12-01T12:00:00Z"):
    return {"id": exercise, "answer": answer, "score": score, "correct": score == 1.0,
            "valid": True, "points": 1.0, "casekit": "0.1.0", "attempt": 1, "timestamp": when}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Chapter 00 graded for two students (one a day late, at 50% a day) and a third on the
    roster who handed nothing in; one student's name and answers are hostile."""
    course = tmp_path_factory.mktemp("feedback-i18n")
    write_sheet(course / "sheets", "s1", [
        attempt("crm.quiz-01", "Accountable", 0.0),            # wrong: the option's feedback
        attempt("crm.share-of-wallet", 0.25, 0.0),             # a known mistake's message
        attempt("crm.share-of-wallet", 25),                    # right, counted
        attempt("crm.history", ["Hosted CRM rented over the internet as a service",
                                "Contact management: software that records every contact "
                                "between a customer and the company"], 0.0),
        attempt("crm.recent-buyers", 1, 0.0),                  # computed on s1's data: wrong
        attempt("crm.shelved", HOSTILE)])
    write_sheet(course / "sheets", "s2", [
        attempt("crm.quiz-01", "Reactive", when="2026-12-02T12:00:00Z"),     # a day late
        attempt("crm.ism-sales", "<img src=x onerror=alert(1)>", 0.0)])
    (course / "roster.csv").write_text(f'Student ID,Name\ns1,"{HOSTILE}"\ns2,李明\ns3,Wu\n',
                                       encoding="utf-8")
    g.grade(course / "sheets", course / "gb.sqlite", roster=course / "roster.csv",
            chapters=["00"], deadlines=["2026-12-01T23:59Z"], late_penalty=0.5, progress=False)
    return course


@pytest.fixture(scope="module")
def pages(graded):
    """Both editions of every page, written at the same time with the key shown."""
    out = {}
    for lang in ("en", "zh"):
        write_feedback(graded / "gb.sqlite", graded / lang, when=AFTER, lang=lang)
        out[lang] = {s: (graded / lang / f"{s}.html").read_text("utf-8") for s in ("s1", "s2", "s3")}
    return out


def card(page, exercise):
    start = page.index(f"<b>{exercise}</b>")
    return page[start:page.index("</details>", start)]


def points(page):
    """Every points figure of a page, in order: the total (and its percentage), each
    chapter's points in the summary table, each exercise's."""
    total = re.search(r'<p class="total">(.*?)</p>', page).group(1)
    return (re.findall(r"\d+(?:\.\d+)?", total)
            + re.findall(r'</a></td><td class="num">([^<]*)</td>', page)
            + re.findall(r'<span class="pts">([^<]*)</span>', page))


def zh(exercise_id):
    return localized(load_bank()[exercise_id], "zh")


def test_chinese_pages_show_the_chinese_exercise_labels_and_checker(pages):
    page = pages["zh"]["s1"]
    assert '<html lang="zh-CN">' in page and '<html lang="en">' in pages["en"]["s1"]
    quiz = card(page, "crm.quiz-01")
    assert str(markdown(zh("crm.quiz-01").prompt)) in quiz           # the prompt in 中文
    chosen = next(o for o, e in zip(zh("crm.quiz-01").options, load_bank()["crm.quiz-01"].options)
                  if e["text"] == "Accountable")
    assert chosen["text"] in quiz and "Accountable" not in quiz       # the answer's option in 中文
    with speaking("zh"):
        expected = zh("crm.quiz-01").check("Accountable").message
        mistake = zh("crm.share-of-wallet").check(0.25).message
    assert str(markdown(expected)) in quiz                            # the checker in 中文
    assert "自动检查：" in quiz and "提示（按顺序）：" in quiz and "解析：" in quiz
    assert "标准答案：" in quiz
    wallet = card(page, "crm.share-of-wallet")
    assert "共 2 次尝试；计分的是这一次" in wallet and "正确" in wallet
    assert str(markdown(mistake)) not in wallet                         # the counted one's comment
    history = card(page, "crm.history")
    assert zh("crm.history").items[3] in history and "Hosted CRM" not in history
    computed = card(page, "crm.recent-buyers")
    assert "按你的数据计算的标准答案：" in computed and "自动检查：" in computed
    assert not re.search(r"Checker|Expected answer|Hints, in order|Your answer", page)
    summary = page[page.index('id="summary"'):page.index("<main>")]
    for label in ("章节", "得分", "需复习", "你的截止时间", "标准答案", "迟交规定：", "等待老师评分：",
                  "第 00 章"):
        assert label in page, label
    assert "下文按章节列出练习" in summary and "Chapter" not in summary
    assert "每迟交一天（不足一天按一天计）扣除其分值的 50%" in summary


def test_the_checker_is_in_chinese_also_for_a_computed_exercise_before_its_key_is_shown(graded):
    before = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    [page] = write_feedback(graded / "gb.sqlite", graded / "early", students=["s1"],
                            when=before, lang="zh")
    computed = card(page.read_text("utf-8"), "crm.recent-buyers")
    assert "自动检查：" in computed and "按你的数据计算的标准答案" not in computed
    assert "（你的截止时间）之后，标准答案和解析将显示在这里" in computed
    english = card(write_feedback(graded / "gb.sqlite", graded / "early-en", students=["s1"],
                                  when=before, lang="en")[0].read_text("utf-8"), "crm.recent-buyers")
    checker = lambda html: html[html.index("<div class=\"label\">", html.index("<pre>")):]
    assert checker(computed) != checker(english)


def test_both_editions_give_the_same_points(pages):
    for student in ("s1", "s2", "s3"):
        en, cn = pages["en"][student], pages["zh"][student]
        assert points(en) == points(cn) and len(points(en)) > 10, student
    s2 = pages["zh"]["s2"]
    assert "迟交 1 天" in s2 and "−0.5 分" in s2 and "得分 0.5 / " in s2
    assert "未提交答题卡" in pages["zh"]["s3"] and "没有收到你提交的答题卡。" in pages["zh"]["s3"]


def test_english_pages_stay_english_and_the_index_is_the_instructors(pages, graded):
    page = pages["en"]["s1"]
    assert "Checker:" in page and "Hints, in order:" in page and "Feedback for" in page
    assert not re.search("[\u4e00-\u9fff]", page.split("<main>")[0].replace("李明", ""))
    assert language() == "en"                               # writing zh pages left it as it was
    for lang in ("en", "zh"):
        index = (graded / lang / "index.html").read_text("utf-8")
        assert "<th>Name</th>" in index and "Feedback pages" in index


def test_every_supplied_text_is_still_escaped_in_chinese(pages):
    for lang in ("en", "zh"):
        s1, s2 = pages[lang]["s1"], pages[lang]["s2"]
        for page in (s1, s2):
            assert "<script>" not in page and "<img" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in s1.split("<main>")[0]    # the name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card(s1, "crm.shelved")  # an answer
        assert "&lt;img src=x onerror=alert(1)&gt;" in card(s2, "crm.ism-sales")
    assert "学习反馈：&lt;script&gt;alert(1)&lt;/script&gt;" in pages["zh"]["s1"]


def test_a_stored_comment_is_kept_when_the_check_no_longer_agrees_and_a_try_penalty_is_kept():
    ex = zh("crm.share-of-wallet")
    row = {"message": "✓ Correct. (try penalty of the course: −10%)", "valid": 1, "correct": 1,
           "score": 0.9}
    with speaking("zh"):
        line = _checker_line(row, 25, ex)
        assert line.endswith("（本课程的重试扣分：−10%）") and "Correct" not in line
        assert _checker_line({**row, "correct": 0}, 25, ex) == row["message"]      # disagrees
        assert _checker_line({**row, "valid": -1}, 25, ex) == row["message"]       # not checked
        assert _checker_line(row, 25, None) == row["message"]


def test_the_command_takes_the_language_from_the_flag_or_the_course_file(graded, monkeypatch, capsys):
    monkeypatch.delenv("CASEKIT_COURSE", raising=False)
    (graded / "course.toml").write_text('language = "zh"\n', encoding="utf-8")
    assert main(["feedback", "--gradebook", str(graded / "gb.sqlite"), "--out",
                 str(graded / "cli"), "--course", str(graded / "course.toml"),
                 "--student", "s2"]) == 0
    assert "得分" in (graded / "cli" / "s2.html").read_text("utf-8")
    assert main(["feedback", "--gradebook", str(graded / "gb.sqlite"), "--out",
                 str(graded / "cli"), "--course", str(graded / "course.toml"), "--lang", "en",
                 "--student", "s2"]) == 0
    assert "得分" not in (graded / "cli" / "s2.html").read_text("utf-8")
    assert main(["feedback", "--gradebook", str(graded / "gb.sqlite"), "--out",
                 str(graded / "cli"), "--lang", "fr"]) != 0
    assert "lang must be one of" in capsys.readouterr().err


def test_a_translated_template_sentence_escapes_and_scrubs_what_it_is_filled_with():
    from casekit.grading.pages import render

    with speaking("zh"):
        html = render("feedback.html", page_lang="zh-CN", title="t", student="s",
                      name="\u202eevil<b>", handed_in=True, total=1, maximum=2, chapters=[],
                      late_policy="", late=False, pending=["a<i>"])
    assert "<h1>学习反馈：\ufffdevil&lt;b&gt; <small>(s)</small></h1>" in html
    assert "1 道文字作答题（a&lt;i&gt;）" in html and "\u202e" not in html


def test_course_file_language_is_checked():
    from casekit.hub.course import CourseError, parse_course

    assert parse_course('language = "zh-CN"').language == "zh"
    with pytest.raises(CourseError, match="language"):
        parse_course('language = "fr"')
