#!/usr/bin/env bash
# Opens the app in demo mode under Xvfb, one page at a time, and writes a PNG of each page to
# docs/screenshots/. Needs what scripts/test.sh installs (Xvfb, ImageMagick).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS xvfb xauth imagemagick x11-utils
ensure_go
bin=$(mktemp -d)/pollinations-studio
go build -tags "$APP_TAGS" -o "$bin" .
out=docs/screenshots
mkdir -p "$out"
for n in $(seq 140 180); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
Xvfb ":$n" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null || true' EXIT
export DISPLAY=":$n"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
data=$(mktemp -d)
for page in image chat speech transcribe video library settings; do
	POLLINATIONS_STUDIO_PAGE=$page POLLINATIONS_STUDIO_DEMO_SEED=1 "$bin" --demo --data-dir "$data" >/dev/null 2>&1 &
	app=$!
	sleep "${SHOT_DELAY:-4}"
	import -window root "$out/$page.png"
	kill $app 2>/dev/null || true
	wait $app 2>/dev/null || true
	log "wrote $out/$page.png"
done
