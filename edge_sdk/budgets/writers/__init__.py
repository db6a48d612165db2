"""Output writers of a check: terminal table, JUnit XML, Markdown, GitHub annotations (JSON is the
document itself). Each takes a :class:`~edge_sdk.budgets.checker.CheckResult` and returns text; the
CLI decides where it goes (stdout, an atomic file the user named, ``$GITHUB_STEP_SUMMARY``)."""

from edge_sdk.budgets.writers.github import github_annotations
from edge_sdk.budgets.writers.junit import junit_xml
from edge_sdk.budgets.writers.markdown import markdown_summary
from edge_sdk.budgets.writers.table import terminal_report

__all__ = ["github_annotations", "junit_xml", "markdown_summary", "terminal_report"]
