"""Values written into SQL as literals (etl.sqltext): quoted, never executable."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.sqltext import inline, literal


def test_literals_round_trip_through_duckdb() -> None:
    con = duckdb.connect()
    values = ["it's", "a?b", "$1", 'x"y', "貸款", "", 0, -7, 2**40, 1.5, True, None]
    sql = "SELECT " + ", ".join(literal(v) for v in values)
    assert list(con.execute(sql).fetchone()) == values
    assert literal(Path("/tmp/o'k.csv")) == "'/tmp/o''k.csv'"
    with pytest.raises(ValueError):
        literal("a\x00b")
    with pytest.raises(TypeError):
        literal(object())


def test_placeholders_inside_quotes_are_left_alone() -> None:
    sql = "SELECT ?, '?', \"?\", 'it''s ?', $2, '$1' WHERE x = $1"
    assert inline(sql, ["a", "b"]) == ("SELECT 'a', '?', \"?\", 'it''s ?', 'b', '$1' WHERE x = 'a'")
    con = duckdb.connect()
    assert con.execute(inline("SELECT ? || ?", ["x'; DROP TABLE t; --", "y"])).fetchone() == (
        "x'; DROP TABLE t; --y",
    )
