/* mapfile: write, read, write again; errors that say where. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/tests/gentest.h"
#include "runtime/err.h"
#include "tests/check.h"

static char dir[] = "/tmp/test-mapfile-XXXXXX";

static const char *path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static bool same_bytes(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* A small model by hand: every list, a NaN, empty lists, names. */
static void tiny_model(struct map_model *m, struct v2x_arena *a)
{
	static struct map_sample samples[2] = {
		{ 0, 0, 0, 100, 90, 0, 0.01, 0.02, 3.5, 11.1111, NAN },
		{ 1, 1, 0, 100.01, 90, 0.001, 0.01, 0.02, 3.5, 11.1111, 5.5 },
	};
	static struct map_xyz points[2] = { { 0, 0, 100 }, { 1, 0, 100.01 } };
	static struct map_xy square[4] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 } };
	struct map_lane *lane = v2x_arena_calloc(a, 1, sizeof(*lane));
	struct map_obstruction *o = v2x_arena_calloc(a, 1, sizeof(*o));
	struct map_curve *c = v2x_arena_calloc(a, 1, sizeof(*c));

	memset(m, 0, sizeof(*m));
	snprintf(m->meta.name, sizeof(m->meta.name), "tiny \"quoted\" map");
	m->meta.origin_lat_deg = 29.6;
	*lane = (struct map_lane){ 7, 1,      -1, MAP_LANE_DRIVING, 3.5, 11.1111, 1,
		                   2, points, 2,  samples };
	*o = (struct map_obstruction){
		.id = 1, .z_bottom = 90, .z_top = 120, .outline = { 4, square }
	};
	*c = (struct map_curve){ 701, 7, 0, 1, 0.2, 0.8, 30, -1, true, 5.5 };
	m->n_lanes = 1;
	m->lanes = lane;
	m->n_obstructions = 1;
	m->obstructions = o;
	m->n_curves = 1;
	m->curves = c;
}

static void test_tiny(void)
{
	struct v2x_arena a;
	struct map_model m, back;
	char err[512], diff[512];

	v2x_arena_init(&a, 4096, 0);
	tiny_model(&m, &a);
	CHECK_INT_EQ(map_file_write(&m, path_of("tiny.json"), err, sizeof(err)), 0);
	if (!CHECK(map_file_read(path_of("tiny.json"), &a, &back, err, sizeof(err)) == 0)) {
		fprintf(stderr, "read: %s\n", err);
		v2x_arena_fini(&a);
		return;
	}
	if (!CHECK(map_file_same(&m, &back, diff, sizeof(diff))))
		fprintf(stderr, "%s\n", diff);
	CHECK(isnan(back.lanes[0].samples[0].advisory_mps));
	CHECK_STR_EQ(back.meta.name, "tiny \"quoted\" map");
	CHECK_UINT_EQ(back.n_roads, 0);
	CHECK(back.roads == NULL);
	v2x_arena_fini(&a);
}

/* The generator's map: write, read, write again. */
static void test_roundtrip(const struct map_model *built)
{
	struct v2x_arena a;
	struct map_model back, q = *built;
	char err[512], diff[512];

	v2x_arena_init(&a, 1 << 20, 0);
	if (!CHECK(map_file_write(built, path_of("a.json"), err, sizeof(err)) == 0))
		fprintf(stderr, "write: %s\n", err);
	if (!CHECK(map_file_read(path_of("a.json"), &a, &back, err, sizeof(err)) == 0)) {
		fprintf(stderr, "read: %s\n", err);
		v2x_arena_fini(&a);
		return;
	}
	if (!CHECK(map_file_same(built, &back, diff, sizeof(diff))))
		fprintf(stderr, "read model differs: %s\n", diff);
	CHECK_INT_EQ(map_file_write(&back, path_of("b.json"), err, sizeof(err)), 0);
	CHECK(same_bytes(path_of("a.json"), path_of("b.json")));
	/* The built model is at the file's resolution already. */
	map_file_quantize(&q);
	CHECK(map_file_same(built, &q, diff, sizeof(diff)));
	v2x_arena_fini(&a);
}

static void test_same_names_difference(const struct map_model *built)
{
	struct v2x_arena a;
	struct map_model copy;
	char err[512];

	v2x_arena_init(&a, 1 << 20, 0);
	if (map_file_read(path_of("a.json"), &a, &copy, err, sizeof(err)) == 0) {
		char diff[512];
		copy.lanes[2].samples[5].z += 0.001;
		CHECK(!map_file_same(built, &copy, diff, sizeof(diff)));
		CHECK(strstr(diff, "lanes[2].samples[5].z") != NULL);
		printf("difference found: %s\n", diff);
	}
	v2x_arena_fini(&a);
}

/* Reads a file whose text is edited by edit, expecting an error that
 * contains every string of want. */
static void expect_error(const char *what, void (*edit)(json_t *doc), int code,
                         const char *const *want)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path_of("a.json"), 0, &jerr);
	struct v2x_arena a;
	struct map_model m;
	char err[512];

	if (!CHECK(doc != NULL))
		return;
	edit(doc);
	CHECK_INT_EQ(map_file_dump(doc, path_of("bad.json"), err, sizeof(err)), 0);
	json_decref(doc);
	v2x_arena_init(&a, 1 << 20, 0);
	CHECK_INT_EQ(map_file_read(path_of("bad.json"), &a, &m, err, sizeof(err)), code);
	printf("%s: %s\n", what, err);
	CHECK(strstr(err, path_of("bad.json")) != NULL);
	for (size_t i = 0; want[i]; i++)
		if (!CHECK(strstr(err, want[i]) != NULL))
			fprintf(stderr, "  missing \"%s\"\n", want[i]);
	CHECK_UINT_EQ(m.n_lanes, 0);
	v2x_arena_fini(&a);
}

static json_t *lane_at(json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "lanes"), i);
}

static void bad_sample(json_t *doc)
{
	json_t *row = json_array_get(json_object_get(lane_at(doc, 3), "samples"), 17);

	json_array_set_new(row, 4, json_string("north"));
}

static void unknown_key(json_t *doc)
{
	json_object_set_new(json_array_get(json_object_get(doc, "roads"), 2), "lenght_m",
	                    json_real(1));
}

static void missing_key(json_t *doc)
{
	json_object_del(json_array_get(json_object_get(doc, "connections"), 1), "maneuver");
}

static void bad_enum(json_t *doc)
{
	json_object_set_new(json_array_get(json_object_get(doc, "structures"), 0), "kind",
	                    json_string("viaduct"));
}

static void bad_range(json_t *doc)
{
	json_object_set_new(lane_at(doc, 0), "direction", json_integer(300));
}

static void bad_format(json_t *doc)
{
	json_object_set_new(doc, "format", json_string("opendrive"));
}

static void short_row(json_t *doc)
{
	json_array_remove(json_array_get(json_object_get(lane_at(doc, 1), "points"), 2), 2);
}

static void test_errors(void)
{
	struct v2x_arena a;
	struct map_model m;
	char err[512];
	FILE *f;

	expect_error("bad sample", bad_sample, V2X_EPARSE,
	             (const char *const[]){ "lanes[3].samples[17][4]", "number", NULL });
	expect_error("unknown key", unknown_key, V2X_EPARSE,
	             (const char *const[]){ "roads[2]", "unknown key \"lenght_m\"", NULL });
	expect_error("missing key", missing_key, V2X_EPARSE,
	             (const char *const[]){ "connections[1]", "no \"maneuver\"", NULL });
	expect_error("bad enum", bad_enum, V2X_EPARSE,
	             (const char *const[]){ "structures[0].kind", "tunnel", NULL });
	expect_error("bad range", bad_range, V2X_EPARSE,
	             (const char *const[]){ "lanes[0].direction", "300", NULL });
	expect_error("bad format", bad_format, V2X_EPARSE, (const char *const[]){ "format", NULL });
	expect_error("short row", short_row, V2X_EPARSE,
	             (const char *const[]){ "lanes[1].points[2]", "3 values", NULL });
	v2x_arena_init(&a, 4096, 0);
	CHECK_INT_EQ(map_file_read(path_of("none.json"), &a, &m, err, sizeof(err)), V2X_EIO);
	printf("missing file: %s\n", err);
	if ((f = fopen(path_of("broken.json"), "w")) != NULL) {
		fputs("{\"format\": \"v2x-map\",\n \"version\": 1,\n oops}\n", f);
		fclose(f);
	}
	CHECK_INT_EQ(map_file_read(path_of("broken.json"), &a, &m, err, sizeof(err)), V2X_EPARSE);
	CHECK(strstr(err, "broken.json:3:") != NULL);
	printf("not JSON: %s\n", err);
	v2x_arena_fini(&a);
}

static void cleanup(void)
{
	static const char *const names[] = { "tiny.json", "a.json", "b.json", "bad.json",
		                             "broken.json" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	rmdir(dir);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena a;
	struct map_model m;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_tiny();
	v2x_arena_init(&a, 1 << 20, 0);
	if (CHECK(gentest_build(&p, &a, &m) == 0)) {
		test_roundtrip(&m);
		test_same_names_difference(&m);
		test_errors();
	}
	v2x_arena_fini(&a);
	cleanup();
	return check_exit();
}
