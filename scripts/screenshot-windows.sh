#!/usr/bin/env bash
# Takes docs/screenshots/windows.png: the Windows build's window, in demo mode, under Wine
# (Wine's OpenGL over Mesa) and Xvfb. Run scripts/build-windows.sh --test first: it makes the
# .exe and the Wine prefix this uses.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs xvfb xauth imagemagick x11-utils wine wine64
testdir=dist/windows-test
exe="dist/windows/Pollinations Studio.exe"
if [ ! -f "$exe" ] || [ ! -f "$testdir/prefix/system.reg" ]; then
	log "no Windows build or Wine prefix: run scripts/build-windows.sh --test first"
	exit 1
fi
export WINEPREFIX="$PWD/$testdir/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
for n in $(seq 180 220); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
Xvfb ":$n" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'wineserver -k 2>/dev/null || true; kill $xpid 2>/dev/null || true' EXIT
export DISPLAY=":$n"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
# The demo's library is a temporary folder of its own; the window starts on the Image page.
wine "$exe" --demo >/dev/null 2>&1 &
sleep "${SHOT_DELAY:-25}"
import -window root docs/screenshots/windows.png
log "wrote docs/screenshots/windows.png"
