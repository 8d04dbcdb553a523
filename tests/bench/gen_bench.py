#!/usr/bin/env python3
"""Deterministic benchmark corpus: JSON lines of prose with sparse PII.

gen_bench.py OUT.jsonl MB [--seed N]

About one planted value per 1.5 KB on average (emails, phones, cards with a
valid Luhn digit, IPv4, IBANs, SSNs), in records like a web crawl's. Fast:
builds a pool of records once and samples from it.
"""
import json
import random
import sys

WORDS = ("the of and to in is was for on that with as by at from his her they have which "
         "this be are or had not but were been one their an all who so if will would there "
         "about more when can what also into time only some could them other than then now "
         "its over such people like just out first after any well new way most may even "
         "because these two good very through where much should our work those years make").split()


def luhn_complete(prefix, r):
    digits = [int(c) for c in prefix]
    for check in range(10):
        total = 0
        for i, d in enumerate(reversed(digits + [check])):
            if i % 2:
                d *= 2
                d -= 9 if d > 9 else 0
            total += d
        if total % 10 == 0:
            return prefix + str(check)


def iban(r):
    bank = "".join(str(r.randint(0, 9)) for _ in range(18))
    num = int("".join(str(int(c, 36)) for c in bank + "DE00"))
    return "DE%02d%s" % (98 - num % 97, bank)


def value(r):
    k = r.randrange(6)
    if k == 0:
        return "%s.%s%d@%s.%s" % (r.choice(WORDS), r.choice(WORDS), r.randint(1, 999),
                                  r.choice(WORDS) + "mail", r.choice(["com", "io", "de", "it"]))
    if k == 1:
        return "(%d) %d-%04d" % (r.randint(201, 989), r.randint(201, 989), r.randint(0, 9999))
    if k == 2:
        c = luhn_complete("4" + "".join(str(r.randint(0, 9)) for _ in range(14)), r)
        return " ".join(c[i:i + 4] for i in range(0, 16, 4))
    if k == 3:
        return "%d.%d.%d.%d" % (r.randint(11, 223), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
    if k == 4:
        return iban(r)
    return "SSN %03d-%02d-%04d" % (r.randint(1, 665), r.randint(1, 99), r.randint(1, 9999))


def record(r, i):
    words = []
    n = r.randint(60, 400)
    for _ in range(n):
        words.append(r.choice(WORDS))
    text = " ".join(words)
    # One value per ~1.5 KB of text.
    for _ in range(max(0, int(len(text) / 1500 + r.random()))):
        at = r.randrange(len(text))
        at = text.rfind(" ", 0, at) + 1
        text = text[:at] + value(r) + " " + text[at:]
    return json.dumps({"id": i, "url": "https://example.org/page/%d" % i, "text": text}) + "\n"


def main():
    out, mb = sys.argv[1], float(sys.argv[2])
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    r = random.Random(seed)
    pool = [record(r, i) for i in range(20000)]
    limit = int(mb * 1e6)
    written = 0
    i = 0
    with open(out, "w") as f:
        while written < limit:
            line = pool[r.randrange(len(pool))]
            f.write(line)
            written += len(line)
            i += 1


if __name__ == "__main__":
    main()
