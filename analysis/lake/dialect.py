"""The few SQL spellings that differ between DuckDB and Spark SQL, written once each.

The lake definitions (:mod:`analysis.lake.derive`, :mod:`analysis.lake.figures`) are one
SQL text per step and per figure, in the subset both engines read alike (joins, GROUP BY,
window functions, CASE, CAST to BIGINT/DOUBLE/INTEGER, ``count(*) FILTER``, ``?``
parameters). What the two engines spell differently, or compute differently, goes
through a :class:`Dialect`:

- exact quantiles: DuckDB ``quantile_cont``, Spark ``percentile`` (both exact linear
  interpolation between order statistics; never Spark's ``percentile_approx``);
- an instant as integer microseconds since 1970 (DuckDB ``epoch_us``, Spark
  ``unix_micros``): every duration is a difference of these, so no engine's timestamp
  arithmetic or time-zone rule enters a figure;
- a list in a given order (a case's activities by position): a sorted list of
  (key, value) pairs, since an ordered aggregate is where SQL transpilers lose the ORDER BY;
- the last non-NULL value of a window (the predecessor search), arrays and their tests,
  collecting a group's values into a list, reading a JSON text's keys and members, and a
  row per day of a range (the waiting causes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """How one engine spells the constructs the lake definitions need."""

    name: str

    @property
    def spark(self) -> bool:
        """Whether this is Spark SQL."""
        return self.name == "spark"

    def epoch_us(self, expr: str) -> str:
        """An instant as BIGINT microseconds since 1970-01-01 00:00 UTC."""
        return f"unix_micros({expr})" if self.spark else f"epoch_us({expr})"

    def quantile(self, expr: str, q: float) -> str:
        """The exact ``q`` quantile of a numeric column, interpolated linearly."""
        fn = "percentile" if self.spark else "quantile_cont"
        return f"{fn}({expr}, {float(q)!r})"

    def ordered_list(self, value: str, key: str) -> str:
        """Aggregate: the list of ``value`` ordered by ``key`` (unique within the group)."""
        if self.spark:
            return (
                f"transform(array_sort(collect_list(struct({key} AS k, {value} AS v))), x -> x.v)"
            )
        return f"list_transform(list_sort(list({{'k': {key}, 'v': {value}}})), x -> x.v)"

    def last_non_null(self, expr: str) -> str:
        """Window function: the last non-NULL value of ``expr`` in the frame."""
        return f"last_value({expr}, true)" if self.spark else f"last_value({expr} IGNORE NULLS)"

    def array(self, items: list[str]) -> str:
        """An array of the given SQL expressions."""
        body = ", ".join(items)
        return f"array({body})" if self.spark else f"list_value({body})"

    def empty_text_array(self) -> str:
        """An empty array of text."""
        return "CAST(array() AS ARRAY<STRING>)" if self.spark else "CAST([] AS VARCHAR[])"

    def arrays_overlap(self, left: str, right: str) -> str:
        """Whether two arrays share an element."""
        return (
            f"arrays_overlap({left}, {right})" if self.spark else f"list_has_any({left}, {right})"
        )

    def array_distinct_count(self, expr: str) -> str:
        """Aggregate: the number of distinct non-NULL values (as count(DISTINCT))."""
        return f"count(DISTINCT {expr})"

    def json_text(self, column: str) -> str:
        """The text of one member of a JSON object held as text; the member's path is the
        next parameter (see :meth:`json_path`)."""
        return (
            f"get_json_object({column}, ?)" if self.spark else f"json_extract_string({column}, ?)"
        )

    def json_path(self, key: str) -> str:
        """The JSON path of a member named ``key``, as :meth:`json_text` takes it."""
        if self.spark:
            return "$['" + key.replace("'", "\\'") + "']"
        return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def collect(self, expr: str) -> str:
        """Aggregate: the list of the values of ``expr`` (in no particular order; NULLs are
        to be filtered out by the caller)."""
        return f"collect_list({expr})" if self.spark else f"list({expr})"

    def json_key_rows(self, column: str) -> str:
        """Set-returning: one row per member name of a JSON object held as text."""
        if self.spark:
            return f"explode(json_object_keys({column}))"
        return f"unnest(json_keys({column}))"

    def range_rows(self, lo: str, hi: str) -> str:
        """In a SELECT list: one row per whole number from ``lo`` to ``hi`` (both included;
        BIGINT expressions), the row's other columns repeated."""
        return f"explode(sequence({lo}, {hi}))" if self.spark else f"unnest(range({lo}, {hi} + 1))"

    def text(self) -> str:
        """The text type name."""
        return "STRING" if self.spark else "VARCHAR"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
