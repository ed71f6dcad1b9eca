"""Building the sidecar services' images and the sandbox's heavier variants.

Each has a folder beside the sandbox's (``sandboxes/services/KIND``,
``sandboxes/variants/NAME``): its Dockerfile, the Debian packages its base is made with by
debootstrap (``packages``), the files its Dockerfile copies and, where it installs Python
packages, a ``requirements.lock`` whose wheelhouse is downloaded on the host. The build has no
network; like the sandbox's, it is skipped when an image built from the same inputs exists.
"""

from __future__ import annotations

from pathlib import Path

import docker
from docker.models.images import Image

from grader.errors import SandboxError
from grader.sandbox.docker.image import (
    DEBIAN_BASE,
    DEBIAN_BASE_TAG,
    DEBIAN_SUITE,
    SANDBOX_SOURCE,
    BuildResult,
    Progress,
    build_image,
    debian_base,
    docker_build,
    engine_base,
    files_digest,
    find_built,
    wheelhouse,
)

SERVICES_SOURCE = SANDBOX_SOURCE.parent / "services"
"""A folder per sidecar service (``sidecars.RECIPES``)."""
VARIANTS_SOURCE = SANDBOX_SOURCE.parent / "variants"
"""A folder per sandbox variant a rubric may ask for (``image:``)."""


def kinds_in(source: Path) -> tuple[str, ...]:
    """The folders of ``source`` that hold a Dockerfile."""
    return tuple(sorted(p.name for p in source.iterdir() if (p / "Dockerfile").is_file()))


def variant_tag(sandbox_image: str, variant: str) -> str:
    """The variant's image beside the sandbox's: ``grader-sandbox:latest`` -> ``grader-sandbox-spark:latest``."""
    name, colon, tag = sandbox_image.rpartition(":")
    if not colon or "/" in tag:  # no tag, or a registry port: ``host:5000/grader-sandbox``
        return f"{sandbox_image}-{variant}"
    return f"{name}-{variant}:{tag}"


def build_images(
    client: docker.DockerClient,
    *,
    sandbox_tag: str,
    base: str,
    mirror: str,
    cache_dir: Path,
    services: list[str],
    variants: list[str],
    progress: Progress,
) -> list[BuildResult]:
    """The sandbox image, then each of ``services`` and ``variants`` (``all``: every one this
    checkout has), built or found up to date."""
    built = [
        build_image(
            client,
            tag=sandbox_tag,
            base=base,
            cache_dir=cache_dir,
            mirror=mirror,
            progress=progress,
        )
    ]
    for kind in kinds_in(SERVICES_SOURCE) if "all" in services else services:
        built.append(
            build_service_image(
                client, kind, base=base, mirror=mirror, cache_dir=cache_dir, progress=progress
            )
        )
    for name in kinds_in(VARIANTS_SOURCE) if "all" in variants else variants:
        built.append(
            build_variant_image(
                client,
                name,
                sandbox=built[0],
                base=base,
                mirror=mirror,
                cache_dir=cache_dir,
                progress=progress,
            )
        )
    return built


def build_service_image(
    client: docker.DockerClient,
    kind: str,
    *,
    base: str,
    mirror: str,
    cache_dir: Path,
    progress: Progress,
    source: Path = SERVICES_SOURCE,
) -> BuildResult:
    """Build (or find) the image of the sidecar service ``kind`` (``grader-service-KIND``).

    With ``base`` ``debian`` its base is made here by debootstrap with the Debian packages its
    folder lists (Python's alone: the sandbox's base); otherwise ``base`` is an image the
    engine has (e.g. ``debian:bookworm-slim``) and the Dockerfile installs the packages
    itself, which needs the build to have a network.
    """
    return _folder_image(
        client,
        source / kind,
        what="sidecar service",
        tag=f"grader-service-{kind}:latest",
        base=base,
        mirror=mirror,
        cache_dir=cache_dir,
        progress=progress,
    )


def build_variant_image(
    client: docker.DockerClient,
    variant: str,
    *,
    sandbox: BuildResult,
    base: str,
    mirror: str,
    cache_dir: Path,
    progress: Progress,
    source: Path = VARIANTS_SOURCE,
) -> BuildResult:
    """Build (or find) the sandbox variant ``variant`` on top of the sandbox image ``sandbox``
    (built first: the variant copies its Python and tools, and is rebuilt when it changes)."""
    return _folder_image(
        client,
        source / variant,
        what="sandbox variant",
        tag=variant_tag(sandbox.tag, variant),
        base=base,
        mirror=mirror,
        cache_dir=cache_dir,
        progress=progress,
        buildargs={"SANDBOX_IMAGE": sandbox.image_id},
        wheels_only=False,
    )


def _folder_image(
    client: docker.DockerClient,
    folder: Path,
    *,
    what: str,
    tag: str,
    base: str,
    mirror: str,
    cache_dir: Path,
    progress: Progress,
    buildargs: dict[str, str] | None = None,
    wheels_only: bool = True,
) -> BuildResult:
    if not (folder / "Dockerfile").is_file():
        known = ", ".join(kinds_in(folder.parent)) or "none"
        raise SandboxError(f"no {what} {folder.name!r} to build (known: {known})")
    files = {path.name: path for path in sorted(folder.iterdir()) if path.is_file()}
    base_ref, base_image = _base_of(client, folder, base, mirror, progress)
    inputs = files_digest(str(base_image.id), files, buildargs)
    built = find_built(client, tag, inputs)
    if built is not None:
        return BuildResult(tag=tag, image_id=str(built.id), base=base_ref, reused=True)
    lock = folder / "requirements.lock"
    wheels = (
        wheelhouse(lock, cache_dir / f"wheelhouse-{folder.name}", progress, wheels_only=wheels_only)
        if lock.is_file()
        else None
    )
    progress(f"building {tag} from {base_ref}")
    image = docker_build(client, files, wheels, tag, base_ref, inputs, buildargs)
    return BuildResult(tag=tag, image_id=str(image.id), base=base_ref, reused=False)


def _base_of(
    client: docker.DockerClient, folder: Path, base: str, mirror: str, progress: Progress
) -> tuple[str, Image]:
    """The folder's base image and its name: made by debootstrap with the folder's packages
    (Python's alone: the sandbox's own base), or ``base``, an image the engine has."""
    if base != DEBIAN_BASE:
        return base, engine_base(client, base, mirror, progress)
    packages = tuple((folder / "packages").read_text(encoding="utf-8").split())
    python_only = packages == ("python3", "python3-venv")
    base_ref = DEBIAN_BASE_TAG if python_only else f"grader-base-{folder.name}:{DEBIAN_SUITE}"
    return base_ref, debian_base(client, mirror, progress, tag=base_ref, include=packages)
