"""Builds the sandbox image, with or without a registry.

``sandboxes/python/Dockerfile`` installs every Python package from a
wheelhouse that is downloaded on the host (``pip download`` against the
hashes in ``requirements.lock``), so the build itself never needs the
network. Its base is either an image the engine already has (e.g.
``python:3.11-slim`` where a registry is reachable) or, with ``--base
debian``, one made here from Debian packages: ``debootstrap --variant=minbase``
plus python3 and python3-venv, imported with ``docker import``.

The build context is assembled here (``context_files``): the Dockerfile and
the lock from ``sandboxes/python/``, the in-container scripts the image carries
from ``grader/harness/``, and the wheelhouse. Every input (the Dockerfile, the
lock, those scripts, the base image's id) is hashed into the label
``grader.inputs``; building again with the same inputs finds the image and does
nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.images import Image

from grader.errors import SandboxError

SANDBOX_SOURCE = Path(__file__).resolve().parents[3] / "sandboxes" / "python"
"""The Dockerfile and the lock, beside the package in a checkout."""
HARNESS = Path(__file__).resolve().parents[2] / "harness"
"""The in-container scripts (``grader.harness``): the image carries ``HARNESS_FILES``; the
checks copy the others (the benchmark runner, the pytest plugin) into each run."""
CONTEXT_FILES = ("Dockerfile", "requirements.lock")
HARNESS_FILES = ("init.py", "launch.py", "probe.py", "warm_mypy.py")
DEBIAN_BASE = "debian"
"""The ``--base`` value that makes the base image from Debian packages here."""
DEBIAN_BASE_TAG = "grader-base:bookworm"
DEBIAN_SUITE = "bookworm"
PYTHON_VERSION = "3.11"
"""The interpreter of both bases and of the lock's wheels."""
INPUTS_LABEL = "grader.inputs"
WHEEL_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "any",
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """What ``build_image`` produced."""

    tag: str
    image_id: str
    """The image's digest (``sha256:...``), as reports quote it."""
    base: str
    reused: bool
    """True when an image with the same inputs existed and nothing was built."""


def context_files(source: Path, harness: Path = HARNESS) -> dict[str, Path]:
    """Every file of the build context but the wheelhouse, by its name in the context."""
    files = {name: source / name for name in CONTEXT_FILES}
    files.update({name: harness / name for name in HARNESS_FILES})
    return files


def inputs_digest(source: Path, base_id: str, harness: Path = HARNESS) -> str:
    """One hash over everything that decides the image's content."""
    return files_digest(base_id, context_files(source, harness))


def files_digest(
    base_id: str, files: dict[str, Path], buildargs: dict[str, str] | None = None
) -> str:
    """One hash over an image's base, its build arguments and its context's files."""
    digest = hashlib.sha256(base_id.encode())
    for name, value in sorted((buildargs or {}).items()):
        digest.update(f"{name}={value}".encode() + b"\0")
    for name, path in files.items():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run(argv: list[str], what: str) -> None:
    try:
        # argv lists built here from fixed words and our own paths, never a shell string.
        subprocess.run(argv, check=True, capture_output=True, text=True)  # nosec B603
    except FileNotFoundError:
        raise SandboxError(f"cannot {what}: {argv[0]} is not installed") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()[-5:]
        raise SandboxError(f"cannot {what}: {argv[0]} failed: {' / '.join(detail)}") from None


def debian_base(
    client: docker.DockerClient,
    mirror: str,
    progress: Progress,
    *,
    tag: str = DEBIAN_BASE_TAG,
    include: tuple[str, ...] = ("python3", "python3-venv"),
) -> Image:
    """A local Debian base image (the sandbox's: Python; a sidecar's: its service's packages),
    made with debootstrap the first time it is needed."""
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        pass
    if shutil.which("debootstrap") is None:
        raise SandboxError(
            "cannot make the Debian base image: debootstrap is not installed "
            "(apt-get install debootstrap), or build from a registry image with "
            "--base python:3.11-slim"
        )
    if os.geteuid() != 0:
        raise SandboxError("cannot make the Debian base image: debootstrap must run as root")
    progress(f"making {tag} with debootstrap from {mirror} (a minute or two)")
    with tempfile.TemporaryDirectory(prefix="grader-rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(include)}",
                DEBIAN_SUITE,
                str(rootfs),
                mirror,
            ],
            "make the Debian base image",
        )
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(rootfs / cache, ignore_errors=True)
        archive = Path(scratch) / "rootfs.tar"
        _run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], "pack the Debian base image")
        repository, version = tag.split(":")
        client.api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=version,
            changes=["ENV PATH=/usr/local/bin:/usr/bin:/bin", 'CMD ["/bin/sh"]'],
        )
    return client.images.get(tag)


def wheelhouse(lock: Path, folder: Path, progress: Progress, *, wheels_only: bool = True) -> Path:
    """The lock's wheels for the image's platform, downloaded on the host once per lock;
    ``wheels_only=False`` also takes a source archive where a package publishes no wheel (its
    files are then the same on every platform: PySpark's)."""
    marker = folder / ".lock-sha256"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if marker.is_file() and marker.read_text().strip() == wanted:
        return folder
    progress(f"downloading the wheelhouse for {lock.name} into {folder}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes"]
    if wheels_only:
        argv += ["--only-binary=:all:", "--implementation", "cp"]
        argv += ["--python-version", PYTHON_VERSION]
        for platform in WHEEL_PLATFORMS:
            argv += ["--platform", platform]
    _run([*argv, "-r", str(lock), "-d", str(folder)], "download the wheelhouse")
    marker.write_text(wanted + "\n")
    return folder


def engine_base(client: docker.DockerClient, base: str, mirror: str, progress: Progress) -> Image:
    if base == DEBIAN_BASE:
        return debian_base(client, mirror, progress)
    try:
        return client.images.get(base)
    except docker.errors.ImageNotFound:
        raise SandboxError(
            f"the base image {base} is not on this Docker engine: pull it first "
            f"(docker pull {base}) or use --base {DEBIAN_BASE} to make one from Debian packages"
        ) from None


def find_built(client: docker.DockerClient, tag: str, inputs: str) -> Image | None:
    """The image at ``tag`` if it was built from exactly these inputs."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    return image if image.labels.get(INPUTS_LABEL) == inputs else None


def docker_build(
    client: docker.DockerClient,
    files: dict[str, Path],
    wheels: Path | None,
    tag: str,
    base_ref: str,
    inputs: str,
    buildargs: dict[str, str] | None = None,
) -> Image:
    """``docker build`` of a context made of ``files`` (and the wheelhouse), with no network."""
    with tempfile.TemporaryDirectory(prefix="grader-context-") as scratch:
        context = Path(scratch)
        for name, path in files.items():
            shutil.copy2(path, context / name)
        if wheels is not None:
            shutil.copytree(wheels, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        try:
            image, _log = client.images.build(
                path=str(context),
                tag=tag,
                buildargs={"BASE_IMAGE": base_ref, **(buildargs or {})},
                labels={INPUTS_LABEL: inputs, "grader.base": base_ref},
                network_mode="none",
                pull=False,
                rm=True,
                forcerm=True,
            )
        except docker.errors.BuildError as exc:
            lines = [str(item.get("stream") or item.get("error") or "") for item in exc.build_log]
            tail = "".join(lines).strip().splitlines()[-8:]
            raise SandboxError(f"{tag} did not build: {exc.msg}\n" + "\n".join(tail)) from None
        except docker.errors.APIError as exc:
            raise SandboxError(
                f"the Docker engine refused the build: {exc.explanation or exc}"
            ) from None
    return image


def build_image(
    client: docker.DockerClient,
    *,
    tag: str,
    base: str,
    cache_dir: Path,
    mirror: str,
    progress: Progress,
    source: Path = SANDBOX_SOURCE,
) -> BuildResult:
    """Build (or find) the sandbox image for ``base`` and tag it ``tag``."""
    if not (source / "Dockerfile").is_file():
        raise SandboxError(f"cannot build the sandbox image: no Dockerfile in {source}")
    base_image = engine_base(client, base, mirror, progress)
    base_ref = DEBIAN_BASE_TAG if base == DEBIAN_BASE else base
    inputs = inputs_digest(source, str(base_image.id))
    built = find_built(client, tag, inputs)
    if built is not None:
        return BuildResult(tag=tag, image_id=str(built.id), base=base_ref, reused=True)
    wheels = wheelhouse(source / "requirements.lock", cache_dir / "wheelhouse", progress)
    progress(f"building {tag} from {base_ref}")
    image = docker_build(client, context_files(source), wheels, tag, base_ref, inputs)
    return BuildResult(tag=tag, image_id=str(image.id), base=base_ref, reused=False)
