"""The reference model of the to-be process, for conformance checking.

The intended flow after the redesign is written down as a process tree and converted
to BPMN by pm4py (``pm4py.convert_to_bpmn``, ``pm4py.write_bpmn``):

1. 受理申請, 收集資料, then 資料審核 — repeated after 補件通知 and 補充資料 while documents
   are missing;
2. 自動評分 on every application;
3. either the fast track (自動審批, 簽約, 放款), or the joint review — 信貸調查, 風險評估
   and, for large loans, 合規審查, all in parallel — followed by 審批會議 and then
   簽約 and 放款 or 拒絕通知.

Risk re-verification, send-backs to credit, committee deferrals and withdrawals are
not part of the intended flow: conformance checking shows them as deviations.
"""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from sample_logs import names


def _node(operator: Any, children: list[Any]) -> Any:
    from pm4py.objects.process_tree.obj import ProcessTree

    node = ProcessTree(operator=operator, children=children)
    for child in children:
        child.parent = node
    return node


def to_be_tree(lang: names.Lang = "zh") -> Any:
    """The to-be process as a pm4py process tree (activity names in ``lang``)."""
    from pm4py.objects.process_tree.obj import Operator, ProcessTree

    def task(name: str) -> Any:
        return ProcessTree(label=names.ACTIVITIES[name] if lang == "en" else name)

    def seq(*children: Any) -> Any:
        return _node(Operator.SEQUENCE, list(children))

    def xor(*children: Any) -> Any:
        return _node(Operator.XOR, list(children))

    def parallel(*children: Any) -> Any:
        return _node(Operator.PARALLEL, list(children))

    skip = ProcessTree()  # a silent step (tau)
    documents = _node(Operator.LOOP, [task("資料審核"), seq(task("補件通知"), task("補充資料"))])
    fast_track = seq(task("自動審批"), task("簽約"), task("放款"))
    joint_review = parallel(task("信貸調查"), task("風險評估"), xor(task("合規審查"), skip))
    decision = xor(seq(task("簽約"), task("放款")), task("拒絕通知"))
    standard = seq(joint_review, task("審批會議"), decision)
    return seq(
        task("受理申請"), task("收集資料"), documents, task("自動評分"), xor(fast_track, standard)
    )


def write_to_be_bpmn(path: str | Path, lang: names.Lang = "zh") -> Path:
    """Write the to-be BPMN model to ``path`` and return it.

    pm4py lays the diagram out in an order that changes from run to run; an existing
    file with the same model (the same elements and flows) is therefore left as it is.
    """
    import pm4py

    target = Path(path)
    bpmn = pm4py.convert_to_bpmn(to_be_tree(lang))
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / "model.bpmn"
        pm4py.write_bpmn(bpmn, str(fresh))
        text = _readable_ids(fresh.read_text(encoding="utf-8"))
    if target.exists() and model_signature(target.read_text(encoding="utf-8")) == (
        model_signature(text)
    ):
        return target
    target.write_text(text, encoding="utf-8")
    return target


def model_signature(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str]]]:
    """The elements (kind, name) and sequence flows between them of a BPMN file, sorted."""
    root = ET.fromstring(text)
    process = next(child for child in root if child.tag.endswith("process"))
    kinds: dict[str, tuple[str, str]] = {}
    flows: list[tuple[str, str, str, str]] = []
    for element in process:
        kind = element.tag.rsplit("}", 1)[-1]
        if kind == "sequenceFlow":
            flows.append(("", "", element.get("sourceRef", ""), element.get("targetRef", "")))
        else:
            kinds[element.get("id", "")] = (kind, element.get("name", ""))
    edges = sorted((*kinds[source], *kinds[target]) for _, _, source, target in flows)
    return sorted(kinds.values()), edges


def _readable_ids(text: str) -> str:
    """Replace pm4py's random UUID element ids by ``n1``, ``n2``... in order of appearance."""
    mapping: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return mapping.setdefault(match.group(0), f"n{len(mapping) + 1}")

    return _UUID_ID.sub(rename, text)


_UUID_ID = re.compile(r"id[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
