# The service image: `grader serve` (the API) and `grader worker` (Celery).
#
# Multi-stage and non-root. The base is a build argument: `python:3.11-slim`
# where a registry answers, or the local `grader-base:bookworm` that
# `grader sandbox build` makes with debootstrap where none does. Python
# packages come from a wheelhouse made on the host (`make service-image`), so
# the build itself needs no network:
#
#   make service-image                       # wheelhouse + docker build
#   docker build --build-arg BASE_IMAGE=python:3.11-slim -t grader-service .
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY build/wheels /wheels
RUN python3 -m venv /opt/grader \
 && /opt/grader/bin/pip install --no-index --find-links=/wheels grader

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="grader service" \
      org.opencontainers.image.description="GitHub webhook, Celery workers and the Docker-sandboxed grading pipeline"
COPY --from=build /opt/grader /opt/grader
COPY rubrics /srv/grader/rubrics
COPY courses.yaml /srv/grader/courses.yaml
# An unprivileged user; a worker reaches the Docker engine through the socket
# compose mounts, with the socket's group added at run time (group_add).
RUN echo 'grader:x:10001:10001:grader:/srv/grader:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'grader:x:10001:' >> /etc/group \
 && mkdir -p /srv/grader/data && chown -R 10001:10001 /srv/grader/data
ENV PATH=/opt/grader/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GRADER_DATA_DIR=/srv/grader/data \
    GRADER_COURSES=/srv/grader/courses.yaml \
    HOME=/srv/grader
WORKDIR /srv/grader
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python3", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["grader", "serve", "--host", "0.0.0.0", "--port", "8000"]
