#!/usr/bin/env bash
# Builds Pollinations Studio for Windows (amd64) on Debian/Ubuntu, into dist/windows/:
#   Pollinations Studio.exe   the window (GUI subsystem: no console), icon and version from FyneApp.toml
#   pollinations-studio.exe   the same program as a console program, for the command line
#   pollinations-studio-windows-amd64.zip   both, to hand out
#   pollinations-studio-VERSION-setup.exe   the installer (NSIS, scripts/windows/installer.nsi)
# With --test it then runs the command line's end-to-end test under Wine (windows_test.go).
# The ProcessPrng stand-in (scripts/wine/processprng.c) is built into dist/windows-test/ for Wine
# only; it is never part of what is handed out.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

FYNE_TOOL_VERSION=v1.7.4
out=dist/windows
testdir=dist/windows-test

ensure_pkgs gcc-mingw-w64-x86-64 zip nsis
command -v convert >/dev/null 2>&1 || ensure_pkgs imagemagick
ensure_go
mkdir -p "$out" "$testdir/bin"

# fyne package runs `go build` itself with our environment, so CC must be the cross compiler
# then; `go run fyne.io/tools/...` would build the tool with that CC too and fail (a Linux
# program through MinGW), so the tool is installed first with the host's compiler.
if [ ! -x "$testdir/bin/fyne" ] || ! "$testdir/bin/fyne" version 2>/dev/null | grep -q "$FYNE_TOOL_VERSION"; then
	log "installing the fyne tool $FYNE_TOOL_VERSION"
	GOBIN="$PWD/$testdir/bin" go install "fyne.io/tools/cmd/fyne@$FYNE_TOOL_VERSION"
fi

start=$(date +%s)
log "fyne package --os windows --release (cross-compiled with MinGW)"
rm -f "Pollinations Studio.exe"
# fyne package counts the build up in FyneApp.toml on every run: keep the file as it was.
cp FyneApp.toml "$testdir/FyneApp.toml.keep"
trap 'cp "$testdir/FyneApp.toml.keep" FyneApp.toml' EXIT
# It writes "Pollinations Studio.exe" here, with a .syso resource (icon, manifest, version)
# linked in, -H=windowsgui, -trimpath and -s -w.
CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ GOARCH=amd64 \
	"$testdir/bin/fyne" package --os windows --release --tags "$APP_TAGS"
mv -f "Pollinations Studio.exe" "$out/Pollinations Studio.exe"
cp "$testdir/FyneApp.toml.keep" FyneApp.toml

# The console twin: the same bytes with the PE subsystem set to console (3) instead of GUI (2),
# what `editbin /SUBSYSTEM:CONSOLE` does, so that cmd and PowerShell wait for it and show its
# output and exit code.
cp "$out/Pollinations Studio.exe" "$out/pollinations-studio.exe"
pe=$(od -An -tu4 -j60 -N4 "$out/pollinations-studio.exe" | tr -d ' ')
if [ "$(od -An -c -j"$pe" -N2 "$out/pollinations-studio.exe" | tr -d ' ')" != "PE" ]; then
	log "not a PE file: $out/pollinations-studio.exe"
	exit 1
fi
printf '\x03' | dd of="$out/pollinations-studio.exe" bs=1 seek=$((pe + 24 + 68)) conv=notrunc status=none

rm -f "$out/pollinations-studio-windows-amd64.zip"
(cd "$out" && zip -q -9 pollinations-studio-windows-amd64.zip "Pollinations Studio.exe" pollinations-studio.exe)

# The installer (NSIS): Program Files, Start menu, optional desktop shortcut, an uninstaller
# that leaves the library. Version from FyneApp.toml; the icon is Icon.png at the sizes
# Windows shows (the .ico fyne package makes is deleted with its .syso).
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
build=$(sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
case "$version" in [0-9]*.[0-9]*.[0-9]*) ;; *) log "FyneApp.toml has no Version x.y.z: $version"; exit 1 ;; esac
convert Icon.png -background none -define icon:auto-resize=256,64,48,32,16 "$testdir/app.ico"
size_kb=$(( ($(stat -c %s "$out/Pollinations Studio.exe") + $(stat -c %s "$out/pollinations-studio.exe")) / 1024 ))
setup="$out/pollinations-studio-$version-setup.exe"
# makensis takes most of a warm build (LZMA over 54 MB): it runs only when what goes in changed
# (fyne package builds the same bytes again from the same sources).
sum=$(cat "$out/Pollinations Studio.exe" "$out/pollinations-studio.exe" scripts/windows/installer.nsi \
	"$testdir/app.ico" | sha256sum | cut -d' ' -f1)-$version.${build:-0}
if [ -f "$setup" ] && [ "$(cat "$testdir/setup.sum" 2>/dev/null)" = "$sum" ]; then
	log "installer unchanged: $setup"
else
	rm -f "$out"/pollinations-studio-*-setup.exe "$testdir/setup.sum"
	makensis -V2 -DVERSION="$version" -DVERSION4="$version.${build:-0}" -DSIZE_KB="$size_kb" \
		-DBUILD_DIR="$PWD/$out" -DICON="$PWD/$testdir/app.ico" -DOUT="$PWD/$setup" scripts/windows/installer.nsi >&2
	echo "$sum" >"$testdir/setup.sum"
fi
built=$(date +%s)

# For Wine 8 only (tests): Go's runtime asks for ProcessPrng, which Wine 8 does not have.
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$testdir/bcryptprimitives.dll" scripts/wine/processprng.c -ladvapi32

log "built in $((built - start)) s:"
ls -l "$out" >&2

if [ "${1:-}" = "--test" ]; then
	ensure_pkgs wine wine64 unzip
	export WINEPREFIX="$PWD/$testdir/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	t0=$(date +%s)
	if [ ! -f "$WINEPREFIX/system.reg" ]; then
		log "making a Wine prefix in $WINEPREFIX"
		rm -rf "$WINEPREFIX"
		# Debian's wine64 alone runs 64-bit programs; the advice to add wine32 is not needed.
		wine wineboot -i >/dev/null 2>&1 || { log "wineboot failed"; exit 1; }
		wineserver -w
	fi
	cp "$testdir/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
	# Pure-Go tests that call Windows itself (free space, file names), built without cgo.
	log "Windows-only unit tests under Wine"
	for pkg in storage internal/safename; do
		GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -tags "$TEST_TAGS" \
			-o "$testdir/${pkg//\//-}.test.exe" "./$pkg/"
	done
	# Wine's own processes of this prefix (wineserver, services) end with the tests, pass or fail.
	trap 'cp "$testdir/FyneApp.toml.keep" FyneApp.toml; wineserver -k 2>/dev/null || true' EXIT
	# The prefix's server and services, started apart from any output the tests read.
	wineserver -p 2>/dev/null || true
	wine wineboot >/dev/null 2>&1
	wine "$testdir/storage.test.exe" -test.run 'TestFreeSpace'
	wine "$testdir/internal-safename.test.exe"
	log "the command line and the installer under Wine (windows_test.go)"
	STUDIO_WINE=1 STUDIO_WINDOWS_EXE="$PWD/$out/pollinations-studio.exe" STUDIO_WINDOWS_SETUP="$PWD/$setup" \
		go test -tags "$TEST_TAGS" -count=1 -run 'TestWindows' -v -timeout 20m .
	log "Wine tests took $(($(date +%s) - t0)) s"
fi
