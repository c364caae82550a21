"""Feedback pages into the students' hub homes (``casekit feedback --publish HOME``).

``HOME`` is where a hub user's home is, with ``{username}`` for the user: ``/home/{username}``
for local accounts (the local test hub, SystemdSpawner), ``/home/jupyter-{username}`` on The
Littlest JupyterHub, or the NFS export of the homes on Kubernetes. Each student's page goes
to ``HOME/feedback/casekit-feedback.html``; they open it from the file browser of their
session.

A student controls their home, so nothing in it is trusted:

- from the first path component that holds ``{username}`` down to the page, every folder is
  opened without following symbolic links (``O_NOFOLLOW``, relative to the folder above), so
  a ``feedback`` link planted towards a classmate's home or ``/etc`` is refused, and a link
  swapped in while the page is written changes nothing;
- the page is written to a new file (``O_CREAT | O_EXCL``, a random name) in that folder and
  renamed over the old page: a link or hard link planted under the page's name is replaced,
  never written through; a reader sees the old page or the new one;
- a user name that is not one plain path component (``..``, ``a/b``) is refused;
- run as root, the folder (when made here) and the page are given to the **owner of the
  home** (as found on disk: this also holds for TLJH's ``jupyter-`` users and for container
  uids missing from ``/etc/passwd``) with mode 0700 / 0600, so the student reads it and a
  classmate cannot. Run as anyone else, only homes of that same user can be published to.

A student without a home yet (never started a server) is reported and skipped; the homes
are never created here.
"""
from __future__ import annotations

import errno
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FOLDER", "PAGE", "Published", "check_home_template", "publish_pages"]

FOLDER = "feedback"
PAGE = "casekit-feedback.html"
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Published:
    """What happened to one student's page: ``path`` where it now is (None if not
    published), ``problem`` why not, ``missing`` True when only the home is missing."""

    student: str
    path: Path | None = None
    problem: str = ""
    missing: bool = False


class _Refused(Exception):
    pass


def check_home_template(template) -> str:
    """``template`` if it is an absolute path holding ``{username}`` (and no other field)
    below a folder that exists here; ValueError saying what is wrong otherwise.

    >>> check_home_template("/home/jupyter-{username}")
    '/home/jupyter-{username}'
    >>> check_home_template("/home/{user}")
    Traceback (most recent call last):
    ...
    ValueError: home template '/home/{user}' may hold only {username} (the hub user), e.g. '/home/{username}'
    """
    example = "e.g. '/home/{username}'"
    if not isinstance(template, str) or not template.startswith("/"):
        raise ValueError(f"home template {template!r} must be an absolute path with "
                         f"{{username}} in it, {example}")
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as err:
        raise ValueError(f"home template {template!r} is not a template ({err}), {example}") \
            from None
    if any(f != "username" for f in fields):
        raise ValueError(f"home template {template!r} may hold only {{username}} (the hub "
                         f"user), {example}")
    if not fields:
        raise ValueError(f"home template {template!r} has no {{username}}: every student's page "
                         f"would go to the same place, {example}")
    if any(part in (".", "..") for part in template.split("/")):
        raise ValueError(f"home template {template!r} must not hold . or .. components")
    fixed = template[:template.index("{username}")].rsplit("/", 1)[0] or "/"
    if not os.path.isdir(fixed):
        raise ValueError(f"home template {template!r}: {fixed} is not a folder on this machine")
    return template


def publish_pages(pages: dict[str, Path], template: str) -> list[Published]:
    """Copy each ``{student: page file}`` into ``template``'s home of that student (see the
    module docstring); one :class:`Published` per student, in the order given. A student's
    problem never stops the others."""
    template = check_home_template(template)
    parts = [p for p in template.split("/") if p]
    first = next(i for i, p in enumerate(parts) if "{username}" in p)
    fixed = "/" + "/".join(parts[:first])       # the instructor's part: links allowed
    results = []
    for student, page in pages.items():
        try:
            data = Path(page).read_bytes()
        except OSError as err:       # the page itself: this student's problem only
            results.append(Published(student, problem=f"the page could not be read "
                                                      f"({err.strerror or err}: {page})"))
            continue
        try:
            if not _plain_component(student):
                raise _Refused(f"{student!r} is not a plain user name (a path component)")
            done = _publish_one(student, data, fixed,
                                [p.format(username=student) for p in parts[first:]])
        except _Refused as why:
            done = Published(student, problem=str(why))
        except FileNotFoundError as err:
            done = Published(student, problem=f"no home yet ({err.filename})", missing=True)
        except OSError as err:
            done = Published(student, problem=f"{err.strerror or err}"
                                              f"{f' ({err.filename})' if err.filename else ''}")
        results.append(done)
    return results

def _plain_component(name) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name \
        and "\0" not in name and len(name.encode("utf-8", "surrogateescape")) <= 255


def _publish_one(student: str, data: bytes, fixed: str, below: list[str]) -> Published:
    home = Path(fixed, *below)
    fds = [os.open(fixed, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))]
    try:
        for depth, name in enumerate(below, 1):
            fds.append(_open_dir(name, fds[-1], Path(fixed, *below[:depth])))
        st = os.fstat(fds[-1])
        root = os.geteuid() == 0
        if root and st.st_uid == 0:
            raise _Refused(f"{home} belongs to root, not to a student's account")
        if not root and st.st_uid != os.geteuid():
            raise _Refused(f"{home} belongs to uid {st.st_uid}: run as root so the page can be "
                           "given to its student")
        try:
            os.mkdir(FOLDER, 0o700, dir_fd=fds[-1])
            made = True
        except FileExistsError:
            made = False
        fds.append(_open_dir(FOLDER, fds[-1], home / FOLDER))
        if made and root:
            os.fchown(fds[-1], st.st_uid, st.st_gid)
        if os.fstat(fds[-1]).st_uid != st.st_uid:
            raise _Refused(f"{home / FOLDER} does not belong to the owner of {home}")
        _write(fds[-1], data, st.st_uid if root else -1, st.st_gid if root else -1)
        return Published(student, home / FOLDER / PAGE)
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _open_dir(name: str, parent: int, shown: Path) -> int:
    """``name`` in the folder ``parent`` as a folder, never through a symbolic link."""
    try:
        return os.open(name, _DIR, dir_fd=parent)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise _Refused(f"{shown} is a symbolic link or not a folder: not followed") from None
        if err.errno == errno.ENOENT:
            raise FileNotFoundError(errno.ENOENT, "no such folder", str(shown)) from None
        raise


def _write(folder: int, data: bytes, uid: int, gid: int) -> None:
    """The page into ``folder`` atomically: a new file, synced, owned, renamed over."""
    temp = f".{PAGE}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                 | getattr(os, "O_CLOEXEC", 0), 0o600, dir_fd=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if uid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, 0o600)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(temp, PAGE, src_dir_fd=folder, dst_dir_fd=folder)
        except IsADirectoryError:
            raise _Refused(f"{FOLDER}/{PAGE} is a folder: not replaced") from None
    except BaseException:
        os.unlink(temp, dir_fd=folder)
        raise
    os.fsync(folder)

