"""Reference solutions of the computed exercises: one module per chapter, f(retailer) -> answer.

A solution and its mistakes are each called on their own, and several exercises of a
chapter start from the same costly step (a BG/NBD fit, a cohort table, the flags at a
threshold). Such a step is marked :func:`shared`: inside :func:`work_once` (the grader
opens it around one student's answers) it is worked out once per retailer and arguments.
Outside, every call works it out afresh, so a retailer changed between calls is never
answered from an old result.
"""
from __future__ import annotations

import contextlib
import functools
import threading

__all__ = ["shared", "work_once"]

#: per thread (the classroom service resolves in a pool): inside work_once, the memo
#: (step, retailer id, arguments) -> (retailer, result); outside, None
_LOCAL = threading.local()


@contextlib.contextmanager
def work_once():
    """Within this block each :func:`shared` step runs once per retailer and arguments;
    the retailers must not change inside it.

    >>> from types import SimpleNamespace
    >>> calls = []
    >>> @shared
    ... def step(retailer, k):
    ...     calls.append(k)
    ...     return k * 2
    >>> shop = SimpleNamespace()
    >>> with work_once():
    ...     step(shop, 1), step(shop, 1), step(shop, 2)
    (2, 2, 4)
    >>> step(shop, 1), calls
    (2, [1, 2, 1])
    """
    outer = getattr(_LOCAL, "memo", None)
    _LOCAL.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _LOCAL.memo = outer


def shared(step):
    """Mark ``step(retailer, *args)`` as a step several solutions share (see
    :func:`work_once`). Its callers must not change its result in place."""
    @functools.wraps(step)
    def once(retailer, *args, **kwargs):
        memo = getattr(_LOCAL, "memo", None)
        if memo is None:
            return step(retailer, *args, **kwargs)
        key = (step, id(retailer), args, tuple(sorted(kwargs.items())))
        if key not in memo:    # the retailer is kept with the result, so its id stays its own
            memo[key] = (retailer, step(retailer, *args, **kwargs))
        return memo[key][1]
    return once
