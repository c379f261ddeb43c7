// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-driver-tests: Check test suites for the cipc driver.
 *
 *   cipc-driver-tests [SUITE...]
 *
 * Runs every suite, or the named ones, always in the order below (params,
 * which reloads the module, last). Must run as root with the cipc module
 * loaded; the params suite also needs CIPC_KO, the path of the cipc.ko that
 * was loaded. Exit status: 0 when every test passed, 1 on any failure,
 * 2 on a usage error. Check's environment variables apply (CK_FORK=no to
 * debug a test in gdb, CK_TIMEOUT_MULTIPLIER on a very slow machine).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suites.h"

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "basic", basic_suite },
	{ "signal", signal_suite },
	{ "message", message_suite },
	{ "queue", queue_suite },
	{ "read", read_suite },
	{ "blocking", blocking_suite },
	{ "deadline", deadline_suite },
	{ "signals", signals_suite },
	{ "poll", poll_suite },
	{ "latch", latch_suite },
	{ "latch_drain", latch_drain_suite },
	{ "reinit_race", reinit_race_suite },
	{ "badinput", badinput_suite },
	{ "stats", stats_suite },
	{ "limits", limits_suite },
	{ "control", control_suite },
	{ "removal", removal_suite },
	{ "perm", perm_suite },
	{ "notify", notify_suite },
	{ "trace", trace_suite },
	{ "params", params_suite },
};

#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

/*
 * Check's CK_NORMAL report, reordered: one line per failure, then the
 * summary ("100%: Checks: N, Failures: 0, Errors: 0") once, as the last
 * line, where scripts look for it. Check prints the summary first, to
 * stdout only, so the report is caught in a memfd and replayed.
 */
static void print_report(SRunner *sr)
{
	char *line = NULL, *summary = NULL;
	size_t cap = 0;
	int saved, mfd;
	FILE *in;

	fflush(stdout);
	mfd = memfd_create("cipc-check-report", MFD_CLOEXEC);
	saved = dup(STDOUT_FILENO);
	if (mfd < 0 || saved < 0 || dup2(mfd, STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		if (mfd >= 0)
			close(mfd);
		srunner_print(sr, CK_NORMAL);	/* summary first, then */
		return;
	}
	srunner_print(sr, CK_NORMAL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	in = fdopen(mfd, "r");
	if (!in) {
		close(mfd);
		srunner_print(sr, CK_NORMAL);
		return;
	}
	rewind(in);
	while (getline(&line, &cap, in) > 0) {
		if (!summary)
			summary = strdup(line);
		else
			fputs(line, stdout);
	}
	if (summary)
		fputs(summary, stdout);
	fflush(stdout);
	free(summary);
	free(line);
	fclose(in);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out, "usage: %s [SUITE...]\nsuites:", prog);
	for (size_t i = 0; i < N_SUITES; i++)
		fprintf(out, " %s", suites[i].name);
	fputc('\n', out);
}

int main(int argc, char **argv)
{
	bool wanted[N_SUITES];
	SRunner *sr = NULL;
	const char *env;
	int failed;

	for (size_t i = 0; i < N_SUITES; i++)
		wanted[i] = argc < 2;
	for (int a = 1; a < argc; a++) {
		size_t i;

		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout, argv[0]);
			return 0;
		}
		for (i = 0; i < N_SUITES; i++)
			if (!strcmp(argv[a], suites[i].name))
				break;
		if (i == N_SUITES) {
			fprintf(stderr, "%s: unknown suite '%s'\n", argv[0],
				argv[a]);
			usage(stderr, argv[0]);
			return 2;
		}
		wanted[i] = true;
	}

	env = getenv("CIPC_KERNEL");
	printf("cipc-driver-tests: kernel flavour %s, CIPC_KO=%s\n",
	       env ? env : "(unset)",
	       getenv("CIPC_KO") ? getenv("CIPC_KO") : "(unset)");

	fputs("Running suite(s):", stdout);
	for (size_t i = 0; i < N_SUITES; i++) {
		if (!wanted[i])
			continue;
		printf(" %s", suites[i].name);
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	putchar('\n');
	fflush(stdout);

	/* Silent while running: print_report() prints CK_NORMAL's report. */
	srunner_run_all(sr, CK_SILENT);
	print_report(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
