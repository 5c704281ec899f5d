"""Large XES logs of repeated events, for memory and speed measurements.

``write_repeated_xes`` writes a .xes.gz of loan cases whose events repeat one small
pattern, so it compresses about 40 to 1 (a 2.5 MB file inflates to about 100 MB) and can
be made as large as a test or benchmark needs, quickly. ``events_per_case`` = 0 puts every
event in ONE trace (the case a reader that cuts only between traces cannot bound).

    python -m sample_logs.large_xes OUT.xes.gz MEGABYTES [EVENTS_PER_CASE]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from isal import igzip

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xes.features="">\n'
    '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '<global scope="event"><string key="concept:name" value="UNKNOWN"/></global>\n'
)
_ACTIVITIES = ("受理申請", "資料審核", "風險評估", "審批", "放款")
_EVENT = (
    '<event><string key="concept:name" value="{activity}"/>'
    '<string key="lifecycle:transition" value="{lifecycle}"/>'
    '<string key="org:resource" value="u{resource}"/>'
    '<string key="org:group" value="信貸部"/>'
    '<date key="time:timestamp" value="{ts}"/></event>\n'
)
_START = datetime(2025, 1, 6, tzinfo=UTC)


def _pattern(count: int) -> list[tuple[str, str]]:
    """The events of one case, each as the text before and after its date (cases differ
    in their day only, so a case is written by joining these around its date)."""
    parts = []
    for number in range(count):
        activity = _ACTIVITIES[(number // 2) % len(_ACTIVITIES)]
        lifecycle = "start" if number % 2 == 0 else "complete"
        minutes = 9 * 60 + 7 * number
        clock = f"T{minutes // 60 % 24:02d}:{minutes % 60:02d}:00.000+00:00"
        text = _EVENT.format(
            activity=activity, lifecycle=lifecycle, resource=number % 40, ts="\0" + clock
        )
        before, after = text.split("\0")
        parts.append((before, after))
    return parts


def write_repeated_xes(path: Path, megabytes: int, events_per_case: int = 10) -> int:
    """Write a .xes.gz that inflates to about ``megabytes`` MB; returns its event count.

    Cases of ``events_per_case`` events (start/complete pairs of five activities, one day
    per case), each with a case id and an amount; 0 puts every event in one case."""
    target = megabytes << 20
    written = events = case = 0
    pattern = _pattern(events_per_case or 10)
    with igzip.open(path, "wb", compresslevel=1) as out:
        written += out.write(_HEAD.encode())
        while written < target:
            head = (
                f'<trace><string key="concept:name" value="L{case:08d}"/>'
                f'<string key="AMOUNT_REQ" value="{10000 + case % 90 * 1000}"/>\n'
            )
            written += out.write(head.encode())
            while written < target:
                days = events // len(pattern) % 3650  # ten years, then again
                day = (_START + timedelta(days=days)).strftime("%Y-%m-%d")
                block = "".join(before + day + after for before, after in pattern)
                written += out.write(block.encode())
                events += len(pattern)
                if events_per_case:
                    break
            written += out.write(b"</trace>\n")
            case += 1
        out.write(b"</log>\n")
    return events


if __name__ == "__main__":
    per_case = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    count = write_repeated_xes(Path(sys.argv[1]), int(sys.argv[2]), per_case)
    print(f"{sys.argv[1]}: {count:,} events")
