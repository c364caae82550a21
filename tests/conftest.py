"""Fixtures shared by the chapter tests: a test module names its ``CHAPTER`` and ``STUDENT``."""
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
