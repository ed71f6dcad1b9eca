"""pytest's results as the ``tests`` check reads them: JUnit XML cases, their names in the
report, and the tests a file defines (read with ``ast``, without running it)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# The stdlib's Element is a type here only: every parse goes through defusedxml.
from xml.etree.ElementTree import Element  # nosec B405

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from grader.errors import ToolOutputError
from grader.report.model import Outcome

WORKSPACE_PATH = re.compile(r"(?:[^\s\"'(]*/)?(?:submission|grader/tests-[\w-]+)/")
"""Where the sandbox keeps the code and the hidden tests: noise in a message, so it is cut."""
IMPORT_FAILED = " (could not be imported)"
"""Appended to the name of a test file pytest could not import."""
MESSAGE_LIMIT = 2000
"""Characters of a failure message kept in the report."""


@dataclass(frozen=True)
class JUnitCase:
    """One ``<testcase>`` of a JUnit report."""

    module: str
    """Dotted module path as pytest reports it (``tests-correctness.test_records``)."""
    name: str
    outcome: Outcome
    message: str | None
    duration: float

    @property
    def collection_error(self) -> bool:
        """pytest reports a module it could not import as an error case named after the module."""
        return self.outcome == "error" and not self.module


def parse_junit(xml: bytes) -> list[JUnitCase]:
    """Test cases from pytest's JUnit XML (xunit2)."""
    try:
        # Written inside the sandbox, so the student's code can forge it: no DTDs, no entities.
        root = fromstring(xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise ToolOutputError(f"pytest's JUnit report is not valid XML: {exc}") from None
    return [_case(element) for element in root.iter("testcase")]


def _case(element: Element) -> JUnitCase:
    outcome: Outcome = "passed"
    message: str | None = None
    for tag, kind in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        child = element.find(tag)
        if child is not None:
            outcome = kind  # type: ignore[assignment]  # the tuple pairs tags with Outcome values
            message = _message(child)
            break
    return JUnitCase(
        module=element.get("classname", ""),
        name=element.get("name", "?"),
        outcome=outcome,
        message=message,
        duration=float(element.get("time", "0") or 0),
    )


def _message(child: Element) -> str:
    text = child.get("message") or ""
    detail = (child.text or "").strip()
    if text == "collection failure":
        detail = _error_lines(detail)
    if detail and detail not in text:
        text = f"{text}\n{detail}" if text else detail
    text = WORKSPACE_PATH.sub("", text)
    return text[:MESSAGE_LIMIT] + (" [cut]" if len(text) > MESSAGE_LIMIT else "")


def _error_lines(traceback: str) -> str:
    """pytest's import machinery fills a collection traceback; its ``E`` lines say what went wrong."""
    errors = [line[1:].strip() for line in traceback.splitlines() if line.startswith("E ")]
    return "\n".join(errors) or traceback


def test_ids(source: str) -> list[str]:
    """Tests a module defines (``test*`` functions, also in ``Test*`` classes), read without running it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    ids: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            ids.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            ids.extend(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.startswith("test")
            )
    return ids


def count_tests(source: str) -> int:
    """How many tests a module defines; at least 1, so a broken module still weighs something."""
    return max(len(test_ids(source)), 1)


def display_name(case: JUnitCase, prefix: str) -> str:
    """``tests-correctness.test_records`` + ``test_x`` -> ``test_records.py::test_x``."""
    if case.collection_error:
        module = case.name.removeprefix(prefix + ".")
        return module.replace(".", "/") + ".py" + IMPORT_FAILED
    parts = case.module.removeprefix(prefix + ".").split(".")
    classes = [part for part in parts if part[:1].isupper()]
    modules = [part for part in parts if not part[:1].isupper()]
    return "::".join(["/".join(modules) + ".py", *classes, case.name])
