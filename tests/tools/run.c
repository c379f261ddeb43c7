// SPDX-License-Identifier: GPL-2.0
/*
 * Running programs from the cipcctl tests: see run.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools-tests.mk */
#endif
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CIPCCTL_PATH
#error "CIPCCTL_PATH (the cipcctl under test) must be defined"
#endif

#define MAX_ARGS 32

extern char **environ;

const char *cipcctl_path(void)
{
	const char *env = getenv("CIPCCTL");

	return env && *env ? env : CIPCCTL_PATH;
}

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* In the child, before exec: never returns. */
static void child_exec(pid_t parent, char *const argv[],
		       const struct run_opts *o, int in, int out, int err)
{
	sigset_t none;
	char *envp[256];
	size_t n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);	/* Check installs handlers */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	if (o && o->as_uid) {
		/* every id, real, effective and saved: no way back to root */
		if (setgroups(0, NULL) != 0 ||
		    setresgid(o->as_uid, o->as_uid, o->as_uid) != 0 ||
		    setresuid(o->as_uid, o->as_uid, o->as_uid) != 0) {
			dprintf(STDERR_FILENO, "run: cannot become uid %u\n",
				o->as_uid);
			_exit(127);
		}
	}
	for (char **e = environ; *e && n < 200; e++)
		envp[n++] = *e;
	for (const char *const *e = o ? o->env : NULL; e && *e && n < 254;
	     e++)
		envp[n++] = (char *)*e;
	envp[n] = NULL;
	if (o && o->traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
		dprintf(STDERR_FILENO, "run: PTRACE_TRACEME: %s\n",
			strerror(errno));
		_exit(127);
	}
	execvpe(argv[0], argv, envp);
	dprintf(STDERR_FILENO, "run: cannot execute %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

bool proc_start(struct proc *p, char *const argv[], const struct run_opts *o)
{
	int in[2], out[2], err[2];
	pid_t parent = getpid();

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->out_fd = p->err_fd = p->in_fd = -1;
	if (pipe2(in, O_CLOEXEC) != 0)
		return false;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]), close(in[1]);
		return false;
	}
	if (pipe2(err, O_CLOEXEC) != 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return false;
	}
	fflush(NULL);
	p->t_start_ms = mono_ms();
	p->pid = fork();
	if (p->pid == 0)
		child_exec(parent, argv, o, in[0], out[1], err[1]);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (p->pid < 0) {
		int e = errno;

		close(in[1]), close(out[0]), close(err[0]);
		errno = e;
		return false;
	}
	p->out_fd = out[0];
	p->err_fd = err[0];
	p->in_fd = in[1];
	p->input = o && o->input ? o->input : "";
	p->input_len = o && o->input ?
		(o->input_len ? o->input_len : strlen(o->input)) : 0;
	fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);	/* a child that does not read */
	if (p->input_len == 0) {
		close(p->in_fd);
		p->in_fd = -1;
	}
	return true;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *nb = realloc(*buf, *len + n + 1);

	if (!nb)
		abort();
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
}

static void reap(struct proc *p, bool block)
{
	int st;
	pid_t r;

	if (p->exited || p->pid <= 0)
		return;
	do {
		r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r != p->pid)
		return;
	p->exited = true;
	p->t_end_ms = mono_ms();
	if (WIFEXITED(st))
		p->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		p->status = 128 + WTERMSIG(st);
	else
		p->status = 255;
}

bool proc_wait(struct proc *p, unsigned int ms)
{
	uint64_t deadline = mono_ms() + ms;

	if (!p->out)
		append(&p->out, &p->out_len, "", 0);
	if (!p->err)
		append(&p->err, &p->err_len, "", 0);
	for (;;) {
		struct pollfd fds[3];
		int nfds = 0, r;
		uint64_t now;

		if (p->out_fd >= 0)
			fds[nfds++] = (struct pollfd){ p->out_fd, POLLIN, 0 };
		if (p->err_fd >= 0)
			fds[nfds++] = (struct pollfd){ p->err_fd, POLLIN, 0 };
		if (p->in_fd >= 0)
			fds[nfds++] = (struct pollfd){ p->in_fd, POLLOUT, 0 };
		reap(p, false);
		if (nfds == 0) {
			/* output at EOF: wait for the exit itself */
			while (!p->exited && mono_ms() < deadline) {
				sleep_ms(2);
				reap(p, false);
			}
			return p->exited;
		}
		now = mono_ms();
		if (now >= deadline)
			return false;
		r = poll(fds, (nfds_t)nfds, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return false;
		for (int i = 0; r > 0 && i < nfds; i++) {
			char buf[4096];
			ssize_t n;

			if (!fds[i].revents)
				continue;
			if (fds[i].fd == p->in_fd) {
				n = write(p->in_fd, p->input + p->input_off,
					  p->input_len - p->input_off);
				if (n > 0)
					p->input_off += (size_t)n;
				if (n < 0 && errno == EAGAIN)
					continue;
				if (n < 0 || p->input_off == p->input_len) {
					close(p->in_fd);
					p->in_fd = -1;
				}
				continue;
			}
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				if (fds[i].fd == p->out_fd)
					p->out_fd = -1;
				else
					p->err_fd = -1;
				close(fds[i].fd);
				continue;
			}
			if (fds[i].fd == p->out_fd)
				append(&p->out, &p->out_len, buf, (size_t)n);
			else
				append(&p->err, &p->err_len, buf, (size_t)n);
		}
	}
}

void proc_kill(struct proc *p)
{
	if (p->pid > 0 && !p->exited) {
		kill(p->pid, SIGKILL);
		reap(p, true);
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	if (p->in_fd >= 0)
		close(p->in_fd);
	p->out_fd = p->err_fd = p->in_fd = -1;
}

void proc_free(struct proc *p)
{
	proc_kill(p);
	free(p->out);
	free(p->err);
	p->out = p->err = NULL;
	p->out_len = p->err_len = 0;
}

int run_argv(struct proc *p, char *const argv[], const struct run_opts *o)
{
	unsigned int ms = o && o->timeout_ms ? o->timeout_ms : RUN_TIMEOUT_MS;

	if (!proc_start(p, argv, o)) {
		p->out = strdup("");
		p->err = strdup("run: fork failed");
		return -1;
	}
	if (!proc_wait(p, ms)) {
		proc_kill(p);
		p->exited = false;
		return -1;
	}
	proc_kill(p);	/* closes the pipes */
	return p->status;
}

static int run_cipcctl_va(struct proc *p, const struct run_opts *o,
			  va_list ap)
{
	char *argv[MAX_ARGS + 2];
	const char *a;
	int n = 0;

	argv[n++] = (char *)cipcctl_path();
	while ((a = va_arg(ap, const char *)) != NULL && n < MAX_ARGS)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return run_argv(p, argv, o);
}

int run_cipcctl(struct proc *p, ...)
{
	va_list ap;
	int r;

	va_start(ap, p);
	r = run_cipcctl_va(p, NULL, ap);
	va_end(ap);
	return r;
}

int run_cipcctl_opts(struct proc *p, const struct run_opts *o, ...)
{
	va_list ap;
	int r;

	va_start(ap, o);
	r = run_cipcctl_va(p, o, ap);
	va_end(ap);
	return r;
}

int run_python(struct proc *p, const char *script, const char *input,
	       size_t input_len)
{
	char *argv[] = { "python3", "-c", (char *)script, NULL };
	struct run_opts o = {
		.input = input,
		.input_len = input_len,
	};

	return run_argv(p, argv, &o);
}
