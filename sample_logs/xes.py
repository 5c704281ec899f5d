"""A streaming XES writer (IEEE 1849-2016), gzip-compressed when the name ends in .gz.

Each event's XML is assembled column-wise by Arrow string kernels, a batch of cases at
a time, and the bytes are streamed to the file; the output is reproducible (the gzip
header carries no time stamp or file name). Values are XML-escaped.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sample_logs import names
from sample_logs.departments import DEPARTMENT_ORDER
from sample_logs.engine import Simulation
from sample_logs.tables import (
    activity_names,
    case_attribute_columns,
    case_ids,
    concat,
    department_codes,
    event_order,
    local_times,
    lookup,
    timestamp_strings,
)

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value={name}/>
"""
FOOTER = "</log>\n"
INTEGER_ATTRIBUTES = frozenset({"amount", "credit_score"})
BATCH_EVENTS = 200_000


def escape(values: list[str]) -> list[str]:
    """XML attribute values, quoted and escaped (``"a&b"`` -> ``"a&amp;b"``)."""
    return [quoteattr(value) for value in values]


def escape_array(values: pa.Array) -> pa.Array:
    """XML-escape a string array (for use inside double quotes)."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        values = pc.replace_substring(values, char, entity)
    return values


def _trace_openings(sim: Simulation, lang: names.Lang) -> pa.Array:
    """``<trace>`` and the case attributes, one string per case."""
    case = np.arange(sim.case_count)
    parts: list[pa.Array | str] = ['  <trace>\n    <string key="concept:name" value=']
    parts.append(lookup(escape(case_ids(sim)), case))
    parts.append("/>\n")
    for key, column in case_attribute_columns(sim, case, lang).items():
        label = quoteattr(names.column(key, lang))
        if key in INTEGER_ATTRIBUTES:
            parts += [f'    <int key={label} value="', pc.cast(column, pa.string()), '"/>\n']
        else:
            quoted = concat('"', escape_array(pc.fill_null(column, "")), '"')
            parts += [f"    <string key={label} value=", quoted, "/>\n"]
    opening = concat(*parts)
    # Attributes without a value (e.g. no default flag before approval) are left out.
    return pc.replace_substring_regex(opening, r"    <string key=\"[^\"]*\" value=\"\"/>\n", "")


def _event_parts(sim: Simulation, lang: names.Lang) -> tuple[list[str], list[str]]:
    """The XML before and after the timestamp of every kind of event.

    Before: the activity and lifecycle (code ``activity * 2 + complete``); after: the
    resource and department (code ``activity * resources + resource``; the department
    follows from the activity).
    """
    activities = escape(activity_names(lang))
    heads = [
        f'    <event>\n      <string key="concept:name" value={activity}/>\n'
        f'      <string key="lifecycle:transition" value="{transition}"/>\n'
        '      <date key="time:timestamp" value="'
        for activity in activities
        for transition in ("start", "complete")
    ]
    departments = escape(names.translate(list(DEPARTMENT_ORDER), names.DEPARTMENTS, lang))
    by_activity = department_codes(sim, np.zeros(0, dtype=np.int64), every_activity=True)
    tails = [
        f'"/>\n      <string key="org:resource" value={resource}/>\n'
        f'      <string key="org:group" value={departments[by_activity[code]]}/>\n    </event>\n'
        for code in range(len(activities))
        for resource in escape(sim.resources)
    ]
    return heads, tails


def _event_lines(sim: Simulation, lang: names.Lang, openings: pa.Array) -> pa.Array:
    """One string per event: its ``<event>`` element, with the trace's opening/closing."""
    rows, complete = event_order(sim)
    inst = sim.instances
    case = inst.case[rows]
    activity = inst.activity[rows]
    working = np.where(complete, inst.end[rows], inst.start[rows])
    stamps = timestamp_strings(local_times(sim, working, complete), separator="T", fraction=".000")
    heads, tails = _event_parts(sim, lang)
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    last = np.ones(len(case), dtype=bool)
    last[:-1] = case[:-1] != case[1:]
    opening_index = pa.array(case, type=pa.int64(), mask=~first)
    trace_open = pc.fill_null(pc.take(openings, opening_index), "")
    trace_close = lookup(["", "  </trace>\n"], last.astype(np.int64))
    return concat(
        trace_open,
        lookup(heads, activity * 2 + complete),
        stamps,
        lookup(tails, activity * len(sim.resources) + inst.resource[rows]),
        trace_close,
    )


def _write_strings(out: BinaryIO | gzip.GzipFile, lines: pa.Array) -> None:
    """Write the UTF-8 bytes of a string array, in batches."""
    for offset in range(0, len(lines), BATCH_EVENTS):
        chunk = pa.concat_arrays([lines.slice(offset, BATCH_EVENTS)]).cast(pa.large_string())
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        first, end = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        out.write(memoryview(chunk.buffers()[2])[first:end])


def write_xes(sim: Simulation, path: Path, lang: names.Lang = "zh") -> None:
    """Write the simulation's event log as XES (gzip when ``path`` ends in .gz)."""
    name = f"LoanFlow sample log ({sim.scenario.name}, seed {sim.seed})"
    lines = _event_lines(sim, lang, _trace_openings(sim, lang))

    def write(out: BinaryIO | gzip.GzipFile) -> None:
        out.write(HEADER.format(name=quoteattr(name)).encode("utf-8"))
        _write_strings(out, lines)
        out.write(FOOTER.encode("utf-8"))

    with path.open("wb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6
            ) as packed:
                write(packed)
        else:
            write(raw)
