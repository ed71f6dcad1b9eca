"""The Docker sandbox: one disposable, locked-down container per submission.

A module per job:

- ``engine``: connecting to the engine, its version and the image's summary for
  ``grader sandbox status``, and the reaper with the labels it goes by;
- ``container``: ``DockerSandbox``, which opens a locked-down container per submission
  within the operator's ``SandboxCaps`` and always removes it; ``from_settings`` builds it;
- ``lockdown``: starting one locked-down container and its work volume, and destroying
  them; its ``Shape``, what it is made with and cannot change after;
- ``pool``: a worker's warm pool of such containers, started ahead, each handed out once;
- ``workspace``: ``DockerWorkspace``, the running container as the checks see it:
  steps under the launcher, one student step at a time, the clean-up after each,
  the run's deadline, files in and results out;
- ``verdict``: a step's result from the launcher's trailer, the free space left, or
  the run's deadline;
- ``tarstreams``: the tar streams files go in and results come out by (never bind
  mounts), read with a size cap and no links;
- ``layout``: the container's users, writable places and where the image keeps the
  interpreter and the in-container scripts;
- ``image``: building the sandbox image.
"""

from grader.sandbox.docker.container import DockerSandbox, SandboxCaps, from_settings
from grader.sandbox.docker.engine import (
    DEADLINE_LABEL,
    LABEL,
    OWNER_LABEL,
    POOL_LABEL,
    connect,
    engine_version,
    image_summary,
    reap,
)
from grader.sandbox.docker.layout import PYTHON
from grader.sandbox.docker.workspace import DockerWorkspace

__all__ = [
    "DEADLINE_LABEL",
    "LABEL",
    "OWNER_LABEL",
    "POOL_LABEL",
    "PYTHON",
    "DockerSandbox",
    "DockerWorkspace",
    "SandboxCaps",
    "connect",
    "engine_version",
    "from_settings",
    "image_summary",
    "reap",
]
