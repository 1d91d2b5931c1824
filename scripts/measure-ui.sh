#!/usr/bin/env bash
# Measures the window beside an empty Fyne window, under the same Xvfb: time from start to the
# first drawn frame (screenshots polled until the window shows more than a few colours; the
# polling itself takes ~0.1 s, so both figures carry that), resident memory at idle, and the
# longest UI stall while 8 image jobs run (the app's own demo-mode probe).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS xvfb xauth imagemagick x11-utils
ensure_go
tmp=$(mktemp -d)
go build -tags "$APP_TAGS" -o "$tmp/app" .
go build -tags "$APP_TAGS" -o "$tmp/empty" ./ui/internal/emptywindow
for n in $(seq 181 220); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
Xvfb ":$n" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null || true; rm -rf "$tmp"' EXIT
export DISPLAY=":$n"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

measure() { # name command...
	local name=$1; shift
	local start end colours pid
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1 &
	pid=$!
	while :; do
		import -window root "$tmp/shot.png" 2>/dev/null || true
		colours=$(identify -format %k "$tmp/shot.png" 2>/dev/null || echo 0)
		[ "$colours" -gt 20 ] && break
		sleep 0.05
	done
	end=$(date +%s.%N)
	sleep 3
	local rss
	rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	printf '%-10s first frame %.2f s, idle RSS %d MB\n' "$name" "$(echo "$end - $start" | bc)" $((rss / 1024))
}
ensure_pkgs bc
measure baseline "$tmp/empty"
measure app "$tmp/app" --demo --data-dir "$tmp/data1"
POLLINATIONS_STUDIO_MEASURE=stall timeout 120 "$tmp/app" --demo --data-dir "$tmp/data2" 2>&1 >/dev/null | grep MEASURE || true
POLLINATIONS_STUDIO_MEASURE=scroll timeout 300 "$tmp/app" --demo --data-dir "$tmp/data3" 2>&1 >/dev/null | grep MEASURE || true
POLLINATIONS_STUDIO_MEASURE=chat timeout 600 "$tmp/app" --demo --data-dir "$tmp/data4" 2>&1 >/dev/null | grep MEASURE || true
