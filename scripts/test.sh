#!/usr/bin/env bash
# Runs every test of Pollinations Studio on a Debian/Ubuntu machine: installs what it needs,
# starts an X server (Xvfb) and a PulseAudio server with a null sink, then vets and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS $TEST_PKGS
ensure_go

work=$(mktemp -d)
pids=()
# cleanup stops the servers and removes their folder; the script keeps the tests' exit status
# whatever happens here (a server still writing as it exits must not fail a green run).
cleanup() {
	local rc=$?
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${DBUS_PID:-}" ] && kill "$DBUS_PID" 2>/dev/null
	if [ -n "${PULSE_SERVER:-}" ]; then
		pactl exit 2>/dev/null
		for _ in $(seq 30); do pactl info >/dev/null 2>&1 || break; sleep 0.1; done
	fi
	rm -rf "$work" 2>/dev/null || { sleep 0.5; rm -rf "$work" 2>/dev/null; }
	exit "$rc"
}
trap cleanup EXIT

start_session_bus || log "could not start a D-Bus session bus: Fyne will autolaunch its own"

# An X server for the real-window tests.
for n in $(seq 90 130); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$n"

# A PulseAudio server of our own with a null sink: playback into it is captured from its monitor.
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
pulseaudio -n --daemonize=yes --exit-idle-time=-1 --log-target="file:$work/pulse.log" \
	-L "module-native-protocol-unix socket=$XDG_RUNTIME_DIR/native auth-anonymous=1" \
	-L "module-null-sink sink_name=vsink sink_properties=device.description=VirtualSink" \
	-L "module-always-sink" 2>>"$work/pulse.log"
export PULSE_SERVER="unix:$XDG_RUNTIME_DIR/native"
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null || { cat "$work/pulse.log"; log "PulseAudio did not start"; exit 1; }
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

log "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$bad" ] || { log "gofmt needed: $bad"; exit 1; }
log "go vet"
go vet -tags "$TEST_TAGS" ./...
log "go test (race detector; Fyne headless driver; real window and sound through Xvfb and PulseAudio)"
STUDIO_E2E=1 STUDIO_APP_TAGS="$APP_TAGS" go test -race -tags "$TEST_TAGS" -timeout 40m "$@" ./...

# The Windows build (MinGW, fyne package, the NSIS installer) and its command line, installer
# and unit tests that call Windows, under Wine (windows_test.go): on by default, so that CI runs
# it; STUDIO_WINDOWS=0 skips it. It installs what it needs (wine, wine64, MinGW, nsis) and makes
# its Wine prefix in dist/windows-test/ once. Time added is in README.md's Windows section.
if [ "${STUDIO_WINDOWS:-1}" != 0 ]; then
	log "Windows build and its tests under Wine (STUDIO_WINDOWS=0 skips this)"
	bash scripts/build-windows.sh --test
else
	log "skipping the Windows build and its Wine tests (STUDIO_WINDOWS=0)"
fi
