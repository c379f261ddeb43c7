// SPDX-License-Identifier: GPL-2.0
/*
 * The bad-pointer zoo of one worker, made after fork() (each worker its
 * own). Two zones, one for ioctl arguments and one for message buffers, so
 * that an operation can use one of each. A zone is
 *
 *   good:  3 ordinary pages (malloc)
 *   edge:  3 writable pages | PROT_NONE | hole (unmapped) | PROT_NONE
 *   ro:    2 pages of a memfd mapped read-only, and read-write elsewhere
 *          (the worker fills the read-only alias through the other one)
 *
 * P_EDGE puts an object so that it ends at the PROT_NONE page; P_STRADDLE
 * moves it 1..size bytes further, into that page; P_UNMAPPED is the hole.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define PG		4096UL
#define FZ_KERNEL_ADDR	0xffffffff81000000ULL

struct fz_zone {
	char *good;		/* 3 pages */
	char *edge;		/* the guard page; writable pages below it */
	char *hole;		/* unmapped */
	char *ro;		/* 2 pages, read-only */
	char *ro_rw;		/* the same pages, writable */
};

static struct fz_zone fz_zones[2];

static void fz_zone_init(struct fz_zone *z, int memfd, off_t off)
{
	char *p;

	if (posix_memalign((void **)&z->good, PG, 3 * PG))
		errx(1, "posix_memalign failed");
	memset(z->good, 0, 3 * PG);
	p = mmap(NULL, 6 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		err(1, "mmap");
	if (mprotect(p, 3 * PG, PROT_READ | PROT_WRITE))
		err(1, "mprotect");
	memset(p, 0, 3 * PG);
	z->edge = p + 3 * PG;
	z->hole = p + 4 * PG;
	if (munmap(z->hole, PG))
		err(1, "munmap");
	z->ro = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, memfd, off);
	z->ro_rw = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			memfd, off);
	if (z->ro == MAP_FAILED || z->ro_rw == MAP_FAILED)
		err(1, "mmap memfd");
}

void fz_ptrs_init(void)
{
	int fd = memfd_create("cipc-fuzz-ro", MFD_CLOEXEC);

	if (fd < 0)
		err(1, "memfd_create");
	if (ftruncate(fd, 4 * PG))
		err(1, "ftruncate");
	fz_zone_init(&fz_zones[0], fd, 0);
	fz_zone_init(&fz_zones[1], fd, 2 * PG);
	close(fd);
}

static const char *const fz_ptr_names[P_NR] = {
	[P_GOOD] = "good", [P_EDGE] = "edge", [P_RO] = "read-only",
	[P_NULL] = "NULL", [P_KERNEL] = "kernel", [P_UNMAPPED] = "unmapped",
	[P_STRADDLE] = "straddle",
};

const char *fz_ptr_name(enum fz_ptr k)
{
	return k < P_NR ? fz_ptr_names[k] : "?";
}

void *fz_ptr(int zi, enum fz_ptr k, size_t size, const void *src,
	     struct fz_rng *r)
{
	struct fz_zone *z = &fz_zones[zi];
	size_t off;
	char *p;

	if (size > 2 * PG)
		size = 2 * PG;
	switch (k) {
	case P_GOOD:
		if (src)
			memcpy(z->good, src, size);
		return z->good;
	case P_EDGE:
		p = z->edge - size;
		if (src)
			memcpy(p, src, size);
		return p;
	case P_RO:
		if (src)
			memcpy(z->ro_rw, src, size);
		return z->ro;
	case P_NULL:
		return NULL;
	case P_KERNEL:
		return (void *)(uintptr_t)FZ_KERNEL_ADDR;
	case P_UNMAPPED:
		return z->hole + (r ? fz_below(r, 64) : 0);
	case P_STRADDLE:
	default:
		/* off bytes of the object in the PROT_NONE page, 1..size */
		off = size ? 1 + fz_below(r, (uint32_t)size) : 0;
		p = z->edge - size + off;
		if (src && size > off)
			memcpy(p, src, size - off);
		return p;
	}
}

bool fz_ptr_faults(enum fz_ptr k, size_t size, bool write)
{
	if (!size)
		return false;
	switch (k) {
	case P_GOOD:
	case P_EDGE:
		return false;
	case P_RO:
		return write;
	default:
		return true;
	}
}

bool fz_ptr_kernel(enum fz_ptr k)
{
	return k == P_KERNEL;
}
