// SPDX-License-Identifier: GPL-2.0
/*
 * Instantiates the trace events declared in cipc_trace.h; every other file
 * includes cipc_trace.h only to call them. The driver's own headers come
 * first, so that CREATE_TRACE_POINTS applies to cipc's events alone.
 */
#include "cipc.h"

#define CREATE_TRACE_POINTS
#include "cipc_trace.h"
