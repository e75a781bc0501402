#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: a short walk through kipc in the VM, with kipc loaded.
set -u

say() { printf '\n==> %s\n' "$*"; }

say "The classic pipe scene: echo waits until cat reads"
( echo "hello" >/dev/kipc/pipe0; echo "[writer] echo returned: cat has read it" ) &
sleep 1
echo "[shell] after 1 s the writer is still blocked in open(): no reader yet"
cat /dev/kipc/pipe0 | sed 's/^/[reader] cat read: /'
wait

say "/proc/kipc/pipe"
column -t /proc/kipc/pipe
