/*
 * tests/fuzz/fuzz_engines.c - fuzz_rule_pack with the engine comparison:
 * every pack that compiles is run by PCRE2 alone and by the default engine
 * (the Hyperscan prefilter when built in) over a fixed text, windows of
 * it and the rules' examples, and both must report the same hits.  Slow
 * (a Hyperscan database per input), hence a target of its own; its seeds
 * are fuzz_rule_pack's.
 */
#define FUZZ_PACK_ENGINE_DIFF 1
#include "tests/fuzz/fuzz_rule_pack.c"
