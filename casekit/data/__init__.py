"""The simulated retailer every chapter shares, and the real datasets shipped with the package
(``casekit/data/files/``).

>>> from casekit.data import simulate_retailer, for_student, load
"""
from casekit.data.datasets import DATASETS, load
from casekit.data.simulate import Retailer, for_student, simulate_retailer

__all__ = ["DATASETS", "Retailer", "for_student", "load", "simulate_retailer"]
