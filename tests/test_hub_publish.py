"""``casekit feedback --publish``: each student's page into their own hub home, readable by
them only, whatever a student planted in their home (links, odd names, folders).

Run as root (as CI and this machine do), homes belong to made-up uids, as students'
homes belong to their accounts; run as anyone else, to that user.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from casekit.hub.publish import FOLDER, PAGE, check_home_template, publish_pages

ROOT = os.geteuid() == 0
UIDS = {"ann": 4101, "bo": 4102, "cy": 4103, "张三": 4104}


def _homes(tmp_path, *names):
    """``tmp_path/homes/<name>`` for each name, owned by that student's uid (as root)."""
    homes = tmp_path / "homes"
    homes.mkdir(exist_ok=True)
    for name in names:
        (homes / name).mkdir()
        if ROOT:
            os.chown(homes / name, UIDS[name], UIDS[name])
    return homes


def _pages(tmp_path, *names):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    for name in names:
        (out / f"{name}.html").write_text(f"<p>page of {name}</p>", encoding="utf-8")
    return {name: out / f"{name}.html" for name in names}


def _page(homes, name):
    return homes / name / FOLDER / PAGE


def test_each_page_lands_in_its_students_home_readable_by_them_only(tmp_path):
    homes = _homes(tmp_path, "ann", "bo", "张三")
    done = publish_pages(_pages(tmp_path, "ann", "bo", "张三"), f"{homes}/{{username}}")
    assert [(d.student, d.path, d.problem) for d in done] == [
        (n, _page(homes, n), "") for n in ("ann", "bo", "张三")]
    for name in ("ann", "bo", "张三"):
        page, folder = _page(homes, name).stat(), (homes / name / FOLDER).stat()
        assert _page(homes, name).read_text(encoding="utf-8") == f"<p>page of {name}</p>"
        assert stat.S_IMODE(page.st_mode) == 0o600, "classmates cannot read it"
        assert stat.S_IMODE(folder.st_mode) == 0o700
        owner = UIDS[name] if ROOT else os.geteuid()
        assert page.st_uid == folder.st_uid == owner, "the student owns it"
        if ROOT:
            assert page.st_gid == UIDS[name], "the group of the home, not root's"


def test_publishing_again_replaces_the_page_and_leaves_no_temporary_file(tmp_path):
    homes = _homes(tmp_path, "ann")
    pages = _pages(tmp_path, "ann")
    publish_pages(pages, f"{homes}/{{username}}")
    pages["ann"].write_text("<p>regraded</p>")
    (done,) = publish_pages(pages, f"{homes}/{{username}}")
    assert done.path.read_text() == "<p>regraded</p>"
    assert os.listdir(homes / "ann" / FOLDER) == [PAGE]


def test_a_planted_link_is_never_followed_and_nothing_outside_the_home_changes(tmp_path):
    """ann links her feedback folder to bo's; cy links her page's name to a file she wants
    root to overwrite (or chown to her); a home that is itself a link is refused."""
    homes = _homes(tmp_path, "ann", "bo", "cy")
    publish_pages(_pages(tmp_path, "bo"), f"{homes}/{{username}}")
    bo_before = _page(homes, "bo").read_bytes()
    (homes / "ann" / FOLDER).symlink_to(homes / "bo" / FOLDER)
    victim = tmp_path / "victim.txt"
    victim.write_text("system file")
    (homes / "cy" / FOLDER).mkdir()
    if ROOT:
        os.chown(homes / "cy" / FOLDER, UIDS["cy"], UIDS["cy"])
    (homes / "cy" / FOLDER / PAGE).symlink_to(victim)
    linked_homes = tmp_path / "linked"
    linked_homes.mkdir()
    (linked_homes / "bo").symlink_to(homes / "bo")

    ann, cy = publish_pages(_pages(tmp_path, "ann", "cy"), f"{homes}/{{username}}")
    assert ann.path is None and "symbolic link or not a folder: not followed" in ann.problem
    assert _page(homes, "bo").read_bytes() == bo_before, "bo's page untouched"
    assert cy.path == _page(homes, "cy") and not cy.path.is_symlink(), "the link is replaced"
    assert cy.path.read_text() == "<p>page of cy</p>"
    assert victim.read_text() == "system file" and victim.stat().st_uid == os.geteuid()

    (bo,) = publish_pages(_pages(tmp_path, "bo"), f"{linked_homes}/{{username}}")
    assert bo.path is None and "symbolic link" in bo.problem
    assert _page(homes, "bo").read_bytes() == bo_before

    (homes / "ann" / "work").symlink_to(homes / "bo")       # below the home, too
    (ann,) = publish_pages(_pages(tmp_path, "ann"), f"{homes}/{{username}}/work")
    assert ann.path is None and f"{homes}/ann/work is a symbolic link" in ann.problem
    assert _page(homes, "bo").read_bytes() == bo_before


def test_a_name_that_is_not_one_path_component_is_refused_and_the_class_goes_on(tmp_path):
    homes = _homes(tmp_path, "ann", "bo")
    out = tmp_path / "out"
    out.mkdir()
    page = out / "page.html"
    page.write_text("<p>forged</p>")
    publish_pages(_pages(tmp_path, "bo"), f"{homes}/{{username}}")
    done = publish_pages({"../bo": page, "..": page, "a/b": page, "": page, "ann": page},
                         f"{homes}/{{username}}")
    assert [d.path is None for d in done] == [True, True, True, True, False]
    assert all("not a plain user name" in d.problem for d in done[:4])
    assert _page(homes, "bo").read_text() == "<p>page of bo</p>"
    assert sorted(os.listdir(homes)) == ["ann", "bo"]
    assert not (homes / FOLDER).exists() and not (tmp_path / FOLDER).exists()


def test_a_student_without_a_home_is_skipped_and_no_home_is_made(tmp_path):
    homes = _homes(tmp_path, "ann")
    bo, ann = publish_pages(_pages(tmp_path, "bo", "ann"), f"{homes}/{{username}}")
    assert bo.missing and bo.path is None and "no home yet" in bo.problem
    assert ann.path is not None
    assert not (homes / "bo").exists()


def test_a_page_name_taken_by_a_folder_is_left_alone(tmp_path):
    homes = _homes(tmp_path, "ann")
    (homes / "ann" / FOLDER / PAGE).mkdir(parents=True)
    if ROOT:
        for p in (homes / "ann" / FOLDER, homes / "ann" / FOLDER / PAGE):
            os.chown(p, UIDS["ann"], UIDS["ann"])
    (ann,) = publish_pages(_pages(tmp_path, "ann"), f"{homes}/{{username}}")
    assert ann.path is None and "is a folder: not replaced" in ann.problem
    assert os.listdir(homes / "ann" / FOLDER) == [PAGE], "no temporary file left behind"


@pytest.mark.skipif(not ROOT, reason="needs root to act as another account for a moment")
def test_run_as_a_plain_account_it_publishes_to_that_accounts_own_home_only():
    """An instructor without root (their own account on a single-user setup): their own home
    gets its page, a classmate's is refused with what to do. Acted out with the effective
    uid of ann's account, in a folder that account can enter."""
    base = Path(tempfile.mkdtemp(prefix="casekit-publish-"))
    base.chmod(0o755)
    try:
        homes = _homes(base, "ann", "bo")
        pages = _pages(base, "ann", "bo")
        os.setegid(UIDS["ann"])
        os.seteuid(UIDS["ann"])
        try:
            ann, bo = publish_pages(pages, f"{homes}/{{username}}")
        finally:
            os.seteuid(0)
            os.setegid(0)
        assert ann.path == _page(homes, "ann") and ann.problem == ""
        page = _page(homes, "ann").stat()
        assert page.st_uid == UIDS["ann"] and stat.S_IMODE(page.st_mode) == 0o600
        assert bo.path is None and "run as root so the page can be given to its student" in bo.problem
        assert not (homes / "bo" / FOLDER).exists()
    finally:
        shutil.rmtree(base)


@pytest.mark.skipif(not ROOT, reason="only root can make a home belong to someone else")
def test_as_root_a_home_of_root_or_a_folder_of_another_account_is_refused(tmp_path):
    homes = _homes(tmp_path, "ann", "bo")
    os.chown(homes / "ann", 0, 0)
    (homes / "bo" / FOLDER).mkdir()
    os.chown(homes / "bo" / FOLDER, UIDS["cy"], UIDS["cy"])
    ann, bo = publish_pages(_pages(tmp_path, "ann", "bo"), f"{homes}/{{username}}")
    assert ann.path is None and "belongs to root" in ann.problem
    assert bo.path is None and "does not belong to the owner" in bo.problem
    assert not (homes / "ann" / FOLDER).exists()


@pytest.mark.parametrize("template, error", [
    ("home/{username}", "absolute path"),
    ("/home/{user}", "only {username}"),
    ("/home/students", "no {username}"),
    ("/home/{username}/../x", ". or .."),
    ("/no/such/folder/{username}", "is not a folder on this machine"),
])
def test_a_bad_home_template_says_what_to_write(template, error):
    with pytest.raises(ValueError, match=error.replace("{", r"\{").replace(".", r"\.")):
        check_home_template(template)


def test_a_page_that_cannot_be_read_is_that_students_problem_only(tmp_path):
    homes = _homes(tmp_path, "ann", "bo")
    pages = _pages(tmp_path, "ann", "bo")
    pages["ann"].unlink()
    ann, bo = publish_pages(pages, f"{homes}/{{username}}")
    assert ann.path is None and "the page could not be read" in ann.problem and not ann.missing
    assert bo.path == _page(homes, "bo"), "the class goes on"
