"""casekit — the analysis package behind the CRM Casebook workbook.

``import casekit`` is cheap: submodules (``casekit.data``, ``casekit.exercises``,
``casekit.plots`` ...) load pandas, seaborn or ipywidgets only when first used.

>>> import casekit
>>> casekit.__version__
'0.1.0'
"""
import importlib
import pkgutil

__version__ = "0.1.0"

# every module and package beside this file (read from the folder: nothing is imported)
_SUBMODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__))


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"casekit.{name}")
    raise AttributeError(f"module 'casekit' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
