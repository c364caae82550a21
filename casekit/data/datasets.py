"""Real datasets shipped with the package in ``casekit/data/files/``, loaded by name into
typed DataFrames (as ISLP's ``load_data``): they come with ``pip install`` too.

Each dataset has a data card beside it (``casekit/data/files/<name>.md``: source, licence,
citation, columns, quirks) and a checksum in ``casekit/data/files/SHA256SUMS``. Files are
read from that folder, or from ``CASEKIT_DATASETS`` if set.

>>> from casekit.data import load
>>> load("cdnow").shape
(6919, 5)
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["DATASETS", "dataset_dir", "load"]

DATASETS: dict[str, dict] = {
    "cdnow": {"file": "CDNOW_sample.txt", "card": "cdnow.md", "rows": 6919,
              "description": "CDNOW transaction log, 1/10 sample: 2,357 customers, 1997–98"},
    "cdnow_master": {"file": "CDNOW_master.txt", "card": "cdnow.md", "rows": 69659,
                     "description": "CDNOW transaction log, full cohort: 23,570 customers, 1997–98"},
    "telco": {"file": "telco_churn.csv", "card": "telco.md", "rows": 7043,
              "description": "IBM Telco customer churn: 7,043 customers, 21 columns"},
}

_TELCO_FLAGS = ["female", "senior_citizen", "partner", "dependents", "phone_service",
                "paperless_billing"]
_TELCO_CATEGORIES = ["multiple_lines", "internet_service", "online_security", "online_backup",
                     "device_protection", "tech_support", "streaming_tv", "streaming_movies",
                     "contract", "payment_method"]


def dataset_dir() -> Path:
    """The folder holding the data files and their cards (``CASEKIT_DATASETS`` overrides
    the package's own ``casekit/data/files``).

    >>> (dataset_dir() / "SHA256SUMS").is_file()
    True
    """
    env = os.environ.get("CASEKIT_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parent / "files"


def _path(name: str) -> Path:
    path = dataset_dir() / DATASETS[name]["file"]
    if not path.is_file():
        raise FileNotFoundError(
            f"{DATASETS[name]['file']} is not in {path.parent}. The datasets ship inside the "
            "casekit package (casekit/data/files): reinstall casekit, or set CASEKIT_DATASETS "
            "to the folder that holds them.")
    return path


def load(name: str) -> pd.DataFrame:
    """Load a shipped dataset by name: ``"cdnow"``, ``"cdnow_master"`` or ``"telco"``.

    Column meanings, units and quirks are in the dataset's card (``casekit/data/files/*.md``).

    >>> load("telco")["churn"].mean().round(3)
    np.float64(0.265)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    path = _path(name)
    if name == "cdnow":
        frame = pd.read_csv(path, sep=r"\s+", header=None,
                            names=["master_id", "customer", "date", "quantity", "amount"],
                            dtype={"master_id": "int32", "customer": "int32", "date": str,
                                   "quantity": "int32", "amount": "float64"})
        frame = frame[["customer", "master_id", "date", "quantity", "amount"]]
    elif name == "cdnow_master":
        frame = pd.read_csv(path, sep=r"\s+", header=0,
                            names=["customer", "date", "quantity", "amount"],
                            dtype={"customer": "int32", "date": str, "quantity": "int32",
                                   "amount": "float64"})
    else:
        frame = pd.read_csv(path, dtype={"customer": "int32", "tenure": "int32",
                                         "monthly_charges": "float64",
                                         "total_charges": "float64",
                                         **{c: "int8" for c in _TELCO_FLAGS},
                                         **{c: "category" for c in _TELCO_CATEGORIES}})
        frame["churn"] = frame["churn"].map({"Yes": True, "No": False}).astype(bool)
        return frame.astype({c: bool for c in _TELCO_FLAGS})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d").astype("datetime64[ns]")
    return frame
