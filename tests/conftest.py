"""Fixtures shared by the tests: a chapter's test module names its ``CHAPTER`` and ``STUDENT``
(``bank``, ``shop``); ``small_shop`` is a quick ValueMart for checks of a method."""
import pytest


@pytest.fixture(scope="module")
def bank(request):
    """The exercises of the module's ``CHAPTER``, by id."""
    from casekit.exercises.bank import load_bank

    return {k: v for k, v in load_bank().items() if v.chapter == request.module.CHAPTER}


@pytest.fixture(scope="module")
def shop(request):
    """The module's ``STUDENT``'s own ValueMart."""
    from casekit.data import for_student

    return for_student(request.module.STUDENT)


@pytest.fixture(scope="module")
def small_shop():
    """A 400-customer, one-year ValueMart (seed 5): quick to build, for checks of the method."""
    from casekit.data import simulate_retailer

    return simulate_retailer(400, seed=5, years=1)


def require(present, what: str, install: str):
    """Skip a test here when a system program it needs is missing (``install`` says how to
    get it); under ``CI=true`` fail instead, since .ci/run installs every one of them."""
    import os

    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what} is missing: `bash .ci/run` installs it ({install}).")
    pytest.skip(f"{what} is not on this machine ({install} to run this test); CI runs it")
