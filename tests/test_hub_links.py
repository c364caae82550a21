"""nbgitpuller links: one per chapter, each opening a notebook that exists, and the table in
deploy/README.md is exactly what the function makes (the docs cannot drift)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from casekit.hub.links import chapter_links, links_table, nbgitpuller_link

ROOT = Path(__file__).resolve().parents[1]
HUB, REPO = "https://hub.example.edu", "https://github.com/your-department/crm-casebook-student"


def test_one_link_per_chapter_notebook_each_opening_a_file_of_the_workbook():
    links = chapter_links(HUB, REPO, branch="spring-2027")
    notebooks = [p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"),
                                        key=lambda p: p.stem)]    # part 1 before part 2
    assert [Path(path).name for _, path, _ in links] == notebooks
    assert {c for c, _, _ in links} == {n[:2] for n in notebooks}
    for _, path, url in links:
        parsed = urlparse(url)
        assert (parsed.scheme, parsed.netloc, parsed.path) == \
            ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        assert query == {"repo": REPO, "branch": "spring-2027",
                         "urlpath": f"lab/tree/crm-casebook-student/{path}"}
        assert (ROOT / path).is_file()


def test_a_chosen_folder_is_the_target_and_bad_input_is_refused():
    url = nbgitpuller_link(HUB + "/", REPO + ".git", "notebooks/00-what-is-crm.ipynb",
                           folder="crm")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["targetPath"] == "crm" and query["urlpath"].startswith("lab/tree/crm/notebooks/")
    for bad in [dict(hub="hub.example.edu"), dict(repo="file:///srv/repo"),
                dict(path="../etc/passwd"), dict(path="/abs.ipynb"), dict(branch="a b"),
                dict(app="voila"), dict(folder="../x")]:
        args = {"hub": HUB, "repo": REPO, "path": "notebooks/00-what-is-crm.ipynb", **bad}
        with pytest.raises(ValueError):
            nbgitpuller_link(**args)


def test_deploy_readme_shows_the_generated_links():
    assert links_table(HUB, REPO) in (ROOT / "deploy" / "README.md").read_text(), (
        "deploy/README.md's links are out of date: paste the output of `python -m "
        f"casekit.hub.links --hub {HUB} --repo {REPO}`")
