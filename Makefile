# SPDX-License-Identifier: GPL-2.0
#
# kipc top-level Makefile. `make help` lists the targets.

# Recursive on purpose: a target that installs the kernel first (make check
# on a fresh machine) sees it when its recipe runs.
KVER ?= $(shell scripts/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= $(CURDIR)/build

# Pieces of Debian's linux-source-6.1 used at build time (never committed).
KSRC_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSRC := $(BUILD)/linux-src
KSRC_FILES := tools/testing/selftests/kselftest.h \
	tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/lib.mk \
	scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch .clang-format
KSRC_STAMP := $(KSRC)/.extracted
# The kernel's doc tool, kernel-doc and its Sphinx extension (make docs),
# apart from $(KSRC), which its rule empties.
KDOC := $(BUILD)/linux-doc
KDOC_FILES := scripts/kernel-doc Documentation/sphinx/kerneldoc.py \
	Documentation/sphinx/kernellog.py
KDOC_STAMP := $(KDOC)/.extracted
KSFT_DIR := $(KSRC)/tools/testing/selftests

# Our C sources, for lint and format.
KMOD_SRCS := $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h)) include/uapi/linux/kipc.h
USER_SRCS := $(wildcard lib/*.c lib/*.h lib/include/kipc/*.h user/*.c user/*.h \
	bench/*.c bench/*.h selftests/*.c selftests/*.h)
USER_SRCS += $(wildcard examples/*.c)

# Seconds the VM may run before the host kills it.
VM_TIMEOUT ?= 1100
# Selftests to run in the VM (default: all of selftests/).
T ?=

RUNVM = scripts/qemu-run.sh --kver "$(KVER)" --timeout "$(VM_TIMEOUT)"
RUNVM_LONG = scripts/qemu-run.sh --kver "$(KVER)" \
	--timeout $$(($(VM_TIMEOUT) + $(STRESS_SECONDS) + $(FUZZ_SECONDS) + $(TRINITY_SECONDS)))

.PHONY: all module lib user bench-prog selftests ksrc kdoc deps deps-debug \
	deps-matrix check check-matrix check-debug fault stress fuzz run vm bench \
	bench-ab \
	ltp lint format docs trace-scenes clean help install uninstall \
	dkms-install dkms-uninstall dkms-check

all: module lib user bench-prog selftests kdoc

help:
	@echo "make deps    install what is missing (Debian packages, as root);"
	@echo "             the targets that boot the VM run it first themselves"
	@echo "make         build module, libkipc, tool, kipc-bench and selftests (KVER=$(KVER))"
	@echo "make install install the tool, kipc-bench, libkipc, headers, man pages"
	@echo "             (PREFIX=$(PREFIX), DESTDIR); make uninstall removes them"
	@echo "make run     boot the VM, load kipc and walk through every mechanism"
	@echo "make vm      interactive shell in the VM with kipc loaded"
	@echo "make check   run every selftest in the VM (T='pipe_test ...' for some)"
	@echo "make check-matrix  make check on every installed kernel (make deps-matrix)"
	@echo "make check-debug  the same on a KASAN/lockdep/kmemleak debug kernel"
	@echo "make fault   fault injection on the debug kernel: every allocation"
	@echo "             failed in turn, then stress (FAULT_SECONDS=$(FAULT_SECONDS))"
	@echo "make bench   kipc against the kernel's own IPC, side by side"
	@echo "make bench-ab A=OLD/kipc.ko  two module builds in one boot (B= this tree)"
	@echo "make stress  soak every device at once (STRESS_SECONDS=$(STRESS_SECONDS))"
	@echo "make fuzz    the ioctl fuzzer for long (FUZZ_SECONDS=$(FUZZ_SECONDS))"
	@echo "make ltp LTP=DIR  LTP's IPC tests on the kernel and under kipc run"
	@echo "             (DIR: an LTP source tree; LTP_TESTS='pipe01 ...' for some)"
	@echo "make lint    checkpatch --strict, sparse, W=1, clang-format, the docs"
	@echo "make docs    the HTML documentation (Sphinx) in build/docs"
	@echo "make trace-scenes  rerun the internals guide's scenes under kipc trace"
	@echo "make dkms-install  build and install kipc.ko with DKMS (as root)"
	@echo "make dkms-check    DKMS build in a scratch tree, then removed"

# The targets that boot the VM install what they need first (a quick no-op
# when all is there), then build in a sub-make that sees what was installed.
deps:
	@scripts/deps.sh

deps-debug:
	@scripts/deps.sh debug

# 6.12 and 6.12-rt from bookworm-backports, for check-matrix.
deps-matrix: deps
	@scripts/deps-matrix.sh

module:
	@test -n "$(KVER)" || { echo "no kernel with headers: run 'make deps'"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 modules

$(KSRC_STAMP): $(KSRC_TARBALL)
	rm -rf $(KSRC) && mkdir -p $(KSRC)
	tar -xJf $(KSRC_TARBALL) -C $(KSRC) --strip-components=1 \
		$(addprefix linux-source-6.1/,$(KSRC_FILES))
	touch $@

ksrc: $(KSRC_STAMP)

$(KDOC_STAMP): $(KSRC_TARBALL)
	rm -rf $(KDOC) && mkdir -p $(KDOC)
	tar -xJf $(KSRC_TARBALL) -C $(KDOC) --strip-components=1 \
		$(addprefix linux-source-6.1/,$(KDOC_FILES))
	touch $@

# For docs_test.sh, which builds the docs (on the host, in make check).
kdoc: $(KDOC_STAMP)

# Documentation/ with Sphinx (Debian's python3-sphinx) into build/docs; the
# diagrams (Documentation/internals/*.dot) are drawn by graphviz's dot.
# make lint builds it afresh with every warning an error.
SPHINXBUILD ?= sphinx-build
SPHINXOPTS ?=
docs: deps
	@$(MAKE) --no-print-directory kdoc
	KIPC_KDOC=$(KDOC) $(SPHINXBUILD) -b html -q $(SPHINXOPTS) \
		Documentation $(BUILD)/docs
	@echo "docs: $(BUILD)/docs/index.html"

# The "See it happen" scenes of Documentation/internals/ under kipc trace in
# the VM; each one's output becomes Documentation/internals/SCENE.trace.
trace-scenes: deps
	@$(MAKE) --no-print-directory all
	KIPC_ENV="KIPC_CMD=$(CURDIR)/scripts/trace-scenes.sh" $(RUNVM) --job shell
	scripts/trace-scenes.sh --extract build/vm-shell.log Documentation/internals

selftests: $(KSRC_STAMP) lib
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR)

# libkipc, which the tool, the bench and the tests link with.
lib:
	$(MAKE) -C lib

user: lib
	@if [ -f user/Makefile ]; then $(MAKE) -C user; fi

# The textbook scenes on libkipc (examples/), after the library.
.PHONY: examples
all: examples
examples: lib
	$(MAKE) -C examples

# kipc-bench, the program `kipc bench` runs (`make bench` runs it in the VM).
bench-prog: lib
	$(MAKE) -C bench

# The host's tests first (those of T, or all), then the VM's (those of T,
# or all when T is empty).
HOST_TESTS = $(shell $(MAKE) -s -C selftests KSFT_DIR=$(KSFT_DIR) list-host-tests)
check: deps
	@$(MAKE) --no-print-directory all
	@set -e; for t in $(if $(T),$(filter $(HOST_TESTS),$(T)),$(HOST_TESTS)); do \
		echo "== selftests/$$t, on the host"; selftests/$$t; done
	$(if $(and $(T),$(if $(filter-out $(HOST_TESTS),$(T)),,1)),@true,\
		$(RUNVM) --job check --tests "$(filter-out $(HOST_TESTS),$(T))")

# make check on every installed kernel with headers (6.1, 6.12, 6.12-rt).
check-matrix: deps-matrix
	@$(MAKE) --no-print-directory selftests user bench-prog
	@set -e; for k in $$(scripts/kver.sh --all); do \
		echo "== make check KVER=$$k"; \
		$(MAKE) --no-print-directory module check KVER=$$k; \
	done

# Long runs, outside `make check`: the soak and the ioctl fuzzer.
STRESS_SECONDS ?= 300
FUZZ_SECONDS ?= 300
TRINITY_SECONDS ?= 300
stress: deps
	@$(MAKE) --no-print-directory all
	KIPC_ENV="KIPC_STRESS_SECONDS=$(STRESS_SECONDS) KIPC_TEST_TIMEOUT=$$(($(STRESS_SECONDS) + 600))" \
	$(RUNVM_LONG) --job check --tests stress_test

fuzz: deps
	@$(MAKE) --no-print-directory all
	KIPC_ENV="KIPC_FUZZ_SECONDS=$(FUZZ_SECONDS) KIPC_TRINITY_SECONDS=$(TRINITY_SECONDS) \
		KIPC_TEST_TIMEOUT=$$(($(FUZZ_SECONDS) + $(TRINITY_SECONDS) + 600))" \
	$(RUNVM_LONG) --job check --tests "fuzz_test trinity.sh"

# The debug kernel (KASAN, lockdep, kmemleak, UBSAN, fault injection) is
# built once into ~/.cache/kipc; kipc.ko is rebuilt against it, and again
# against KVER by the next plain `make`.
# KASAN and lockdep under TCG run the tests about ten times slower: each
# test program gets DEBUG_TEST_TIMEOUT seconds, the whole VM DEBUG_VM_TIMEOUT.
DEBUG_TEST_TIMEOUT ?= 1800
DEBUG_VM_TIMEOUT ?= 7200
check-debug: deps-debug
	@$(MAKE) --no-print-directory selftests user bench-prog
	@kdir=$$(scripts/debug-kernel.sh) && \
	$(MAKE) -C $$kdir M=$(CURDIR)/kmod W=1 modules && \
	KIPC_ENV="KIPC_TEST_TIMEOUT=$(DEBUG_TEST_TIMEOUT) $(KIPC_ENV)" \
	scripts/qemu-run.sh --kver debug --kernel $$kdir/arch/x86/boot/bzImage \
		--timeout $(DEBUG_VM_TIMEOUT) --job check --tests "$(T)"

# Fault injection on the debug kernel: fault_test fails each allocation of
# each kipc operation in turn (fail-nth), then stress_test runs for
# FAULT_SECONDS with failslab and fail_page_alloc failing
# FAULT_PROBABILITY percent of its processes' allocations.
FAULT_SECONDS ?= 120
FAULT_PROBABILITY ?= 10
fault: deps-debug
	@$(MAKE) --no-print-directory selftests
	@kdir=$$(scripts/debug-kernel.sh) && \
	$(MAKE) -C $$kdir M=$(CURDIR)/kmod W=1 modules && \
	KIPC_ENV="KIPC_STRESS_SECONDS=$(FAULT_SECONDS) \
		KIPC_FAULT_PROBABILITY=$(FAULT_PROBABILITY) \
		KIPC_TEST_TIMEOUT=$$(($(FAULT_SECONDS) + 900))" \
	scripts/qemu-run.sh --kver debug --kernel $$kdir/arch/x86/boot/bzImage \
		--timeout $$(($(VM_TIMEOUT) + $(FAULT_SECONDS))) --job fault \
		--tests "fault_test stress_test"

run: deps
	@$(MAKE) --no-print-directory all
	$(RUNVM) --job run

vm: deps
	@$(MAKE) --no-print-directory all
	$(RUNVM) --job shell --interactive

# The table goes to the terminal and build/bench.txt, the chart to
# build/bench.svg (drawn in the VM by bench/svg.py from kipc-bench's
# JSON). KIPC_ENV="KIPC_BENCH_ARGS='--only pipe'" passes options.
bench: deps
	@$(MAKE) --no-print-directory all
	$(RUNVM) --job bench
	tr -d '\r' <build/vm-bench.log | \
		sed -n '/^kipc bench: kernel/,/^KIPC-SVG-BEGIN$$/p' | \
		sed '$$d' >build/bench.txt
	tr -d '\r' <build/vm-bench.log | \
		sed -n '/^KIPC-SVG-BEGIN$$/,/^KIPC-SVG-END$$/p' | \
		sed '1d;$$d' >build/bench.svg
	@echo "bench: table in build/bench.txt, chart in build/bench.svg"

# Two builds of kipc.ko in one boot, A and this tree's (or B), taking
# turns: what B costs or gains against A, per row, in build/bench-ab.txt
# (scripts/bench-ab.sh). A=B is the A/A control.
AB_N ?= 4
bench-ab: deps
	@test -n "$(A)" || { echo "usage: make bench-ab A=OLD/kipc.ko [B=NEW/kipc.ko] [AB_N=4] [AB_ARGS='kipc-bench options']"; exit 2; }
	@$(MAKE) --no-print-directory all
	KIPC_ENV="KIPC_CMD=$(CURDIR)/scripts/bench-ab.sh AB_A=$(abspath $(A)) $(if $(B),AB_B=$(abspath $(B))) AB_N=$(AB_N) $(if $(AB_ARGS),AB_ARGS='$(AB_ARGS)') $(KIPC_ENV)" \
		$(RUNVM) --job shell
	scripts/bench-ab.sh --table build/vm-shell.log | tee build/bench-ab.txt

# LTP's IPC tests, each on the kernel and under `kipc run`: the table goes
# to the terminal and build/ltp.txt. LTP is a source tree of
# github.com/linux-test-project/ltp (not in this repository, never
# downloaded here); scripts/ltp.sh builds it offline. Not part of check.
LTP ?=
LTP_TESTS ?=
LTP_VM_TIMEOUT ?= 5400
ltp:
	@scripts/deps.sh ltp
	@scripts/ltp.sh build "$(LTP)"
	@$(MAKE) --no-print-directory all
	@ltp=$$(cd "$(LTP)" && pwd) && case $$ltp/ in \
	/tmp/* | /run/* | /var/tmp/* | /root/*) \
		echo "make ltp: LTP=$$ltp: the VM mounts its own /tmp, /run, /var/tmp and /root; put LTP elsewhere"; \
		exit 1 ;; \
	esac; \
	KIPC_ENV="KIPC_LTP=$$ltp KIPC_LTP_TESTS='$(LTP_TESTS)' $(KIPC_ENV)" \
		scripts/qemu-run.sh --kver "$(KVER)" --timeout "$(LTP_VM_TIMEOUT)" --job ltp; \
	status=$$?; \
	tr -d '\r' <build/vm-ltp.log | \
		sed -n '/^KIPC-LTP-BEGIN$$/,/^KIPC-LTP-END$$/p' | sed '1d;$$d' >build/ltp.txt; \
	cat build/ltp.txt; \
	echo "ltp: table in build/ltp.txt, every test's output in build/vm-ltp.log"; \
	exit $$status

lint: deps
	@$(MAKE) --no-print-directory ksrc
	scripts/lint.sh "$(KDIR)" "$(KSRC)" $(KMOD_SRCS) -- $(USER_SRCS)
	@$(MAKE) --no-print-directory docs SPHINXOPTS="-E -W --keep-going"

format: deps
	@$(MAKE) --no-print-directory ksrc
	clang-format -i --style=file:$(KSRC)/.clang-format $(KMOD_SRCS) $(USER_SRCS)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	-$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) clean
	@if [ -f user/Makefile ]; then $(MAKE) -C user clean; fi
	$(MAKE) -C bench clean
	$(MAKE) -C lib clean
	$(MAKE) -C examples clean
	rm -rf $(BUILD)

# DKMS: the module's sources and dkms.conf, staged as /usr/src/kipc-VERSION.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_FILES := dkms.conf kmod/Kbuild include/uapi/linux/kipc.h \
	$(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h))
DKMS_SCRATCH := $(BUILD)/dkms
# Pass -k only when KVER was given; else dkms uses the running kernel.
DKMS_KVER := $(if $(filter command line environment,$(origin KVER)),-k $(KVER))

dkms-install:
	@test "$$(id -u)" = 0 || { echo "dkms-install: run as root"; exit 1; }
	@command -v dkms >/dev/null || { echo "dkms-install: no dkms (make deps)"; exit 1; }
	-dkms remove -m kipc -v $(DKMS_VERSION) --all >/dev/null 2>&1
	rm -rf /usr/src/kipc-$(DKMS_VERSION)
	mkdir -p /usr/src/kipc-$(DKMS_VERSION)
	cp --parents $(DKMS_FILES) /usr/src/kipc-$(DKMS_VERSION)/
	dkms add -m kipc -v $(DKMS_VERSION)
	dkms install -m kipc -v $(DKMS_VERSION) $(DKMS_KVER)

dkms-uninstall:
	-dkms remove -m kipc -v $(DKMS_VERSION) --all
	rm -rf /usr/src/kipc-$(DKMS_VERSION)

# CI: build with dkms for KVER in a scratch tree (signing key included),
# check the result, remove it. Installs nothing, loads nothing.
dkms-check: deps
	@command -v dkms >/dev/null || { echo "dkms-check: no dkms (make deps)"; exit 1; }
	@test -n "$(KVER)" || { echo "dkms-check: no kernel with headers (make deps)"; exit 1; }
	rm -rf $(DKMS_SCRATCH)
	mkdir -p $(DKMS_SCRATCH)/src/kipc-$(DKMS_VERSION) $(DKMS_SCRATCH)/tree
	cp --parents $(DKMS_FILES) $(DKMS_SCRATCH)/src/kipc-$(DKMS_VERSION)/
	mok_signing_key=$(DKMS_SCRATCH)/mok.key mok_certificate=$(DKMS_SCRATCH)/mok.pub \
	dkms build -m kipc -v $(DKMS_VERSION) -k $(KVER) \
		--sourcetree $(DKMS_SCRATCH)/src --dkmstree $(DKMS_SCRATCH)/tree || \
		{ cat $(DKMS_SCRATCH)/tree/kipc/$(DKMS_VERSION)/build/make.log; rm -rf $(DKMS_SCRATCH); exit 1; }
	ko=$$(find $(DKMS_SCRATCH)/tree/kipc/$(DKMS_VERSION)/$(KVER) -name 'kipc.ko*' | head -n 1); \
	test -n "$$ko" && modinfo -F vermagic "$$ko" | grep -q "^$(KVER) " || \
		{ echo "dkms-check: no kipc.ko for $(KVER)"; rm -rf $(DKMS_SCRATCH); exit 1; }; \
	echo "dkms-check: built $${ko#$(DKMS_SCRATCH)/} for $(KVER)"
	dkms remove -m kipc -v $(DKMS_VERSION) -k $(KVER) \
		--sourcetree $(DKMS_SCRATCH)/src --dkmstree $(DKMS_SCRATCH)/tree
	rm -rf $(DKMS_SCRATCH)

# make install, make uninstall: PREFIX and DESTDIR as usual. Nothing is
# built here (the VM sees the tree read-only): run `make` first.
PREFIX ?= /usr/local
bindir ?= $(PREFIX)/bin
libdir ?= $(PREFIX)/lib
libexecdir ?= $(PREFIX)/libexec
includedir ?= $(PREFIX)/include
mandir ?= $(PREFIX)/share/man
pkgconfigdir ?= $(libdir)/pkgconfig
# lib/Makefile's shared library and its soname.
LIBKIPC_SO := libkipc.so.0.2
LIBKIPC_SONAME := libkipc.so.0
MAN_PAGES := $(wildcard man/*.1 man/*.3 man/*.7)

# What install copies, as SOURCE:DIRECTORY:MODE. kipc-bench runs svg.py
# from its own directory, so both go to libexec/kipc, and bin/kipc-bench
# is a relative link there (kipc bench runs it from kipc's directory).
INSTALL_FILES := user/kipc:$(bindir):755 \
	bench/kipc-bench:$(libexecdir)/kipc:755 \
	bench/svg.py:$(libexecdir)/kipc:755 \
	lib/$(LIBKIPC_SO):$(libdir):755 \
	lib/libkipc.a:$(libdir):644 \
	lib/libkipc-preload.so:$(libdir):755 \
	lib/include/kipc/kipc.h:$(includedir)/kipc:644 \
	include/uapi/linux/kipc.h:$(includedir)/linux:644 \
	$(foreach m,$(MAN_PAGES),$(m):$(mandir)/man$(subst .,,$(suffix $(m))):644)
# Links, as LINK:TARGET (TARGET is in LINK's directory, or made relative).
INSTALL_LINKS := $(libdir)/$(LIBKIPC_SONAME):$(LIBKIPC_SO) \
	$(libdir)/libkipc.so:$(LIBKIPC_SO) \
	$(bindir)/kipc-bench:$(libexecdir)/kipc/kipc-bench
# Written by install: libkipc.pc, from lib/libkipc.pc.in.
INSTALL_PC := $(pkgconfigdir)/libkipc.pc
# Directories only kipc uses, removed by uninstall once empty.
INSTALL_OWN_DIRS := $(libexecdir)/kipc $(includedir)/kipc

install:
	@set -e; for e in $(INSTALL_FILES); do \
		src=$${e%%:*}; \
		test -e "$$src" || { echo "make install: $$src is not built: run 'make' first" >&2; exit 1; }; \
	done; \
	for e in $(INSTALL_FILES); do \
		src=$${e%%:*}; rest=$${e#*:}; dir=$${rest%:*}; mode=$${rest##*:}; \
		install -d "$(DESTDIR)$$dir"; \
		install -m "$$mode" "$$src" "$(DESTDIR)$$dir/"; \
		echo "  INSTALL $$dir/$${src##*/}"; \
	done; \
	for e in $(INSTALL_LINKS); do \
		link=$${e%%:*}; target=$${e#*:}; \
		case $$target in /*) target="$(DESTDIR)$$target"; rel=-r ;; *) rel= ;; esac; \
		ln -sf $$rel "$$target" "$(DESTDIR)$$link"; \
		echo "  LINK    $$link"; \
	done; \
	install -d "$(DESTDIR)$(pkgconfigdir)"; \
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' \
		-e 's|@includedir@|$(includedir)|' -e 's|@version@|$(DKMS_VERSION)|' \
		lib/libkipc.pc.in >"$(DESTDIR)$(INSTALL_PC)"; \
	echo "  PC      $(INSTALL_PC)"

uninstall:
	@for e in $(INSTALL_FILES); do \
		src=$${e%%:*}; rest=$${e#*:}; dir=$${rest%:*}; \
		rm -f "$(DESTDIR)$$dir/$${src##*/}"; \
	done; \
	for e in $(INSTALL_LINKS); do rm -f "$(DESTDIR)$${e%%:*}"; done; \
	rm -f "$(DESTDIR)$(INSTALL_PC)"; \
	for d in $(INSTALL_OWN_DIRS); do \
		if [ -d "$(DESTDIR)$$d" ]; then rmdir --ignore-fail-on-non-empty "$(DESTDIR)$$d"; fi; \
	done
