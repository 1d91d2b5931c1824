#!/usr/bin/env bash
# Opens the app in demo mode under Xvfb, one page at a time, and writes a PNG of each page to
# docs/screenshots/. Needs what scripts/test.sh installs (Xvfb, ImageMagick).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pkgs $BUILD_PKGS $RUN_PKGS xvfb xauth imagemagick x11-utils dbus-x11 pulseaudio pulseaudio-utils
ensure_go
bin=$(mktemp -d)/pollinations-studio
# The showcase (each page put to work) exists only in builds with the measure tag.
go build -tags "$APP_TAGS,measure" -o "$bin" .
out=docs/screenshots
mkdir -p "$out"
for n in $(seq 140 180); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
start_session_bus || log "could not start a D-Bus session bus: Fyne will autolaunch its own"
Xvfb ":$n" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid $DBUS_PID 2>/dev/null || true' EXIT
export DISPLAY=":$n"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
# A PulseAudio server with a null sink, so that the pages that play (music, voice) show their
# player working, as on a machine with speakers.
export XDG_RUNTIME_DIR
XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
pulseaudio -n --daemonize=yes --exit-idle-time=-1 --log-target=stderr \
	-L "module-native-protocol-unix socket=$XDG_RUNTIME_DIR/native auth-anonymous=1" \
	-L "module-null-sink sink_name=vsink" -L "module-always-sink" 2>/dev/null ||
	log "no PulseAudio: the players will show as without sound"
export PULSE_SERVER="unix:$XDG_RUNTIME_DIR/native"
data=$(mktemp -d)
# Fill the library with a few real generations from the simulator, through the command line.
simlog=$(mktemp)
"$bin" sim --addr 127.0.0.1:0 --fast >"$simlog" 2>/dev/null &
simpid=$!
trap 'kill $xpid $simpid $DBUS_PID 2>/dev/null || true; pactl exit 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$simlog" ] && break; sleep 0.1; done
url=$(head -n1 "$simlog")
key=$(awk '$1=="secret"{print $2}' "$simlog")
export POLLINATIONS_BASE_URL="$url" POLLINATIONS_ENTER_URL="$url" POLLINATIONS_API_KEY="$key"
i=0
for p in "a lighthouse at dawn, oil painting" "a fox in a snowy forest" "neon city street at night" "a bowl of ramen, studio light" "mountains above the clouds" "a robot watering plants"; do
	i=$((i + 1))
	"$bin" --data-dir "$data" image "$p" -o "$data/out-$i.jpg" --model flux --width 768 --height 768 >/dev/null 2>&1 || true
done
"$bin" --data-dir "$data" text "write 60 words about bees" >/dev/null 2>&1 || true
"$bin" --data-dir "$data" speak "Welcome to Pollinations Studio." -o "$data/hello.mp3" >/dev/null 2>&1 || true
"$bin" --data-dir "$data" transcribe "$data/hello.mp3" --model scribe --format diarized_json --speakers 2 >/dev/null 2>&1 || true
"$bin" --data-dir "$data" music "a calm piano melody" -o "$data/piano.mp3" --duration 20 >/dev/null 2>&1 || true
"$bin" --data-dir "$data" stems "$data/piano.mp3" -o "$data/stems" >/dev/null 2>&1 || true
unset POLLINATIONS_BASE_URL POLLINATIONS_ENTER_URL POLLINATIONS_API_KEY
for shot in image chat speech transcribe video music voice library settings library-3d library-make3d speech-free; do
	# The showcase puts each page to work (images generating, a reply streaming, a transcript open).
	page=${shot%-*} showcase=1 account=paid
	[ "$shot" = library-3d ] && showcase=3d
	[ "$shot" = library-make3d ] && showcase=make3d
	[ "$shot" = speech-free ] && showcase=remedy account=free
	POLLINATIONS_STUDIO_PAGE=$page POLLINATIONS_STUDIO_SHOWCASE=$showcase "$bin" --demo --demo-account $account --data-dir "$data" >/dev/null 2>&1 &
	app=$!
	sleep "${SHOT_DELAY:-6}"
	import -window root "$out/$shot.png"
	kill $app 2>/dev/null || true
	wait $app 2>/dev/null || true
	log "wrote $out/$shot.png"
done
