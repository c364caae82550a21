"""Figures the prose states, tied to the code that computes them.

A chapter's module here (``chNN.py``) lists its :class:`Claim` s: a sentence fragment as it
stands in a markdown cell, with ``{holes}`` for the figures, and the function that
computes them (with casekit, on the same data the notebook uses — never from a typed
number or the chapter's answer key). ``tests/test_claims.py`` renders each claim with
freshly computed values and requires that exact text in the notebook, so a change to the
data or the code that moves a figure fails the build until the prose is rewritten.

Every other number in the chapter's markdown must be *exempt*: listed in the module's
``EXEMPT`` with the reason it is not a figure about our data (a citation, a published
figure with its source, a rule of thumb, a date). Years and whole numbers up to 10 are
exempt without listing. Example module::

    from tests.claims import Claim, shop

    NOTEBOOK = "notebooks/04-walmart-data-mining.ipynb"
    CLAIMS = [
        Claim("diapers ⇒ beer has confidence {conf:.2f}",
              lambda: {"conf": confidence(shop(), "diapers", "beer")}),
    ]
    EXEMPT = {"(Power, 2002)": "citation"}
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["Claim", "NUMBER", "shop"]

#: A number as prose writes it: 1,234.5 · 12% · −0.87 · 2.1× · ¥90
NUMBER = re.compile(r"(?<![\w.])[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")


@dataclass(frozen=True)
class Claim:
    """``text`` (with ``str.format`` holes) is in the notebook once filled with ``compute()``."""

    text: str
    compute: Callable[[], dict]

    def render(self) -> str:
        return self.text.format(**self.compute())


@functools.lru_cache(maxsize=8)
def shop(n_customers: int = 5000, seed: int = 0):
    """The ValueMart the chapters simulate (cached across claims)."""
    from casekit.data import simulate_retailer

    return simulate_retailer(n_customers, seed=seed)
