#!/usr/bin/env bash
# Output paths that are not regular files.  report -o writes a regular
# file through a temporary file and a rename; a device, a FIFO or a
# symbolic link given as -o (report -o /dev/null, -o /dev/stdout, a pipe)
# must be written to, not replaced by a file: as root, a rename over
# /dev/null replaces the machine's /dev/null.  redact's outputs are always
# renamed into place, so such a path is refused there, --force or not.
# Private outputs (lookup --redact-plan, review sample, report
# --show-values) narrow a regular file to 0600, never a device's mode.
# The devices and links here are the test's own, never /dev's.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
printf 'write to maja.lind@nordpost.se or call +44 20 7946 0958\n' >a.txt
run 0 "$PIIAUDIT" scan -q --store-values --db v.db a.txt
run 0 "$PIIAUDIT" report --db v.db --format md -o want.md
strip() { grep -v '^Generated ' "$1"; }

# A FIFO: read by cat while report writes it.
mkfifo fifo
cat fifo >got-fifo.md &
reader=$!
run 0 "$PIIAUDIT" report --db v.db --format md -o fifo
# Replaced instead of written, the FIFO has no writer: cat would wait.
[ -p fifo ] || kill "$reader" 2>/dev/null
wait "$reader"
check "-o FIFO: still a FIFO" test -p fifo
check "... the reader got the report" cmp -s <(strip want.md) <(strip got-fifo.md)

# A link to standard output (what /dev/stdout is).
ln -s /proc/self/fd/1 so
"$PIIAUDIT" report --db v.db --format md -o so >got-so.md 2>"$T/err"
check "-o a link to /proc/self/fd/1: exit 0" test $? = 0
check "... still a link" test -L so
check "... standard output got the report" cmp -s <(strip want.md) <(strip got-so.md)

# A link to a regular file: the file is written, the link stays.
printf 'old\n' >target.md
ln -s target.md link.md
run 0 "$PIIAUDIT" report --db v.db --format md -o link.md
check "-o a link to a file: still a link" test -L link.md
check "... the file it leads to holds the report" cmp -s <(strip want.md) <(strip target.md)
# A dangling link: the file it names is made.
ln -s made.md dangling.md
run 0 "$PIIAUDIT" report --db v.db --format md -o dangling.md
check "-o a dangling link: still a link, its file made" test -L dangling.md -a -s made.md

# Raw values through a link into a file others could read: made 0600.
printf 'old\n' >open.md
chmod 644 open.md
ln -s open.md vals.md
run 0 "$PIIAUDIT" report --db v.db --format md --show-values -o vals.md
check "--show-values through a link: the file is made 0600" test "$(stat -c %a open.md)" = 600
check "... and holds the raw value" grep -q 'maja.lind@nordpost.se' open.md

# A character device of our own (root with the right to mknod only).
if [ "$(id -u)" = 0 ] && mknod null c 1 3 2>/dev/null; then
	run 0 "$PIIAUDIT" report --db v.db --format md -o null
	check "-o a character device (1,3): still a device" test -c null
	check "... still null: nothing kept" test "$(head -c 1 null | wc -c)" = 0
fi

# lookup --redact-plan and review sample -o write private files (0600):
# an existing regular file is narrowed to 0600, a device keeps its mode.
printf 'old\n' >plan.jsonl
chmod 644 plan.jsonl
run 0 "$PIIAUDIT" lookup --db v.db --email maja.lind@nordpost.se --redact-plan plan.jsonl
check "lookup --redact-plan over a 0644 file: made 0600" test "$(stat -c %a plan.jsonl)" = 600
check "... and holds the plan" grep -q '"source":"a.txt"' plan.jsonl
printf 'old\n' >sample.csv
chmod 644 sample.csv
run 0 "$PIIAUDIT" review sample --db v.db --per-rule 5 -o sample.csv
check "review sample -o over a 0644 file: made 0600" test "$(stat -c %a sample.csv)" = 600
if [ -c null ]; then
	chmod 666 null
	run 0 "$PIIAUDIT" lookup --db v.db --email maja.lind@nordpost.se --redact-plan null
	check "lookup --redact-plan a character device: still a device, its mode kept ($(stat -c %a null))" \
		test -c null -a "$(stat -c %a null)" = 666
	chmod 666 null
	run 0 "$PIIAUDIT" review sample --db v.db --per-rule 5 -o null
	check "review sample -o a character device: its mode kept ($(stat -c %a null))" \
		test -c null -a "$(stat -c %a null)" = 666
	chmod 666 null
	run 0 "$PIIAUDIT" report --db v.db --format md --show-values -o null
	check "report --show-values -o a character device: its mode kept ($(stat -c %a null))" \
		test -c null -a "$(stat -c %a null)" = 666
fi

# A regular file is still replaced through a temporary file (its inode
# changes), and a refused report leaves it as it was.
printf 'old\n' >plain.md
before=$(stat -c %i plain.md)
run 0 "$PIIAUDIT" report --db v.db --format md -o plain.md
check "-o a regular file: replaced by a rename (a new inode)" test "$(stat -c %i plain.md)" != "$before"

# redact: such outputs are refused before anything is written.
run 2 "$PIIAUDIT" redact --db r.db --force -o link.md a.txt
check "redact -o a link, --force: refused" grep -q 'link.md: not a regular file' "$T/err"
check "... the file behind it untouched" cmp -s <(strip want.md) <(strip target.md)
check "... the link untouched" test -L link.md
run 2 "$PIIAUDIT" redact --db r.db --force -o fifo a.txt
check "redact -o a FIFO, --force: refused" grep -q 'fifo: not a regular file' "$T/err"
check "... still a FIFO" test -p fifo
if [ -c null ]; then
	run 2 "$PIIAUDIT" redact --db r.db --force -o null a.txt
	check "redact -o a character device, --force: refused, still a device" test -c null
fi
finish
