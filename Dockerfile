# The vnfil image used by infra/production/compose.yaml (worker, API, migrations).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY vnfil vnfil
COPY workflows workflows
COPY activities activities
COPY api api
RUN pip install --no-cache-dir .
USER nobody
