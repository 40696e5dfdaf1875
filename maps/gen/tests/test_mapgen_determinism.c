/* mapgen: same seed and parameters, same bytes; another seed, another map. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/tests/gentest.h"
#include "maps/gen/truth.h"
#include "tests/check.h"

static char dir[] = "/tmp/test-mapgen-det-XXXXXX";

static const char *path_of(const char *name)
{
	static char path[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL)
		*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

static int compare_files(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* Builds p into its own arena and writes NAME.map.json and NAME.truth.json. */
static bool build_and_write(const struct mapgen_params *p, const char *name)
{
	struct v2x_arena a;
	struct map_model m;
	bool ok = false;

	v2x_arena_init(&a, 1 << 20, 0);
	if (gentest_build(p, &a, &m) == 0) {
		char err[512], file[64];
		snprintf(file, sizeof(file), "%s.map.json", name);
		ok = map_file_write(&m, path_of(file), err, sizeof(err)) == 0;
		snprintf(file, sizeof(file), "%s.truth.json", name);
		ok = ok && mapgen_truth_write(&m, p, path_of(file), err, sizeof(err)) == 0;
		if (!ok)
			fprintf(stderr, "%s: %s\n", name, err);
	}
	v2x_arena_fini(&a);
	return ok;
}

static void test_params_check(void)
{
	struct mapgen_params p = mapgen_params_default();
	char err[256];

	CHECK_INT_EQ(mapgen_params_check(&p, err, sizeof(err)), 0);
	p.n_hairpins = 2;
	CHECK_INT_EQ(mapgen_params_check(&p, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "n_hairpins") != NULL);
	p = mapgen_params_default();
	p.hairpin_r_min_m = 10;
	CHECK_INT_EQ(mapgen_params_check(&p, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "hairpin_r_min_m") != NULL);
	printf("%s\n", err);
	p = mapgen_params_default();
	p.downgrade = NAN;
	CHECK_INT_EQ(mapgen_params_check(&p, err, sizeof(err)), V2X_EINVAL);
	p = mapgen_params_default();
	p.narrow_width_m = 3.5;
	p.lane_width_m = 3.25;
	CHECK_INT_EQ(mapgen_params_check(&p, err, sizeof(err)), V2X_EINVAL);
}

static void cleanup(void)
{
	static const char *const names[] = { "a", "b", "c", "d" };
	char file[64];

	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof(file), "%s.map.json", names[i]);
		unlink(path_of(file));
		snprintf(file, sizeof(file), "%s.truth.json", names[i]);
		unlink(path_of(file));
	}
	rmdir(dir);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default(), q;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_params_check();
	CHECK(build_and_write(&p, "a"));
	CHECK(build_and_write(&p, "b"));
	CHECK(compare_files(path_of("a.map.json"), path_of("b.map.json")));
	CHECK(compare_files(path_of("a.truth.json"), path_of("b.truth.json")));
	q = p;
	q.seed = 2;
	CHECK(build_and_write(&q, "c"));
	CHECK(!compare_files(path_of("a.map.json"), path_of("c.map.json")));
	CHECK(!compare_files(path_of("a.truth.json"), path_of("c.truth.json")));
	/* Other parameters, same seed: another map, which still builds. */
	q = p;
	q.n_hairpins = 5;
	q.tunnel_len_m = 600;
	q.downgrade = 0.08;
	q.downgrade_len_m = 1000;
	CHECK(build_and_write(&q, "d"));
	CHECK(!compare_files(path_of("a.map.json"), path_of("d.map.json")));
	cleanup();
	return check_exit();
}
