// SPDX-License-Identifier: GPL-2.0
/*
 * cipcctl: inspect and drive cipc channels (/dev/cipcN), and load or unload
 * the cipc module.
 *
 *   cipcctl [-h|--help] [-V|--version] COMMAND [ARGS...]
 *
 * One function per command (cmd_*), each with its own getopt_long table and
 * help text (help_*). Channels are used, added and removed through libcipc
 * (lib/cipc.h); the list command finds the channels in sysfs and reads
 * their state from their nodes (sysfs where a node cannot be opened); the
 * module's state comes from sysfs; loading and unloading go through
 * libkmod. See cipcctl(1) (tools/cipcctl.1) for the contract: output
 * formats, JSON documents and exit status.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools.mk */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

#include "cipc.h"
#include "diagnose.h"
#include "json.h"
#include "tools-common.h"

#ifndef CIPCCTL_VERSION
#error "CIPCCTL_VERSION is not defined (tools.mk sets it from VERSION)"
#endif

#define MODULE_NAME		"cipc"
/* The driver's bounds of its parameters (README, driver/main.c). */
#define CHANNELS_MIN		0
#define CHANNELS_MAX		1024	/* and at most max_channels */
#define MAX_CHANNELS_MIN	1
#define MAX_CHANNELS_MAX	1024	/* the minors the driver reserves */
#define MAX_CHANNELS_DEFAULT	256
#define MSG_MAX_MIN		1
#define MSG_MAX_MAX		4096	/* CIPC_MSG_MAX_LIMIT */
#define QUEUE_DEPTH_MIN		1
#define QUEUE_DEPTH_MAX		1024	/* CIPC_QUEUE_DEPTH_LIMIT */
#define MAX_WAITERS_MIN		1
#define MAX_WAITERS_MAX		65536	/* CIPC_MAX_WAITERS_LIMIT */

/* ---- help texts ------------------------------------------------------ */

static const char help_main[] =
"Usage: cipcctl [-h|--help] [-V|--version] COMMAND [ARGS...]\n"
"\n"
"Inspect and drive cipc channels (/dev/cipcN, kernel completions for user\n"
"space), and load or unload the cipc module.\n"
"\n"
"Channels:\n"
"  list [--json]                 every channel: id, mode, count, waiters...\n"
"  info CH [--json]              identity and state of a channel\n"
"  stats CH [--json | --reset]   the channel's counters, or zero them\n"
"  wait CH [--timeout DUR] [--print]\n"
"                                block until the channel is completed\n"
"  complete CH [--all] [--message TEXT]\n"
"                                complete(): release one waiter (--all: all)\n"
"  reinit CH                     reset the count, discard queued messages\n"
"  mode CH [one|all]             print or set the signalling mode\n"
"  add [--index N] [--msg-max BYTES] [--queue-depth N]\n"
"      [--max-waiters N] [--json]\n"
"                                add a channel (needs CAP_SYS_ADMIN)\n"
"  remove CH [--id ID] | remove --id ID\n"
"                                remove a channel (needs CAP_SYS_ADMIN)\n"
"Module:\n"
"  load [--channels N] [--max-channels N] [--msg-max BYTES]\n"
"       [--queue-depth N] [--max-waiters N] [--module FILE]\n"
"                                load the cipc module\n"
"  unload                        unload the cipc module\n"
"  status [--json]               the module's state, version and parameters\n"
"Other:\n"
"  version                       versions of cipcctl, libcipc, ABI and module\n"
"  help [COMMAND]                this help, or a command's\n"
"\n"
"Options:\n"
"  -h, --help                    show this help and exit\n"
"  -V, --version                 same as the version command\n"
"\n"
"CH is a channel index (0), name (cipc0) or device path (/dev/cipc0).\n"
"ID is a channel's id, as list and info show it: seq * max_channels + index,\n"
"where seq counts the channels removed from that index before.\n"
"DUR is a whole number with an optional unit: ns, us, ms, s or m; no unit\n"
"means seconds (250ms, 5s, 2m, 10).\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage error, 124 wait timed out.\n"
"Errors are one line on stderr: \"cipcctl: THING: CAUSE\".\n"
"Run 'cipcctl COMMAND --help' for a command's options.\n";

static const char help_list[] =
"Usage: cipcctl list [--json]\n"
"\n"
"List every channel, sorted by index: one line per channel after a header\n"
"line:\n"
"  NAME     ID          MODE  COUNT       ALL  QUEUED  WAITERS   GENERATION\n"
"ID is the channel's id (seq * max_channels + index). COUNT is the number\n"
"of complete()s not yet taken by a wait; ALL is \"yes\" after complete --all\n"
"(every wait passes until reinit), else \"no\"; QUEUED is the number of\n"
"messages not yet taken. The state comes from each channel's node; where\n"
"the node cannot be opened (not root, not in group cipc), from sysfs, and\n"
"what cannot be read either shows as \"-\".\n"
"\n"
"Options:\n"
"  -j, --json    print one JSON document instead:\n"
"                {\"channels\":[{\"name\":\"cipc0\",\"index\":0,\"id\":0,\n"
"                \"device\":\"/dev/cipc0\",\"mode\":\"one\",\"count\":0,\n"
"                \"all\":false,\"queued\":0,\"waiters\":0,\"generation\":0},\n"
"                ...]} (a value that cannot be read is null)\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 when cipc is not loaded or sysfs cannot be read.\n";

static const char help_info[] =
"Usage: cipcctl info CH [--json]\n"
"\n"
"Show the identity and state of channel CH (an index, a name or a path),\n"
"one \"key value\" line each:\n"
"  device, index, id, abi_version, msg_max, mode (one|all),\n"
"  count (complete()s not yet taken by a wait), all (yes after\n"
"  complete --all: every wait passes until reinit; else no), waiters,\n"
"  max_waiters, queued (messages not yet taken), queue_depth, generation,\n"
"  seq (sequence number of the last signal, 0 before the first), msg_len\n"
"  (length of the message the next wait would get)\n"
"\n"
"Options:\n"
"  -j, --json    print one JSON object with the same keys; \"all\" is\n"
"                true or false, the others but device and mode numbers\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error, 2 on a usage error.\n";

static const char help_stats[] =
"Usage: cipcctl stats CH [--json | --reset]\n"
"\n"
"Show the counters of channel CH, one \"name value\" line each:\n"
"  complete, complete_all, reinit, wait, woken, timeout, interrupted,\n"
"  again, bytes_in, bytes_out, full (signals refused: the message queue\n"
"  was full), discarded (completions dropped by reinit or made after\n"
"  complete --all), refused (waits refused: max_waiters were blocked)\n"
"\n"
"Options:\n"
"  -j, --json    print one JSON object with the same keys instead\n"
"  -r, --reset   zero the counters and print nothing (needs\n"
"                CAP_SYS_ADMIN, whatever the node's permissions); cannot\n"
"                be combined with --json\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error, 2 on a usage error.\n";

static const char help_wait[] =
"Usage: cipcctl wait CH [--timeout DUR] [--print]\n"
"\n"
"Block until channel CH is completed, taking one completion and its\n"
"message (after complete --all every wait passes until reinit). If the\n"
"channel is removed meanwhile, the wait ends at once with status 1\n"
"(\"channel removed\"). It fails at once when max_waiters tasks are\n"
"blocked on the channel already.\n"
"\n"
"Options:\n"
"  -t, --timeout DUR   give up after DUR and exit with status 124, printing\n"
"                      nothing; 0 tries once without blocking. DUR is a\n"
"                      whole number with an optional unit ns, us, ms, s or\n"
"                      m, no unit meaning seconds (250ms, 5s, 2m). Default:\n"
"                      wait without limit\n"
"  -p, --print         print the message of the signal that released the\n"
"                      wait: its bytes exactly, then a newline; nothing\n"
"                      for a signal without message\n"
"  -h, --help          show this help\n"
"\n"
"Exit status: 0 completed, 1 error, 2 usage error, 124 timed out.\n";

static const char help_complete[] =
"Usage: cipcctl complete CH [--all] [--message TEXT]\n"
"\n"
"Signal channel CH: complete() releases one waiter, the longest waiting, or\n"
"lets one later wait pass. The channel's mode is not used (it applies to\n"
"write(2) on the device). After complete --all, until reinit, complete\n"
"changes nothing.\n"
"\n"
"Options:\n"
"  -a, --all            complete_all(): release every waiter, and every\n"
"                       later wait until reinit\n"
"  -m, --message TEXT   the signal carries TEXT (at most msg_max bytes;\n"
"                       \"\" is an empty message): the wait it releases\n"
"                       gets it. Messages queue in order, at most\n"
"                       queue_depth of them: complete fails while the\n"
"                       queue is full. Without it the signal carries none\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0, 1 on error, 2 on a usage error.\n";

static const char help_reinit[] =
"Usage: cipcctl reinit CH\n"
"\n"
"Reinitialise channel CH: the count goes back to 0, complete --all ends,\n"
"the queued messages are discarded, the generation goes up by one.\n"
"Blocked waiters stay blocked.\n"
"\n"
"Options:\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error, 2 on a usage error.\n";

static const char help_mode[] =
"Usage: cipcctl mode CH [one|all]\n"
"\n"
"Without a mode, print the signalling mode of channel CH (\"one\" or \"all\").\n"
"With one, set it: what a write(2) to the device does, complete() (one)\n"
"or complete_all() (all).\n"
"\n"
"Options:\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error, 2 on a usage error.\n";

static const char help_load[] =
"Usage: cipcctl load [--channels N] [--max-channels N] [--msg-max BYTES]\n"
"                    [--queue-depth N] [--max-waiters N] [--module FILE]\n"
"\n"
"Load the cipc module (as modprobe does, through libkmod: options from\n"
"/etc/modprobe.d apply, the ones given here override them). Needs root.\n"
"Fails if cipc is already loaded.\n"
"\n"
"Options:\n"
"  --channels N        channels to create at load, 0-1024 and at most\n"
"                      max_channels (module default 4)\n"
"  --max-channels N    most channels that may exist, 1-1024: indexes are\n"
"                      below it (module default 256)\n"
"  --msg-max BYTES     largest message, 1-4096 (module default 256)\n"
"  --queue-depth N     most messages queued per channel, 1-1024 (module\n"
"                      default 16)\n"
"  --max-waiters N     most tasks blocked on one channel, 1-65536 (module\n"
"                      default 256)\n"
"  --module FILE       load this cipc.ko instead of the module installed\n"
"                      for the running kernel\n"
"  -h, --help          show this help\n"
"\n"
"Exit status: 0, 1 on error (not installed, already loaded, not root...:\n"
"the error says why and what fixes it), 2 on a usage error.\n";

static const char help_unload[] =
"Usage: cipcctl unload\n"
"\n"
"Unload the cipc module. Needs root. Fails while any channel is open.\n"
"\n"
"Options:\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error (not loaded, in use, not root...), 2 on a\n"
"usage error.\n";

static const char help_status[] =
"Usage: cipcctl status [--json]\n"
"\n"
"Show the cipc module's state, one \"key value\" line each: module, loaded\n"
"(yes|no); when loaded also state (live, coming, going, or builtin for a\n"
"module built into the kernel), version (\"unknown\" if unreadable), refcnt\n"
"(the module's reference count: open channels hold references),\n"
"parameters (NAME=VALUE...), channels (how many exist now) and\n"
"max_channels (the limit; \"unknown\" if unreadable); then kernel (the\n"
"running release) and installed (the module's path for that kernel, or\n"
"no). When cipc is not usable, why and how to fix it: problem, log (lines\n"
"of a failed DKMS build's make.log) and fix.\n"
"\n"
"Options:\n"
"  -j, --json    print one JSON object instead: {\"module\":\"cipc\",\n"
"                \"loaded\":true,\"state\":\"live\",\"version\":\"0.1.0\",\n"
"                \"refcnt\":0,\"parameters\":{\"channels\":4,\n"
"                \"max_channels\":256,\"max_waiters\":256,\"msg_max\":256,\n"
"                \"queue_depth\":16},\"channels\":4,\n"
"                \"max_channels\":256,\"kernel\":\"...\",\n"
"                \"installed\":\"/lib/modules/...\",\"diagnosis\":null};\n"
"                without the module only module, loaded, kernel,\n"
"                installed and diagnosis; a missing version, channels,\n"
"                max_channels or installed is null; diagnosis is null\n"
"                or {\"problem\":...,\"fix\":...,\"log\":...,\"excerpt\":[...]}\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0 whether or not cipc is loaded or usable, 1 on error.\n";

static const char help_version[] =
"Usage: cipcctl version\n"
"\n"
"Print the versions, one \"key value\" line each: cipcctl, libcipc, abi\n"
"(the driver ABI libcipc was built for) and module (the loaded module's\n"
"version, \"loaded, version unknown\" when it cannot be read, or\n"
"\"not loaded\").\n"
"\n"
"Options:\n"
"  -h, --help    show this help\n";

static const char help_add[] =
"Usage: cipcctl add [--index N] [--msg-max BYTES] [--queue-depth N]\n"
"                   [--max-waiters N] [--json]\n"
"\n"
"Add a channel through /dev/cipc-control, at the lowest free index or at\n"
"index N, and print one line: \"cipcN id ID\". Its node /dev/cipcN and\n"
"/sys/class/cipc/cipcN exist when add returns. Needs CAP_SYS_ADMIN.\n"
"\n"
"Options:\n"
"  --index N          add it at index N: fails if N is taken, or is not\n"
"                     below the module's max_channels\n"
"  --msg-max BYTES    its largest message, 1-4096 (default: the module's\n"
"                     msg_max)\n"
"  --queue-depth N    most messages queued on it, 1-1024 (default: the\n"
"                     module's queue_depth)\n"
"  --max-waiters N    most tasks blocked on it at once, 1-65536 (default:\n"
"                     the module's max_waiters)\n"
"  -j, --json         print one JSON object instead:\n"
"                     {\"device\":\"/dev/cipc4\",\"index\":4,\"id\":4,\n"
"                     \"msg_max\":256,\"queue_depth\":16,\"max_waiters\":256}\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0, 1 on error (not permitted, index taken, max_channels\n"
"reached...), 2 on a usage error.\n";

static const char help_remove[] =
"Usage: cipcctl remove CH [--id ID]\n"
"       cipcctl remove --id ID\n"
"\n"
"Remove channel CH, or the channel whose id is ID, through\n"
"/dev/cipc-control, in use or not: its blocked waiters return at once\n"
"(cipcctl wait exits with \"channel removed\"), its open descriptors fail\n"
"from then on, its node and sysfs directory go. Prints nothing. Needs\n"
"CAP_SYS_ADMIN.\n"
"CH as an index or a name removes whatever channel is at that index now.\n"
"CH as a path removes the channel its node refers to (it is opened to\n"
"learn its id), only if that very channel still exists.\n"
"\n"
"Options:\n"
"  --id ID       remove it only if it is still the channel with id ID\n"
"                (at index ID modulo max_channels): if that index now\n"
"                holds another channel, fail (\"stale id\") and remove\n"
"                nothing. With CH, ID must be an id of CH's index (a\n"
"                usage error otherwise)\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0, 1 on error (not permitted, no such channel, stale\n"
"id...), 2 on a usage error.\n";

static const char help_help[] =
"Usage: cipcctl help [COMMAND]\n"
"\n"
"Show the help of cipcctl, or of COMMAND.\n";

/* ---- small helpers --------------------------------------------------- */

static const char *mode_name(int mode)
{
	return mode == CIPC_CHANNEL_MODE_ALL ? "all" : "one";
}

/*
 * Entries "cipcN" of /sys/class/cipc: their count, -1 if the directory
 * does not exist (cipc is not loaded). indices, if not NULL, receives a
 * sorted malloc()ed array of the N.
 */
static int class_channels(unsigned int **indices)
{
	unsigned int *idx = NULL, n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (indices)
		*indices = NULL;
	d = opendir(CIPC_CLASS_DIR);
	if (!d) {
		char e[64];

		if (errno == ENOENT)
			return -1;
		die(CIPC_CLASS_DIR ": %s", errno_text(errno, e, sizeof(e)));
	}
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
	while ((de = readdir(d)) != NULL) {
		unsigned int v;

		if (strncmp(de->d_name, "cipc", 4) != 0 ||
		    parse_uint(de->d_name + 4, 0, UINT_MAX, &v) != 0)
			continue;
		if (indices && n == cap) {
			unsigned int *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(idx, cap * sizeof(*idx));
			if (!p)
				die("out of memory");
			idx = p;
		}
		if (indices)
			idx[n] = v;
		n++;
	}
	closedir(d);
	if (indices) {
		/* insertion sort: at most 256 channels */
		for (unsigned int i = 1; i < n; i++) {
			unsigned int v = idx[i], j = i;

			for (; j > 0 && idx[j - 1] > v; j--)
				idx[j] = idx[j - 1];
			idx[j] = v;
		}
		*indices = idx;
	}
	return (int)n;
}

NORETURN static void die_not_loaded(void)
{
	die("cipc is not loaded");
}

static struct kmod_ctx *kmod_open(void);
static const char *installed_version(struct kmod_ctx *ctx, char *buf,
				     size_t size);

/* libcipc refused the driver's ABI (EPROTO): say which is older. */
NORETURN static void die_abi(const char *node)
{
	struct kmod_ctx *ctx = kmod_open();
	char inst[64];
	struct diag d;

	diagnose_version(&d, CIPCCTL_VERSION, true, cipc_abi_version(),
			 installed_version(ctx, inst, sizeof(inst)));
	kmod_unref(ctx);
	die("%s: %s: %s", node, d.problem, d.fix);
}

/* Open a channel, or exit with a line naming it and the cause. */
static struct cipc_channel *open_channel(const struct channel_arg *arg,
					 int flags)
{
	struct cipc_channel *ch;
	char e[256];
	int err, n;

	ch = arg->is_path ? cipc_channel_open_path(arg->path, flags)
			  : cipc_channel_open(arg->index, flags);
	if (ch)
		return ch;
	err = errno;
	switch (err) {
	case ENOENT:
		/*
		 * A path that is not /dev/cipcN and does not exist is a typo,
		 * not a missing channel.
		 */
		if (arg->is_path && !is_channel_node_path(arg->path))
			die("%s: %s", arg->path,
			    errno_text(ENOENT, e, sizeof(e)));
		n = class_channels(NULL);
		if (n < 0)
			die_not_loaded();
		die("%s: no such channel (%d loaded)", channel_name(arg), n);
	case EACCES:
		die("%s: permission denied: %s", channel_name(arg),
		    diag_permission(channel_name(arg), e, sizeof(e)));
	case EPERM:
		die("%s: permission denied (are you root?)", channel_name(arg));
	case ENODEV:
	case ENXIO:
		/*
		 * By index, the node /dev/cipcN is the driver's: that it is
		 * no channel (any more) means the channel went, typically
		 * removed between the lookup and the query. A path given
		 * may be anything.
		 */
		if (!arg->is_path)
			die("%s: no such channel (removed?)",
			    channel_name(arg));
		die("%s: not a cipc channel", channel_name(arg));
	case ENOTTY:
		die("%s: not a cipc channel", channel_name(arg));
	case EPROTO:
		die_abi(channel_name(arg));
	default:
		die("%s: %s", channel_name(arg), errno_text(err, e, sizeof(e)));
	}
}

/* An operation on an open channel failed: "NAME: cannot WHAT: cause". */
NORETURN static void die_op(const struct channel_arg *arg, const char *what,
			    int err)
{
	char e[64];

	if (err == EPERM || err == EACCES)
		die("%s: cannot %s: %s (are you root?)", channel_name(arg),
		    what, errno_text(err, e, sizeof(e)));
	if (err == ENODEV)
		die("%s: channel removed", channel_name(arg));
	if (err == ESTALE)
		die("%s: channel removed (index now holds another channel)",
		    channel_name(arg));
	die("%s: cannot %s: %s", channel_name(arg), what,
	    errno_text(err, e, sizeof(e)));
}

/* getopt_long() returned '?' or ':' (optstring starts with ':'). */
NORETURN static void bad_option(const char *verb, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		if (arg[0] == '-' && arg[1] != '-' && optopt)
			die_usage(verb, "option '-%c' needs a value", optopt);
		die_usage(verb, "option '%s' needs a value", arg);
	}
	if (strncmp(arg, "--", 2) == 0) {
		const char *eq = strchr(arg, '=');

		if (eq && optopt)
			die_usage(verb, "option '%.*s' takes no value",
				  (int)(eq - arg), arg);
		die_usage(verb, "unknown option '%s'", arg);
	}
	if (optopt)
		die_usage(verb, "unknown option '-%c'", optopt);
	die_usage(verb, "unknown option '%s'", arg);
}

static void parse_channel_arg(const char *verb, const char *s,
			      struct channel_arg *ch)
{
	if (parse_channel(s, ch) != 0)
		die_usage(verb, "invalid channel '%s': expected an index (0), "
			  "a name (cipc0) or a path (/dev/cipc0)", s);
}

/* The one CH operand at argv[optind], and nothing after it but `extra'. */
static void take_channel(const char *verb, int argc, char **argv,
			 struct channel_arg *ch, int extra)
{
	if (optind >= argc)
		die_usage(verb, "missing channel (CH)");
	parse_channel_arg(verb, argv[optind], ch);
	if (argc - optind - 1 > extra)
		die_usage(verb, "unexpected argument '%s'",
			  argv[optind + 1 + extra]);
}

static void no_operands(const char *verb, int argc, char **argv)
{
	if (optind < argc)
		die_usage(verb, "unexpected argument '%s'", argv[optind]);
}

static void print_help(const char *text)
{
	fputs(text, stdout);
}

static void json_finish(struct json_writer *w)
{
	char e[64];

	if (json_end(w) != 0)
		die("writing JSON: %s", errno_text(errno, e, sizeof(e)));
}

/* Read a sysfs file: 0 with one trailing newline removed, or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return err;
}

/* A decimal unsigned number of sysfs, or false. */
static bool text_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* A member that may be unknown: its number, or null. */
static void json_kv_uint_or_null(struct json_writer *w, const char *key,
				 bool known, uint64_t v)
{
	json_key(w, key);
	if (known)
		json_uint(w, v);
	else
		json_null(w);
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

/* The channel's information, or exit naming it (closing ch). Free it. */
static struct cipc_channel_info *get_info(const struct channel_arg *arg,
					  struct cipc_channel *ch);

/* ---- list ------------------------------------------------------------ */

/*
 * The output of list is built in memory (open_memstream) and written only
 * once complete: an error half-way must not leave half a table or half a
 * JSON document on stdout (die() flushes stdout).
 */
struct list_out {
	FILE *f;
	char *buf;
	size_t len;
};

static void list_out_discard(struct list_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
}

/* Whether the channel's sysfs directory is gone (removed while listed). */
static bool channel_vanished(const char *name)
{
	char dir[128];

	snprintf(dir, sizeof(dir), CIPC_CLASS_DIR "/%s", name);
	return access(dir, F_OK) != 0 && errno == ENOENT;
}

/* The numbers of a line of list; known[] says which could be read. */
enum { L_ID, L_COUNT, L_ALL, L_QUEUED, L_WAITERS, L_GEN, N_LVALS };

struct list_row {
	char mode[16];			/* "-" when unknown */
	uint64_t v[N_LVALS];
	bool known[N_LVALS];
};

/* The row from the node (CIPC_IOC_INFO): 0, or -errno of the open. */
static int list_row_node(unsigned int index, struct list_row *r)
{
	struct cipc_channel_info *info;
	struct cipc_channel *ch;
	int err;

	ch = cipc_channel_open(index, O_RDONLY);
	if (!ch)
		return -errno;
	info = cipc_channel_get_info(ch);
	err = errno;
	cipc_channel_close(ch);
	if (!info)
		return -err;
	snprintf(r->mode, sizeof(r->mode), "%s",
		 mode_name(cipc_channel_info_get_mode(info)));
	r->v[L_ID] = cipc_channel_info_get_id(info);
	r->v[L_COUNT] = cipc_channel_info_get_count(info);
	r->v[L_ALL] = cipc_channel_info_is_all(info);
	r->v[L_QUEUED] = cipc_channel_info_get_queued(info);
	r->v[L_WAITERS] = cipc_channel_info_get_waiters(info);
	r->v[L_GEN] = cipc_channel_info_get_generation(info);
	for (int i = 0; i < N_LVALS; i++)
		r->known[i] = true;
	cipc_channel_info_free(info);
	return 0;
}

/*
 * The row from sysfs, for a node that cannot be opened: id and mode are
 * world-readable, the state files only for root and group cipc (unknown
 * otherwise). 0, 1 if the channel is gone, or -errno for the path.
 */
static int list_row_sysfs(const char *name, struct list_row *r,
			  char *path, size_t size)
{
	static const char *const attrs[N_LVALS] = {
		[L_ID] = "id", [L_COUNT] = "count", [L_ALL] = "all",
		[L_QUEUED] = "queued", [L_WAITERS] = "waiters",
		[L_GEN] = "generation",
	};
	char text[32];
	int err;

	snprintf(path, size, CIPC_CLASS_DIR "/%s/mode", name);
	err = read_text(path, r->mode, sizeof(r->mode));
	if (err == -EACCES || err == -EPERM)
		snprintf(r->mode, sizeof(r->mode), "-");
	else if (err)
		return (err == -ENOENT || err == -ENODEV) &&
		       channel_vanished(name) ? 1 : err;
	for (int a = 0; a < N_LVALS; a++) {
		snprintf(path, size, CIPC_CLASS_DIR "/%s/%s", name, attrs[a]);
		err = read_text(path, text, sizeof(text));
		if (!err) {
			r->known[a] = text_u64(text, &r->v[a]);
			continue;
		}
		/* removed since readdir (unloaded): skip it */
		if ((err == -ENOENT || err == -ENODEV) &&
		    channel_vanished(name))
			return 1;
		/* not root nor group cipc; a module without the file */
		if (err == -EACCES || err == -EPERM || err == -ENOENT)
			continue;
		return err;
	}
	return 0;
}

/* A value of a line of list: the number, yes/no, or "-". */
static const char *list_text(const struct list_row *r, int a, char *buf,
			     size_t size)
{
	if (!r->known[a])
		return "-";
	if (a == L_ALL)
		return yes_no(r->v[a] != 0);
	snprintf(buf, size, "%" PRIu64, r->v[a]);
	return buf;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char line_fmt[] =
		"%-8s %-11s %-5s %-11s %-4s %-7s %-9s %s\n";
	struct list_out o = { NULL, NULL, 0 };
	struct json_writer w;
	unsigned int *idx;
	bool json = false;
	char e[64];
	int c, n;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			print_help(help_list);
			return 0;
		default:
			bad_option("list", argv, c);
		}
	}
	no_operands("list", argc, argv);

	n = class_channels(&idx);
	if (n < 0)
		die_not_loaded();

	o.f = open_memstream(&o.buf, &o.len);
	if (!o.f)
		die("out of memory");
	if (json) {
		json_init(&w, o.f);
		json_begin_object(&w);
		json_key(&w, "channels");
		json_begin_array(&w);
	} else {
		fprintf(o.f, line_fmt, "NAME", "ID", "MODE", "COUNT", "ALL",
			"QUEUED", "WAITERS", "GENERATION");
	}
	for (int i = 0; i < n; i++) {
		char path[128], name[32], t[N_LVALS][24];
		struct list_row r;
		int err;

		memset(&r, 0, sizeof(r));
		snprintf(name, sizeof(name), "cipc%u", idx[i]);
		/* the node (INFO) first: the state files of sysfs are
		 * readable by root and group cipc only, as the node */
		err = list_row_node(idx[i], &r);
		if (err == -EPROTO) {
			free(idx);
			list_out_discard(&o);
			snprintf(path, sizeof(path), CIPC_DEV_PREFIX "%u",
				 idx[i]);
			die_abi(path);
		}
		if (err) {
			if ((err == -ENOENT || err == -ENODEV ||
			     err == -ENXIO || err == -ESTALE) &&
			    channel_vanished(name))
				continue;
			memset(&r, 0, sizeof(r));
			err = list_row_sysfs(name, &r, path, sizeof(path));
			if (err == 1)
				continue;
			if (err) {
				free(idx);
				list_out_discard(&o);
				die("%s: %s", path,
				    errno_text(-err, e, sizeof(e)));
			}
		}
		if (json) {
			json_begin_object(&w);
			json_kv_string(&w, "name", name);
			json_kv_uint(&w, "index", idx[i]);
			json_kv_uint_or_null(&w, "id", r.known[L_ID],
					     r.v[L_ID]);
			snprintf(path, sizeof(path), CIPC_DEV_PREFIX "%u",
				 idx[i]);
			json_kv_string(&w, "device", path);
			json_key(&w, "mode");
			if (strcmp(r.mode, "-") != 0)
				json_string(&w, r.mode);
			else
				json_null(&w);
			json_kv_uint_or_null(&w, "count", r.known[L_COUNT],
					     r.v[L_COUNT]);
			json_key(&w, "all");
			if (r.known[L_ALL])
				json_bool(&w, r.v[L_ALL] != 0);
			else
				json_null(&w);
			json_kv_uint_or_null(&w, "queued", r.known[L_QUEUED],
					     r.v[L_QUEUED]);
			json_kv_uint_or_null(&w, "waiters",
					     r.known[L_WAITERS],
					     r.v[L_WAITERS]);
			json_kv_uint_or_null(&w, "generation",
					     r.known[L_GEN], r.v[L_GEN]);
			json_end_object(&w);
		} else {
			fprintf(o.f, line_fmt, name,
				list_text(&r, L_ID, t[L_ID], sizeof(t[0])),
				r.mode,
				list_text(&r, L_COUNT, t[L_COUNT],
					  sizeof(t[0])),
				list_text(&r, L_ALL, t[L_ALL], sizeof(t[0])),
				list_text(&r, L_QUEUED, t[L_QUEUED],
					  sizeof(t[0])),
				list_text(&r, L_WAITERS, t[L_WAITERS],
					  sizeof(t[0])),
				list_text(&r, L_GEN, t[L_GEN], sizeof(t[0])));
		}
	}
	free(idx);
	if (json) {
		json_end_array(&w);
		json_end_object(&w);
		if (json_end(&w) != 0) {
			int err = errno;

			list_out_discard(&o);
			die("writing JSON: %s", errno_text(err, e, sizeof(e)));
		}
	}
	if (fclose(o.f) != 0) {
		o.f = NULL;
		list_out_discard(&o);
		die("out of memory");
	}
	o.f = NULL;
	fwrite(o.buf, 1, o.len, stdout);
	list_out_discard(&o);
	return 0;
}

/* ---- info ------------------------------------------------------------ */

static struct cipc_channel_info *get_info(const struct channel_arg *arg,
					  struct cipc_channel *ch)
{
	struct cipc_channel_info *info = cipc_channel_get_info(ch);

	if (!info) {
		int err = errno;

		cipc_channel_close(ch);
		die_op(arg, "get its information", err);
	}
	return info;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cipc_channel_info *info;
	struct channel_arg arg;
	struct cipc_channel *ch;
	struct json_writer w;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			print_help(help_info);
			return 0;
		default:
			bad_option("info", argv, c);
		}
	}
	take_channel("info", argc, argv, &arg, 0);

	ch = open_channel(&arg, O_RDONLY);
	info = get_info(&arg, ch);
	cipc_channel_close(ch);

	if (json) {
		json_init(&w, stdout);
		json_begin_object(&w);
		json_kv_string(&w, "device", channel_name(&arg));
		json_kv_uint(&w, "index", cipc_channel_info_get_index(info));
		json_kv_uint(&w, "id", cipc_channel_info_get_id(info));
		json_kv_uint(&w, "abi_version",
			     cipc_channel_info_get_abi_version(info));
		json_kv_uint(&w, "msg_max",
			     cipc_channel_info_get_msg_max(info));
		json_kv_string(&w, "mode",
			       mode_name(cipc_channel_info_get_mode(info)));
		json_kv_uint(&w, "count", cipc_channel_info_get_count(info));
		json_kv_bool(&w, "all", cipc_channel_info_is_all(info));
		json_kv_uint(&w, "waiters",
			     cipc_channel_info_get_waiters(info));
		json_kv_uint(&w, "max_waiters",
			     cipc_channel_info_get_max_waiters(info));
		json_kv_uint(&w, "queued", cipc_channel_info_get_queued(info));
		json_kv_uint(&w, "queue_depth",
			     cipc_channel_info_get_queue_depth(info));
		json_kv_uint(&w, "generation",
			     cipc_channel_info_get_generation(info));
		json_kv_uint(&w, "seq", cipc_channel_info_get_seq(info));
		json_kv_uint(&w, "msg_len",
			     cipc_channel_info_get_msg_len(info));
		json_end_object(&w);
		cipc_channel_info_free(info);
		json_finish(&w);
		return 0;
	}
	printf("device       %s\n", channel_name(&arg));
	printf("index        %u\n", cipc_channel_info_get_index(info));
	printf("id           %" PRIu64 "\n", cipc_channel_info_get_id(info));
	printf("abi_version  %u\n", cipc_channel_info_get_abi_version(info));
	printf("msg_max      %zu\n", cipc_channel_info_get_msg_max(info));
	printf("mode         %s\n",
	       mode_name(cipc_channel_info_get_mode(info)));
	printf("count        %" PRIu32 "\n",
	       cipc_channel_info_get_count(info));
	printf("all          %s\n", yes_no(cipc_channel_info_is_all(info)));
	printf("waiters      %u\n", cipc_channel_info_get_waiters(info));
	printf("max_waiters  %u\n", cipc_channel_info_get_max_waiters(info));
	printf("queued       %u\n", cipc_channel_info_get_queued(info));
	printf("queue_depth  %u\n", cipc_channel_info_get_queue_depth(info));
	printf("generation   %" PRIu64 "\n",
	       cipc_channel_info_get_generation(info));
	printf("seq          %" PRIu64 "\n", cipc_channel_info_get_seq(info));
	printf("msg_len      %zu\n", cipc_channel_info_get_msg_len(info));
	cipc_channel_info_free(info);
	return 0;
}

/* ---- stats ----------------------------------------------------------- */

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "reset", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cipc_channel_stats *s;
	struct channel_arg arg;
	struct cipc_channel *ch;
	struct json_writer w;
	bool json = false, reset = false;
	int c;

	while ((c = getopt_long(argc, argv, ":jrh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'r':
			reset = true;
			break;
		case 'h':
			print_help(help_stats);
			return 0;
		default:
			bad_option("stats", argv, c);
		}
	}
	take_channel("stats", argc, argv, &arg, 0);
	if (json && reset)
		die_usage("stats", "--json and --reset cannot be combined "
			  "(--reset prints nothing)");

	ch = open_channel(&arg, O_RDONLY);
	if (reset) {
		if (cipc_channel_reset_stats(ch) != 0) {
			int err = errno;

			cipc_channel_close(ch);
			if (err == EPERM)
				die("%s: cannot reset the counters: operation "
				    "not permitted (needs CAP_SYS_ADMIN)",
				    channel_name(&arg));
			die_op(&arg, "reset the counters", err);
		}
		cipc_channel_close(ch);
		return 0;
	}
	s = cipc_channel_get_stats(ch);
	cipc_channel_close(ch);		/* keeps errno */
	if (!s)
		die_op(&arg, "read the counters", errno);

	if (json) {
		json_init(&w, stdout);
		json_begin_object(&w);
	}
	/* every counter libcipc knows, in its order, named as in sysfs */
	for (int i = 0; i < CIPC_STAT_NR; i++) {
		const char *name = cipc_stat_name((enum cipc_stat)i);
		uint64_t v = cipc_channel_stats_get(s, (enum cipc_stat)i);

		if (!name)
			continue;
		if (json)
			json_kv_uint(&w, name, v);
		else
			printf("%-13s %" PRIu64 "\n", name, v);
	}
	cipc_channel_stats_free(s);
	if (json) {
		json_end_object(&w);
		json_finish(&w);
	}
	return 0;
}

/* ---- wait ------------------------------------------------------------ */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* EUSERS: max_waiters tasks are blocked on the channel already. */
NORETURN static void die_too_many_waiters(const struct channel_arg *arg,
					  struct cipc_channel *ch)
{
	struct cipc_channel_info *info = cipc_channel_get_info(ch);
	unsigned int max;

	cipc_channel_close(ch);
	if (info) {
		max = cipc_channel_info_get_max_waiters(info);
		cipc_channel_info_free(info);
		die("%s: cannot wait: too many waiters (max_waiters is %u)",
		    channel_name(arg), max);
	}
	die("%s: cannot wait: too many waiters (max_waiters reached)",
	    channel_name(arg));
}

static int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *timeout_arg = NULL;
	int64_t timeout = CIPC_TIMEOUT_INFINITE, deadline = -1;
	struct cipc_channel_info *info;
	struct cipc_msg_info mi;
	struct channel_arg arg;
	struct cipc_channel *ch;
	size_t size = 0, len = 0;
	bool print = false;
	char *buf = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, ":t:ph", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			timeout_arg = optarg;
			break;
		case 'p':
			print = true;
			break;
		case 'h':
			print_help(help_wait);
			return 0;
		default:
			bad_option("wait", argv, c);
		}
	}
	take_channel("wait", argc, argv, &arg, 0);
	if (timeout_arg) {
		err = parse_duration(timeout_arg, &timeout);
		if (err == -ERANGE)
			die_usage("wait", "duration '%s' is too long",
				  timeout_arg);
		if (err)
			die_usage("wait", "invalid duration '%s': expected a "
				  "whole number with an optional unit ns, us, "
				  "ms, s or m (250ms, 5s, 2m)", timeout_arg);
	}

	ch = open_channel(&arg, O_RDONLY);
	if (print) {
		info = get_info(&arg, ch);
		size = cipc_channel_info_get_msg_max(info);
		cipc_channel_info_free(info);
		buf = malloc(size ? size : 1);
		if (!buf)
			die("out of memory");
	}
	/*
	 * One absolute deadline on CLOCK_MONOTONIC, computed once: a wait
	 * the kernel restarts (or this loop repeats after EINTR, a stop and
	 * continue) keeps it. Centuries away: as good as none.
	 */
	if (timeout_arg &&
	    __builtin_add_overflow(mono_ns(), timeout, &deadline))
		deadline = -1;
	memset(&mi, 0, sizeof(mi));
	for (;;) {
		ssize_t ret;

		if (print)
			ret = deadline >= 0
			      ? cipc_channel_receive_until(ch, buf, size,
							   CLOCK_MONOTONIC,
							   deadline, &mi)
			      : cipc_channel_receive(ch, buf, size,
						     CIPC_TIMEOUT_INFINITE,
						     &mi);
		else
			ret = deadline >= 0
			      ? cipc_channel_wait_until(ch, CLOCK_MONOTONIC,
							deadline)
			      : cipc_channel_wait(ch, CIPC_TIMEOUT_INFINITE);
		if (ret >= 0) {
			len = print ? (size_t)ret : 0;	/* maybe truncated */
			break;
		}
		if (errno == EINTR)	/* a stop and continue: wait on */
			continue;
		if (errno == ETIMEDOUT) {
			cipc_channel_close(ch);
			free(buf);
			return EXIT_TIMEDOUT;
		}
		if (errno == EUSERS) {
			free(buf);
			die_too_many_waiters(&arg, ch);	/* closes ch */
		}
		err = errno;
		cipc_channel_close(ch);
		free(buf);
		die_op(&arg, "wait", err);
	}
	cipc_channel_close(ch);
	/* a signal without message prints nothing; an empty one a newline */
	if (print && (mi.flags & CIPC_MSG_HAS_MSG)) {
		fwrite(buf, 1, len, stdout);
		fputc('\n', stdout);
	}
	free(buf);
	return 0;
}

/* ---- complete -------------------------------------------------------- */

static int cmd_complete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cipc_channel_info *info;
	const char *msg = NULL;
	struct channel_arg arg;
	struct cipc_channel *ch;
	bool all = false;
	int c, ret, err;

	while ((c = getopt_long(argc, argv, ":am:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'm':
			msg = optarg;
			break;
		case 'h':
			print_help(help_complete);
			return 0;
		default:
			bad_option("complete", argv, c);
		}
	}
	take_channel("complete", argc, argv, &arg, 0);

	ch = open_channel(&arg, O_WRONLY);
	if (msg)
		ret = cipc_channel_send(ch, msg, strlen(msg),
					all ? CIPC_SEND_ALL : CIPC_SEND_ONE,
					NULL);
	else
		ret = all ? cipc_channel_complete_all(ch)
			  : cipc_channel_complete(ch);
	if (ret != 0) {
		size_t msg_max = 0;
		unsigned int depth = 0;

		err = errno;
		info = err == EMSGSIZE || err == EAGAIN
		       ? cipc_channel_get_info(ch) : NULL;
		cipc_channel_close(ch);
		if (info) {
			msg_max = cipc_channel_info_get_msg_max(info);
			depth = cipc_channel_info_get_queue_depth(info);
			cipc_channel_info_free(info);
		}
		if (err == EMSGSIZE && msg && msg_max)
			die("%s: message too long: %zu bytes, msg_max is %zu",
			    channel_name(&arg), strlen(msg), msg_max);
		if (err == EAGAIN && depth)
			die("%s: cannot %s: the message queue is full "
			    "(queue_depth is %u)", channel_name(&arg),
			    all ? "complete all" : "complete", depth);
		if (err == EAGAIN)
			die("%s: cannot %s: the message queue is full "
			    "(queue_depth reached)", channel_name(&arg),
			    all ? "complete all" : "complete");
		if (err == EOVERFLOW)
			die("%s: cannot complete: the completion count is at "
			    "its limit", channel_name(&arg));
		die_op(&arg, all ? "complete all" : "complete", err);
	}
	cipc_channel_close(ch);
	return 0;
}

/* ---- reinit ---------------------------------------------------------- */

static int cmd_reinit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct channel_arg arg;
	struct cipc_channel *ch;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_reinit);
			return 0;
		default:
			bad_option("reinit", argv, c);
		}
	}
	take_channel("reinit", argc, argv, &arg, 0);

	ch = open_channel(&arg, O_WRONLY);
	while (cipc_channel_reinit(ch) != 0) {
		if (errno != EINTR) {
			cipc_channel_close(ch);		/* keeps errno */
			die_op(&arg, "reinit", errno);
		}
	}
	cipc_channel_close(ch);
	return 0;
}

/* ---- mode ------------------------------------------------------------ */

static int cmd_mode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cipc_channel_mode mode = CIPC_CHANNEL_MODE_ONE, cur;
	struct channel_arg arg;
	struct cipc_channel *ch;
	const char *word;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_mode);
			return 0;
		default:
			bad_option("mode", argv, c);
		}
	}
	take_channel("mode", argc, argv, &arg, 1);
	word = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (word) {
		if (strcmp(word, "one") == 0)
			mode = CIPC_CHANNEL_MODE_ONE;
		else if (strcmp(word, "all") == 0)
			mode = CIPC_CHANNEL_MODE_ALL;
		else
			die_usage("mode", "invalid mode '%s': expected one or "
				  "all", word);
	}

	ch = open_channel(&arg, word ? O_WRONLY : O_RDONLY);
	if (word) {
		if (cipc_channel_set_mode(ch, mode) != 0) {
			cipc_channel_close(ch);		/* keeps errno */
			die_op(&arg, "set the mode", errno);
		}
	} else {
		if (cipc_channel_get_mode(ch, &cur) != 0) {
			cipc_channel_close(ch);		/* keeps errno */
			die_op(&arg, "get the mode", errno);
		}
		printf("%s\n", mode_name(cur));
	}
	cipc_channel_close(ch);
	return 0;
}

/* ---- add, remove (the control device) -------------------------------- */

/* Open /dev/cipc-control, or exit with a line naming it and the cause. */
static struct cipc_control *open_control(void)
{
	struct cipc_control *ctl;
	char e[256];
	int err;

	ctl = cipc_control_open();
	if (ctl)
		return ctl;
	err = errno;
	switch (err) {
	case ENOENT:
		if (access(CIPC_MODULE_DIR, F_OK) != 0)
			die_not_loaded();
		die(CIPC_CONTROL_DEV ": no such file or directory (cipc is "
		    "loaded: is it older than cipcctl?)");
	case EACCES:
		die(CIPC_CONTROL_DEV ": permission denied: %s",
		    diag_permission(CIPC_CONTROL_DEV, e, sizeof(e)));
	case EPERM:
		die(CIPC_CONTROL_DEV ": permission denied (are you root?)");
	case ENODEV:
	case ENOTTY:
	case ENXIO:
		die(CIPC_CONTROL_DEV ": not the cipc control device");
	case EPROTO:
		die_abi(CIPC_CONTROL_DEV);
	default:
		die(CIPC_CONTROL_DEV ": %s", errno_text(err, e, sizeof(e)));
	}
}

static int cmd_add(int argc, char **argv)
{
	enum { OPT_INDEX = 256, OPT_MSG_MAX, OPT_QUEUE_DEPTH, OPT_MAX_WAITERS };
	static const struct option opts[] = {
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "msg-max", required_argument, NULL, OPT_MSG_MAX },
		{ "queue-depth", required_argument, NULL, OPT_QUEUE_DEPTH },
		{ "max-waiters", required_argument, NULL, OPT_MAX_WAITERS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *index_arg = NULL, *msg_max_arg = NULL;
	const char *queue_depth_arg = NULL, *max_waiters_arg = NULL;
	unsigned int index = 0, msg_max = 0, queue_depth = 0, max_waiters = 0;
	unsigned int added = 0, max_channels = 0;
	struct cipc_control_info *info;
	struct cipc_control *ctl;
	struct json_writer w;
	bool json = false, have_info;
	uint64_t id = 0;
	char e[64];
	int c, err;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_INDEX:
			index_arg = optarg;
			break;
		case OPT_MSG_MAX:
			msg_max_arg = optarg;
			break;
		case OPT_QUEUE_DEPTH:
			queue_depth_arg = optarg;
			break;
		case OPT_MAX_WAITERS:
			max_waiters_arg = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			print_help(help_add);
			return 0;
		default:
			bad_option("add", argv, c);
		}
	}
	no_operands("add", argc, argv);
	if (index_arg && parse_uint(index_arg, 0, MAX_CHANNELS_MAX - 1,
				    &index) != 0)
		die_usage("add", "invalid value '%s' for --index: expected a "
			  "number from 0 to %d", index_arg,
			  MAX_CHANNELS_MAX - 1);
	if (msg_max_arg && parse_uint(msg_max_arg, MSG_MAX_MIN, MSG_MAX_MAX,
				      &msg_max) != 0)
		die_usage("add", "invalid value '%s' for --msg-max: expected "
			  "a number from %d to %d", msg_max_arg, MSG_MAX_MIN,
			  MSG_MAX_MAX);
	if (queue_depth_arg && parse_uint(queue_depth_arg, QUEUE_DEPTH_MIN,
					  QUEUE_DEPTH_MAX, &queue_depth) != 0)
		die_usage("add", "invalid value '%s' for --queue-depth: "
			  "expected a number from %d to %d", queue_depth_arg,
			  QUEUE_DEPTH_MIN, QUEUE_DEPTH_MAX);
	if (max_waiters_arg && parse_uint(max_waiters_arg, MAX_WAITERS_MIN,
					  MAX_WAITERS_MAX, &max_waiters) != 0)
		die_usage("add", "invalid value '%s' for --max-waiters: "
			  "expected a number from %d to %d", max_waiters_arg,
			  MAX_WAITERS_MIN, MAX_WAITERS_MAX);

	ctl = open_control();
	/* the limits: for the errors, and the defaults of what is not given */
	info = cipc_control_get_info(ctl);
	have_info = info != NULL;
	if (info)
		max_channels = cipc_control_info_get_max_channels(info);
	if (cipc_control_add(ctl, index_arg ? index : CIPC_INDEX_ANY, msg_max,
			     queue_depth, max_waiters, &added, &id) != 0) {
		err = errno;
		cipc_control_close(ctl);
		cipc_control_info_free(info);
		switch (err) {
		case EPERM:
		case EACCES:
			die(CIPC_CONTROL_DEV ": operation not permitted "
			    "(adding channels needs CAP_SYS_ADMIN)");
		case EEXIST:
			die(CIPC_DEV_PREFIX "%u: already exists", index);
		case ENOSPC:
			if (index_arg && have_info && index >= max_channels)
				die(CIPC_DEV_PREFIX "%u: index out of range "
				    "(max_channels is %u)", index,
				    max_channels);
			if (have_info)
				die("cannot add a channel: max_channels (%u) "
				    "reached", max_channels);
			die("cannot add a channel: max_channels reached");
		default:
			die("cannot add a channel: %s",
			    errno_text(err, e, sizeof(e)));
		}
	}
	cipc_control_close(ctl);

	if (json) {
		char dev[32];

		snprintf(dev, sizeof(dev), CIPC_DEV_PREFIX "%u", added);
		json_init(&w, stdout);
		json_begin_object(&w);
		json_kv_string(&w, "device", dev);
		json_kv_uint(&w, "index", added);
		json_kv_uint(&w, "id", id);
		/* what was given, else the module's default */
		json_kv_uint_or_null(&w, "msg_max", msg_max_arg || info,
				     msg_max_arg ? msg_max :
				     cipc_control_info_get_msg_max(info));
		json_kv_uint_or_null(&w, "queue_depth",
				     queue_depth_arg || info,
				     queue_depth_arg ? queue_depth :
				     cipc_control_info_get_queue_depth(info));
		json_kv_uint_or_null(&w, "max_waiters",
				     max_waiters_arg || info,
				     max_waiters_arg ? max_waiters :
				     cipc_control_info_get_max_waiters(info));
		json_end_object(&w);
		cipc_control_info_free(info);
		json_finish(&w);
		return 0;
	}
	cipc_control_info_free(info);
	printf("cipc%u id %" PRIu64 "\n", added, id);
	return 0;
}

/*
 * max_channels of the loaded module, from its parameter (no device is
 * opened for it): true, or false when it cannot be read.
 */
static bool param_max_channels(unsigned int *max)
{
	char text[32];
	uint64_t v;

	if (read_text(CIPC_MODULE_DIR "/parameters/max_channels", text,
		      sizeof(text)) != 0 || !text_u64(text, &v) || v == 0 ||
	    v > UINT_MAX)
		return false;
	*max = (unsigned int)v;
	return true;
}

/* remove PATH --id ID, the node's channel having another id. */
NORETURN static void die_stale_node(const struct channel_arg *arg,
				    uint64_t id, uint64_t node_id)
{
	die("%s: stale id %" PRIu64 " (the channel there now has id %" PRIu64
	    ")", channel_name(arg), id, node_id);
}

static int cmd_remove(int argc, char **argv)
{
	enum { OPT_ID = 256 };
	static const struct option opts[] = {
		{ "id", required_argument, NULL, OPT_ID },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cipc_control_info *info;
	const char *id_arg = NULL, *name;
	struct cipc_control *ctl;
	struct cipc_channel *ch;
	struct channel_arg arg;
	unsigned int index = 0, max = 0;
	char dev[32], with_id[48] = "", e[64];
	bool has_ch = false, by_path, by_id, has_max;
	uint64_t id = 0, node_id = 0;
	int c, ret, err, n;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ID:
			id_arg = optarg;
			break;
		case 'h':
			print_help(help_remove);
			return 0;
		default:
			bad_option("remove", argv, c);
		}
	}
	if (optind < argc) {
		take_channel("remove", argc, argv, &arg, 0);
		has_ch = true;
	} else if (!id_arg) {
		die_usage("remove", "missing channel (CH) or --id ID");
	}
	if (id_arg && parse_u64(id_arg, &id) != 0)
		die_usage("remove", "invalid value '%s' for --id: expected a "
			  "channel id (a number, as list shows)", id_arg);
	by_path = has_ch && arg.is_path;
	by_id = id_arg || by_path;

	if (by_path) {
		/*
		 * A path is the channel its node refers to, whatever the
		 * path's name: opened (libcipc checks that it is a cipc
		 * channel's node) to learn its id, then removed by that id,
		 * so that a channel added at its index after it went is
		 * never removed instead.
		 */
		if (access(CIPC_MODULE_DIR, F_OK) != 0)
			die_not_loaded();
		ch = open_channel(&arg, O_RDONLY);
		index = cipc_channel_index(ch);
		node_id = cipc_channel_id(ch);
		cipc_channel_close(ch);
	} else if (has_ch) {
		index = arg.index;
	}
	/* CH and --id disagree: a usage error, found without the control
	 * device when the parameter max_channels can be read */
	has_max = param_max_channels(&max);
	if (has_ch && id_arg && has_max && id % max != index)
		die_usage("remove", "%s: id %" PRIu64 " is not at this index "
			  "(it would be at index %u)", channel_name(&arg), id,
			  (unsigned int)(id % max));
	/* the node's channel is not the one with that id */
	if (by_path && id_arg && id != node_id && has_max)
		die_stale_node(&arg, id, node_id);

	ctl = open_control();
	if (by_id && !has_max) {
		info = cipc_control_get_info(ctl);
		if (!info)
			die(CIPC_CONTROL_DEV ": cannot read the limits: %s",
			    errno_text(errno, e, sizeof(e)));
		max = cipc_control_info_get_max_channels(info);
		cipc_control_info_free(info);
		if (max == 0)
			die(CIPC_CONTROL_DEV ": max_channels is 0");
		if (has_ch && (unsigned int)(id % max) != index)
			die("%s: id %" PRIu64 " is not at this index (it "
			    "would be at index %u)", channel_name(&arg), id,
			    (unsigned int)(id % max));
		if (by_path && id_arg && id != node_id)
			die_stale_node(&arg, id, node_id);
	}
	if (by_path)
		id = node_id;
	if (by_id) {
		if (!has_ch)
			index = (unsigned int)(id % max);
		ret = cipc_control_remove_id(ctl, id);
	} else {
		ret = cipc_control_remove(ctl, index);
	}
	err = errno;
	cipc_control_close(ctl);
	if (ret == 0)
		return 0;

	/* errors name CH as given, or /dev/cipcN, and the --id given */
	if (has_ch) {
		name = channel_name(&arg);
	} else {
		snprintf(dev, sizeof(dev), CIPC_DEV_PREFIX "%u", index);
		name = dev;
	}
	if (id_arg)
		snprintf(with_id, sizeof(with_id), " (id %" PRIu64 ")", id);
	switch (err) {
	case EPERM:
	case EACCES:
		die(CIPC_CONTROL_DEV ": operation not permitted (removing "
		    "channels needs CAP_SYS_ADMIN)");
	case ENOENT:
		n = class_channels(NULL);
		if (n < 0)
			die_not_loaded();
		die("%s%s: no such channel (%d loaded)", name, with_id, n);
	case ESTALE: {
		char path[128], now[32];
		uint64_t v;

		snprintf(path, sizeof(path), CIPC_CLASS_DIR "/cipc%u/id",
			 index);
		if (read_text(path, now, sizeof(now)) == 0 &&
		    text_u64(now, &v))
			die("%s: stale id %" PRIu64 " (the channel there now "
			    "has id %" PRIu64 ")", name, id, v);
		die("%s: stale id %" PRIu64 " (another channel is there "
		    "now)", name, id);
	}
	default:
		die("%s%s: cannot remove: %s", name, with_id,
		    errno_text(err, e, sizeof(e)));
	}
}

/* ---- the module (libkmod) -------------------------------------------- */

static void kmod_quiet(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn;
	(void)format, (void)args;
}

/* A libkmod context whose own messages are silenced: we report. */
static struct kmod_ctx *kmod_open(void)
{
	char *saved = NULL, e[64];
	struct kmod_ctx *ctx;
	const char *old;
	int err;

	/*
	 * kmod_new() logs to stderr (reading the configuration) before
	 * kmod_set_log_fn() can be called; it reads its log priority from
	 * KMOD_LOG first (libkmod 30 and later), and 0 (LOG_EMERG) silences
	 * everything it logs. The variable is restored afterwards, so that
	 * programs run by libkmod (modprobe.d install commands) log as usual.
	 */
	old = getenv("KMOD_LOG");
	if (old) {
		saved = strdup(old);
		if (!saved)
			die("out of memory");
	}
	setenv("KMOD_LOG", "0", 1);
	errno = 0;
	/*
	 * The running kernel's modules directory, always: the diagnoses' test
	 * seams (CIPCCTL_SYSROOT, CIPCCTL_KVER) must never choose the module
	 * that root loads.
	 */
	ctx = kmod_new(NULL, NULL);
	err = errno;
	if (saved)
		setenv("KMOD_LOG", saved, 1);
	else
		unsetenv("KMOD_LOG");
	free(saved);
	if (!ctx)
		die("cannot initialise libkmod: %s",
		    err ? errno_text(err, e, sizeof(e)) : "unknown error");
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	return ctx;
}

static struct kmod_module *kmod_cipc(struct kmod_ctx *ctx)
{
	struct kmod_module *mod = NULL;
	char e[64];
	int err;

	err = kmod_module_new_from_name(ctx, MODULE_NAME, &mod);
	if (err < 0)
		die("libkmod: %s", errno_text(-err, e, sizeof(e)));
	return mod;
}

/*
 * The modinfo field KEY of mod into buf: 0, 1 if the module has no such
 * field, or a negative errno if its modinfo cannot be read.
 */
static int modinfo_value(struct kmod_module *mod, const char *key,
			 char *buf, size_t size)
{
	struct kmod_list *info = NULL, *l;
	int err, ret = 1;

	err = kmod_module_get_info(mod, &info);
	if (err < 0)
		return err;
	kmod_list_foreach(l, info) {
		const char *v = kmod_module_info_get_value(l);

		if (v && strcmp(kmod_module_info_get_key(l), key) == 0) {
			snprintf(buf, size, "%s", v);
			ret = 0;
		}
	}
	kmod_module_info_free_list(info);
	return ret;
}

/* Path of cipc installed for the running kernel, "built in", or NULL. */
static const char *installed_path(struct kmod_ctx *ctx, char *buf,
				  size_t size)
{
	struct kmod_module *mod = NULL;
	const char *path;
	int err;

	err = kmod_module_new_from_name_lookup(ctx, MODULE_NAME, &mod);
	if (err < 0 || !mod)
		return NULL;
	path = kmod_module_get_path(mod);
	snprintf(buf, size, "%s", path ? path : "built in");
	kmod_module_unref(mod);
	return buf;
}

/*
 * The version (modinfo) of the cipc installed for the running kernel, into
 * buf; NULL if none, built in, or without a version.
 */
static const char *installed_version(struct kmod_ctx *ctx, char *buf,
				     size_t size)
{
	struct kmod_module *mod = NULL;
	const char *found = NULL;
	int err;

	err = kmod_module_new_from_name_lookup(ctx, MODULE_NAME, &mod);
	if (err < 0 || !mod)
		return NULL;
	if (kmod_module_get_path(mod) &&
	    modinfo_value(mod, "version", buf, size) == 0)
		found = buf;
	kmod_module_unref(mod);
	return found;
}

/* The character device major of cipc from /proc/devices, or -1. */
static int cipc_major(void)
{
	char line[128], name[64];
	bool chr = false;
	int major = -1, m;
	FILE *f;

	f = fopen("/proc/devices", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Character devices:", 18) == 0)
			chr = true;
		else if (strncmp(line, "Block devices:", 14) == 0)
			chr = false;
		else if (chr && sscanf(line, "%d %63s", &m, name) == 2 &&
			 strcmp(name, MODULE_NAME) == 0)
			major = m;
	}
	fclose(f);
	return major;
}

/*
 * Processes other than this one that hold a cipc channel open (their
 * /proc/PID/fd); this one may hold inherited descriptors, which do not help
 * the user find the culprit.
 */
static unsigned int channel_users(void)
{
	unsigned int users = 0, self = (unsigned int)getpid();
	int major = cipc_major();
	struct dirent *de;
	DIR *proc;

	if (major < 0)
		return 0;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
	while ((de = readdir(proc)) != NULL) {
		char path[300];
		struct dirent *fe;
		unsigned int pid;
		DIR *fds;

		if (parse_uint(de->d_name, 1, UINT_MAX, &pid) != 0 ||
		    pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
		while ((fe = readdir(fds)) != NULL) {
			struct stat st;

			if (fe->d_name[0] == '.' ||
			    fstatat(dirfd(fds), fe->d_name, &st, 0) != 0)
				continue;
			if (S_ISCHR(st.st_mode) &&
			    (int)major(st.st_rdev) == major) {
				users++;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return users;
}

static int cmd_load(int argc, char **argv)
{
	enum { OPT_CHANNELS = 256, OPT_MAX_CHANNELS, OPT_MSG_MAX,
	       OPT_QUEUE_DEPTH, OPT_MAX_WAITERS, OPT_MODULE };
	static const struct option opts[] = {
		{ "channels", required_argument, NULL, OPT_CHANNELS },
		{ "max-channels", required_argument, NULL, OPT_MAX_CHANNELS },
		{ "msg-max", required_argument, NULL, OPT_MSG_MAX },
		{ "queue-depth", required_argument, NULL, OPT_QUEUE_DEPTH },
		{ "max-waiters", required_argument, NULL, OPT_MAX_WAITERS },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *channels_arg = NULL, *max_channels_arg = NULL;
	const char *msg_max_arg = NULL, *file = NULL;
	const char *queue_depth_arg = NULL, *max_waiters_arg = NULL;
	unsigned int channels = 0, max_channels = 0, msg_max = 0;
	unsigned int queue_depth = 0, max_waiters = 0;
	struct kmod_module *mod, *cipc;
	char options[256] = "", e[64];
	struct kmod_ctx *ctx;
	struct diag d;
	int c, err;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CHANNELS:
			channels_arg = optarg;
			break;
		case OPT_MAX_CHANNELS:
			max_channels_arg = optarg;
			break;
		case OPT_MSG_MAX:
			msg_max_arg = optarg;
			break;
		case OPT_QUEUE_DEPTH:
			queue_depth_arg = optarg;
			break;
		case OPT_MAX_WAITERS:
			max_waiters_arg = optarg;
			break;
		case OPT_MODULE:
			file = optarg;
			break;
		case 'h':
			print_help(help_load);
			return 0;
		default:
			bad_option("load", argv, c);
		}
	}
	no_operands("load", argc, argv);
	if (channels_arg && parse_uint(channels_arg, CHANNELS_MIN,
				       CHANNELS_MAX, &channels) != 0)
		die_usage("load", "invalid value '%s' for --channels: "
			  "expected a number from %d to %d", channels_arg,
			  CHANNELS_MIN, CHANNELS_MAX);
	if (max_channels_arg && parse_uint(max_channels_arg, MAX_CHANNELS_MIN,
					   MAX_CHANNELS_MAX,
					   &max_channels) != 0)
		die_usage("load", "invalid value '%s' for --max-channels: "
			  "expected a number from %d to %d", max_channels_arg,
			  MAX_CHANNELS_MIN, MAX_CHANNELS_MAX);
	if (channels_arg && max_channels_arg && channels > max_channels)
		die_usage("load", "--channels %u is more than --max-channels "
			  "%u", channels, max_channels);
	if (msg_max_arg && parse_uint(msg_max_arg, MSG_MAX_MIN, MSG_MAX_MAX,
				      &msg_max) != 0)
		die_usage("load", "invalid value '%s' for --msg-max: "
			  "expected a number from %d to %d", msg_max_arg,
			  MSG_MAX_MIN, MSG_MAX_MAX);
	if (queue_depth_arg && parse_uint(queue_depth_arg, QUEUE_DEPTH_MIN,
					  QUEUE_DEPTH_MAX, &queue_depth) != 0)
		die_usage("load", "invalid value '%s' for --queue-depth: "
			  "expected a number from %d to %d", queue_depth_arg,
			  QUEUE_DEPTH_MIN, QUEUE_DEPTH_MAX);
	if (max_waiters_arg && parse_uint(max_waiters_arg, MAX_WAITERS_MIN,
					  MAX_WAITERS_MAX, &max_waiters) != 0)
		die_usage("load", "invalid value '%s' for --max-waiters: "
			  "expected a number from %d to %d", max_waiters_arg,
			  MAX_WAITERS_MIN, MAX_WAITERS_MAX);
	if (file && !*file)
		die_usage("load", "invalid value '' for --module: expected "
			  "the path of cipc.ko");
	if (channels_arg)
		snprintf(options, sizeof(options), "channels=%u", channels);
	if (max_channels_arg)
		snprintf(options + strlen(options),
			 sizeof(options) - strlen(options), "%smax_channels=%u",
			 *options ? " " : "", max_channels);
	if (msg_max_arg)
		snprintf(options + strlen(options),
			 sizeof(options) - strlen(options), "%smsg_max=%u",
			 *options ? " " : "", msg_max);
	if (queue_depth_arg)
		snprintf(options + strlen(options),
			 sizeof(options) - strlen(options), "%squeue_depth=%u",
			 *options ? " " : "", queue_depth);
	if (max_waiters_arg)
		snprintf(options + strlen(options),
			 sizeof(options) - strlen(options), "%smax_waiters=%u",
			 *options ? " " : "", max_waiters);

	ctx = kmod_open();
	cipc = kmod_cipc(ctx);
	if (kmod_module_get_initstate(cipc) >= 0)
		die("cipc is already loaded");

	if (file) {
		char name[64];

		err = kmod_module_new_from_path(ctx, file, &mod);
		if (err < 0)
			die("%s: %s", file, errno_text(-err, e, sizeof(e)));
		err = modinfo_value(mod, "name", name, sizeof(name));
		if (err < 0)
			die("%s: not a kernel module (%s)", file,
			    errno_text(-err, e, sizeof(e)));
		if (err > 0)
			snprintf(name, sizeof(name), "%s",
				 kmod_module_get_name(mod));
		if (strcmp(name, MODULE_NAME) != 0)
			die("%s: not the cipc module (it is '%s')", file, name);
		/*
		 * libkmod names a module after its file: any other name would
		 * make modprobe.d options, blacklist and FAIL_ON_LOADED apply
		 * to that name, not to cipc.
		 */
		if (strcmp(kmod_module_get_name(mod), MODULE_NAME) != 0)
			die("%s: module file must be named cipc.ko (libkmod "
			    "names modules after their file)", file);
	} else {
		mod = NULL;
		err = kmod_module_new_from_name_lookup(ctx, MODULE_NAME, &mod);
		if (err < 0 || !mod) {
			diagnose_not_installed(&d, diag_kernel_release());
			diag_die(&d);
		}
	}

	err = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED,
					      options, NULL, NULL, NULL);
	switch (-err) {
	case 0:
		break;
	case EEXIST:
		die("cipc is already loaded");
	case ENOENT:
		if (!file) {
			diagnose_not_installed(&d, diag_kernel_release());
			diag_die(&d);
		}
		die("%s: %s", file, errno_text(-err, e, sizeof(e)));
	case EKEYREJECTED:
		/* Secure Boot or module.sig_enforce: not signed, or not
		 * with a key the kernel trusts */
		diagnose_signature(&d, file);
		diag_die(&d);
	case EPERM:
		/* root, refused: lockdown refuses unsigned modules so */
		if (geteuid() == 0 && diag_lockdown()) {
			diagnose_signature(&d, file);
			diag_die(&d);
		}
		die("cannot load cipc: operation not permitted (are you "
		    "root?)");
	case ENOEXEC:
		die("cannot load cipc from %s: not a module for kernel %s "
		    "(exec format error)",
		    file ? file : kmod_module_get_path(mod) ?
		    kmod_module_get_path(mod) : "?", diag_kernel_release());
	default:
		if (err > 0)	/* blacklisted: only with APPLY_BLACKLIST */
			die("cannot load cipc: blacklisted");
		die("cannot load cipc: %s (see the kernel log)",
		    errno_text(-err, e, sizeof(e)));
	}
	kmod_module_unref(mod);
	kmod_module_unref(cipc);
	kmod_unref(ctx);
	return 0;
}

static int cmd_unload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	unsigned int users;
	int c, err, state, refcnt;
	char e[64];

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_unload);
			return 0;
		default:
			bad_option("unload", argv, c);
		}
	}
	no_operands("unload", argc, argv);

	ctx = kmod_open();
	mod = kmod_cipc(ctx);
	state = kmod_module_get_initstate(mod);
	if (state == -ENOENT)
		die_not_loaded();
	if (state == KMOD_MODULE_BUILTIN)
		die("cannot unload cipc: it is built into the kernel");

	err = kmod_module_remove_module(mod, 0);
	switch (-err) {
	case 0:
		break;
	case ENOENT:
		die_not_loaded();
	case EBUSY:
	case EAGAIN:
		users = channel_users();
		if (users)
			die("cannot unload cipc: in use by %u process%s",
			    users, users == 1 ? "" : "es");
		refcnt = kmod_module_get_refcnt(mod);
		if (refcnt < 0)
			die("cannot unload cipc: in use");
		die("cannot unload cipc: in use (reference count %d)",
		    refcnt);
	case EPERM:
		die("cannot unload cipc: operation not permitted (are you "
		    "root?)");
	default:
		die("cannot unload cipc: %s", errno_text(-err, e, sizeof(e)));
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return 0;
}

struct param {
	char name[64];
	char value[64];
};

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name,
		      ((const struct param *)b)->name);
}

/* The module's parameters, sorted by name: their number. */
static size_t module_params(struct param *p, size_t max)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(CIPC_MODULE_DIR "/parameters");
	if (!d)
		return 0;
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
	while ((de = readdir(d)) != NULL && n < max) {
		size_t len = strlen(de->d_name);
		char path[400];

		if (de->d_name[0] == '.' || len >= sizeof(p[n].name))
			continue;
		snprintf(path, sizeof(path), CIPC_MODULE_DIR "/parameters/%s",
			 de->d_name);
		if (read_text(path, p[n].value, sizeof(p[n].value)) != 0)
			continue;
		memcpy(p[n].name, de->d_name, len + 1);
		n++;
	}
	closedir(d);
	qsort(p, n, sizeof(*p), param_cmp);
	return n;
}

/*
 * The number of channels and max_channels of the loaded module, -1 where
 * unknown: max_channels from its parameter, else from the control device;
 * the count from the control device when it can be opened (root), else
 * from /sys/class/cipc.
 */
static void module_channels(const struct param *p, size_t nparams,
			    long long *channels, long long *max_channels,
			    bool *abi_mismatch)
{
	struct cipc_control_info *info = NULL;
	struct cipc_control *ctl;
	int n;

	*channels = -1;
	*max_channels = -1;
	for (size_t i = 0; i < nparams; i++) {
		uint64_t v;

		if (strcmp(p[i].name, "max_channels") == 0 &&
		    text_u64(p[i].value, &v) && v <= UINT_MAX)
			*max_channels = (long long)v;
	}
	ctl = cipc_control_open();
	*abi_mismatch = !ctl && errno == EPROTO;
	if (ctl)
		info = cipc_control_get_info(ctl);
	if (info) {
		*channels = cipc_control_info_get_channels(info);
		if (*max_channels < 0)
			*max_channels =
				cipc_control_info_get_max_channels(info);
		cipc_control_info_free(info);
	}
	cipc_control_close(ctl);
	if (*channels < 0) {
		n = class_channels(NULL);
		if (n >= 0)
			*channels = n;
	}
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char version[64], inst_version[64], where[PATH_MAX];
	const char *release, *installed;
	struct param params[16];
	struct kmod_module *mod;
	struct json_writer w;
	struct kmod_ctx *ctx;
	bool json = false, loaded, has_version = false, abi_mismatch = false;
	long long channels = -1, max_channels = -1;
	size_t nparams = 0;
	int c, state, refcnt = -1;
	struct diag d = { .found = false };

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			print_help(help_status);
			return 0;
		default:
			bad_option("status", argv, c);
		}
	}
	no_operands("status", argc, argv);

	ctx = kmod_open();
	mod = kmod_cipc(ctx);
	state = kmod_module_get_initstate(mod);
	loaded = state >= 0;
	if (loaded) {
		has_version = read_text(CIPC_MODULE_DIR "/version", version,
					sizeof(version)) == 0;
		refcnt = kmod_module_get_refcnt(mod);
		nparams = module_params(params,
					sizeof(params) / sizeof(params[0]));
		module_channels(params, nparams, &channels, &max_channels,
				&abi_mismatch);
	}
	release = diag_kernel_release();
	installed = installed_path(ctx, where, sizeof(where));
	/* why cipc is not usable: the version, or why it is not installed */
	if (loaded)
		diagnose_version(&d, CIPCCTL_VERSION, abi_mismatch,
				 cipc_abi_version(),
				 installed_version(ctx, inst_version,
						   sizeof(inst_version)));
	else if (!installed)
		diagnose_not_installed(&d, release);
	kmod_module_unref(mod);
	kmod_unref(ctx);

	if (json) {
		json_init(&w, stdout);
		json_begin_object(&w);
		json_kv_string(&w, "module", MODULE_NAME);
		json_kv_bool(&w, "loaded", loaded);
		if (loaded) {
			json_kv_string(&w, "state",
				       kmod_module_initstate_str(state));
			json_key(&w, "version");
			if (has_version)
				json_string(&w, version);
			else
				json_null(&w);
			json_key(&w, "refcnt");
			if (refcnt >= 0)
				json_uint(&w, (unsigned int)refcnt);
			else
				json_null(&w);
			json_key(&w, "parameters");
			json_begin_object(&w);
			for (size_t i = 0; i < nparams; i++) {
				uint64_t v;

				json_key(&w, params[i].name);
				if (text_u64(params[i].value, &v))
					json_uint(&w, v);
				else
					json_string(&w, params[i].value);
			}
			json_end_object(&w);
			json_key(&w, "channels");
			if (channels >= 0)
				json_uint(&w, (uint64_t)channels);
			else
				json_null(&w);
			json_key(&w, "max_channels");
			if (max_channels >= 0)
				json_uint(&w, (uint64_t)max_channels);
			else
				json_null(&w);
		}
		json_kv_string(&w, "kernel", release);
		json_key(&w, "installed");
		if (installed)
			json_string(&w, installed);
		else
			json_null(&w);
		json_key(&w, "diagnosis");
		diag_json(&w, &d);
		json_end_object(&w);
		json_finish(&w);
		return 0;
	}
	printf("module       %s\n", MODULE_NAME);
	printf("loaded       %s\n", loaded ? "yes" : "no");
	if (loaded) {
		printf("state        %s\n", kmod_module_initstate_str(state));
		printf("version      %s\n", has_version ? version : "unknown");
		if (refcnt >= 0)
			printf("refcnt       %d\n", refcnt);
		else
			printf("refcnt       unknown\n");
		printf("parameters  ");
		for (size_t i = 0; i < nparams; i++)
			printf(" %s=%s", params[i].name, params[i].value);
		printf("\n");
		if (channels >= 0)
			printf("channels     %lld\n", channels);
		else
			printf("channels     unknown\n");
		if (max_channels >= 0)
			printf("max_channels %lld\n", max_channels);
		else
			printf("max_channels unknown\n");
	}
	printf("kernel       %s\n", release);
	printf("installed    %s\n", installed ? installed : "no");
	diag_print_status(&d);
	return 0;
}

/* ---- version --------------------------------------------------------- */

static void print_versions(void)
{
	char version[64];
	const char *module = "not loaded";

	if (read_text(CIPC_MODULE_DIR "/version", version,
		      sizeof(version)) == 0)
		module = version;
	else if (access(CIPC_MODULE_DIR, F_OK) == 0)
		module = "loaded, version unknown";
	printf("cipcctl  %s\n", CIPCCTL_VERSION);
	printf("libcipc  %s\n", cipc_version_string());
	printf("abi      %u\n", cipc_abi_version());
	printf("module   %s\n", module);
}

static int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_version);
			return 0;
		default:
			bad_option("version", argv, c);
		}
	}
	no_operands("version", argc, argv);
	print_versions();
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "list", cmd_list, help_list },
	{ "info", cmd_info, help_info },
	{ "stats", cmd_stats, help_stats },
	{ "wait", cmd_wait, help_wait },
	{ "complete", cmd_complete, help_complete },
	{ "reinit", cmd_reinit, help_reinit },
	{ "mode", cmd_mode, help_mode },
	{ "add", cmd_add, help_add },
	{ "remove", cmd_remove, help_remove },
	{ "load", cmd_load, help_load },
	{ "unload", cmd_unload, help_unload },
	{ "status", cmd_status, help_status },
	{ "version", cmd_version, help_version },
	{ "help", cmd_help, help_help },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_help);
			return 0;
		default:
			bad_option("help", argv, c);
		}
	}
	if (optind >= argc) {
		print_help(help_main);
		return 0;
	}
	if (argc - optind > 1)
		die_usage("help", "unexpected argument '%s'", argv[optind + 1]);
	cmd = find_command(argv[optind]);
	if (!cmd)
		die_usage(NULL, "unknown command '%s'", argv[optind]);
	print_help(cmd->help);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	char e[64];
	int c, ret;

	opterr = 0;
	/* '+': stop at the command; its own options are its own */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(help_main);
			ret = 0;
			goto out;
		case 'V':
			print_versions();
			ret = 0;
			goto out;
		default:
			bad_option(NULL, argv, c);
		}
	}
	if (optind >= argc)
		die_usage(NULL, "missing command");
	cmd = find_command(argv[optind]);
	if (!cmd)
		die_usage(NULL, "unknown command '%s'", argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0;	/* a fresh getopt scan: argv[0] is the command */
	ret = cmd->run(argc, argv);
out:
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error: %s", errno_text(errno ? errno : EIO, e,
						  sizeof(e)));
	return ret;
}
