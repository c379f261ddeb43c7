/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running programs from the cipcctl tests (host unit tests and the VM
 * suite): cipcctl itself, python3 to parse its JSON, bash for the
 * completion. Everything has a deadline: a hung child is killed and
 * reported, it never hangs the suite.
 */
#ifndef CIPC_TOOLS_TESTS_RUN_H
#define CIPC_TOOLS_TESTS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A generous bound for one short command in an emulated guest. */
#define RUN_TIMEOUT_MS	20000

/* The cipcctl under test: $CIPCCTL, or the path compiled in. */
const char *cipcctl_path(void);

struct run_opts {
	const char *input;	/* written to stdin, then closed; NULL: empty */
	size_t input_len;	/* bytes of input; 0: strlen(input) */
	unsigned int as_uid;	/* 0: as the caller; else this uid and gid
				 * (setgroups, setresgid, setresuid: no
				 * supplementary group, no capability) */
	unsigned int timeout_ms;/* 0: RUN_TIMEOUT_MS */
	const char *const *env;	/* extra NAME=VALUE entries, NULL-ended */
	bool traced;		/* PTRACE_TRACEME before exec: the child
				 * stops at exec (SIGTRAP), traced by the
				 * caller (proc_start() only) */
};

/* A child process with its stdout and stderr caught. */
struct proc {
	pid_t pid;
	int out_fd, err_fd, in_fd;
	const char *input;
	size_t input_len, input_off;
	char *out, *err;	/* NUL-terminated (may also hold NULs) */
	size_t out_len, err_len;
	bool exited;
	int status;		/* exit status, 128 + signal when killed */
	uint64_t t_start_ms, t_end_ms;
};

/* Start argv (argv[0] searched in PATH if it has no '/'); false on error
 * (errno set). The child dies with its parent, with default signals. */
bool proc_start(struct proc *p, char *const argv[], const struct run_opts *o);
/* Collect output and reap, for up to ms; true once the child exited and
 * both pipes are at end of file. */
bool proc_wait(struct proc *p, unsigned int ms);
/* SIGKILL (if still running), reap, close; frees nothing. */
void proc_kill(struct proc *p);
void proc_free(struct proc *p);

/*
 * Run argv to completion: the exit status (128 + signal if killed), or -1
 * if it did not finish within the timeout (then it is killed; p->exited is
 * false). p receives the output; proc_free() it.
 */
int run_argv(struct proc *p, char *const argv[], const struct run_opts *o);

/* cipcctl ARGS... (NULL-terminated), default options. */
int run_cipcctl(struct proc *p, ...) __attribute__((sentinel));
/* The same with options. */
int run_cipcctl_opts(struct proc *p, const struct run_opts *o, ...)
	__attribute__((sentinel));

/*
 * python3 -c SCRIPT with stdin = input: its status; p receives stdout and
 * stderr (a traceback on failure).
 */
int run_python(struct proc *p, const char *script, const char *input,
	       size_t input_len);

/* Monotonic time. */
uint64_t mono_ms(void);
void sleep_ms(unsigned int ms);

#endif /* CIPC_TOOLS_TESTS_RUN_H */
