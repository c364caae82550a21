"""Every table the simulator returns is byte-identical to the one it returned before the
lazy lines: a change of the simulator that moves any number changes a student's answers
and every notebook's stored outputs. The digests below were taken from the code before
lines became lazy (commit ba2d70f); a deliberate change of the story updates
them in the same commit, with the notebooks re-executed."""
import hashlib

import pandas as pd
import pytest

from casekit.data import for_student, simulate_retailer

EXPECTED = {'simulate_retailer(5000, seed=0)': {'customers': 'd25e02a910feed47',
                                     'transactions': 'c05c272de0ba66e0',
                                     'lines': '21c0bc456492c23f',
                                     'survey': '20804a8875aa64c8',
                                     'defections': '504f98309068164d',
                                     'catalogue': 'babefe7edfa55c69',
                                     'truth.customers': '41b51a6b743d9d76',
                                     'truth.associations': 'bf519f2f31cc7823',
                                     'truth.stores': '06042ed089fc6799',
                                     'truth.events': '44695fc42aee12d6',
                                     'truth.params': '9ded62195805db40'},
 "for_student('s2026-001')": {'customers': '846cc1808493ef3e',
                              'transactions': '7728f9492ec6a67e',
                              'lines': '44e186e4e5ddf3fb',
                              'survey': '473f1e3db67f2708',
                              'defections': '2ddbc68a84d6e9ea',
                              'catalogue': 'babefe7edfa55c69',
                              'truth.customers': 'd568eda14c381e62',
                              'truth.associations': 'bf519f2f31cc7823',
                              'truth.stores': '3cd673c121a3787d',
                              'truth.events': '2fe5b79be256da02',
                              'truth.params': '5c19e65bff811ed2'}}


def _digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(repr(frame.index.dtype).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _tables(shop) -> dict:
    t = shop.truth
    return {"customers": shop.customers, "transactions": shop.transactions, "lines": shop.lines,
            "survey": shop.survey, "defections": shop.defections, "catalogue": shop.catalogue,
            "truth.customers": t.customers, "truth.associations": t.associations,
            "truth.stores": t.stores, "truth.events": t.events,
            "truth.params": pd.DataFrame([{k: str(v) for k, v in t.params.items()}])}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_table_is_byte_identical(name):
    shop = (simulate_retailer(5000, seed=0) if name.startswith("simulate")
            else for_student("s2026-001"))
    assert {k: _digest(v) for k, v in _tables(shop).items()} == EXPECTED[name]


def test_the_digest_sees_a_one_cent_change():
    shop = simulate_retailer(300, seed=1)
    before = _digest(shop.transactions)
    shop.transactions.loc[0, "total"] += 0.01
    assert _digest(shop.transactions) != before
