/*
 * slot: readers acquire and release the current index while writers build
 * new ones and swap them in; nothing crashes, every reader sees a whole
 * index, and every index is freed once (ASan and LSan in the sanitizer
 * build tell use after free and leaks).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "maps/index/slot.h"
#include "maps/index/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

#define READERS 4
#define WRITERS 2
#define SWAPS   40 /* per writer */

struct shared {
	const struct map_model *model;
	struct map_index_slot *slot;
	atomic_bool done;
	atomic_ulong reads;
	atomic_ulong bad;
};

static void *reader(void *arg)
{
	struct shared *sh = arg;
	/* On leg A of the hairpin, heading north. */
	struct map_index_query q = { 1.75, 60, NAN, 0 };
	struct map_index_match x;

	while (!atomic_load(&sh->done)) {
		struct map_index *idx = map_index_slot_acquire(sh->slot);
		if (!idx || map_index_match(idx, &q, NULL, &x) != 0 || x.lane_id != SYNTH_HP_UP_A)
			atomic_fetch_add(&sh->bad, 1);
		map_index_release(idx);
		atomic_fetch_add(&sh->reads, 1);
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct shared *sh = arg;

	for (int i = 0; i < SWAPS; i++) {
		struct map_index *idx = NULL;
		char err[100];
		if (map_index_new(sh->model, &idx, err, sizeof(err)) != 0) {
			atomic_fetch_add(&sh->bad, 1);
			continue;
		}
		map_index_slot_swap(sh->slot, idx);
	}
	return NULL;
}

static void check_threads(const struct map_model *m, struct map_index *first)
{
	struct shared sh = { .model = m };
	pthread_t r[READERS], w[WRITERS];

	CHECK_INT_EQ(map_index_slot_new(first, &sh.slot), 0);
	for (int i = 0; i < READERS; i++)
		pthread_create(&r[i], NULL, reader, &sh);
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, &sh);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&sh.done, true);
	for (int i = 0; i < READERS; i++)
		pthread_join(r[i], NULL);
	printf("slot: %d swaps under %d readers, %lu reads, %lu bad\n", WRITERS * SWAPS, READERS,
	       atomic_load(&sh.reads), atomic_load(&sh.bad));
	CHECK_UINT_EQ(atomic_load(&sh.bad), 0);
	CHECK(atomic_load(&sh.reads) > 0);
	map_index_slot_free(sh.slot);
}

/* A reader keeps its index across swaps and after the slot is gone. */
static void check_hold(const struct map_model *m)
{
	struct map_index_slot *slot = NULL;
	struct map_index *a = NULL, *b = NULL, *held;
	struct map_index_stats st;
	char err[100];

	CHECK_INT_EQ(map_index_slot_new(NULL, &slot), 0);
	CHECK(map_index_slot_acquire(slot) == NULL);
	CHECK_INT_EQ(map_index_new(m, &a, err, sizeof(err)), 0);
	CHECK_INT_EQ(map_index_new(m, &b, err, sizeof(err)), 0);
	map_index_slot_swap(slot, a);
	held = map_index_slot_acquire(slot);
	CHECK(held == a);
	map_index_slot_swap(slot, b);
	CHECK(map_index_slot_acquire(slot) == b);
	map_index_release(b);
	map_index_slot_swap(slot, NULL);
	map_index_slot_free(slot);
	map_index_stats(held, &st);
	CHECK(st.n_lanes == m->n_lanes);
	map_index_release(held);
	map_index_release(NULL);
	map_index_slot_free(NULL);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *first = NULL;
	char err[100];

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	check_hold(&sm.model);
	if (CHECK(map_index_new(&sm.model, &first, err, sizeof(err)) == 0))
		check_threads(&sm.model, first);
	synth_fini(&sm);
	return check_exit();
}
