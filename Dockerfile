# Aiguillage: a small image running `aiguillage run` as a non-root user.
#   docker build -t aiguillage .
#   docker run -p 8080:8080 -v aiguillage-data:/var/lib/aiguillage aiguillage
# Production-like with PostgreSQL: compose.yaml.
# Reproducible: every dependency comes from requirements.lock, each file checked against its hash
# (refresh it with scripts/refresh-lock); pip and setuptools from requirements-build.lock.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
COPY requirements-build.lock requirements.lock /tmp/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --require-hashes -r /tmp/requirements-build.lock
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
RUN pip install --require-hashes -r /tmp/requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY locales ./locales
# The code is used in place (knowledge/ and locales/ sit beside it); translations compiled here.
RUN pip install --no-deps --no-build-isolation -e . \
 && aiguillage i18n compile \
 && aiguillage check \
 && python -m compileall -q bot

FROM python:3.11-slim-bookworm
# The base image's own pip and setuptools are old: bring them to the locked versions too.
COPY requirements-build.lock /tmp/
RUN PIP_NO_CACHE_DIR=1 python -m pip install --disable-pip-version-check --require-hashes -r /tmp/requirements-build.lock \
 && rm /tmp/requirements-build.lock \
 && groupadd --system --gid 999 aiguillage \
 && useradd --system --gid 999 --uid 999 --home-dir /var/lib/aiguillage --create-home aiguillage
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AIGUILLAGE_DATA_DIR=/var/lib/aiguillage \
    AIGUILLAGE_HOST=0.0.0.0 \
    AIGUILLAGE_PORT=8080
USER aiguillage
WORKDIR /var/lib/aiguillage
VOLUME ["/var/lib/aiguillage"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["aiguillage", "healthcheck"]
STOPSIGNAL SIGTERM
CMD ["aiguillage", "run"]
