"""JUnit XML: one testsuite per check, one testcase per (model, device, limit), so CI systems
(GitLab, Jenkins, GitHub test reporters) list each failed limit natively."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult


def junit_xml(result: CheckResult) -> str:
    summary = result.document["summary"]
    failed_uncertain = sum(v.uncertain and v.failed for v in result.verdicts)
    root = ET.Element("testsuites", name="edge-sdk check", tests=str(summary["verdicts"]),
                      failures=str(summary.get("fail", 0) + failed_uncertain), errors=str(summary.get("missing", 0)))
    for outcome in result.outcomes:
        failures = sum(v.status == "fail" or (v.uncertain and v.failed) for v in outcome.verdicts)
        errors = sum(v.status == "missing" for v in outcome.verdicts)
        suite = ET.SubElement(root, "testsuite", name=outcome.spec.name, tests=str(len(outcome.verdicts)),
                              failures=str(failures), errors=str(errors))
        if result.budget.path:
            suite.set("file", str(result.budget.path))
        for v in outcome.verdicts:
            device = f" on {v.device}" if v.device else ""
            kind = " vs baseline" if v.limit_kind == "regression" else ""
            relation = "<=" if v.margin is not None else "is"
            case = ET.SubElement(suite, "testcase", classname=outcome.spec.name,
                                 name=f"{v.model}{device}: {v.metric}{kind} {relation} {v.limit_display()}")
            detail = (f"actual {v.actual_text()}, limit {v.limit_display()}, margin {v.margin_text() or '-'}\n"
                      f"how: {v.how}" + "".join(f"\nnote: {n}" for n in v.notes))
            if v.status == "fail":
                node = ET.SubElement(case, "failure", message=v.sentence() + (f". {v.message}" if v.message else ""),
                                     type="BudgetExceeded")
                node.text = detail
            elif v.uncertain and v.failed:
                node = ET.SubElement(case, "failure", message=v.uncertain_text(), type="EstimateUncertain")
                node.text = detail
            elif v.uncertain:  # warn / pass: not a failure, but said where every CI viewer shows it
                properties = ET.SubElement(case, "properties")
                ET.SubElement(properties, "property", name="status", value="uncertain")
                ET.SubElement(case, "system-out").text = detail
                ET.SubElement(case, "system-err").text = v.uncertain_text()
            elif v.status == "missing":
                node = ET.SubElement(case, "error", message=v.sentence(),
                                     type="MeasurementMissing")
                node.text = detail
            else:
                ET.SubElement(case, "system-out").text = detail
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
