"""The catalogue's parts, one module per area; :mod:`vocabulary.catalogue` joins them.

Each entry is a key (``area.name``) and its text in English, 繁體中文 and 简体中文, made
with :func:`_m`. A key is declared in exactly one part (the catalogue refuses a repeat).
"""

from __future__ import annotations


def _m(en: str, hant: str, hans: str) -> dict[str, str]:
    """One entry: the same text in English, Traditional and Simplified Chinese."""
    return {"en": en, "zh-Hant": hant, "zh-Hans": hans}
