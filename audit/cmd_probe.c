/*
 * audit/cmd_probe.c - piiaudit probe: scan model outputs.
 *
 * A probe is a scan (audit/cmd_scan.c's workers, readers and sinks) with
 * three differences, given by its scan_mode: the run is of kind 'probe',
 * each file read is a source of kind 'output', and every finding carries
 * the output it is in (the record: a JSON line or array element, a CSV
 * data row, or a line of plain text).  --id-field keeps each record's prompt id in
 * output_records, for piiaudit xref to tell an exact extraction.
 */
#include <stdio.h>

#include "audit/cli.h"
#include "db/key.h"

static void probe_usage(FILE *out)
{
	char key[4096];
	if (db_key_default_path(key, sizeof(key)))
		snprintf(key, sizeof(key), "(none: set HOME or PIIAUDIT_KEY_FILE)");
	fprintf(out,
	        "usage: piiaudit probe [options] FILE... | -\n"
	        "\n"
	        "Scan a model's outputs for personal data and secrets: JSON lines or a JSON\n"
	        "array of records (one output each), or plain text (one output per line).\n"
	        "Each file is a source of kind 'output' in a run of kind 'probe'; each\n"
	        "finding carries its record.  '-' reads standard input.  Then compare with\n"
	        "the corpus: piiaudit xref --db OUTPUTS.db --corpus-db CORPUS.db.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE               the outputs database (default: ./piiaudit.db)\n"
	        "  --key FILE              fingerprint key file: the corpus database's key, for\n"
	        "                          xref (default: %s)\n"
	        "  --field PATH            scan only this string field of each record (dotted\n"
	        "                          path, e.g. response or choices.text); repeatable.\n"
	        "                          Escapes are decoded for matching; offsets point into\n"
	        "                          the raw bytes.  Lines that are not JSON are scanned\n"
	        "                          as text and counted.  In a CSV file (*.csv, *.tsv):\n"
	        "                          the column of that name; each data row is an output\n"
	        "  --id-field PATH         keep each record's prompt id from this field (the id\n"
	        "                          that piiaudit prompts wrote): a string, number or\n"
	        "                          boolean, or a CSV column, kept as written\n"
	        "  --format FMT            auto (CSV by name, default), csv, tsv or json\n"
	        "  --max-record-bytes N    longest JSON record or CSV row held in memory\n"
	        "                          (default 16M)\n"
	        "  --rules PATH            a rule pack file or folder; repeatable\n"
	        "  --only CAT[,CAT...]     only rules of these categories\n"
	        "  --disable ID[,ID...]    do not run these rules\n"
	        "  --label TEXT            a label stored with the run (e.g. the model's name)\n"
	        "  --store-values          also store raw matched values (opt-in; a leak risk)\n"
	        "  --fail-on CAT[,CAT...]  exit 1 when an output holds any of these categories\n"
	        "  -j, --jobs N            files read at once, and threads matching their\n"
	        "                          text (default: the cores)\n"
	        "  -q, --quiet             no progress and no summary; errors only\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "scan's other options (--engine, --max-depth, --max-member-bytes...) work too.\n"
	        "\n"
	        "Exit status: 0 every output read, 1 --fail-on matched, 2 usage or configuration\n"
	        "error (nothing scanned), 3 some files could not be read, 130/143 interrupted.\n",
	        key);
}

int cmd_probe(int argc, char **argv)
{
	static const struct scan_mode mode = {
		.command = "probe", .run_kind = "probe", .leaf_kind = "output", .probe = true,
		.usage = probe_usage,
	};
	return scan_main(argc, argv, &mode);
}
