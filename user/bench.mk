# SPDX-License-Identifier: GPL-2.0
# kipc-bench on its own, until it is part of the kipc tool:
#   make -C user -f bench.mk

CC ?= gcc
CFLAGS ?= -O2 -g
override CFLAGS += -Wall -Wextra -D_GNU_SOURCE -I../include/uapi

kipc-bench: kipc-bench.c ../include/uapi/linux/kipc.h
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ kipc-bench.c -lm

clean:
	rm -f kipc-bench

.PHONY: clean
