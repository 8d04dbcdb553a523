# piiaudit: build, test, install.  `make demo` and `make check` are the two set-up commands.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/piiaudit
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS    := libpcre2-8 libarchive liblzma libzstd sqlite3 yaml-0.1 libsodium zlib libcrypto
# Hyperscan is the multi-pattern prefilter; without it (HYPERSCAN=no, or
# not installed) the same findings come from PCRE2 alone, more slowly.
HYPERSCAN ?= $(shell $(PKG_CONFIG) --exists libhs 2>/dev/null && echo yes)
ifeq ($(HYPERSCAN),yes)
PKGS    += libhs
HS_DEF  := -DHAVE_HYPERSCAN
endif
# ISA-L inflates gzip about 2.6 times as fast as zlib; zlib when absent
# (ISAL=no).
ISAL ?= $(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo yes)
ifeq ($(ISAL),yes)
PKGS    += libisal
HS_DEF  += -DHAVE_ISAL
endif
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# gcc warns on every deliberate snprintf truncation; clang has no such option.
WARN    += $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-Wno-format-truncation)
OPT     ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) -pthread -I. \
           -DPIIAUDIT_DATADIR='"$(DATADIR)"' $(HS_DEF) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm

# Debian packages the build, the tests and the demo need; `make deps` installs the missing ones.
DEB_PKGS := build-essential clang pkg-config libpcre2-dev zlib1g-dev libsqlite3-dev libssl-dev \
            libarchive-dev liblzma-dev libzstd-dev libyaml-dev libsodium-dev libhyperscan-dev libisal-dev sqlite3 python3 zstd xz-utils bzip2 lz4 \
            p7zip-full zip unzip mandoc ripgrep isal time nodejs chromium \
            slurm-wlm munge parallel openssh-server openssh-client libfuzzer-14-dev strace

LIB_SRCS := $(filter-out db/schema_sql.c,$(sort $(wildcard scanners/*.c rules/*.c db/*.c)))
APP_SRCS := $(sort $(wildcard audit/*.c))
GEN_SRCS := db/schema_sql.c
OBJDIR   ?= build
LIB_OBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(LIB_SRCS) $(GEN_SRCS))
APP_OBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(APP_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OBJDIR)/tests/%,$(UNIT_SRCS))
BIN      ?= piiaudit

.PHONY: all deps check check-asan check-asan-run demo install uninstall clean eval bench bench-rules

all: $(BIN)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# V=1 shows the whole compiler command lines.
Q := $(if $(V),,@)

$(BIN): $(LIB_OBJS) $(APP_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OBJDIR)/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

db/schema_sql.c: db/schema.sql
	@{ echo '/* Generated from db/schema.sql by the Makefile: do not edit. */'; \
	   echo '#include "db/schema.h"'; \
	   echo 'const char db_schema_sql[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	   echo '    ;'; } > $@

$(OBJDIR)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

# make check: every test, ending with the line "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(if $(filter yes,$(HYPERSCAN)),$(OBJDIR)/tests/rule_cost)
	@FUZZ=$(if $(wildcard tests/fuzz/fuzz.mk),1,0) RULE_COST=$(if $(filter yes,$(HYPERSCAN)),$(CURDIR)/$(OBJDIR)/tests/rule_cost) \
	  tests/run-all.sh $(UNIT_BINS)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer, built apart.
check-asan: deps
	@$(MAKE) --no-print-directory OBJDIR=build-asan BIN=build-asan/piiaudit \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="$(LDFLAGS) -fsanitize=address,undefined" check-asan-run

# Under the sanitizers: unit tests, rule examples and the CLI tests that
# drive the parsers and the store (not the browser and cluster ones, which
# exercise other programs and would only repeat the plain run's work).
ASAN_CLI_TESTS ?= tests/cli/t00*.sh tests/cli/t01*.sh tests/cli/t05*.sh tests/cli/t060*.sh tests/cli/t061*.sh \
                  tests/cli/t062*.sh tests/cli/t063*.sh tests/cli/t08*.sh \
                  tests/cli/t09*.sh tests/cli/t10*.sh tests/cli/t0710-merge.sh
check-asan-run: all $(UNIT_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CLI_TESTS="$(ASAN_CLI_TESTS)" PIIAUDIT=$(BIN) tests/run-all.sh $(UNIT_BINS)

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh ./$(BIN)

eval: deps
	@$(MAKE) --no-print-directory all
	@PIIAUDIT=./$(BIN) tests/eval/run.sh

# make bench [BENCH_MB=1024]: piiaudit against cat, zcat, igzip, zstd and
# ripgrep on one generated corpus; prints one table (tests/bench/README.md).
bench: deps
	@$(MAKE) --no-print-directory all
	@PIIAUDIT=$(CURDIR)/$(BIN) tests/bench/bench.sh $(BENCH_MB)

# What each rule costs the Hyperscan prefilter over a file of your corpus
# (tests/bench/rule_cost.c): make bench-rules RULE_COST_FILE=sample.jsonl
RULE_COST_FILE ?=
$(OBJDIR)/tests/rule_cost: tests/bench/rule_cost.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

bench-rules: all
ifeq ($(HYPERSCAN),yes)
	@$(MAKE) --no-print-directory $(OBJDIR)/tests/rule_cost
	@[ -n "$(RULE_COST_FILE)" ] || { echo "make bench-rules RULE_COST_FILE=FILE: a sample of the corpus to time the rules on" >&2; exit 2; }
	@PIIAUDIT_RULES_DIR=$(CURDIR)/rules/packs $(OBJDIR)/tests/rule_cost "$(RULE_COST_FILE)"
else
	@echo "bench-rules: built without Hyperscan (libhyperscan-dev)" >&2; exit 2
endif

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/piiaudit
	install -m 644 rules/packs/*.yaml $(DESTDIR)$(DATADIR)/rules/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/piiaudit
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))

clean:
	rm -rf build build-asan $(BIN) db/schema_sql.c

# Fuzz harnesses (libFuzzer, clang): tests/fuzz/fuzz.mk defines `fuzz` and
# `check-fuzz`.
-include tests/fuzz/fuzz.mk
