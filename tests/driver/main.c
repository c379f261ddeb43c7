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

#include "suites.h"

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "basic", basic_suite },
	{ "signal", signal_suite },
	{ "message", message_suite },
	{ "blocking", blocking_suite },
	{ "signals", signals_suite },
	{ "poll", poll_suite },
	{ "reinit_race", reinit_race_suite },
	{ "badinput", badinput_suite },
	{ "stats", stats_suite },
	{ "params", params_suite },
};

#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

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

	for (size_t i = 0; i < N_SUITES; i++) {
		if (!wanted[i])
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}

	fflush(stdout);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	/*
	 * CK_NORMAL prints the summary, then one line per failure: repeat the
	 * summary so that it is always the last line.
	 */
	if (failed)
		srunner_print(sr, CK_MINIMAL);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
