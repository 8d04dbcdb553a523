# tests/fuzz/fuzz.mk - libFuzzer harnesses, included at the end of the Makefile.
#
#   make fuzz                  build, then fuzz each target FUZZ_SECONDS (60)
#   make -j2 fuzz              two targets at a time (one per core)
#   make fuzz FUZZ_TARGETS=fuzz_reader FUZZ_SECONDS=3600
#   make check-fuzz            seeds and regressions, then 4 s of fuzzing
#                              per target (under a minute in all); ends with
#                              "fuzz: N passed, M failed"
#   make clean-fuzz            removes build-fuzz/ and the scratch corpora
#
# Uses the Makefile's LIB_SRCS, GEN_SRCS, PKGS, PKG_CONFIG, WARN and
# DATADIR; adds no prerequisite to any target of the Makefile.  New corpus
# entries, crash files and the harnesses' Hyperscan cache go to FUZZ_WORK,
# never into the source tree or the user's cache: the seeds in
# tests/fuzz/corpus/<target>/ are copied there first.

FUZZ_CC            ?= clang
FUZZ_DIR           ?= build-fuzz
FUZZ_WORK          ?= $(or $(TMPDIR),/tmp)/piiaudit-fuzz
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 4
FUZZ_FLAGS         ?=
# The Hyperscan cache of the harnesses that compile packs (fuzz_rule_pack,
# fuzz_engines, fuzz_packs): mutants often repeat a pack's expressions, so
# it makes them several times faster, but it gains a file for each new
# one; kept out of the user's cache folder.
FUZZ_CACHE         ?= $(FUZZ_WORK)/hs-cache
FUZZ_TARGETS       ?= fuzz_reader fuzz_block_stream fuzz_rule_pack fuzz_validators fuzz_json fuzz_gzip fuzz_engines fuzz_packs fuzz_csv fuzz_archive_mem fuzz_redact

# Per-target libFuzzer options.  The reader gets room for small archives
# and a generous timeout: limits allow 16 MiB per member, 10000 entries;
# and no practical malloc limit: libarchive sizes its read-ahead buffer
# from header fields, never touched: a 184-byte cpio asks for 4 GiB, and a
# cpio name size near 4 GiB for a buffer doubled to 8 GiB
# (regressions/fuzz_reader/cpio-namesize-8gib-readahead.cpio, which a
# 4-second check-fuzz run found against a limit of exactly 8 GiB).  What
# the machine cannot map fails and is reported (allocator_may_return_null);
# memory really used is bounded by the RSS limit.
FUZZ_FLAGS_fuzz_reader       = -max_len=8192 -timeout=60 -malloc_limit_mb=65536 -rss_limit_mb=4096
FUZZ_FLAGS_fuzz_block_stream = -max_len=16384 -timeout=20
FUZZ_FLAGS_fuzz_rule_pack    = -max_len=8192 -timeout=20
FUZZ_FLAGS_fuzz_validators   = -max_len=2048 -timeout=20
FUZZ_FLAGS_fuzz_json         = -max_len=4096 -timeout=20
FUZZ_FLAGS_fuzz_gzip         = -max_len=8192 -timeout=30
FUZZ_FLAGS_fuzz_engines      = -max_len=4096 -timeout=30
FUZZ_FLAGS_fuzz_packs        = -max_len=4096 -timeout=30
FUZZ_FLAGS_fuzz_csv          = -max_len=4096 -timeout=20
FUZZ_FLAGS_fuzz_archive_mem  = -max_len=4096 -timeout=20
# fuzz_redact reads what fuzz_reader does, through libarchive as well.
FUZZ_FLAGS_fuzz_redact       = -max_len=8192 -timeout=60 -malloc_limit_mb=65536 -rss_limit_mb=4096

# Seeds come from tests/fuzz/corpus/<target>/ unless named here.
FUZZ_SEEDS_fuzz_engines = fuzz_rule_pack
FUZZ_SEEDS_fuzz_redact  = fuzz_reader

# Recursive (=) so that pkg-config only runs when a fuzz rule does.
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=c17 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) $(filter-out -Werror -Wno-format-truncation,$(WARN)) -pthread -I. \
                -DPIIAUDIT_DATADIR='"$(DATADIR)"' -DFUZZ_SRCDIR='"$(CURDIR)"' $(HS_DEF) \
                $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_LDLIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm
FUZZ_LIB_OBJS = $(patsubst %.c,$(FUZZ_DIR)/lib/%.o,$(sort $(LIB_SRCS) $(GEN_SRCS)))
FUZZ_BINS     = $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
FUZZ_ALL_BINS = $(addprefix $(FUZZ_DIR)/,fuzz_reader fuzz_block_stream fuzz_rule_pack fuzz_validators fuzz_json fuzz_gzip fuzz_engines fuzz_packs fuzz_csv fuzz_archive_mem fuzz_redact)

.PHONY: fuzz fuzz-build check-fuzz clean-fuzz

# The library, instrumented for coverage but without libFuzzer's main.
# The matcher's loops compare offsets and folded bytes at every step, and
# libFuzzer's comparison hooks there were a third of fuzz_packs' time
# while guiding nothing (what matches is decided in PCRE2 and Hyperscan,
# which are not instrumented): edges only there, 535 -> 750 executions a
# second, the same coverage from the same corpus.  The same for the
# candidate lists (Hyperscan's callback) and the token pass, and for the
# reader's and the JSON walker's byte loops (a JSON array's element ends,
# strings): a third of fuzz_reader's time, 770 -> 1,200 a second from the
# same corpus and seed, fuzz_json 35,000 -> 60,000, the same coverage
# (libFuzzer's memcmp hooks still see the magic numbers).
FUZZ_COV_rules/matcher.c        = -fno-sanitize-coverage=trace-cmp
FUZZ_COV_rules/prefilter.c      = -fno-sanitize-coverage=trace-cmp
FUZZ_COV_rules/token_run.c      = -fno-sanitize-coverage=trace-cmp
FUZZ_COV_scanners/reader.c      = -fno-sanitize-coverage=trace-cmp
FUZZ_COV_scanners/json_fields.c = -fno-sanitize-coverage=trace-cmp
$(FUZZ_DIR)/lib/%.o: %.c $(wildcard */*.h) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_COV_$<) -c -o $@ $<

# The harnesses themselves build with -Werror: a struct that gained a
# member once turned a positional initializer into a pointer and a zero
# count, and fuzz_csv and fuzz_reader walked no CSV cell, with a warning.
$(FUZZ_ALL_BINS): $(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h tests/fuzz/fuzz_rule_pack.c scanners/gzip_src.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(FUZZ_LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

# One target: seeds (and regressions) copied into a scratch corpus that
# persists between runs, libFuzzer's log kept next to it.
fuzz-run-%: $(FUZZ_DIR)/%
	@work="$(FUZZ_WORK)/$*"; mkdir -p "$$work/corpus" "$$work/artifacts"; \
	for d in tests/fuzz/corpus/$(or $(FUZZ_SEEDS_$*),$*) tests/fuzz/regressions/$*; do \
	  [ -d "$$d" ] && find "$$d" -maxdepth 1 -type f -exec cp {} "$$work/corpus/" \; ; \
	done; \
	echo "fuzz: $* for $(FUZZ_SECONDS) s, corpus and log in $$work"; \
	PIIAUDIT_CACHE_DIR="$(FUZZ_CACHE)" $(FUZZ_DIR)/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix="$$work/artifacts/" $(FUZZ_FLAGS_$*) $(FUZZ_FLAGS) \
	  "$$work/corpus" >"$$work/log" 2>&1; rc=$$?; \
	grep -E '^#[0-9]+ +(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^==[0-9]+==ERROR|^SUMMARY|invariant failed|Test unit written' "$$work/log" | sed "s/^/  $*: /"; \
	exit $$rc

# Every seed and regression once, then a short run from a scratch copy.
# fuzz_check_one expands to the shell commands for one target.
fuzz_check_one = \
	t=$(1); flags='$(FUZZ_FLAGS_$(1))'; work="$(FUZZ_WORK)/check-$(1)"; ok=1; \
	rm -rf "$$work"; mkdir -p "$$work/corpus"; \
	files=$$(find tests/fuzz/corpus/$(or $(FUZZ_SEEDS_$(1)),$(1)) tests/fuzz/regressions/$(1) -maxdepth 1 -type f 2>/dev/null | sort); \
	if [ -n "$$files" ]; then \
	  cp $$files "$$work/corpus/"; \
	  PIIAUDIT_CACHE_DIR="$(FUZZ_CACHE)" $(FUZZ_DIR)/$(1) $$flags $$files >"$$work/replay.log" 2>&1 || ok=0; \
	fi; \
	if [ $$ok = 1 ]; then \
	  PIIAUDIT_CACHE_DIR="$(FUZZ_CACHE)" $(FUZZ_DIR)/$(1) $$flags -max_total_time=$(FUZZ_CHECK_SECONDS) -print_final_stats=1 \
	    -artifact_prefix="$$work/" "$$work/corpus" >"$$work/fuzz.log" 2>&1 || ok=0; \
	fi; \
	if [ $$ok = 1 ]; then \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' "$$work/fuzz.log"); \
	  echo "ok   $$t: $$(echo $$files | wc -w) seeds and regressions, then $$runs runs"; \
	  passed=$$((passed + 1)); \
	else \
	  echo "FAIL $$t: logs in $$work"; \
	  grep -hE '^==[0-9]+==ERROR|^SUMMARY|invariant failed|^Running: ' "$$work"/*.log | tail -n 4 | sed 's/^/     /'; \
	  failed=$$((failed + 1)); \
	fi;

check-fuzz: $(FUZZ_BINS)
	@passed=0; failed=0; \
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_check_one,$(t))) \
	echo "fuzz: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]

clean-fuzz:
	rm -rf $(FUZZ_DIR)
	rm -rf $(addprefix $(FUZZ_WORK)/,$(FUZZ_TARGETS) $(addprefix check-,$(FUZZ_TARGETS))) $(FUZZ_CACHE)
