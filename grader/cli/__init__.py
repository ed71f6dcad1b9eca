"""The command line: ``grader grade``, ``rubric``, ``sandbox`` (``commands``) and the service's ``serve``, ``worker``, ``regrade`` (``service``)."""

from grader.checks.registry import rubric_json_schema
from grader.cli.commands import app, main

__all__ = ["app", "main", "rubric_json_schema"]
