// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-stress: stress scenarios for the cipc driver, run as root in the
 * test VM with cipc.ko loaded ($CIPC_KO names it, for the scenarios that
 * reload it). See README.md in this directory.
 *
 *   cipc-stress [--quick] [SCENARIO...]
 *
 * SCENARIO is kill, removal, reinit, cycles or faults; all five by default,
 * in that order. Each prints PASS/FAIL lines; the end is a table, the
 * machine-readable lines "stress-table: NAME N" that tests/check sums over
 * kernels, and "cipc-stress: PASS" or "cipc-stress: FAIL (scenarios)".
 * Exit status 0 (pass), 1 (a failure), 2 (usage).
 *
 * The module is left loaded with its default parameters, whatever the
 * scenarios did to it: the VM runner unloads it after the command.
 */
#include "stress.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

bool st_quick;
unsigned int st_slow = 1;
struct st_table st_table;

static const struct scenario {
	const char *name;
	void (*run)(void);
	const char *what;
} scenarios[] = {
	{ "kill", run_kill, "SIGKILL storms on blocked waiters and pollers" },
	{ "removal", run_removal, "CIPC_CTL_REMOVE under load, re-add" },
	{ "reinit", run_reinit, "REINIT racing REMOVE, REINIT killed while "
	  "draining" },
	{ "cycles", run_cycles, "module unload/load cycles, slab, kmemleak" },
	{ "faults", run_faults, "fail-nth fault injection" },
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: cipc-stress [--quick] [SCENARIO...]\n"
		"  run as root in the test VM with cipc.ko loaded "
		"($CIPC_KO: its path)\n  scenarios (default: all, in this "
		"order):\n");
	for (size_t i = 0; i < NSCEN; i++)
		fprintf(f, "    %-8s %s\n", scenarios[i].name,
			scenarios[i].what);
}

int main(int argc, char **argv)
{
	bool want[NSCEN] = { false }, any = false;
	unsigned int fails[NSCEN] = { 0 };
	double secs[NSCEN] = { 0 };
	char failed[128] = "";
	struct rlimit rl;
	int err;

	const char *mult = getenv("CK_TIMEOUT_MULTIPLIER");

	if (mult && atoi(mult) > 1 && atoi(mult) <= 100)
		st_slow = (unsigned int)atoi(mult);
	for (int i = 1; i < argc; i++) {
		size_t j;

		if (!strcmp(argv[i], "--quick")) {
			st_quick = true;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		for (j = 0; j < NSCEN; j++)
			if (!strcmp(argv[i], scenarios[j].name))
				break;
		if (j == NSCEN) {
			fprintf(stderr, "cipc-stress: unknown argument '%s'\n",
				argv[i]);
			usage(stderr);
			return 2;
		}
		want[j] = any = true;
	}
	if (!any)
		for (size_t j = 0; j < NSCEN; j++)
			want[j] = true;
	if (geteuid() != 0) {
		fprintf(stderr, "cipc-stress: must run as root (in the test "
			"VM)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Several hundred processes, each with a file or two. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	printf("cipc-stress: %s run, kernel %s\n", st_quick ? "quick" : "full",
	       getenv("CIPC_KVER") ? getenv("CIPC_KVER") : "?");

	for (size_t j = 0; j < NSCEN; j++) {
		unsigned int before = st_failures;
		uint64_t t0 = now_ns();

		if (!want[j])
			continue;
		printf("---- %s: %s\n", scenarios[j].name, scenarios[j].what);
		/* Each scenario starts with the module as the runner left it. */
		err = st_restore_module();
		if (err) {
			st_fail(scenarios[j].name, "the module cannot be "
				"loaded with default parameters: %s",
				errname(-err));
		} else {
			scenarios[j].run();
		}
		fails[j] = st_failures - before;
		secs[j] = (double)(now_ns() - t0) / 1e9;
		if (fails[j]) {
			snprintf(failed + strlen(failed),
				 sizeof(failed) - strlen(failed), "%s%s",
				 *failed ? ", " : "", scenarios[j].name);
		}
	}

	err = st_restore_module();
	if (err) {
		st_fail("main", "cannot leave the module loaded with default "
			"parameters: %s", errname(-err));
		snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed),
			 "%smodule restore", *failed ? ", " : "");
	}

	printf("---- summary\n%-10s %-6s %8s %6s\n", "scenario", "result",
	       "time s", "fails");
	for (size_t j = 0; j < NSCEN; j++) {
		if (want[j])
			printf("%-10s %-6s %8.1f %6u\n", scenarios[j].name,
			       fails[j] ? "FAIL" : "PASS", secs[j], fails[j]);
	}
	printf("stress-table: procs_killed %llu\n", st_table.procs_killed);
	printf("stress-table: removals_under_load %llu\n",
	       st_table.removals_under_load);
	printf("stress-table: load_unload_cycles %llu\n",
	       st_table.load_unload_cycles);
	printf("stress-table: faults_injected %llu\n", st_table.faults_injected);
	printf("stress-table: slab_growth_objects %lld\n",
	       st_table.slab_growth_objects);
	if (st_failures) {
		printf("cipc-stress: FAIL (%s)\n", failed);
		return 1;
	}
	printf("cipc-stress: PASS\n");
	return 0;
}
