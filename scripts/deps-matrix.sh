#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix beyond Debian 12's own 6.1: 6.12 from bookworm-backports,
# plain and PREEMPT_RT, images and headers. Adds the backports source (an
# apt sources file of its own) if it is missing. A no-op when installed.
set -eu

want="linux-image-amd64 linux-headers-amd64 linux-image-rt-amd64 linux-headers-rt-amd64"
src=/etc/apt/sources.list.d/kipc-bookworm-backports.sources

have_612() {
	scripts/kver.sh --all | grep -q '^6\.12\..*-amd64$' &&
		scripts/kver.sh --all | grep -q '^6\.12\..*-rt-amd64$'
}

if have_612; then
	echo "deps-matrix: 6.12 and 6.12-rt are installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps-matrix: run 'make deps-matrix' as root" >&2
	exit 1
fi
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$src" <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends -t bookworm-backports $want dwarves
have_612 || { echo "deps-matrix: 6.12 did not install" >&2; exit 1; }
echo "deps-matrix: done"
