#!/bin/sh
# Installs what the test suite runs for real: Dovecot's IMAP server (Debian's
# dovecot-imapd). The tests start their own private instance; this only puts
# the binaries in place. Safe to run again: it does nothing when Dovecot is there.
set -eu

# /usr/sbin is not on a normal user's PATH, so look there too.
if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: no apt-get here; install Dovecot 2.3 (imapd) with your package manager" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
else
    as_root="sudo"
fi

echo "install-test-deps: installing dovecot-imapd" >&2
# env, because sudo does not pass DEBIAN_FRONTEND through.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
