/* Unit test of runtime/arena: alignment, reuse after reset, the limit, overflow. */
#include "runtime/arena.h"

#include "tests/check.h"

#include <stdalign.h>
#include <stdint.h>

static void test_alignment(void)
{
	struct v2x_arena a;

	v2x_arena_init(&a, 256, 0);
	for (size_t size = 1; size < 100; size += 7) {
		unsigned char *p = v2x_arena_alloc(&a, size);
		if (!CHECK(p != NULL))
			break;
		CHECK_UINT_EQ((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			CHECK_UINT_EQ(p[i], 0);
		memset(p, 0xa5, size);
	}
	v2x_arena_fini(&a);
}

/* One "message": allocations of assorted sizes, one larger than a chunk. */
static bool fill(struct v2x_arena *a)
{
	static const size_t sizes[] = { 24, 100, 8, 700, 3000, 16, 512, 64, 999 };
	bool ok = true;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ok = ok && v2x_arena_alloc(a, sizes[i]) != NULL;
	return ok;
}

static void test_reset_reuses(void)
{
	struct v2x_arena a;
	size_t held;

	v2x_arena_init(&a, 1024, 0);
	CHECK(fill(&a));
	held = a.held;
	CHECK(held >= 3000 + 999);
	for (int round = 0; round < 20; round++) {
		v2x_arena_reset(&a);
		CHECK(fill(&a));
		/* No chunk was added: the second message allocated nothing. */
		CHECK_UINT_EQ(a.held, held);
	}
	v2x_arena_fini(&a);
	CHECK_UINT_EQ(a.held, 0);
	CHECK(a.head == NULL && a.full == NULL);
}

static void test_limit(void)
{
	struct v2x_arena a;
	int n = 0;

	v2x_arena_init(&a, 1024, 4096);
	while (v2x_arena_alloc(&a, 200) && n < 1000)
		n++;
	CHECK(n > 0 && n < 1000);
	CHECK(a.held <= 4096);
	CHECK(v2x_arena_alloc(&a, 5000) == NULL);
	v2x_arena_reset(&a);
	CHECK(v2x_arena_alloc(&a, 200) != NULL);
	v2x_arena_fini(&a);
}

static void test_overflow(void)
{
	struct v2x_arena a;

	v2x_arena_init(&a, 0, 0);
	CHECK_UINT_EQ(a.chunk_size, 4096);
	CHECK(v2x_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
	CHECK(v2x_arena_calloc(&a, 4, SIZE_MAX / 2) == NULL);
	CHECK(v2x_arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(v2x_arena_alloc(&a, SIZE_MAX - 8) == NULL);
	CHECK(v2x_arena_calloc(&a, 10, 10) != NULL);
	CHECK_UINT_EQ(a.held, 4096);
	v2x_arena_fini(&a);
}

int main(void)
{
	test_alignment();
	test_reset_reuses();
	test_limit();
	test_overflow();
	return check_exit();
}
