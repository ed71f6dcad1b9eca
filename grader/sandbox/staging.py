"""Put many files into a workspace in one copy.

Every copy into a Docker container is a round trip to the engine (about 40 ms here), so the
grader's files for a grading, or a benchmark's reference, inputs and runner, are gathered in
a host folder first and sent in one ``add_tree`` per top-level folder.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from grader.sandbox.protocol import Workspace

__all__ = ["put_files"]


def put_files(workspace: Workspace, files: Iterable[tuple[str, str | Path]]) -> None:
    """Write each ``(dest, content)`` into ``workspace``: text, or a host file or folder
    copied in (a link in a folder is handed on as a link: the workspace's ``add_tree``
    treats it as it would in the original)."""
    with tempfile.TemporaryDirectory(prefix="grader-put-") as staging:
        root = Path(staging)
        for dest, content in files:
            target = root.joinpath(*PurePosixPath(dest).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8")
            elif content.is_dir():
                shutil.copytree(content, target, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copyfile(content, target)
        for top in sorted(root.iterdir()):
            workspace.add_tree(top, top.name)
