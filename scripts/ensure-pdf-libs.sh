#!/usr/bin/env bash
# WeasyPrint (the dossier's PDF) loads Pango through its C library: install Debian's
# Pango, HarfBuzz and fonts (DejaVu; Noto CJK for Korean and Chinese names) when they
# are missing, as scripts/with-postgres.sh does for PostgreSQL. Then run "$@", if given.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
ldconfig -p | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi 'DejaVu' || missing+=(fonts-dejavu-core)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-pdf-libs: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ $# -gt 0 ]; then
  exec "$@"
fi
