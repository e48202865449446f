#!/usr/bin/env bash
# Make sure the Debian libraries WeasyPrint needs for the monitoring report's PDF are
# present: Pango (text layout, with HarfBuzz, fontconfig and cairo as its dependencies)
# and a font (DejaVu, which the report's CSS and SVG charts name). Installs them with
# apt-get when missing, as with-postgres.sh does for PostgreSQL; does nothing otherwise.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(DejaVuSans.ttf)

if [ ${#missing[@]} -gt 0 ]; then
  echo "report-libs: installing Debian's Pango and DejaVu fonts (missing: ${missing[*]})" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
fi
