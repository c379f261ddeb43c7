// SPDX-License-Identifier: GPL-2.0
/*
 * The message queue of a channel: the complete()s not yet taken by a wait,
 * in order, each with its own message; and the pool of slots that holds
 * the messages (see struct cipc_queue in cipc.h).
 *
 * The pool and the ring are allocated with the channel, so signalling and
 * waiting allocate nothing: a signaller reserves a free slot, copies the
 * message into it from user space without any lock held, and queues it; a
 * wait takes the oldest item and copies the message out of its slot, again
 * without a lock, holding a reference that keeps the slot from reuse.
 *
 * Every function here is called with ch->lock held, except
 * cipc_queue_init() and cipc_queue_free().
 */
#include <linux/overflow.h>
#include <linux/slab.h>

#include "cipc.h"

/**
 * cipc_queue_init() - allocate the ring and the slots of a queue
 * @q:       the queue, zeroed
 * @depth:   most messages queued at once, 1..CIPC_QUEUE_DEPTH_LIMIT
 * @msg_max: size of a slot's message
 *
 * Return: 0 or -ENOMEM.
 */
int cipc_queue_init(struct cipc_queue *q, u32 depth, u32 msg_max)
{
	u32 i;

	q->depth = depth;
	q->nslots = depth + 2;
	q->stride = ALIGN(sizeof(struct cipc_slot) + msg_max, 8);
	q->free = kcalloc(q->nslots, sizeof(*q->free), GFP_KERNEL);
	q->ent = kcalloc(q->nslots, sizeof(*q->ent), GFP_KERNEL);
	q->pool = kvcalloc(q->nslots, q->stride, GFP_KERNEL);
	if (!q->free || !q->ent || !q->pool) {
		cipc_queue_free(q);
		return -ENOMEM;
	}
	for (i = 0; i < q->nslots; i++)
		q->free[i] = q->nslots - 1 - i;
	q->nfree = q->nslots;
	q->head_seq = 1;
	return 0;
}

/**
 * cipc_queue_free() - free what cipc_queue_init() allocated
 * @q: the queue
 */
void cipc_queue_free(struct cipc_queue *q)
{
	kvfree(q->pool);
	kfree(q->ent);
	kfree(q->free);
}

/**
 * cipc_slot() - a slot by its index
 * @q:    the queue
 * @slot: the index, below q->nslots
 *
 * Return: the slot.
 */
struct cipc_slot *cipc_slot(struct cipc_queue *q, u16 slot)
{
	return (struct cipc_slot *)(q->pool + (size_t)slot * q->stride);
}

/* A free slot, with one reference; CIPC_SLOT_NONE if every slot is in use. */
static u16 cipc_slot_get(struct cipc_queue *q)
{
	u16 slot;

	if (!q->nfree)
		return CIPC_SLOT_NONE;
	slot = q->free[--q->nfree];
	cipc_slot(q, slot)->ref = 1;
	return slot;
}

/**
 * cipc_slot_put() - drop a reference to a slot; the last one frees it
 * @q:    the queue
 * @slot: its index; CIPC_SLOT_NONE is ignored
 */
void cipc_slot_put(struct cipc_queue *q, u16 slot)
{
	if (slot == CIPC_SLOT_NONE || --cipc_slot(q, slot)->ref)
		return;
	q->free[q->nfree++] = slot;
}

/**
 * cipc_queue_full() - whether a complete() with a message must be refused
 * @q: the queue
 *
 * Return: true when depth messages are queued or have a slot reserved.
 */
bool cipc_queue_full(const struct cipc_queue *q)
{
	return q->len + q->reserved >= q->depth;
}

/**
 * cipc_slot_reserve() - a free slot to fill, with one reference
 * @q:      the queue
 * @queued: for a complete(): the slot counts against the depth until it
 *          is queued or given back, so that its cipc_queue_push() always
 *          finds room and two slots always remain for complete_all()
 *
 * Return: its index, or CIPC_SLOT_NONE if the queue is full (@queued) or
 * every slot is in use.
 */
u16 cipc_slot_reserve(struct cipc_queue *q, bool queued)
{
	u16 slot;

	if (queued && cipc_queue_full(q))
		return CIPC_SLOT_NONE;
	slot = cipc_slot_get(q);
	if (slot != CIPC_SLOT_NONE && queued)
		q->reserved++;
	return slot;
}

/**
 * cipc_slot_unreserve() - give back a slot that was not queued
 * @q:      the queue
 * @slot:   as cipc_slot_reserve() returned it; CIPC_SLOT_NONE is ignored
 * @queued: as given to cipc_slot_reserve()
 */
void cipc_slot_unreserve(struct cipc_queue *q, u16 slot, bool queued)
{
	if (slot == CIPC_SLOT_NONE)
		return;
	if (queued)
		q->reserved--;
	cipc_slot_put(q, slot);
}

/**
 * cipc_queue_push() - queue the item of a complete()
 * @q:       the queue
 * @slot:    the message's slot, reserved for the queue (its reference and
 *           its room pass to the queue), or CIPC_SLOT_NONE
 * @has_msg: whether the signal has a message (empty if @slot is none)
 * @seq:     its sequence number, the next after the last item queued
 *
 * A message in a reserved slot has its room; an empty one needs
 * !cipc_queue_full(); a complete() without a message needs no room.
 */
void cipc_queue_push(struct cipc_queue *q, u16 slot, bool has_msg, u64 seq)
{
	struct cipc_qent *e;

	if (slot != CIPC_SLOT_NONE)
		q->reserved--;

	if (!q->items)
		q->head_seq = seq;
	q->items++;
	if (!has_msg) {
		q->plain_tail++;
		return;
	}
	e = &q->ent[(q->head + q->len) % q->nslots];
	e->plain = q->plain_tail;
	e->slot = slot;
	e->seq = seq;
	q->plain_tail = 0;
	q->len++;
}

/**
 * cipc_queue_pop() - take the oldest item
 * @q:  the queue
 * @it: filled in: its slot (the queue's reference passes to the caller),
 *      length, sequence number and CIPC_WAIT_MSG if it has a message
 *
 * Return: false if the queue is empty.
 */
bool cipc_queue_pop(struct cipc_queue *q, struct cipc_item *it)
{
	struct cipc_qent *e = &q->ent[q->head];

	if (!q->items)
		return false;
	it->seq = q->head_seq++;
	q->items--;
	it->slot = CIPC_SLOT_NONE;
	it->len = 0;
	it->result = 0;
	if (q->len && !e->plain) {
		it->slot = e->slot;
		it->result = CIPC_WAIT_MSG;
		if (e->slot != CIPC_SLOT_NONE)
			it->len = cipc_slot(q, e->slot)->len;
		q->head = (q->head + 1) % q->nslots;
		q->len--;
	} else if (q->len) {
		e->plain--;
	} else {
		q->plain_tail--;
	}
	return true;
}

/**
 * cipc_queue_head_len() - length of the message the next pop would take
 * @q: the queue
 *
 * Return: that length, 0 if none.
 */
u32 cipc_queue_head_len(struct cipc_queue *q)
{
	struct cipc_qent *e = &q->ent[q->head];

	if (!q->items || !q->len || e->plain || e->slot == CIPC_SLOT_NONE)
		return 0;
	return cipc_slot(q, e->slot)->len;
}

/**
 * cipc_queue_clear() - discard every item (a reinit)
 * @q: the queue
 *
 * Return: the number of items discarded.
 */
u64 cipc_queue_clear(struct cipc_queue *q)
{
	u64 n = q->items;

	while (q->len) {
		cipc_slot_put(q, q->ent[q->head].slot);
		q->head = (q->head + 1) % q->nslots;
		q->len--;
	}
	q->head = 0;
	q->plain_tail = 0;
	q->items = 0;
	return n;
}
