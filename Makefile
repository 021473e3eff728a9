# Makefile for bntutor: build, run, test, bench, install. `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/bntutor
MANDIR   = $(PREFIX)/share/man/man1
# The system-wide dataset cache that `bntutor cache build` fills and every learner's tutor reads.
CACHEDIR ?= /var/cache/bntutor
# Where Debian's dataset-fashion-mnist puts its files: install fills the cache when they are there.
FASHION_DIR = /usr/share/datasets/fashion-mnist

CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into a separate tree.
BUILDROOT ?= build
ifeq ($(SAN),1)
BUILD   := $(BUILDROOT)/san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
else
BUILD   := $(BUILDROOT)/rel
OPT     := -O2 -g
LDSAN   :=
endif

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2 -Wvla -Wcast-qual -Wwrite-strings -Wundef -Wno-unused-parameter

# pkg-config is asked only when building, so `make deps` works before it is installed.
NCURSES_CFLAGS = $(filter-out -D_XOPEN_SOURCE=% -D_DEFAULT_SOURCE,$(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null))
NCURSES_LIBS   = $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null)
ZLIB_LIBS      = $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)
CRIT_CFLAGS    = $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRIT_LIBS      = $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

CPPFLAGS += -Isrc -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_XOPEN_SOURCE_EXTENDED \
            -DBNTUTOR_VERSION='"$(VERSION)"' -DBNTUTOR_SHAREDIR='"$(SHAREDIR)"' \
            -DBNTUTOR_SYSTEM_CACHE_DIR='"$(CACHEDIR)"'
CFLAGS  ?=
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(if $(filter 1,$(WERROR)),-Werror) $(CFLAGS)
LDLIBS_APP = $(NCURSES_LIBS) $(ZLIB_LIBS) -lm

LIB_SRC  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
LIB      := $(BUILD)/libbntutor.a
BIN      := $(BUILD)/bntutor

TESTS        ?= $(wildcard tests/test_*.c)
TEST_SRC     := $(sort $(TESTS))
TEST_BIN     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
SUPPORT_SRC  := $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJ  := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: build-all all run test unit e2e lint-lessons bench install uninstall clean deps deps-build deps-test deps-bench help golden fuzz valgrind classroom

all: deps-build bntutor

# The top-level ./bntutor is a copy of the current build so lessons/ and assets/ sit beside it. Copied
# then renamed, so a tutor still running from it keeps its old file instead of failing the build.
bntutor: $(BIN)
	@cp $(BIN) $@.tmp && mv -f $@.tmp $@

help:
	@echo "make run        build and start the tutor"
	@echo "make test       build and run every test (SAN=1: with ASan and UBSan)"
	@echo "make bench      speed figures (training step, render time, bytes per frame)"
	@echo "make golden     regenerate golden frames under tests/golden/"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)"
	@echo "make valgrind   the headless paths under valgrind"
	@echo "make classroom  60 tutors at once in tmux: memory, CPU, answers (CLASSROOM_TUTORS, CLASSROOM_SECONDS)"
	@echo "make install    install to \$$DESTDIR\$$PREFIX (PREFIX=$(PREFIX))"
	@echo "make uninstall  remove what install put there"
	@echo "make deps       check (and as root install) the system packages needed"

deps: deps-test
deps-build:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh test
deps-bench:
	@scripts/deps.sh bench

# Built in parallel (one job per core) unless a -j was given on the command line.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
run:
	@$(MAKE) --no-print-directory $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(JOBS)) all
	./bntutor

# Objects bake in the share directory and version: a stamp that changes with them rebuilds them.
CONFIG_STAMP := $(BUILD)/config.stamp
CONFIG_LINE  := $(SHAREDIR) $(VERSION) $(CACHEDIR)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(CONFIG_STAMP) 2>/dev/null)" = "$(CONFIG_LINE)" ] || echo "$(CONFIG_LINE)" > $(CONFIG_STAMP); })

$(BUILD)/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(NCURSES_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "AR $@"; ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(OPT) $(LDSAN) -o $@ $(MAIN_OBJ) $(LIB) $(LDLIBS_APP)

$(BUILD)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CRIT_CFLAGS) $(ALL_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CRIT_CFLAGS) $(NCURSES_CFLAGS) $(ALL_CFLAGS) -Itests -MMD -MP -o $@ $< \
	    $(SUPPORT_OBJ) $(LIB) $(CRIT_LIBS) $(LDLIBS_APP) $(LDSAN)

# Tests run from the top directory so they find ../shared/reference, lessons/ and the binary.
test: deps-test bntutor $(BIN) $(TEST_BIN)
	@BNTUTOR_BIN=$(BIN) scripts/run-tests.sh $(TEST_BIN)

# Everything compiled, nothing run: with WERROR=1 and CC=clang, the warning check CI makes.
build-all: $(BIN) $(TEST_BIN) $(BENCH_BIN)

unit: $(BIN) $(TEST_BIN)
	@BNTUTOR_BIN=$(BIN) BNTUTOR_SKIP_E2E=1 scripts/run-tests.sh $(TEST_BIN)

golden: $(BIN) $(TEST_BIN)
	BNTUTOR_BIN=$(BIN) BNTUTOR_REGEN_GOLDEN=1 scripts/run-tests.sh $(TEST_BIN)


$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(NCURSES_CFLAGS) $(ALL_CFLAGS) -O3 -MMD -MP -o $@ $< $(LIB) $(LDLIBS_APP) $(LDSAN)

# Benchmarks are never built with sanitizers: the figures would mean nothing.
bench: deps-bench
	@if [ "$(SAN)" = 1 ]; then echo "bntutor: make bench ignores SAN=1" >&2; fi
	@$(MAKE) --no-print-directory SAN= $(BIN) $(BENCH_SRC:bench/%.c=$(BUILDROOT)/rel/bench/%)
	@scripts/bench.sh $(BUILDROOT)/rel

install: deps-build $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/lessons $(DESTDIR)$(SHAREDIR)/themes $(DESTDIR)$(MANDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/bntutor
	install -m 644 $(wildcard lessons/*.lesson) lessons/README.md $(DESTDIR)$(SHAREDIR)/lessons/
	install -m 644 $(wildcard assets/themes/*.theme) $(DESTDIR)$(SHAREDIR)/themes/
	install -m 644 assets/bntutor.1 $(DESTDIR)$(MANDIR)/bntutor.1
	@# A real install (no DESTDIR staging) with Fashion-MNIST present fills the shared cache once, so a
	@# class reads one copy; without root it says so and the install still succeeds.
	@if [ -z "$(DESTDIR)" ] && [ -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then \
	    echo "$(BINDIR)/bntutor cache build --cache-dir=$(CACHEDIR)"; \
	    $(BINDIR)/bntutor cache build --cache-dir=$(CACHEDIR) || \
	        echo "bntutor: warning: no system-wide cache; each learner unpacks Fashion-MNIST into ~/.cache (run 'bntutor cache build' as root)" >&2; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bntutor $(DESTDIR)$(MANDIR)/bntutor.1
	rm -rf $(DESTDIR)$(SHAREDIR)
	@# Only bntutor's own cache files: the folder may be shared with a CACHEDIR chosen by hand.
	rm -f $(DESTDIR)$(CACHEDIR)/*-idx3-ubyte-*.idx $(DESTDIR)$(CACHEDIR)/*.idx3-ubyte-*.idx \
	    $(DESTDIR)$(CACHEDIR)/*-idx3-ubyte-*.idx.lock $(DESTDIR)$(CACHEDIR)/*.idx3-ubyte-*.idx.lock
	@rmdir $(DESTDIR)$(CACHEDIR) 2>/dev/null || true

fuzz:
	@FUZZ_BUILD=$(BUILDROOT)/fuzz scripts/fuzz.sh

# valgrind needs the release build, never SAN=1.
valgrind:
	@$(MAKE) --no-print-directory SAN= $(BUILDROOT)/rel/bntutor
	@scripts/valgrind.sh $(BUILDROOT)/rel/bntutor

# Sixty tutors at once, as in a lab: a figure for people, not part of make test.
classroom:
	@$(MAKE) --no-print-directory SAN= $(BUILDROOT)/rel/bntutor
	@scripts/classroom.sh $(BUILDROOT)/rel/bntutor

clean:
	rm -rf build bntutor

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d)
