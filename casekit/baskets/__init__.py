"""Market-basket analysis: frequent itemsets and association rules.

Chapter 4 (Walmart and data mining) asks which products sell together. This
module answers it the way R's *arules* does, so the numbers a textbook quotes
can be reproduced exactly, and fast enough for a million baskets:

* :func:`read_baskets` turns a ``groceries.csv``-style file, a list of lists,
  a Series of lists or a long ``basket``/``item`` table into :class:`Baskets`;
* :func:`frequent_itemsets` lists every itemset bought in at least
  ``min_support`` of the baskets;
* :func:`association_rules` turns them into rules ``{A} => {c}`` with
  support, confidence, lift, leverage and conviction;
* :func:`filter_rules` re-filters precomputed rules in about a millisecond
  (for an explorer widget); :func:`rule_table` shows them as ``{a} => {c}`` with
  their metrics;
* :func:`apriori_trace` shows the Apriori algorithm's join, prune and count
  steps level by level, for teaching.

Thresholds are applied to exact integer counts, like the minimum count arules
derives from its support: an itemset is frequent when
``count >= ceil(min_support * n_baskets)`` and a rule is kept when
``count >= min_confidence * antecedent_count``, both in exact rational
arithmetic, reading a float threshold as the decimal it was written as
(``0.8`` is 8/10, not the binary float nearest to it). A rule whose confidence
is exactly 0.8 is therefore kept at ``min_confidence=0.8``, where a ratio of
floating-point supports can land just below 0.8 and silently drop it.

Why a hand-written miner rather than mlxtend (see DESIGN.md, "use the well-kept library")

* **Exact arules semantics.** The chapter reproduces figures that textbooks computed with
  R's arules (the Groceries rules, beer and diapers): thresholds on exact integer counts as
  described above. mlxtend compares float supports (``ceil(min_support * n)`` in floating
  point, confidence as a ratio of floats), so a rule exactly at the threshold can be
  dropped, and it has no ``count`` columns to show a student.
* **Speed and memory.** ``benchmarks/bench_baskets.py`` (1,000,000 baskets × 2,000 items,
  ``min_support=0.005``, each side in its own process, 2 cores): casekit 1.74 s and
  488 MiB peak against mlxtend's ``fpgrowth`` 33.75 s and 3,993 MiB (the last full run on a
  quiet machine; a later run on a busier one gave 2.6 s against 35 s). The figures, with
  their dates, are in ``benchmarks/RESULTS.md``. mlxtend needs the dense one-hot table, which is where its memory goes.
  ``tests/test_baskets.py`` checks the miner against brute force, hypothesis examples and
  mlxtend itself.
* **The lesson.** :func:`apriori_trace` is the algorithm as the chapter teaches it.

The package has one module per step: :mod:`casekit.baskets.data` (reading baskets),
:mod:`casekit.baskets.miner` (frequent itemsets), :mod:`casekit.baskets.rules` (rules and
their filter) and :mod:`casekit.baskets.trace` (the teaching trace). Every public name is
importable from ``casekit.baskets``.

>>> from casekit.baskets import read_baskets, association_rules
>>> b = read_baskets([["bread", "milk"], ["bread", "diapers", "beer", "eggs"],
...                   ["milk", "diapers", "beer", "cola"],
...                   ["bread", "milk", "diapers", "beer"],
...                   ["bread", "milk", "diapers", "cola"]])
>>> b
Baskets(5 baskets, 6 items, 0 empty, mean size 3.6)
>>> rules = association_rules(b, min_support=0.6, min_confidence=1.0)
>>> [(sorted(r.antecedent), sorted(r.consequent), r.count) for r in rules.itertuples()]
[(['beer'], ['diapers'], 3)]
"""
from casekit.baskets.data import Baskets, Itemset, read_baskets
from casekit.baskets.miner import frequent_itemsets
from casekit.baskets.rules import association_rules, filter_rules, rule_table
from casekit.baskets.trace import apriori_trace

__all__ = [
    "Baskets",
    "Itemset",
    "apriori_trace",
    "association_rules",
    "filter_rules",
    "frequent_itemsets",
    "read_baskets",
    "rule_table",
]
