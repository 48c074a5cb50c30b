"""JUnit XML: one test case per gate, so CI systems list each gate as passed or failed."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from vlmtrust.report.gates import GateResult


def to_junit(gates: Sequence[GateResult]) -> str:
    failures = sum(1 for g in gates if g.violated)
    suite = ET.Element(
        "testsuite",
        name="vlmtrust.gates",
        tests=str(len(gates)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for result in gates:
        case = ET.SubElement(
            suite, "testcase", classname=f"vlmtrust.{result.gate.task}", name=result.gate.text
        )
        if result.violated:
            failure = ET.SubElement(case, "failure", message=result.message(), type="GateViolated")
            failure.text = "\n".join(
                f"{v.row.model} {v.row.attack}/{v.row.mitigation} {v.row.metric}: "
                f"value {v.row.value} [{v.row.ci_low}, {v.row.ci_high}] n={v.row.n}; "
                f"{v.bound} {v.compared} {'violates' if v.violated else 'meets'} "
                f"{result.gate.op}{result.gate.threshold}"
                for v in result.verdicts
            )
        else:
            ET.SubElement(case, "system-out").text = result.message()
    suites = ET.Element("testsuites", tests=str(len(gates)), failures=str(failures))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
