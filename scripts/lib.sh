# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).
# Installs what the app needs on Debian/Ubuntu, with sudo when not root.

# Build tags: the same set for the app, its tests and vet, plus ci (Fyne's headless test driver)
# for tests and vet. migrated_fynedo: the fyne.Do threading model (FyneApp.toml says so too).
# no_emoji: Fyne parses its 10 MB colour-emoji font once per text style (five copies, ~20 MB of
# heap); without it emoji are drawn from the system's own emoji font.
APP_TAGS="migrated_fynedo,no_emoji"
TEST_TAGS="ci,$APP_TAGS"

BUILD_PKGS="gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev"
RUN_PKGS="libgl1-mesa-dri libpulse0"
TEST_PKGS="xvfb xauth x11-utils pulseaudio pulseaudio-utils espeak-ng sox imagemagick ffmpeg dbus-x11"

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
		log "need root to run: $*  (install sudo or run as root)"; return 1; fi
}

# ensure_pkgs PKG...: apt-get install the packages that dpkg does not know as installed.
ensure_pkgs() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		log "missing system packages:$missing (no apt-get here: install them with your package manager)"
		return 1
	fi
	log "installing:$missing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

ensure_go() {
	if ! command -v go >/dev/null 2>&1; then
		for d in /usr/local/go/bin "$HOME/go/bin" /usr/lib/go/bin; do
			[ -x "$d/go" ] && PATH="$d:$PATH" && export PATH && break
		done
	fi
	if ! command -v go >/dev/null 2>&1; then
		log "Go is not installed: install Go 1.26 or newer (https://go.dev/dl) and run this again"
		return 1
	fi
	export CGO_ENABLED=1
}

# start_session_bus: a D-Bus session bus of our own, as a desktop has (dbus-daemon comes with
# dbus-x11). Without one, every Fyne
# program asks X11 to autolaunch a dbus-daemon (for the theme and notifications) that outlives
# it; a few hundred test and screenshot runs use up the machine's inotify instances that way.
# Sets DBUS_SESSION_BUS_ADDRESS and DBUS_PID (the caller kills it).
start_session_bus() {
	local out
	out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1) || return 1
	DBUS_SESSION_BUS_ADDRESS=$(printf '%s\n' "$out" | sed -n 1p)
	DBUS_PID=$(printf '%s\n' "$out" | sed -n 2p)
	export DBUS_SESSION_BUS_ADDRESS DBUS_PID
}
