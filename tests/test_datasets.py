"""Shipped datasets: checksums, and loaders that return what the data cards promise."""
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from casekit.data import DATASETS, load

FOLDER = Path(__file__).resolve().parents[1] / "casekit" / "data" / "files"


def test_every_data_file_matches_its_checksum_and_is_listed():
    listed = dict(reversed(line.split("  ")) for line in (FOLDER / "SHA256SUMS").read_text().splitlines())
    data_files = {p.name for p in FOLDER.iterdir() if p.suffix not in (".md",) and p.name != "SHA256SUMS"}
    assert set(listed) == data_files
    for name, digest in listed.items():
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, name
    for meta in DATASETS.values():
        assert (FOLDER / meta["card"]).is_file() and meta["file"] in listed


def test_cdnow_sample_has_the_published_shape_and_types():
    df = load("cdnow")
    assert list(df.columns) == ["customer", "master_id", "date", "quantity", "amount"]
    assert dict(df.dtypes.astype(str)) == {"customer": "int32", "master_id": "int32",
                                           "date": "datetime64[ns]", "quantity": "int32",
                                           "amount": "float64"}
    assert len(df) == 6919 and df["customer"].nunique() == 2357
    assert df["customer"].min() == 1 and df["customer"].max() == 2357
    assert df["date"].min() == pd.Timestamp("1997-01-01") and df["date"].max() == pd.Timestamp("1998-06-30")
    assert df.groupby("customer")["date"].min().max() == pd.Timestamp("1997-03-25")
    assert df["quantity"].sum() == 16479 and df["amount"].sum() == pytest.approx(244091.94)
    assert (df["amount"] == 0).sum() == 8 and df.duplicated(["customer", "date"]).sum() == 223


def test_cdnow_master_is_the_full_cohort():
    df = load("cdnow_master")
    assert list(df.columns) == ["customer", "date", "quantity", "amount"]
    assert len(df) == 69659 and df["customer"].nunique() == 23570
    assert df["amount"].sum() == pytest.approx(2500315.63)
    sample = load("cdnow")
    one = sample.iloc[0]
    assert ((df["customer"] == one["master_id"]) & (df["date"] == one["date"])).any()


def test_telco_matches_its_card():
    df = load("telco")
    assert df.shape == (7043, 21)
    assert df["churn"].dtype == bool and round(df["churn"].mean(), 3) == 0.265
    assert df["customer"].is_unique and df["tenure"].between(0, 72).all()
    missing = df[df["total_charges"].isna()]
    assert len(missing) == 11 and (missing["tenure"] == 0).all()
    assert (df.loc[df["tenure"] == 0].index == missing.index).all()
    assert set(df["contract"].cat.categories) == {"Month-to-month", "One year", "Two year"}
    assert set(df["online_security"].cat.categories) == {"Yes", "No", "No internet service"}
    assert df["female"].dtype == bool and df["senior_citizen"].mean() == pytest.approx(0.162, abs=0.001)


def test_unknown_name_and_missing_folder_give_clear_errors(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'cdnw'; available: cdnow, cdnow_master, telco"):
        load("cdnw")
    monkeypatch.setenv("CASEKIT_DATASETS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"CDNOW_sample.txt is not in .*set CASEKIT_DATASETS"):
        load("cdnow")
