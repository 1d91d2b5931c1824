#!/usr/bin/env bash
# Measures the window beside an empty Fyne window, under the same Xvfb: time from launch to the
# first drawn frame (both programs carry the same one-pixel probe, ui/internal/firstframe),
# resident memory at idle, and the longest UI stall while 8 image jobs run, the gallery's memory
# after scrolling 10 000 items, and chat streaming and scrolling (ui/internal/measure, built in
# with the measure tag).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS xvfb xauth imagemagick x11-utils dbus-x11
ensure_go
tmp=$(mktemp -d)
# The measuring runs and the first-frame probe exist only in builds with the measure tag
# (ui/internal/measure); the product build carries none of them.
go build -tags "$APP_TAGS,measure" -o "$tmp/app" .
go build -tags "$APP_TAGS,measure" -o "$tmp/empty" ./ui/internal/emptywindow
for n in $(seq 181 220); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
start_session_bus || log "could not start a D-Bus session bus: Fyne will autolaunch its own"
Xvfb ":$n" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid $DBUS_PID 2>/dev/null || true; rm -rf "$tmp"' EXIT
export DISPLAY=":$n"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# measure NAME COMMAND...: three launches; each reports when its first frame is drawn (the
# firstframe probe, the same in both programs) and its resident memory after 4 s at idle.
measure() {
	local name=$1; shift
	local runs=() rss pid ff
	for _ in 1 2 3; do
		POLLINATIONS_STUDIO_LAUNCHED_NS=$(date +%s%N) "$@" >/dev/null 2>"$tmp/err" &
		pid=$!
		sleep 4
		rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
		kill $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		ff=$(awk '/MEASURE first-frame-ms/{print $3}' "$tmp/err")
		runs+=("$ff ms/$rss MB")
	done
	printf '%-10s first frame and idle RSS, three launches: %s\n' "$name" "${runs[*]}"
}
measure baseline "$tmp/empty"
measure app "$tmp/app" --demo --data-dir "$tmp/data1"
POLLINATIONS_STUDIO_MEASURE=stall timeout 120 "$tmp/app" --demo --data-dir "$tmp/data2" 2>&1 >/dev/null | grep MEASURE || true
POLLINATIONS_STUDIO_MEASURE=scroll timeout 300 "$tmp/app" --demo --data-dir "$tmp/data3" 2>&1 >/dev/null | grep MEASURE || true
POLLINATIONS_STUDIO_MEASURE=chat timeout 600 "$tmp/app" --demo --data-dir "$tmp/data4" 2>&1 >/dev/null | grep MEASURE || true
