# The vnfil image: one image for every process (Kubernetes: infra/helm/vnfil; compose:
# infra/production/compose.yaml), told apart by its command:
#   vnfil serve            the API (default): uvicorn on uvloop and httptools, port 8000
#   vnfil-worker           the Temporal worker (health on VNFIL_WORKER_HEALTH_PORT)
#   vnfil migrate          the database schema, once per release
#   vnfil setup-temporal   search attributes and schedules, once per release
# Debian bookworm, as on the development machines, where tests/test_deployment.py checks
# these package names and runs infra/check_image.py as this build does.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY vnfil vnfil
COPY workflows workflows
COPY activities activities
COPY api api
# Wheels of vnfil and every dependency (all published as wheels: no compiler needed).
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# WeasyPrint (PDF certificates) loads Pango, HarfBuzz and its subsetter, fontconfig and
# GLib at run time (its documentation's list for Debian, plus what it opens beside it);
# DejaVu Sans is the certificate's font and has every Polish letter.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
      libharfbuzz0b \
      libharfbuzz-subset0 \
      libfontconfig1 \
      libglib2.0-0 \
      fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f \
 && useradd --system --uid 10001 --gid 0 --no-create-home --home-dir /tmp vnfil
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XDG_CACHE_HOME=/tmp/.cache \
    VNFIL_API_HOST=0.0.0.0 \
    VNFIL_API_PORT=8000
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels vnfil && rm -rf /wheels
# The build fails here if WeasyPrint cannot render Polish text, or the server lacks uvloop.
COPY infra/check_image.py /tmp/check_image.py
RUN python /tmp/check_image.py && rm /tmp/check_image.py
WORKDIR /tmp
USER 10001
EXPOSE 8000
CMD ["vnfil", "serve"]
