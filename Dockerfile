# apio-sim as a service: `docker build -t apio-sim .` then `docker run -p 8080:8080 apio-sim`.
# Every option of `apio-sim serve` is an APIO_SIM_* environment variable; mount scenarios at /scenarios.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APIO_SIM_HOST=0.0.0.0 \
    APIO_SIM_PORT=8080

RUN useradd --create-home --uid 10001 apio
WORKDIR /opt/apio-sim
COPY pyproject.toml README.md LICENSE ./
COPY simulator ./simulator
COPY schemas ./schemas
COPY scenarios ./scenarios
RUN pip install --no-cache-dir . && mkdir /scenarios && chown apio /scenarios

USER apio
EXPOSE 8080
VOLUME ["/scenarios"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["apio-sim", "health"]
CMD ["apio-sim", "serve"]
