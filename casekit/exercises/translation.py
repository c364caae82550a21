"""Exercises in the reader's language, checked and saved exactly as in English.

:func:`localized` gives an exercise whose prompt, options, items, categories, hints,
explanation and mistake messages come from the bank's catalog
(``casekit/locale/<lang>/banks/<bank>.po``, one context per field: ``"crm.quiz-01:prompt"``).
What a student sees changes; what the answer sheet keeps does not: the translated copy
carries ``names`` (each translated choice → its English text), so an option chosen in
中文 is stored as its English text and the grader, which reads the English bank, scores it
the same. A field with no translation stays English.

    >>> from casekit.exercises import get
    >>> ex = localized(get("crm.quiz-01"), "en")
    >>> ex is get("crm.quiz-01")
    True
"""
from __future__ import annotations

import functools
from dataclasses import replace

from casekit.i18n import LOCALE_DIR, catalog, check_language, language

__all__ = ["localized"]


@functools.lru_cache(maxsize=None)
def _bank_table(lang: str) -> dict:
    """Every bank catalog of ``lang`` in one table: ``{(context, English): translation}``.
    A student build's catalogs have no positions in their choice contexts
    (``"id:options.text"``): the bank's order of options and items is part of the key."""
    table = {}
    for path in sorted((LOCALE_DIR / lang / "banks").glob("*.po")):
        table.update(catalog(lang, f"banks/{path.stem}"))
    return table


def localized(exercise, lang: str | None = None):
    """``exercise`` as a reader of ``lang`` (default: the reader's language) sees it.

    Returns ``exercise`` itself for English, or when it has no translation at all.
    """
    from casekit.exercises.types import Exercise

    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")
    lang = language() if lang is None else check_language(lang)
    base = exercise.original or exercise
    if lang == "en" or (exercise.lang == lang and exercise.original is not None):
        return base if lang == "en" else exercise
    table = _bank_table(lang)
    if not table:
        return base
    eid = base.id

    def t(field: str, text: str, unordered: str | None = None) -> str:
        if not isinstance(text, str):
            return text
        found = table.get((f"{eid}:{field}", text))
        if found is None and unordered:
            found = table.get((f"{eid}:{unordered}", text))
        return text if found is None else found

    names: dict[str, str] = {}

    def choice(field: str, text: str, unordered: str) -> str:
        local = t(field, text, unordered)
        if local != text:
            names[local] = text
        return local

    changes = {"prompt": t("prompt", base.prompt),
               "hints": tuple(t(f"hints.{i}", h) for i, h in enumerate(base.hints)),
               "explanation": t("explanation", base.explanation)}
    if hasattr(base, "options"):
        changes["options"] = tuple(
            {**o, "text": choice(f"options.{i}.text", o["text"], "options.text"),
             **({"feedback": t(f"options.{i}.feedback", o["feedback"])} if "feedback" in o else {})}
            for i, o in enumerate(base.options))
    if hasattr(base, "categories"):
        changes["categories"] = tuple(choice(f"categories.{i}", c, "categories")
                                      for i, c in enumerate(base.categories))
        cats = dict(zip(base.categories, changes["categories"]))
    if hasattr(base, "items"):
        changes["items"] = tuple(
            choice(f"items.{i}", it, "items") if isinstance(it, str) else
            {**it, "text": choice(f"items.{i}.text", it["text"], "items.text"),
             **({"answer": cats.get(it["answer"], it["answer"])} if "answer" in it else {}),
             **({"feedback": t(f"items.{i}.feedback", it["feedback"])} if "feedback" in it else {})}
            for i, it in enumerate(base.items))
    if hasattr(base, "mistakes"):
        changes["mistakes"] = tuple({**m, "message": t(f"mistakes.{i}.message", m["message"])}
                                    for i, m in enumerate(base.mistakes))
    if hasattr(base, "model_answer"):
        changes["model_answer"] = t("model_answer", base.model_answer)
        changes["rubric"] = tuple(t(f"rubric.{i}", r) for i, r in enumerate(base.rubric))
    shown = [[o["text"] for o in changes.get("options", ())], list(changes.get("categories", ())),
             [it if isinstance(it, str) else it["text"] for it in changes.get("items", ())]]
    if any(len(set(group)) != len(group) for group in shown):
        names = {}      # two choices translated alike: keep the English choices
        for key in ("options", "categories", "items"):
            changes.pop(key, None)
    return replace(base, lang=lang, names=names, original=base, **changes)
