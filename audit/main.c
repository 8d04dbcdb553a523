/*
 * audit/main.c - the piiaudit command: global options and the subcommand
 * table.  Each subcommand lives in audit/cmd_<name>.c and returns the exit
 * status.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "audit/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "scan", cmd_scan, "scan files, folders and archives for personal data and secrets" },
	{ "runs", cmd_runs, "list the runs of a database: ids, status, findings" },
	{ "export", cmd_export, "print a run's findings as JSON lines, CSV or SARIF" },
	{ "rules", cmd_rules, "list, test and lint rule packs" },
	{ "plan", cmd_plan, "split the sources into shards for a cluster, balanced by size" },
	{ "merge", cmd_merge, "combine shard databases into one run" },
	{ "review", cmd_review, "sample findings for review, import verdicts, measure precision" },
	{ "lookup", cmd_lookup, "find where a data subject's values occur (access and erasure)" },
	{ "report", cmd_report, "a compliance report of a run: HTML, Markdown or JSON" },
	{ "probe", cmd_probe, "scan model outputs (JSON lines), keeping each output's prompt id" },
	{ "prompts", cmd_prompts, "extraction prompts: the corpus text before each finding" },
	{ "xref", cmd_xref, "which PII in model outputs also occurs in the corpus, and where" },
	{ "redact", cmd_redact, "a copy of the inputs without the personal data, in the same format" },
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit [--version] [--help] <command> [<args>]\n"
	        "\n"
	        "Find personal data and secrets in corpora, archives and model outputs,\n"
	        "and keep every finding, masked and fingerprinted, in an SQLite database.\n"
	        "\n"
	        "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	        "\n"
	        "'piiaudit <command> --help' describes a command; man piiaudit has the rest.\n"
	        "Exit status: 0 finished, 1 --fail-on matched, 2 usage or configuration error,\n"
	        "3 finished but some sources could not be read.\n");
}

int main(int argc, char **argv)
{
	/* libarchive gives member names in the locale's character set: in
	 * the "C" locale every programme starts in, a zip's UTF-8 names and a
	 * 7z's UTF-16 ones that are not ASCII could not be converted (scan
	 * recorded "?", and libarchive's zip writer crashed on them in
	 * redact).  piiaudit's database and exports are UTF-8 whatever the
	 * user's locale, so its names are too. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		if (!strcmp(name, "help") && argc > 2) {
			char *sub[] = { argv[2], "--help", NULL };
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].fn(2, sub);
			return usage_error(NULL, "'%s' is not a piiaudit command", argv[2]);
		}
		usage(stdout);
		return EXIT_FINISHED;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("piiaudit %s\n", PIIAUDIT_VERSION);
		return EXIT_FINISHED;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "'%s' is not a piiaudit command", name);
}
