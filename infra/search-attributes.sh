#!/bin/sh
# Register vnfil's custom search attributes on a Temporal cluster (idempotent) with the
# temporal CLI; `vnfil setup-temporal` does the same (and the schedules) from the image.
# `make dev` and the tests pass the same names to the dev server (vnfil/platform/temporal.py).
set -e
for sa in VnfilStage VnfilCentre VnfilStandard VnfilStatus; do
  temporal operator search-attribute create --name "$sa" --type Keyword 2>/dev/null \
    || echo "$sa already registered"
done
