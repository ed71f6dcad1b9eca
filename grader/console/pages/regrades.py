"""Regrades of an assignment: preview, apply, discard, revert; rerun platform failures;
flaky hidden tests (filled in by the regrade work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
