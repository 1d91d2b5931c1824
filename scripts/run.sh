#!/usr/bin/env bash
# Builds Pollinations Studio and opens it. Arguments are passed to the app
# (for example: scripts/run.sh --demo).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS
ensure_go
log "building pollinations-studio (the first build compiles Fyne and SQLite: a few minutes)"
go build -tags "$APP_TAGS" -trimpath -o pollinations-studio .
exec ./pollinations-studio "$@"
