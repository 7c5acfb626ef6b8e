# 信访应急指挥台 — the console image (one uvicorn process per container; see docs/deploy.md).
#
# Two stages: the build stage installs the package into a virtualenv with `pip install .`; the runtime
# stage copies only that virtualenv, so no source tree, build cache or compiler reaches the image.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Copy only what the package is built from: no .venv, no var/ (a local secret_key or SQLite file
# must never end up in an image), no tests.
COPY pyproject.toml ./
COPY console ./console
COPY playbooks ./playbooks
COPY responders ./responders
COPY alerts ./alerts
COPY reports ./reports
RUN pip install --upgrade pip && pip install .


FROM python:3.11-slim

# fonts-noto-cjk: the packaged free CJK fonts for reports (宋/仿宋/黑 fall back to Noto Serif/Sans CJK).
# libpango*: what WeasyPrint needs to lay out HTML into PDF.
# postgresql-client: pg_dump, used by `incident-console backup` against PostgreSQL (pg_dump must be the
#   same major version as the server or newer; Debian's client is >= 15, the compose file runs postgres:15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 console \
    && useradd --system --uid 10001 --gid console --home-dir /var/lib/incident-console \
        --shell /usr/sbin/nologin console \
    && mkdir -p /var/lib/incident-console \
    && chown console:console /var/lib/incident-console \
    && chmod 0750 /var/lib/incident-console

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONSOLE_DATA_DIR=/var/lib/incident-console

USER console
WORKDIR /var/lib/incident-console

EXPOSE 8000

# /healthz answers 200 only when the database is reachable and the LISTEN connection is alive.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["incident-console", "serve", "--host", "0.0.0.0", "--port", "8000"]
