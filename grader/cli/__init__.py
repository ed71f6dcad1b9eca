"""The command line: ``grader grade``, ``rubric``, ``sandbox`` (``commands``) and the service's ``serve``, ``worker``, ``regrade`` (``service``)."""

from grader.cli.commands import app, main, rubric_json_schema

__all__ = ["app", "main", "rubric_json_schema"]
