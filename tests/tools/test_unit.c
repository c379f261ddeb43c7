// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-tools-unit: host unit tests of cipcctl (Check). No module needed.
 *
 *   cipc-tools-unit [SUITE...]      suites: parse json usage help
 *                                   notloaded completion diagnose
 *
 * - parse:      parse_uint, parse_u64, parse_duration, parse_channel,
 *               errno_text;
 * - json:       the JSON writer, exact output and parsed back by python3;
 * - usage:      every usage error of the real binary: message, "Try" line,
 *               exit status 2, nothing on stdout (add, remove and load's
 *               --max-channels, --queue-depth, --max-waiters included);
 * - help:       every --help, "help COMMAND", the man page naming every
 *               option of every help text, and documenting no command
 *               that does not exist;
 * - notloaded:  with no cipc module (the host): the "cipc is not loaded"
 *               errors, status and version; skipped when cipc is loaded;
 * - completion: the bash completion, run by bash;
 * - diagnose:   why the module is not usable and the fix, in fake trees
 *               (test_diagnose.c).
 *
 * The binary is $CIPCCTL or CIPCCTL_PATH (compiled in); the man page and the
 * completion are CIPCCTL_MAN and CIPCCTL_COMPLETION (compiled in).
 * Exit status: 0 when every test passed, 1 otherwise, 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools-tests.mk */
#endif
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "run.h"
#include "tools-common.h"

#ifndef CIPCCTL_MAN
#error "CIPCCTL_MAN (tools/cipcctl.1) must be defined"
#endif
#ifndef CIPCCTL_COMPLETION
#error "CIPCCTL_COMPLETION (tools/cipcctl.bash-completion) must be defined"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *diagnose_suite(void);	/* test_diagnose.c */

/* ---- parse ----------------------------------------------------------- */

START_TEST(test_parse_uint_ok)
{
	static const struct {
		const char *s;
		unsigned int min, max, want;
	} ok[] = {
		{ "0", 0, UINT_MAX, 0 },
		{ "7", 0, UINT_MAX, 7 },
		{ "007", 0, UINT_MAX, 7 },
		{ "4294967295", 0, UINT_MAX, UINT_MAX },
		{ "1", 1, 256, 1 },
		{ "256", 1, 256, 256 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		unsigned int v = 12345;

		ck_assert_msg(parse_uint(ok[i].s, ok[i].min, ok[i].max, &v)
			      == 0, "parse_uint(\"%s\") failed", ok[i].s);
		ck_assert_uint_eq(v, ok[i].want);
	}
}
END_TEST

START_TEST(test_parse_uint_bad)
{
	static const struct {
		const char *s;
		unsigned int min, max;
		int err;
	} bad[] = {
		{ "", 0, UINT_MAX, -EINVAL },
		{ "-1", 0, UINT_MAX, -EINVAL },
		{ "-0", 0, UINT_MAX, -EINVAL },
		{ "+1", 0, UINT_MAX, -EINVAL },
		{ " 1", 0, UINT_MAX, -EINVAL },
		{ "1 ", 0, UINT_MAX, -EINVAL },
		{ "1\n", 0, UINT_MAX, -EINVAL },
		{ "0x10", 0, UINT_MAX, -EINVAL },
		{ "1a", 0, UINT_MAX, -EINVAL },
		{ "1.0", 0, UINT_MAX, -EINVAL },
		{ "1e3", 0, UINT_MAX, -EINVAL },
		{ "abc", 0, UINT_MAX, -EINVAL },
		{ "4294967296", 0, UINT_MAX, -ERANGE },
		{ "18446744073709551615", 0, UINT_MAX, -ERANGE },
		{ "18446744073709551616", 0, UINT_MAX, -ERANGE },
		{ "99999999999999999999999999", 0, UINT_MAX, -ERANGE },
		{ "0", 1, 256, -ERANGE },
		{ "257", 1, 256, -ERANGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned int v = 12345;
		int r = parse_uint(bad[i].s, bad[i].min, bad[i].max, &v);

		ck_assert_msg(r == bad[i].err, "parse_uint(\"%s\", %u, %u) "
			      "= %d, expected %d", bad[i].s, bad[i].min,
			      bad[i].max, r, bad[i].err);
		ck_assert_msg(v == 12345, "parse_uint(\"%s\") changed *out "
			      "on failure", bad[i].s);
	}
	ck_assert_int_eq(parse_uint(NULL, 0, 1, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_u64)
{
	static const struct {
		const char *s;
		int err;
		uint64_t want;
	} cases[] = {
		{ "0", 0, 0 },
		{ "260", 0, 260 },
		{ "0007", 0, 7 },
		{ "4294967296", 0, 4294967296ULL },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		int r = parse_u64(cases[i].s, &v);

		ck_assert_msg(r == cases[i].err, "parse_u64(\"%s\") = %d, "
			      "expected %d", cases[i].s, r, cases[i].err);
		ck_assert_msg(v == (r ? 12345 : cases[i].want),
			      "parse_u64(\"%s\"): %llu", cases[i].s,
			      (unsigned long long)v);
	}
	ck_assert_int_eq(parse_u64(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_duration_ok)
{
	static const struct {
		const char *s;
		int64_t ns;
	} ok[] = {
		{ "0", 0 },
		{ "0ms", 0 },
		{ "5", 5000000000LL },
		{ "5s", 5000000000LL },
		{ "250ms", 250000000LL },
		{ "007ms", 7000000LL },
		{ "2m", 120000000000LL },
		{ "1ns", 1 },
		{ "3us", 3000 },
		{ "9223372036854775807ns", INT64_MAX },
		{ "9223372036854775us", 9223372036854775000LL },
		{ "9223372036854ms", 9223372036854000000LL },
		{ "9223372036s", 9223372036000000000LL },
		{ "9223372036", 9223372036000000000LL },
		{ "153722867m", 153722867LL * 60 * 1000000000LL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		int64_t ns = -42;

		ck_assert_msg(parse_duration(ok[i].s, &ns) == 0,
			      "parse_duration(\"%s\") failed", ok[i].s);
		ck_assert_msg(ns == ok[i].ns, "parse_duration(\"%s\") = %lld,"
			      " expected %lld", ok[i].s, (long long)ns,
			      (long long)ok[i].ns);
	}
}
END_TEST

START_TEST(test_parse_duration_bad)
{
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", -EINVAL },
		{ "s", -EINVAL },
		{ "ms", -EINVAL },
		{ "-1", -EINVAL },
		{ "-1s", -EINVAL },
		{ "-0", -EINVAL },
		{ "+1s", -EINVAL },
		{ "1.5s", -EINVAL },
		{ ".5s", -EINVAL },
		{ "1,5s", -EINVAL },
		{ "1 s", -EINVAL },
		{ " 1s", -EINVAL },
		{ "1s ", -EINVAL },
		{ "1S", -EINVAL },
		{ "1MS", -EINVAL },
		{ "1h", -EINVAL },
		{ "1d", -EINVAL },
		{ "1sec", -EINVAL },
		{ "1ms5", -EINVAL },
		{ "1s1", -EINVAL },
		{ "1mss", -EINVAL },
		{ "5x", -EINVAL },
		{ "1e3", -EINVAL },
		{ "0x10", -EINVAL },
		{ "inf", -EINVAL },
		{ "infinity", -EINVAL },
		{ "1\n", -EINVAL },
		{ "9223372036854775808ns", -ERANGE },
		{ "9223372036854776us", -ERANGE },
		{ "9223372036855ms", -ERANGE },
		{ "9223372037s", -ERANGE },
		{ "9223372037", -ERANGE },
		{ "153722868m", -ERANGE },
		{ "18446744073709551616ns", -ERANGE },
		{ "99999999999999999999999999999m", -ERANGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int64_t ns = -42;
		int r = parse_duration(bad[i].s, &ns);

		ck_assert_msg(r == bad[i].err, "parse_duration(\"%s\") = %d, "
			      "expected %d", bad[i].s, r, bad[i].err);
		ck_assert_msg(ns == -42, "parse_duration(\"%s\") changed *ns "
			      "on failure", bad[i].s);
	}
	ck_assert_int_eq(parse_duration(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_channel)
{
	struct channel_arg ch;

	ck_assert_int_eq(parse_channel("0", &ch), 0);
	ck_assert(!ch.is_path);
	ck_assert_uint_eq(ch.index, 0);
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc0");

	/* the name, as list shows it */
	ck_assert_int_eq(parse_channel("cipc0", &ch), 0);
	ck_assert(!ch.is_path);
	ck_assert_uint_eq(ch.index, 0);
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc0");
	ck_assert_int_eq(parse_channel("cipc017", &ch), 0);
	ck_assert_uint_eq(ch.index, 17);
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc17");

	ck_assert_int_eq(parse_channel("255", &ch), 0);
	ck_assert_uint_eq(ch.index, 255);
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc255");

	ck_assert_int_eq(parse_channel("4294967295", &ch), 0);
	ck_assert_uint_eq(ch.index, UINT_MAX);
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc4294967295");

	/*
	 * A path is a path, whatever its name: its index is not taken from
	 * the string (a copied node, another minor); the node tells.
	 */
	memset(&ch, 0xa5, sizeof(ch));
	ck_assert_int_eq(parse_channel("/dev/cipc3", &ch), 0);
	ck_assert(ch.is_path);
	ck_assert_str_eq(ch.path, "/dev/cipc3");
	ck_assert_str_eq(channel_name(&ch), "/dev/cipc3");
	ck_assert_uint_eq(ch.index, 0);

	ck_assert_int_eq(parse_channel("./cipc0", &ch), 0);
	ck_assert(ch.is_path);
	ck_assert_str_eq(channel_name(&ch), "./cipc0");
	ck_assert_int_eq(parse_channel("/dev/cipc0x", &ch), 0);
	ck_assert(ch.is_path);
	ck_assert_int_eq(parse_channel("/", &ch), 0);
	ck_assert(ch.is_path);
	/* errors name a long path in full */
	ck_assert_int_eq(parse_channel("/tmp/a/rather/long/path/to/a/link/"
				       "to/the/node/of/cipc3", &ch), 0);
	ck_assert_str_eq(channel_name(&ch), "/tmp/a/rather/long/path/to/a/"
			 "link/to/the/node/of/cipc3");

	ck_assert_int_eq(parse_channel("4294967296", &ch), -ERANGE);
	ck_assert_int_eq(parse_channel("", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel(NULL, &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipc", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipcx", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipc-1", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipc 1", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("CIPC0", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipc-control", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("cipc4294967296", &ch), -ERANGE);
	ck_assert_int_eq(parse_channel("-1", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("+1", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel(" 0", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("0 ", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("0x1", &ch), -EINVAL);
	ck_assert_int_eq(parse_channel("one", &ch), -EINVAL);
}
END_TEST

START_TEST(test_is_channel_node_path)
{
	ck_assert(is_channel_node_path("/dev/cipc0"));
	ck_assert(is_channel_node_path("/dev/cipc255"));
	ck_assert(is_channel_node_path("/dev/cipc4294967295"));
	/* not a name the driver gives: a mistyped path */
	ck_assert(!is_channel_node_path("/dev/cipc07"));
	ck_assert(!is_channel_node_path("/dev/cipc00"));
	ck_assert(!is_channel_node_path("/dev/cipc4294967296"));
	ck_assert(!is_channel_node_path("/dev/cipc"));
	ck_assert(!is_channel_node_path("/dev/cipc0/"));
	ck_assert(!is_channel_node_path("/dev/cipcx"));
	ck_assert(!is_channel_node_path("/dev/cipc-1"));
	ck_assert(!is_channel_node_path("/dev/cipc99999999999"));
	ck_assert(!is_channel_node_path("./cipc0"));
	ck_assert(!is_channel_node_path("dev/cipc0"));
	ck_assert(!is_channel_node_path("/dev//cipc0"));
	ck_assert(!is_channel_node_path(""));
	ck_assert(!is_channel_node_path(NULL));
}
END_TEST

START_TEST(test_errno_text)
{
	char buf[64];

	ck_assert_str_eq(errno_text(ENOENT, buf, sizeof(buf)),
			 "no such file or directory");
	ck_assert_str_eq(errno_text(EPERM, buf, sizeof(buf)),
			 "operation not permitted");
	ck_assert_str_eq(errno_text(EIO, buf, sizeof(buf)),
			 "input/output error");
	/* truncated, still terminated */
	ck_assert_str_eq(errno_text(ENOENT, buf, 3), "no");
}
END_TEST

/* ---- json ------------------------------------------------------------ */

/* A document written by fn into a string; *ret gets json_end(). */
static char *json_doc(void (*fn)(struct json_writer *, const void *),
		      const void *arg, int *ret)
{
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	json_init(&w, f);
	fn(&w, arg);
	*ret = json_end(&w);
	fclose(f);
	return buf;
}

/* One string value of len bytes. */
struct bytes {
	const char *p;
	size_t len;
};

static void doc_string(struct json_writer *w, const void *arg)
{
	const struct bytes *b = arg;

	json_string_len(w, b->p, b->len);
}

static void expect_string_json(const char *in, size_t len, const char *want)
{
	struct bytes b = { in, len };
	char *doc;
	int ret;

	doc = json_doc(doc_string, &b, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(strlen(doc) == strlen(want) + 1 &&
		      strncmp(doc, want, strlen(want)) == 0 &&
		      doc[strlen(want)] == '\n',
		      "JSON of a %zu-byte string: got [%s], expected [%s]",
		      len, doc, want);
	free(doc);
}

/* python3 parses doc; the script's stdout must be `want'. */
static void expect_python(const char *doc, const char *script,
			  const char *want)
{
	struct proc p;
	int st = run_python(&p, script, doc, strlen(doc));

	ck_assert_msg(st == 0, "python3 rejected [%s] (status %d): %s", doc,
		      st, p.err);
	ck_assert_msg(strcmp(p.out, want) == 0, "python3 on [%s] printed "
		      "[%s], expected [%s]", doc, p.out, want);
	proc_free(&p);
}

/* Code points, space separated, of the string at top level. */
#define PY_CODEPOINTS \
	"import json,sys\n" \
	"d=json.load(sys.stdin)\n" \
	"print(' '.join('%x' % ord(c) for c in d))\n"

static void doc_nested(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_key(w, "a");
	json_begin_array(w);
	json_uint(w, 1);
	json_int(w, -2);
	json_begin_object(w);
	json_key(w, "b");
	json_null(w);
	json_end_object(w);
	json_begin_array(w);
	json_end_array(w);
	json_begin_object(w);
	json_end_object(w);
	json_end_array(w);
	json_kv_bool(w, "c", true);
	json_kv_bool(w, "d", false);
	json_kv_uint(w, "max", UINT64_MAX);
	json_key(w, "min");
	json_int(w, INT64_MIN);
	json_kv_string(w, "e", "");
	json_kv_string(w, "k\"ey\\\n", "v");
	json_end_object(w);
}

START_TEST(test_json_nested)
{
	static const char want[] =
		"{\"a\":[1,-2,{\"b\":null},[],{}],\"c\":true,\"d\":false,"
		"\"max\":18446744073709551615,\"min\":-9223372036854775808,"
		"\"e\":\"\",\"k\\\"ey\\\\\\n\":\"v\"}\n";
	char *doc;
	int ret;

	doc = json_doc(doc_nested, NULL, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(doc, want);
	expect_python(doc,
		      "import json,sys\n"
		      "d=json.load(sys.stdin)\n"
		      "assert d == {'a':[1,-2,{'b':None},[],{}],'c':True,"
		      "'d':False,'max':2**64-1,'min':-2**63,'e':'',"
		      "'k\"ey\\\\\\n':'v'}, d\n"
		      "print('ok')\n", "ok\n");
	free(doc);
}
END_TEST

static void doc_scalar(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_uint(w, 42);
}

static void doc_empty_object(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_end_object(w);
}

static void doc_empty_array(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_array(w);
	json_end_array(w);
}

START_TEST(test_json_simple_documents)
{
	char *doc;
	int ret;

	doc = json_doc(doc_scalar, NULL, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(doc, "42\n");
	free(doc);
	doc = json_doc(doc_empty_object, NULL, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(doc, "{}\n");
	expect_python(doc, "import json,sys\nprint(json.load(sys.stdin))\n",
		      "{}\n");
	free(doc);
	doc = json_doc(doc_empty_array, NULL, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(doc, "[]\n");
	free(doc);
}
END_TEST

START_TEST(test_json_escape_ascii)
{
	expect_string_json("", 0, "\"\"");
	expect_string_json("plain text", 10, "\"plain text\"");
	expect_string_json("a\"b", 3, "\"a\\\"b\"");
	expect_string_json("a\\b", 3, "\"a\\\\b\"");
	expect_string_json("\\\"", 2, "\"\\\\\\\"\"");
	expect_string_json("/", 1, "\"/\"");
	expect_string_json("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect_string_json("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect_string_json("a\0b", 3, "\"a\\u0000b\"");
	expect_string_json("\x0b\x1b", 2, "\"\\u000b\\u001b\"");
}
END_TEST

START_TEST(test_json_escape_utf8)
{
	/* valid UTF-8: copied */
	expect_string_json("\xc3\xa9", 2, "\"\xc3\xa9\"");		/* é */
	expect_string_json("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");	/* € */
	expect_string_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	expect_string_json("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
	expect_string_json("\xc2\x80", 2, "\"\xc2\x80\"");		/* U+0080 */
	expect_string_json("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\"");	/* U+D7FF */
	expect_string_json("\xee\x80\x80", 3, "\"\xee\x80\x80\"");	/* U+E000 */
	/* anything else: each byte as \u00XX */
	expect_string_json("\x80", 1, "\"\\u0080\"");
	expect_string_json("\xff", 1, "\"\\u00ff\"");
	expect_string_json("\xfe\xf5", 2, "\"\\u00fe\\u00f5\"");
	expect_string_json("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");	/* overlong / */
	expect_string_json("\xc1\xbf", 2, "\"\\u00c1\\u00bf\"");
	expect_string_json("\xe0\x80\x80", 3,
			   "\"\\u00e0\\u0080\\u0080\"");		/* overlong */
	expect_string_json("\xed\xa0\x80", 3,
			   "\"\\u00ed\\u00a0\\u0080\"");		/* surrogate */
	expect_string_json("\xf0\x80\x80\x80", 4,
			   "\"\\u00f0\\u0080\\u0080\\u0080\"");
	expect_string_json("\xf4\x90\x80\x80", 4,
			   "\"\\u00f4\\u0090\\u0080\\u0080\"");	/* > U+10FFFF */
	expect_string_json("\xc3", 1, "\"\\u00c3\"");			/* truncated */
	expect_string_json("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
	expect_string_json("\xc3" "A", 2, "\"\\u00c3A\"");
	expect_string_json("\xe2\x82" "\"", 3, "\"\\u00e2\\u0082\\\"\"");
	expect_string_json("a\xc3\xa9\xff" "b", 5, "\"a\xc3\xa9\\u00ffb\"");
}
END_TEST

/* Every byte 0x00-0xff in order parses back, each as its own code point
 * (no two consecutive bytes there form a valid UTF-8 sequence). */
START_TEST(test_json_all_bytes_python)
{
	char in[256], want[256 * 4 + 1] = "", *doc;
	struct bytes b = { in, sizeof(in) };
	int ret;

	for (int i = 0; i < 256; i++) {
		in[i] = (char)i;
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s%x", i ? " " : "", i);
	}
	strcat(want, "\n");
	doc = json_doc(doc_string, &b, &ret);
	ck_assert_int_eq(ret, 0);
	expect_python(doc, PY_CODEPOINTS, want);
	free(doc);
}
END_TEST

START_TEST(test_json_utf8_python)
{
	static const char in[] = "\"\\\x01\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
				 "\xed\xa0\x80\xc3";
	struct bytes b = { in, sizeof(in) - 1 };
	char *doc;
	int ret;

	doc = json_doc(doc_string, &b, &ret);
	ck_assert_int_eq(ret, 0);
	expect_python(doc, PY_CODEPOINTS,
		      "22 5c 1 e9 20ac 1f600 ed a0 80 c3\n");
	free(doc);
}
END_TEST

/* Keys are escaped as strings are. */
static void doc_keys(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_kv_uint(w, "\x01\"\\\xff\xc3\xa9", 1);
	json_end_object(w);
}

START_TEST(test_json_key_escape_python)
{
	char *doc;
	int ret;

	doc = json_doc(doc_keys, NULL, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(doc, "{\"\\u0001\\\"\\\\\\u00ff\xc3\xa9\":1}\n");
	expect_python(doc,
		      "import json,sys\n"
		      "d=json.load(sys.stdin)\n"
		      "print(' '.join('%x' % ord(c) for c in list(d)[0]))\n",
		      "1 22 5c ff e9\n");
	free(doc);
}
END_TEST

/* Misuse is reported by json_end() with EINVAL. */
static void doc_value_without_key(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_uint(w, 1);
	json_end_object(w);
}

static void doc_key_at_top(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_key(w, "k");
	json_uint(w, 1);
}

static void doc_key_in_array(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_array(w);
	json_key(w, "k");
	json_end_array(w);
}

static void doc_two_keys(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_key(w, "a");
	json_key(w, "b");
	json_uint(w, 1);
	json_end_object(w);
}

static void doc_dangling_key(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_key(w, "a");
	json_end_object(w);
}

static void doc_mismatched(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_object(w);
	json_end_array(w);
}

static void doc_unclosed(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_array(w);
	json_uint(w, 1);
}

static void doc_extra_close(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_begin_array(w);
	json_end_array(w);
	json_end_array(w);
}

static void doc_two_values(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_uint(w, 1);
	json_uint(w, 2);
}

static void doc_nothing(struct json_writer *w, const void *arg)
{
	(void)w, (void)arg;
}

static void doc_null_string(struct json_writer *w, const void *arg)
{
	(void)arg;
	json_string(w, NULL);
}

static void doc_depth(struct json_writer *w, const void *arg)
{
	unsigned int depth = *(const unsigned int *)arg;

	for (unsigned int i = 0; i < depth; i++)
		json_begin_array(w);
	for (unsigned int i = 0; i < depth; i++)
		json_end_array(w);
}

START_TEST(test_json_misuse)
{
	static void (*const docs[])(struct json_writer *, const void *) = {
		doc_value_without_key, doc_key_at_top, doc_key_in_array,
		doc_two_keys, doc_dangling_key, doc_mismatched, doc_unclosed,
		doc_extra_close, doc_two_values, doc_nothing, doc_null_string,
	};

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		char *doc;
		int ret;

		errno = 0;
		doc = json_doc(docs[i], NULL, &ret);
		ck_assert_msg(ret == -1 && errno == EINVAL, "misuse %zu not "
			      "reported (ret %d, errno %d, doc [%s])", i, ret,
			      errno, doc);
		free(doc);
	}
}
END_TEST

START_TEST(test_json_depth)
{
	unsigned int depth = JSON_MAX_DEPTH;
	char *doc;
	int ret;

	doc = json_doc(doc_depth, &depth, &ret);
	ck_assert_int_eq(ret, 0);
	expect_python(doc, "import json,sys\nprint(json.dumps(json.load("
		      "sys.stdin)))\n",
		      "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]\n");
	free(doc);
	depth = JSON_MAX_DEPTH + 1;
	errno = 0;
	doc = json_doc(doc_depth, &depth, &ret);
	ck_assert(ret == -1 && errno == EINVAL);
	free(doc);
}
END_TEST

/* A stream that fails: json_end() returns -1 with its errno. */
START_TEST(test_json_write_error)
{
	struct json_writer w;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		fprintf(stderr, "note: %s skipped: no /dev/full\n", __func__);
		return;
	}
	json_init(&w, f);
	json_begin_object(&w);
	json_kv_string(&w, "k", "value");
	json_end_object(&w);
	errno = 0;
	ck_assert_int_eq(json_end(&w), -1);
	ck_assert_int_eq(errno, ENOSPC);
	fclose(f);
}
END_TEST

/* ---- usage errors of the real binary --------------------------------- */

struct usage_case {
	const char *args[8];	/* NULL-terminated */
	const char *line;	/* the first stderr line, without "cipcctl: " */
	const char *verb;	/* the Try line's command, or NULL */
};

static const struct usage_case usage_cases[] = {
	{ { NULL }, "missing command", NULL },
	{ { "frobnicate" }, "unknown command 'frobnicate'", NULL },
	{ { "LIST" }, "unknown command 'LIST'", NULL },
	{ { "--frob" }, "unknown option '--frob'", NULL },
	{ { "-x" }, "unknown option '-x'", NULL },
	{ { "--help=1" }, "option '--help' takes no value", NULL },
	{ { "help", "frob" }, "unknown command 'frob'", NULL },
	{ { "help", "wait", "x" }, "unexpected argument 'x'", "help" },
	{ { "help", "--frob" }, "unknown option '--frob'", "help" },
	{ { "list", "--frob" }, "unknown option '--frob'", "list" },
	{ { "list", "-x" }, "unknown option '-x'", "list" },
	{ { "list", "-jx" }, "unknown option '-x'", "list" },
	{ { "list", "0" }, "unexpected argument '0'", "list" },
	{ { "list", "--json=yes" }, "option '--json' takes no value",
	  "list" },
	{ { "info" }, "missing channel (CH)", "info" },
	{ { "info", "abc" }, "invalid channel 'abc': expected an index (0), "
	  "a name (cipc0) or a path (/dev/cipc0)", "info" },
	{ { "info", "cipcx" }, "invalid channel 'cipcx': expected an index "
	  "(0), a name (cipc0) or a path (/dev/cipc0)", "info" },
	{ { "info", "cipc" }, "invalid channel 'cipc': expected an index "
	  "(0), a name (cipc0) or a path (/dev/cipc0)", "info" },
	{ { "info", "cipc-control" }, "invalid channel 'cipc-control': "
	  "expected an index (0), a name (cipc0) or a path (/dev/cipc0)",
	  "info" },
	{ { "info", "" }, "invalid channel '': expected an index (0), a name "
	  "(cipc0) or a path (/dev/cipc0)", "info" },
	{ { "info", "4294967296" }, "invalid channel '4294967296': expected "
	  "an index (0), a name (cipc0) or a path (/dev/cipc0)", "info" },
	{ { "info", "-1" }, "unknown option '-1'", "info" },
	{ { "info", "0", "1" }, "unexpected argument '1'", "info" },
	{ { "info", "--json", "--frob", "0" }, "unknown option '--frob'",
	  "info" },
	{ { "stats" }, "missing channel (CH)", "stats" },
	{ { "stats", "0", "--json", "--reset" }, "--json and --reset cannot "
	  "be combined (--reset prints nothing)", "stats" },
	{ { "stats", "0", "--reset=1" }, "option '--reset' takes no value",
	  "stats" },
	{ { "stats", "0", "0" }, "unexpected argument '0'", "stats" },
	{ { "wait" }, "missing channel (CH)", "wait" },
	{ { "wait", "--print" }, "missing channel (CH)", "wait" },
	{ { "wait", "x" }, "invalid channel 'x': expected an index (0), a name "
	  "(cipc0) or a path (/dev/cipc0)", "wait" },
	{ { "wait", "0", "1" }, "unexpected argument '1'", "wait" },
	{ { "wait", "0", "--timeout" }, "option '--timeout' needs a value",
	  "wait" },
	{ { "wait", "0", "-t" }, "option '-t' needs a value", "wait" },
	{ { "wait", "0", "-pt" }, "option '-t' needs a value", "wait" },
	{ { "wait", "0", "--timeout", "5x" }, "invalid duration '5x': "
	  "expected a whole number with an optional unit ns, us, ms, s or m "
	  "(250ms, 5s, 2m)", "wait" },
	{ { "wait", "0", "--timeout=" }, "invalid duration '': expected a "
	  "whole number with an optional unit ns, us, ms, s or m (250ms, 5s, "
	  "2m)", "wait" },
	{ { "wait", "0", "--timeout", "-1" }, "invalid duration '-1': "
	  "expected a whole number with an optional unit ns, us, ms, s or m "
	  "(250ms, 5s, 2m)", "wait" },
	{ { "wait", "0", "-t", "1.5s" }, "invalid duration '1.5s': expected "
	  "a whole number with an optional unit ns, us, ms, s or m (250ms, "
	  "5s, 2m)", "wait" },
	{ { "wait", "0", "-t1h" }, "invalid duration '1h': expected a whole "
	  "number with an optional unit ns, us, ms, s or m (250ms, 5s, 2m)",
	  "wait" },
	{ { "wait", "0", "--timeout", "inf" }, "invalid duration 'inf': "
	  "expected a whole number with an optional unit ns, us, ms, s or m "
	  "(250ms, 5s, 2m)", "wait" },
	{ { "wait", "0", "--timeout", "9223372037s" }, "duration "
	  "'9223372037s' is too long", "wait" },
	{ { "wait", "0", "--timeout", "99999999999999999999999m" }, "duration "
	  "'99999999999999999999999m' is too long", "wait" },
	{ { "complete" }, "missing channel (CH)", "complete" },
	{ { "complete", "0", "--message" }, "option '--message' needs a value",
	  "complete" },
	{ { "complete", "0", "-m" }, "option '-m' needs a value",
	  "complete" },
	{ { "complete", "0", "--all=yes" }, "option '--all' takes no value",
	  "complete" },
	{ { "complete", "0", "hello" }, "unexpected argument 'hello'",
	  "complete" },
	{ { "reinit" }, "missing channel (CH)", "reinit" },
	{ { "reinit", "0", "1" }, "unexpected argument '1'", "reinit" },
	{ { "reinit", "--all", "0" }, "unknown option '--all'", "reinit" },
	{ { "mode" }, "missing channel (CH)", "mode" },
	{ { "mode", "0", "both" }, "invalid mode 'both': expected one or all",
	  "mode" },
	{ { "mode", "0", "ONE" }, "invalid mode 'ONE': expected one or all",
	  "mode" },
	{ { "mode", "0", "" }, "invalid mode '': expected one or all",
	  "mode" },
	{ { "mode", "0", "one", "all" }, "unexpected argument 'all'",
	  "mode" },
	{ { "mode", "one" }, "invalid channel 'one': expected an index (0), "
	  "a name (cipc0) or a path (/dev/cipc0)", "mode" },
	{ { "load", "extra" }, "unexpected argument 'extra'", "load" },
	{ { "load", "--channels" }, "option '--channels' needs a value",
	  "load" },
	{ { "load", "--channels", "1025" }, "invalid value '1025' for "
	  "--channels: expected a number from 0 to 1024", "load" },
	{ { "load", "--channels", "-1" }, "invalid value '-1' for "
	  "--channels: expected a number from 0 to 1024", "load" },
	{ { "load", "--channels=four" }, "invalid value 'four' for "
	  "--channels: expected a number from 0 to 1024", "load" },
	{ { "load", "--max-channels" }, "option '--max-channels' needs a "
	  "value", "load" },
	{ { "load", "--max-channels", "0" }, "invalid value '0' for "
	  "--max-channels: expected a number from 1 to 1024", "load" },
	{ { "load", "--max-channels", "1025" }, "invalid value '1025' for "
	  "--max-channels: expected a number from 1 to 1024", "load" },
	{ { "load", "--max-channels=", "--channels", "4" }, "invalid value "
	  "'' for --max-channels: expected a number from 1 to 1024",
	  "load" },
	{ { "load", "--channels", "7", "--max-channels", "6" }, "--channels "
	  "7 is more than --max-channels 6", "load" },
	{ { "load", "--msg-max", "0" }, "invalid value '0' for --msg-max: "
	  "expected a number from 1 to 4096", "load" },
	{ { "load", "--msg-max", "4097" }, "invalid value '4097' for "
	  "--msg-max: expected a number from 1 to 4096", "load" },
	{ { "load", "--queue-depth", "0" }, "invalid value '0' for "
	  "--queue-depth: expected a number from 1 to 1024", "load" },
	{ { "load", "--queue-depth", "1025" }, "invalid value '1025' for "
	  "--queue-depth: expected a number from 1 to 1024", "load" },
	{ { "load", "--queue-depth" }, "option '--queue-depth' needs a "
	  "value", "load" },
	{ { "load", "--max-waiters", "0" }, "invalid value '0' for "
	  "--max-waiters: expected a number from 1 to 65536", "load" },
	{ { "load", "--max-waiters=65537" }, "invalid value '65537' for "
	  "--max-waiters: expected a number from 1 to 65536", "load" },
	{ { "load", "--max-waiters", "x" }, "invalid value 'x' for "
	  "--max-waiters: expected a number from 1 to 65536", "load" },
	{ { "load", "--module", "" }, "invalid value '' for --module: "
	  "expected the path of cipc.ko", "load" },
	{ { "load", "-c", "4" }, "unknown option '-c'", "load" },
	{ { "unload", "now" }, "unexpected argument 'now'", "unload" },
	{ { "unload", "--force" }, "unknown option '--force'", "unload" },
	{ { "status", "x" }, "unexpected argument 'x'", "status" },
	{ { "status", "--yaml" }, "unknown option '--yaml'", "status" },
	{ { "add", "4" }, "unexpected argument '4'", "add" },
	{ { "add", "--index" }, "option '--index' needs a value", "add" },
	{ { "add", "--index", "-1" }, "invalid value '-1' for --index: "
	  "expected a number from 0 to 1023", "add" },
	{ { "add", "--index", "1024" }, "invalid value '1024' for --index: "
	  "expected a number from 0 to 1023", "add" },
	{ { "add", "--index=cipc4" }, "invalid value 'cipc4' for --index: "
	  "expected a number from 0 to 1023", "add" },
	{ { "add", "--index", "" }, "invalid value '' for --index: "
	  "expected a number from 0 to 1023", "add" },
	{ { "add", "--msg-max", "0" }, "invalid value '0' for --msg-max: "
	  "expected a number from 1 to 4096", "add" },
	{ { "add", "--msg-max", "4097" }, "invalid value '4097' for "
	  "--msg-max: expected a number from 1 to 4096", "add" },
	{ { "add", "--queue-depth", "0" }, "invalid value '0' for "
	  "--queue-depth: expected a number from 1 to 1024", "add" },
	{ { "add", "--queue-depth=1025" }, "invalid value '1025' for "
	  "--queue-depth: expected a number from 1 to 1024", "add" },
	{ { "add", "--queue-depth", "-1" }, "invalid value '-1' for "
	  "--queue-depth: expected a number from 1 to 1024", "add" },
	{ { "add", "--max-waiters" }, "option '--max-waiters' needs a value",
	  "add" },
	{ { "add", "--max-waiters", "0" }, "invalid value '0' for "
	  "--max-waiters: expected a number from 1 to 65536", "add" },
	{ { "add", "--max-waiters", "65537" }, "invalid value '65537' for "
	  "--max-waiters: expected a number from 1 to 65536", "add" },
	{ { "add", "--json=1" }, "option '--json' takes no value", "add" },
	{ { "add", "-i", "1" }, "unknown option '-i'", "add" },
	{ { "add", "--id", "1" }, "unknown option '--id'", "add" },
	{ { "remove" }, "missing channel (CH) or --id ID", "remove" },
	{ { "remove", "--id" }, "option '--id' needs a value", "remove" },
	{ { "remove", "--id", "x" }, "invalid value 'x' for --id: expected "
	  "a channel id (a number, as list shows)", "remove" },
	{ { "remove", "--id", "-1" }, "invalid value '-1' for --id: expected "
	  "a channel id (a number, as list shows)", "remove" },
	{ { "remove", "--id=18446744073709551616" }, "invalid value "
	  "'18446744073709551616' for --id: expected a channel id (a number, "
	  "as list shows)", "remove" },
	{ { "remove", "0", "--id", "" }, "invalid value '' for --id: expected "
	  "a channel id (a number, as list shows)", "remove" },
	{ { "remove", "abc" }, "invalid channel 'abc': expected an index "
	  "(0), a name (cipc0) or a path (/dev/cipc0)", "remove" },
	{ { "remove", "0", "1" }, "unexpected argument '1'", "remove" },
	{ { "remove", "--id", "4", "cipc4", "x" }, "unexpected argument 'x'",
	  "remove" },
	{ { "remove", "--index", "4" }, "unknown option '--index'",
	  "remove" },
	{ { "remove", "0", "--json" }, "unknown option '--json'", "remove" },
	{ { "version", "x" }, "unexpected argument 'x'", "version" },
	{ { "version", "--json" }, "unknown option '--json'", "version" },
};

/* argv of cipcctl with the given arguments. */
static void usage_argv(char *argv[10], const char *const args[8])
{
	int n = 0;

	argv[n++] = (char *)cipcctl_path();
	for (int i = 0; i < 8 && args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
}

START_TEST(test_usage_error)
{
	const struct usage_case *c = &usage_cases[_i];
	char *argv[10], want[512], cmdline[256] = "cipcctl";
	struct proc p;
	int st;

	usage_argv(argv, c->args);
	for (int i = 1; argv[i]; i++)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " '%s'", argv[i]);
	snprintf(want, sizeof(want), "cipcctl: %s\nTry 'cipcctl%s%s --help'.\n",
		 c->line, c->verb ? " " : "", c->verb ? c->verb : "");
	st = run_argv(&p, argv, NULL);
	ck_assert_msg(st == 2, "%s: exit status %d, expected 2 (stderr: %s)",
		      cmdline, st, p.err);
	ck_assert_msg(strcmp(p.err, want) == 0, "%s: stderr\n[%s]\nexpected"
		      "\n[%s]", cmdline, p.err, want);
	ck_assert_msg(p.out_len == 0, "%s: printed on stdout: %s", cmdline,
		      p.out);
	proc_free(&p);
}
END_TEST

/* ---- help ------------------------------------------------------------ */

static const char *const commands[] = {
	"list", "info", "stats", "wait", "complete", "reinit", "mode",
	"add", "remove", "load", "unload", "status", "version", "help",
};

/* Run cipcctl ARGS, must exit 0 with nothing on stderr; its stdout. */
static char *stdout_of(const char *a1, const char *a2, const char *a3)
{
	struct proc p;
	char *out;
	int st;

	st = run_cipcctl(&p, a1, a2, a3, NULL);
	ck_assert_msg(st == 0, "cipcctl %s %s %s: exit status %d: %s",
		      a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "", st, p.err);
	ck_assert_msg(p.err_len == 0, "cipcctl %s %s: stderr: %s", a1,
		      a2 ? a2 : "", p.err);
	out = strdup(p.out);
	proc_free(&p);
	return out;
}

START_TEST(test_help_top)
{
	char *h1 = stdout_of("--help", NULL, NULL);
	char *h2 = stdout_of("-h", NULL, NULL);
	char *h3 = stdout_of("help", NULL, NULL);
	char *h4 = stdout_of("help", "--help", NULL);

	ck_assert_msg(strncmp(h1, "Usage: cipcctl ", 15) == 0, "%s", h1);
	ck_assert_str_eq(h1, h2);
	ck_assert_str_eq(h1, h3);
	ck_assert_msg(strncmp(h4, "Usage: cipcctl help", 19) == 0, "%s", h4);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char word[32];

		snprintf(word, sizeof(word), "\n  %s ", commands[i]);
		ck_assert_msg(strstr(h1, word), "--help does not list %s",
			      commands[i]);
	}
	ck_assert(strstr(h1, "Exit status: 0 success, 1 error, 2 usage "
			 "error, 124 wait timed out."));
	free(h1);
	free(h2);
	free(h3);
	free(h4);
}
END_TEST

START_TEST(test_help_command)
{
	const char *cmd = commands[_i];
	char *h1 = stdout_of(cmd, "--help", NULL);
	char *h2 = stdout_of(cmd, "-h", NULL);
	char *h3 = stdout_of("help", cmd, NULL);
	char want[64];

	snprintf(want, sizeof(want), "Usage: cipcctl %s", cmd);
	ck_assert_msg(strncmp(h1, want, strlen(want)) == 0,
		      "cipcctl %s --help: %s", cmd, h1);
	ck_assert_str_eq(h1, h2);
	ck_assert_str_eq(h1, h3);
	free(h1);
	free(h2);
	free(h3);
}
END_TEST

/* --help wins over anything after it (but not over errors before it). */
START_TEST(test_help_wins)
{
	char *h = stdout_of("wait", "--help", "--timeout=bad");

	ck_assert(strncmp(h, "Usage: cipcctl wait", 19) == 0);
	free(h);
	h = stdout_of("mode", "0", "--help");
	ck_assert(strncmp(h, "Usage: cipcctl mode", 19) == 0);
	free(h);
}
END_TEST

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m;
	int c;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		if (c != '\\')		/* "\-\-json" -> "--json" */
			fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Every long option of every help text is in the man page, and every
 * command has its subsection there. */
START_TEST(test_help_man_page)
{
	char *man = slurp(CIPCCTL_MAN);

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char *h = stdout_of(commands[i], "--help", NULL), *p = h;
		char sect[64];

		snprintf(sect, sizeof(sect), "\n.SS %s", commands[i]);
		ck_assert_msg(strstr(man, sect) ||
			      (snprintf(sect, sizeof(sect), "\n.SS \"%s",
					commands[i]), strstr(man, sect)),
			      "cipcctl.1 has no subsection for %s",
			      commands[i]);
		while ((p = strstr(p, "--")) != NULL) {
			char opt[32];
			size_t n = 2;

			while (p[n] && (p[n] == '-' || (p[n] >= 'a' &&
							p[n] <= 'z')))
				n++;
			snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
			ck_assert_msg(strstr(man, opt), "cipcctl.1 does not "
				      "mention %s (cipcctl %s --help)", opt,
				      commands[i]);
			p += n;
		}
		free(h);
	}
	free(man);
}
END_TEST

/*
 * The man page documents no command that cipcctl lacks: every subsection
 * of COMMANDS starts with a command whose --help works, and its SYNOPSIS
 * names every command.
 */
START_TEST(test_help_man_commands)
{
	char *man = slurp(CIPCCTL_MAN), *p, *end;
	unsigned int sections = 0;

	p = strstr(man, "\n.SH COMMANDS\n");
	ck_assert_msg(p, "cipcctl.1 has no COMMANDS section");
	end = strstr(p + 1, "\n.SH ");
	ck_assert_ptr_nonnull(end);
	while ((p = strstr(p, "\n.SS ")) != NULL && p < end) {
		char word[32];
		size_t n = 0;
		bool known = false;

		p += 5;
		if (*p == '"')
			p++;
		while (n + 1 < sizeof(word) && p[n] >= 'a' && p[n] <= 'z') {
			word[n] = p[n];
			n++;
		}
		word[n] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			known |= strcmp(word, commands[i]) == 0;
		ck_assert_msg(known, "cipcctl.1 documents an unknown command "
			      "'%s'", word);
		free(stdout_of(word, "--help", NULL));
		sections++;
	}
	ck_assert_uint_eq(sections, ARRAY_SIZE(commands));
	p = strstr(man, "\n.SH SYNOPSIS\n");
	end = strstr(man, "\n.SH DESCRIPTION\n");
	ck_assert(p && end && p < end);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n.SY cipcctl\n.B %s\n",
			 commands[i]);
		ck_assert_msg(strstr(p, want) && strstr(p, want) < end,
			      "the SYNOPSIS of cipcctl.1 lacks %s",
			      commands[i]);
	}
	free(man);
}
END_TEST

/*
 * The JSON section says that ids are unsigned 64-bit integers and what
 * that means for readers that keep numbers as doubles (above 2^53).
 */
START_TEST(test_help_man_json_ids)
{
	char *man = slurp(CIPCCTL_MAN), *p, *end;

	p = strstr(man, "\n.SH JSON OUTPUT\n");
	ck_assert_msg(p, "cipcctl.1 has no JSON OUTPUT section");
	end = strstr(p + 1, "\n.SH ");
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	ck_assert_msg(strstr(p, "are unsigned 64-bit integers, 0 to "
			     "18446744073709551615"), "cipcctl.1, JSON "
		      "OUTPUT: ids not documented as unsigned 64-bit "
		      "integers:%s", p);
	ck_assert_msg(strstr(p, "2^53"), "cipcctl.1, JSON OUTPUT: the "
		      "precision of doubles is not mentioned:%s", p);
	free(man);
}
END_TEST

/* groff renders the man page without a warning. */
START_TEST(test_help_man_groff)
{
	char *argv[] = { "groff", "-man", "-Tutf8", "-ww", "-z",
			 CIPCCTL_MAN, NULL };
	const char *env[] = { "LC_ALL=C.UTF-8", NULL };
	struct run_opts o = { .env = env };
	struct proc p;
	int st;

	if (access("/usr/bin/groff", X_OK) != 0) {
		fprintf(stderr, "note: %s skipped: no groff\n", __func__);
		return;
	}
	st = run_argv(&p, argv, &o);
	ck_assert_msg(st == 0 && p.err_len == 0, "groff: status %d: %s", st,
		      p.err);
	proc_free(&p);
}
END_TEST

/* ---- without the module ---------------------------------------------- */

static bool module_absent(const char *test)
{
	if (access(CIPC_MODULE_DIR, F_OK) != 0 &&
	    access(CIPC_CLASS_DIR, F_OK) != 0)
		return true;
	fprintf(stderr, "note: %s skipped: cipc is loaded here\n", test);
	return false;
}

/* cipcctl ARGS must fail with status 1 and exactly this stderr line. */
static void expect_error(const char *line, const char *const args[8])
{
	char *argv[10], want[512];
	struct proc p;
	int st;

	usage_argv(argv, args);
	snprintf(want, sizeof(want), "cipcctl: %s\n", line);
	st = run_argv(&p, argv, NULL);
	ck_assert_msg(st == 1, "cipcctl %s %s: status %d, expected 1 (%s)",
		      args[0], args[1] ? args[1] : "", st, p.err);
	ck_assert_msg(strcmp(p.err, want) == 0, "cipcctl %s %s: stderr [%s],"
		      " expected [%s]", args[0], args[1] ? args[1] : "",
		      p.err, want);
	ck_assert_msg(p.out_len == 0, "cipcctl %s: stdout: %s", args[0],
		      p.out);
	proc_free(&p);
}

START_TEST(test_notloaded_channels)
{
	static const char *const cases[][8] = {
		{ "list" },
		{ "list", "--json" },
		{ "info", "0" },
		{ "info", "3", "--json" },
		{ "info", "/dev/cipc0" },
		{ "stats", "0" },
		{ "stats", "0", "--reset" },
		{ "wait", "0" },
		{ "wait", "0", "--timeout", "1s", "--print" },
		{ "complete", "0", "--all", "--message", "x" },
		{ "reinit", "0" },
		{ "mode", "0" },
		{ "mode", "0", "all" },
		{ "add" },
		{ "add", "--index", "4", "--json" },
		{ "add", "--queue-depth", "4", "--max-waiters", "2" },
		{ "remove", "0" },
		{ "remove", "cipc0", "--id", "256" },
		{ "remove", "--id", "5" },
		{ "remove", "./typo" },
		{ "remove", "/dev/cipc0" },
		{ "remove", "/dev/cipc07" },
		{ "remove", "/dev/cipc0", "--id", "256" },
		{ "unload" },
	};

	if (!module_absent(__func__))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_error("cipc is not loaded", cases[i]);
}
END_TEST

START_TEST(test_notloaded_not_a_channel)
{
	static const char *const args[8] = { "info", "/dev/null" };

	if (!module_absent(__func__))
		return;
	expect_error("/dev/null: not a cipc channel", args);
}
END_TEST

/* Loaded or not: a mistyped path (not /dev/cipcN) is named as missing. */
START_TEST(test_no_such_path)
{
	static const char *const cases[][8] = {
		{ "info", "./typo" },
		{ "info", "./typo", "--json" },
		{ "wait", "./typo", "--timeout", "1s" },
		{ "complete", "/nonexistent/cipc0" },
		{ "mode", "/dev/cipc0x" },
		/* no node the driver makes: not "no such channel" */
		{ "info", "/dev/cipc07" },
		{ "stats", "/dev/cipc00" },
	};
	char line[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(line, sizeof(line), "%s: no such file or directory",
			 cases[i][1]);
		expect_error(line, cases[i]);
	}
}
END_TEST

START_TEST(test_notloaded_status)
{
	struct proc p;
	char *out;
	int st;

	if (!module_absent(__func__))
		return;
	out = stdout_of("status", NULL, NULL);
	ck_assert_msg(strncmp(out, "module       cipc\nloaded       no\n"
			      "kernel       ", 43) == 0, "status: %s", out);
	ck_assert_msg(strstr(out, "\ninstalled    "), "status: %s", out);
	free(out);

	out = stdout_of("status", "--json", NULL);
	st = run_python(&p, "import json,sys,os\n"
			"d=json.load(sys.stdin)\n"
			"assert d['module']=='cipc' and d['loaded'] is False, d\n"
			"assert d['kernel']==os.uname().release, d\n"
			"assert 'installed' in d and 'state' not in d, d\n"
			"assert 'diagnosis' in d, d\n"
			"assert 'channels' not in d and 'max_channels' not in d, d\n"
			"print('ok')\n", out, strlen(out));
	ck_assert_msg(st == 0 && strcmp(p.out, "ok\n") == 0,
		      "status --json [%s]: %s", out, p.err);
	proc_free(&p);
	free(out);
}
END_TEST

START_TEST(test_notloaded_version)
{
	char *out, *out2;

	if (!module_absent(__func__))
		return;
	out = stdout_of("version", NULL, NULL);
	out2 = stdout_of("-V", NULL, NULL);
	ck_assert_str_eq(out, out2);
	ck_assert_msg(strncmp(out, "cipcctl  ", 9) == 0, "%s", out);
	ck_assert_msg(strstr(out, "\nlibcipc  "), "%s", out);
	ck_assert_msg(strstr(out, "\nabi      1\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nmodule   not loaded\n"), "%s", out);
	free(out);
	free(out2);
}
END_TEST

/* ---- bash completion ------------------------------------------------- */

/* COMPREPLY, space separated, for the words (the last one is completed). */
static char *complete_words(const char *words)
{
	char script[1024];
	char *argv[] = { "bash", "--norc", "--noprofile", "-c", script,
			 NULL };
	struct proc p;
	char *out;
	int st;

	snprintf(script, sizeof(script),
		 "source '%s' || exit 1\n"
		 "COMP_WORDS=(%s)\n"
		 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
		 "_cipcctl\n"
		 "echo \"${COMPREPLY[*]}\"\n", CIPCCTL_COMPLETION, words);
	st = run_argv(&p, argv, NULL);
	ck_assert_msg(st == 0 && p.err_len == 0, "bash completion of [%s]: "
		      "status %d: %s", words, st, p.err);
	out = strdup(p.out);
	proc_free(&p);
	return out;
}

START_TEST(test_completion)
{
	static const struct {
		const char *words, *want;
	} cases[] = {
		{ "cipcctl ''", "list info stats wait complete reinit mode "
		  "add remove load unload status version help\n" },
		{ "cipcctl st", "stats status\n" },
		{ "cipcctl -", "-h --help -V --version\n" },
		{ "cipcctl wait 0 --", "--timeout --print --help\n" },
		{ "cipcctl wait 0 --timeout ''", "100ms 250ms 1s 5s 30s 1m\n" },
		{ "cipcctl stats 0 -", "--json --reset --help\n" },
		{ "cipcctl list --j", "--json\n" },
		{ "cipcctl complete 0 --", "--all --message --help\n" },
		{ "cipcctl complete 0 --message ''", "\n" },
		{ "cipcctl load --", "--channels --max-channels --msg-max "
		  "--queue-depth --max-waiters --module --help\n" },
		{ "cipcctl load --max-channels ''", "\n" },
		{ "cipcctl load --queue-depth ''", "\n" },
		{ "cipcctl load --max-waiters 8 --q", "--queue-depth\n" },
		{ "cipcctl load --m", "--max-channels --msg-max --max-waiters "
		  "--module\n" },
		{ "cipcctl a", "add\n" },
		{ "cipcctl r", "reinit remove\n" },
		{ "cipcctl add -", "--index --msg-max --queue-depth "
		  "--max-waiters --json --help\n" },
		{ "cipcctl add --index ''", "\n" },
		{ "cipcctl add --index 4 --", "--index --msg-max --queue-depth "
		  "--max-waiters --json --help\n" },
		{ "cipcctl add --msg-max 64 ''", "\n" },
		{ "cipcctl add --queue-depth ''", "\n" },
		{ "cipcctl add --max-waiters 4 ''", "\n" },
		{ "cipcctl add --m", "--msg-max --max-waiters\n" },
		{ "cipcctl remove -", "--id --help\n" },
		{ "cipcctl remove 4 ''", "\n" },
		{ "cipcctl mode 0 ''", "one all\n" },
		{ "cipcctl mode 0 a", "all\n" },
		{ "cipcctl mode 0 one ''", "\n" },
		{ "cipcctl help ''", "list info stats wait complete reinit "
		  "mode add remove load unload status version help\n" },
		{ "cipcctl help wait ''", "\n" },
		{ "cipcctl unload ''", "\n" },
	};

	if (access("/bin/bash", X_OK) != 0) {
		fprintf(stderr, "note: %s skipped: no bash\n", __func__);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = complete_words(cases[i].words);

		ck_assert_msg(strcmp(got, cases[i].want) == 0,
			      "completion of [%s]: [%s], expected [%s]",
			      cases[i].words, got, cases[i].want);
		free(got);
	}
}
END_TEST

/* Channel indices come from /sys/class/cipc: none without the module. */
START_TEST(test_completion_no_channels)
{
	char *got;

	if (!module_absent(__func__) || access("/bin/bash", X_OK) != 0)
		return;
	got = complete_words("cipcctl info ''");
	ck_assert_str_eq(got, "\n");
	free(got);
	got = complete_words("cipcctl remove ''");
	ck_assert_str_eq(got, "\n");
	free(got);
	got = complete_words("cipcctl remove --id ''");
	ck_assert_str_eq(got, "\n");
	free(got);
	got = complete_words("cipcctl remove --id 4 ''");
	ck_assert_str_eq(got, "\n");
	free(got);
}
END_TEST

/* ---- main ------------------------------------------------------------ */

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_uint_ok);
	tcase_add_test(tc, test_parse_uint_bad);
	tcase_add_test(tc, test_parse_u64);
	tcase_add_test(tc, test_parse_duration_ok);
	tcase_add_test(tc, test_parse_duration_bad);
	tcase_add_test(tc, test_parse_channel);
	tcase_add_test(tc, test_is_channel_node_path);
	tcase_add_test(tc, test_errno_text);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_json_nested);
	tcase_add_test(tc, test_json_simple_documents);
	tcase_add_test(tc, test_json_escape_ascii);
	tcase_add_test(tc, test_json_escape_utf8);
	tcase_add_test(tc, test_json_all_bytes_python);
	tcase_add_test(tc, test_json_utf8_python);
	tcase_add_test(tc, test_json_key_escape_python);
	tcase_add_test(tc, test_json_misuse);
	tcase_add_test(tc, test_json_depth);
	tcase_add_test(tc, test_json_write_error);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *usage_suite(void)
{
	Suite *s = suite_create("usage");
	TCase *tc = tcase_create("usage");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_usage_error, 0,
			    (int)ARRAY_SIZE(usage_cases));
	suite_add_tcase(s, tc);
	return s;
}

static Suite *help_suite(void)
{
	Suite *s = suite_create("help");
	TCase *tc = tcase_create("help");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_help_top);
	tcase_add_loop_test(tc, test_help_command, 0,
			    (int)ARRAY_SIZE(commands));
	tcase_add_test(tc, test_help_wins);
	tcase_add_test(tc, test_help_man_page);
	tcase_add_test(tc, test_help_man_commands);
	tcase_add_test(tc, test_help_man_json_ids);
	tcase_add_test(tc, test_help_man_groff);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *notloaded_suite(void)
{
	Suite *s = suite_create("notloaded");
	TCase *tc = tcase_create("notloaded");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_notloaded_channels);
	tcase_add_test(tc, test_notloaded_not_a_channel);
	tcase_add_test(tc, test_no_such_path);
	tcase_add_test(tc, test_notloaded_status);
	tcase_add_test(tc, test_notloaded_version);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *completion_suite(void)
{
	Suite *s = suite_create("completion");
	TCase *tc = tcase_create("completion");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_completion);
	tcase_add_test(tc, test_completion_no_channels);
	suite_add_tcase(s, tc);
	return s;
}

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "parse", parse_suite },
	{ "json", json_suite },
	{ "usage", usage_suite },
	{ "help", help_suite },
	{ "notloaded", notloaded_suite },
	{ "completion", completion_suite },
	{ "diagnose", diagnose_suite },
};

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	int failed;

	for (int a = 1; a < argc; a++) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(suites); i++)
			if (strcmp(argv[a], suites[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(suites)) {
			fprintf(stderr, "usage: %s [SUITE...]\nsuites:",
				argv[0]);
			for (i = 0; i < ARRAY_SIZE(suites); i++)
				fprintf(stderr, " %s", suites[i].name);
			fputc('\n', stderr);
			return 2;
		}
	}
	printf("cipc-tools-unit: cipcctl %s\n", cipcctl_path());
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		bool wanted = argc < 2;

		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], suites[i].name) == 0;
		if (!wanted)
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
