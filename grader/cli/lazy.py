"""Command groups imported when they are used.

``grader course ...`` needs SQLAlchemy, PyGithub and canvasapi; ``grader grade`` needs none
of them, and importing them all cost every start about half a second. A ``LazyGroup`` names
its lazy sub-commands by module and attribute and imports one only when it is asked for
(help included: ``grader --help`` still lists them all). Click's own recipe for lazily loaded
sub-commands, on Typer's group class.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

import typer
from typer import _click as click  # Typer vendors Click; its groups take that Click's types
from typer.core import TyperGroup

__all__ = ["LazyGroup"]


class LazyGroup(TyperGroup):
    """A Typer group whose ``lazy`` sub-commands are imported on first use."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "course": ("grader.cli.course_group", "course_app"),
        "console": ("grader.cli.console", "console_app"),
    }
    """Name -> (module, attribute of a ``typer.Typer``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.lazy if name not in eager)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name]
            sub_app = getattr(importlib.import_module(module), attribute)
            if not isinstance(sub_app, typer.Typer):  # pragma: no cover - a wiring mistake
                raise TypeError(f"{module}.{attribute} is not a Typer app")
            group = typer.main.get_group(sub_app)
            group.name = cmd_name
            self.add_command(group, cmd_name)
        return super().get_command(ctx, cmd_name)
