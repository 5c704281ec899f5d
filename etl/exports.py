"""CSV exports that are safe to open in a spreadsheet.

Every CSV LoanFlow hands out goes through :func:`to_safe_csv`: UTF-8 with a byte-order
mark (so Excel shows Chinese text right) and spreadsheet formula injection neutralised —
a text cell beginning with ``=``, ``+``, ``-``, ``@``, ``|``, a tab or a line break (also
after spaces, and in their full-width forms ``＝ ＋ － ＠ ｜``) gets a leading apostrophe,
so Excel and LibreOffice show it as text instead of running it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "\t", "\r", "\n")


def _opens_a_formula(value: str) -> bool:
    """Whether a spreadsheet could read the text as a formula: its first character, past
    leading spaces, is a trigger, in its ASCII or its full-width form (``＝``, ``＋``,
    ``－``, ``＠``, ``｜``: spreadsheets in Chinese locales take those as the ASCII ones)."""
    if value.startswith(FORMULA_TRIGGERS):
        return True
    rest = value.lstrip(" \u3000")
    return bool(rest) and unicodedata.normalize("NFKC", rest[0]).startswith(FORMULA_TRIGGERS)


def neutralise_cell(value: Any) -> Any:
    """A text value that a spreadsheet would read as a formula, prefixed with ``'``."""
    if isinstance(value, str) and _opens_a_formula(value):
        return "'" + value
    return value


def _is_text(column: pd.Series) -> bool:
    dtype = column.dtype
    return bool(pd.api.types.is_object_dtype(dtype)) or isinstance(
        dtype, pd.StringDtype | pd.CategoricalDtype
    )


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell and column header neutralised.

    Numbers stay numbers (a negative amount is not a formula); only text is touched.
    """
    safe = df.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if _is_text(column):
            safe.isetitem(
                position, column.astype(object).map(neutralise_cell, na_action="ignore").to_numpy()
            )
    safe.columns = pd.Index([neutralise_cell(str(c)) for c in safe.columns])
    return safe


def to_safe_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV bytes: UTF-8 with BOM, formula injection neutralised, no index."""
    text = neutralise(df).to_csv(index=False, lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")
