/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of cipc, trace system "cipc" (tracefs: events/cipc/). Off
 * by default and free when off, as every tracepoint: a static branch per
 * call site. Their formats are for people and tools reading tracefs, not
 * ABI. pid is the calling task's, as the initial pid namespace sees it.
 *
 *   cipc_signal          complete, complete_all or reinit done, with the
 *                        count, the all state and generation after it, the
 *                        signal's sequence number and message length (0
 *                        for a reinit)
 *   cipc_wait_start      a wait begins (timeout_ms -1: forever, 0: a try,
 *                        else the time left to the deadline, rounded up to
 *                        whole milliseconds)
 *   cipc_wait_end        it ends: result 0 or a negative errno (-512 is
 *                        -ERESTARTSYS: interrupted by a signal)
 *   cipc_channel_add     a channel was added
 *   cipc_channel_remove  a channel was removed (waiters: blocked then)
 *   cipc_channel_free    its memory was freed (last open file closed)
 */
/* Read once, however many times define_trace.h reads the rest. */
#ifndef CIPC_TRACE_HELPERS_H
#define CIPC_TRACE_HELPERS_H

#include <linux/sched.h>

#include "cipc.h"

/* cipc_signal's op. */
#define CIPC_TRACE_COMPLETE	0
#define CIPC_TRACE_COMPLETE_ALL	1
#define CIPC_TRACE_REINIT	2

#endif /* CIPC_TRACE_HELPERS_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM cipc

#if !defined(CIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CIPC_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(cipc_signal,
	    TP_PROTO(const struct cipc_channel *ch, unsigned int op, u64 seq,
		     u32 msg_len),
	    TP_ARGS(ch, op, seq, msg_len),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, generation)
			     __field(u64, seq)
			     __field(unsigned int, index)
			     __field(pid_t, pid)
			     __field(unsigned int, op)
			     __field(u32, count)
			     __field(bool, all)
			     __field(u32, msg_len)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->generation = ch->generation;
			   __entry->seq = seq;
			   __entry->index = ch->index;
			   __entry->pid = current->pid;
			   __entry->op = op;
			   __entry->all = ch->all;
			   __entry->count = ch->all ? 0 : READ_ONCE(ch->done.done);
			   __entry->msg_len = msg_len;),
	    TP_printk("id=%llu index=%u pid=%d op=%s count=%u all=%d generation=%llu seq=%llu msg_len=%u",
		      __entry->id, __entry->index, __entry->pid,
		      __print_symbolic(__entry->op,
				       { CIPC_TRACE_COMPLETE, "complete" },
				       { CIPC_TRACE_COMPLETE_ALL, "complete_all" },
				       { CIPC_TRACE_REINIT, "reinit" }),
		      __entry->count, __entry->all, __entry->generation,
		      __entry->seq, __entry->msg_len)
);

TRACE_EVENT(cipc_wait_start,
	    TP_PROTO(const struct cipc_channel *ch, s64 timeout_ms, bool nonblock),
	    TP_ARGS(ch, timeout_ms, nonblock),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(s64, timeout_ms)
			     __field(unsigned int, index)
			     __field(pid_t, pid)
			     __field(bool, nonblock)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->timeout_ms = timeout_ms;
			   __entry->index = ch->index;
			   __entry->pid = current->pid;
			   __entry->nonblock = nonblock;),
	    TP_printk("id=%llu index=%u pid=%d timeout_ms=%lld nonblock=%d",
		      __entry->id, __entry->index, __entry->pid,
		      __entry->timeout_ms, __entry->nonblock)
);

TRACE_EVENT(cipc_wait_end,
	    TP_PROTO(const struct cipc_channel *ch, int result),
	    TP_ARGS(ch, result),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, generation)
			     __field(unsigned int, index)
			     __field(pid_t, pid)
			     __field(int, result)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->generation = ch->generation;
			   __entry->index = ch->index;
			   __entry->pid = current->pid;
			   __entry->result = result;),
	    TP_printk("id=%llu index=%u pid=%d result=%d generation=%llu",
		      __entry->id, __entry->index, __entry->pid,
		      __entry->result, __entry->generation)
);

TRACE_EVENT(cipc_channel_add,
	    TP_PROTO(const struct cipc_channel *ch),
	    TP_ARGS(ch),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned int, index)
			     __field(u32, msg_max)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->index = ch->index;
			   __entry->msg_max = ch->msg_max;),
	    TP_printk("id=%llu index=%u msg_max=%u",
		      __entry->id, __entry->index, __entry->msg_max)
);

TRACE_EVENT(cipc_channel_remove,
	    TP_PROTO(const struct cipc_channel *ch),
	    TP_ARGS(ch),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned int, index)
			     __field(unsigned int, waiters)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->index = ch->index;
			   __entry->waiters = cipc_waiters(ch);),
	    TP_printk("id=%llu index=%u waiters=%u",
		      __entry->id, __entry->index, __entry->waiters)
);

TRACE_EVENT(cipc_channel_free,
	    TP_PROTO(const struct cipc_channel *ch),
	    TP_ARGS(ch),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned int, index)),
	    TP_fast_assign(__entry->id = ch->id;
			   __entry->index = ch->index;),
	    TP_printk("id=%llu index=%u",
		      __entry->id, __entry->index)
);

#endif /* CIPC_TRACE_H */

/*
 * Out of tree: define_trace.h finds this file through -I$(src) (Kbuild);
 * its name is one that no kernel header has.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE cipc_trace
#include <trace/define_trace.h>
