#!/bin/sh
# Installs what the test suite runs for real: Dovecot's IMAP server (Debian's
# dovecot-imapd), and systemd, whose user manager runs the shipped units. The
# tests start their own private instances; this only puts the binaries in place.
# Safe to run again: it installs only what is missing.
set -eu

# /usr/sbin is not on a normal user's PATH, so look there too.
have() {
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

packages=""
have dovecot || packages="$packages dovecot-imapd"
if ! have systemctl || { [ ! -x /lib/systemd/systemd ] && [ ! -x /usr/lib/systemd/systemd ]; }; then
    packages="$packages systemd"
fi
have unshare || packages="$packages util-linux"
[ -n "$packages" ] || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: no apt-get here; install with your package manager:$packages" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
else
    as_root="sudo"
fi

echo "install-test-deps: installing$packages" >&2
# env, because sudo does not pass DEBIAN_FRONTEND through.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086  # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
