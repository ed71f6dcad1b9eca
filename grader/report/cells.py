"""Cells of the CSVs the grader writes (``grader batch``'s gradebook, the console's exports).

A CSV is opened in a spreadsheet, and its text cells hold what people typed (folder names,
student names, messages): a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return) would be run as a formula, so it gets a leading apostrophe (OWASP's advice
on CSV injection). Numbers are written as people write them (``81``, ``72.5``), a missing
one as an empty cell.
"""

from __future__ import annotations

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with these as a formula (OWASP, CSV injection)."""


def safe_cell(text: str) -> str:
    """``text`` that a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(_FORMULA) else text


def number(value: float | None) -> str:
    """``81.0`` -> ``81``, ``72.50`` -> ``72.5``, None -> empty; two decimals at most."""
    if value is None:
        return ""
    shown = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if shown in ("-0", "") else shown
