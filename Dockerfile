# apio-sim as a service: `docker build -t apio-sim .` then `docker run -p 8080:8080 apio-sim`.
# Every option of `apio-sim serve` is an APIO_SIM_* environment variable; mount scenarios at /scenarios.
# BASE pins the Python image; any image with `python` (3.11+) and `pip` on PATH will do (docs/docker.md).
ARG BASE=python:3.12.11-slim-bookworm

# Build stage: the wheel, then a virtual environment with only it and its runtime dependencies.
FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY simulator ./simulator
COPY schemas ./schemas
COPY scenarios ./scenarios
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
    && python -m venv --without-pip /opt/apio-sim \
    && pip --python /opt/apio-sim/bin/python install --no-cache-dir /dist/apio_sim-*.whl

# Final stage: the base and that environment; no sources, build backend, pip cache or test tools.
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/apio-sim/bin:$PATH \
    APIO_SIM_HOST=0.0.0.0 \
    APIO_SIM_PORT=8080
RUN useradd --create-home --uid 10001 apio && mkdir /scenarios && chown apio /scenarios
COPY --from=build /opt/apio-sim /opt/apio-sim

USER apio
WORKDIR /home/apio
EXPOSE 8080
VOLUME ["/scenarios"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["apio-sim", "health"]
CMD ["apio-sim", "serve"]

# Where it came from: publishing adds `--label org.opencontainers.image.source=<repository URL>` and
# `--label org.opencontainers.image.revision=<commit>` (labels, not build args: podman's layer cache keeps
# a LABEL step whose build args changed).
ARG BASE
LABEL org.opencontainers.image.title="apio-sim" \
      org.opencontainers.image.description="A simulator of the Netaxis APIO call-center statistics API" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE}"
