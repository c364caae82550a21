"""nbgitpuller links: one click puts a chapter of the workbook into a student's hub home.

A link ``<hub>/hub/user-redirect/git-pull?repo=…&branch=…&urlpath=lab/tree/<folder>/<notebook>``
signs the student in, clones the workbook's repository into ``~/<folder>`` on first use
(later clicks pull the instructor's new commits and never overwrite the student's own
edits: nbgitpuller merges) and opens the notebook in JupyterLab. The single-user image
needs ``nbgitpuller`` (``postBuild`` installs it).

For a course with assessed exercises, point the links at a repository or branch of
released material (``casekit release``: solution cells hidden, no banks with keys), not at
the instructor's repository: students can read everything the link pulls.

    python -m casekit.hub.links --hub https://hub.example.edu --repo https://github.com/dept/crm-casebook

prints the Markdown table ``deploy/README.md`` shows (one row per chapter).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

__all__ = ["chapter_links", "links_table", "nbgitpuller_link"]

ROOT = Path(__file__).resolve().parents[2]


def _check_url(name: str, url: str) -> str:
    if not isinstance(url, str) or urlparse(url).scheme not in ("http", "https") \
            or not urlparse(url).netloc:
        raise ValueError(f"{name} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def nbgitpuller_link(hub: str, repo: str, path: str, *, branch: str = "main",
                     folder: str | None = None, app: str = "lab") -> str:
    """The link that pulls ``repo`` (``branch``) into ``~/<folder>`` (default: the
    repository's name) and opens ``path`` in it with ``app`` ("lab" or "tree").

    >>> nbgitpuller_link("https://hub.example.edu", "https://github.com/dept/crm-casebook",
    ...                  "notebooks/00-what-is-crm.ipynb")
    'https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fdept%2Fcrm-casebook&branch=main&urlpath=lab%2Ftree%2Fcrm-casebook%2Fnotebooks%2F00-what-is-crm.ipynb'
    """
    hub, repo = _check_url("hub", hub), _check_url("repo", repo)
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"path must be a file inside the repository, got {path!r}")
    if not isinstance(branch, str) or not re.match(r"^[A-Za-z0-9._/-]+$", branch):
        raise ValueError(f"branch {branch!r} is not a branch name")
    if app not in ("lab", "tree"):
        raise ValueError(f"app must be 'lab' or 'tree', got {app!r}")
    folder = folder or repo.rsplit("/", 1)[-1].removesuffix(".git")
    if not re.match(r"^[A-Za-z0-9._-]+$", folder):
        raise ValueError(f"folder {folder!r} is not a plain folder name")
    urlpath = f"{app}/tree/{folder}/{path}"
    query = {"repo": repo, "branch": branch, "urlpath": urlpath}
    if folder != repo.rsplit("/", 1)[-1].removesuffix(".git"):
        query["targetPath"] = folder
    return f"{hub}/hub/user-redirect/git-pull?{urlencode(query, quote_via=quote, safe='')}"


def chapter_links(hub: str, repo: str, *, branch: str = "main", root: Path | None = None,
                  **options) -> list[tuple[str, str, str]]:
    """``(chapter, notebook path, link)`` for every chapter notebook of the workbook
    (``notebooks/NN-*.ipynb``, a chapter's later parts included), in order."""
    root = ROOT if root is None else Path(root)
    found = sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb"), key=lambda p: p.stem)
    if not found:
        raise FileNotFoundError(f"no chapter notebooks in {root / 'notebooks'}")
    return [(p.name[:2], f"notebooks/{p.name}",
             nbgitpuller_link(hub, repo, f"notebooks/{p.name}", branch=branch, **options))
            for p in found]


def links_table(hub: str, repo: str, **options) -> str:
    """The Markdown table of :func:`chapter_links` (what ``deploy/README.md`` shows)."""
    rows = ["| chapter | notebook | link |", "|---|---|---|"]
    rows += [f"| {c} | `{path}` | [open on the hub]({url}) |"
             for c, path, url in chapter_links(hub, repo, **options)]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m casekit.hub.links",
                                description="Print one nbgitpuller link per chapter (Markdown).")
    p.add_argument("--hub", required=True, help="the hub's URL, e.g. https://hub.example.edu")
    p.add_argument("--repo", required=True, help="the repository students pull (released material)")
    p.add_argument("--branch", default="main")
    args = p.parse_args(argv)
    try:
        print(links_table(args.hub, args.repo, branch=args.branch))
    except (ValueError, FileNotFoundError) as err:
        print(f"casekit links: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
