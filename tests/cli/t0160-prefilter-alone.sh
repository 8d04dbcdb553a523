#!/usr/bin/env bash
# t0160: `prefilter_alone: true` puts a rule's Hyperscan expression in a
# database of its own (issue 4: the Italian fiscal code's sixteen classes
# slowed the shared database down).  Findings must not change: the same
# rows with the Hyperscan engine as with PCRE2 alone, for a user pack that
# mixes alone, keyword and plain rules and for the built-in packs (whose
# IPv6, MAC and NINO rules have a prefilter that is a part of the match;
# the fiscal-code rule, alone here once, is t0161's); a value other than
# true or false is refused with the rule named.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >mixed.yaml <<'EOF'
rules:
  - id: t.alone_code
    category: other
    pattern: '(?<![A-Za-z0-9])[A-Z]{4}[0-9]{2}[A-Z](?![A-Za-z0-9])'
    prefilter_alone: true
  - id: t.alone_word
    category: other
    pattern: '(?<![a-z])zq[a-z]{2,6}(?![a-z])'
    prefilter: 'zq[a-z]{2}'
    prefilter_alone: true
  - id: t.keyword
    category: other
    pattern: '(?<=ref:)[0-9]{5}(?![0-9])'
    keywords: ['ref:']
  - id: t.plain
    category: other
    pattern: '\b[0-9]{3}-[0-9]{3}\b'
EOF
python3 - <<'PY'
import random
r = random.Random(160)
L = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
words = "alpha beta gamma delta zqrst zq zqab zqabcdefgh epsilon ref: ref:1234 ref:123456".split()
with open("text.txt", "w") as f:
    for i in range(30000):
        parts = []
        for _ in range(r.randint(3, 12)):
            x = r.random()
            if x < 0.05:
                parts.append("".join(r.choice(L) for _ in range(4)) + "%02d" % r.randint(0, 99) + r.choice(L))
            elif x < 0.08:
                parts.append("ref:%05d" % r.randint(0, 99999))
            elif x < 0.11:
                parts.append("%03d-%03d" % (r.randint(0, 999), r.randint(0, 999)))
            else:
                parts.append(r.choice(words))
        f.write(" ".join(parts) + "\n")
# Valid Italian fiscal codes (the built-in rule), plain and omocodic, in prose.
codes = ["BNCGLI92E51F205S", "vrdlcu01a01h501p", "BNCGLI92E51F20RN", "VRDLCU01A01H501P"]
# And the rules whose prefilter is a part of the match (IPv6, MAC, NINO),
# with near misses around them.
others = ["I can ping 2a02:8071:b80:3c40:1d34:9a2b:5f11:70c4 but not", "client 2a00:1450:4001:82a::200e ok",
          "remote_addr=::ffff:81.2.69.160", "inet6 fe80::1ce2:9bff:fe42:7d1a%en0", "fe80:: and ::1 and a::",
          "2a02:8071:b80:3c40:1d34:9a2b:81.2.69.160 tail", "std::vector<int>::iterator 12:34:56 1:2:3:4",
          "hardware address b8:27:eb:4f:1a:9c.", "add 3C-5A-B4-01-9E-77 now", "port 0c29.4fa1.22b0 up",
          "b8:27-eb:4f:1a:9c mixed", "2023.1122.0001 dotted number", "NINO JG103772A", "ni_number=PZ987654D",
          "National Insurance number: JG 10 37 72 A", "JG 10 37 72A and 1234567B and AB12C"]
with open("fiscal.txt", "w") as f:
    for i in range(2000):
        f.write("cliente %d, codice fiscale %s, nato a Roma; note: %s.\n" % (i, codes[i % 4], "x" * (i % 13)))
        f.write("%s %s\n" % (others[i % len(others)], "y" * (i % 7)))
PY

q="select f.offset, f.length, f.rule, f.confidence, f.fingerprint from findings f order by 1, 3"
if "$PIIAUDIT" scan -q --engine hyperscan --no-builtin-rules --rules mixed.yaml --db probe.db text.txt >/dev/null 2>&1; then
	run 0 "$PIIAUDIT" scan -q --engine hyperscan --no-builtin-rules --rules mixed.yaml --db hs.db text.txt
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --no-builtin-rules --rules mixed.yaml --db pc.db text.txt
	n=$(sql pc.db 'select count(*) from findings')
	check "the user pack finds something of each rule ($n)" \
		test "$(sql pc.db 'select count(distinct rule) from findings')" = 4
	check "the same findings with the alone rules in their own database as with PCRE2" \
		test "$(sql hs.db "$q" | md5sum)" = "$(sql pc.db "$q" | md5sum)"
	run 0 "$PIIAUDIT" scan -q --engine hyperscan --db bhs.db fiscal.txt text.txt
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --db bpc.db fiscal.txt text.txt
	check "the built-in fiscal-code rule finds the codes" \
		test "$(sql bhs.db "select count(*) from findings where rule = 'national_id.it_fiscal_code'")" -ge 1500
	check "the built-in IPv6, MAC and NINO rules (prefilters inside the match) find theirs" \
		test "$(sql bpc.db "select count(distinct rule) from findings where rule in ('ip_address.v6', 'mac_address.eui48', 'national_id.uk_nino')")" = 3
	check "the built-in packs: the same findings with both engines" \
		test "$(sql bhs.db "$q" | md5sum)" = "$(sql bpc.db "$q" | md5sum)"
	run 0 "$PIIAUDIT" rules test --engine hyperscan
else
	ok "# SKIP no Hyperscan engine in this build"
fi

sed 's/prefilter_alone: true/prefilter_alone: maybe/' mixed.yaml >bad.yaml
run 2 "$PIIAUDIT" rules list --no-builtin-rules --rules bad.yaml
check "a bad prefilter_alone is named with its rule" grep -q 't.alone_code.*prefilter_alone must be true or false' "$T/err"
finish
