"""The old home of ``rule_table``, kept so that problem set 04 copied before the explorers
moved (``from casekit.explore import rule_table``) still runs. New code imports it from
:mod:`casekit.baskets`; the explorers live in :mod:`casekit.explorers`.

>>> from casekit.explore import rule_table
>>> from casekit import baskets
>>> rule_table is baskets.rule_table
True
"""
from casekit.baskets import rule_table

__all__ = ["rule_table"]
