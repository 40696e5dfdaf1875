/*
 * wire-interop: our framing against protobuf's own delimited writer and
 * reader (Python's google.protobuf), both ways, byte for byte.
 *
 *   test-wire-interop PROTO INTEROP_PY
 *
 * Generates v2x_pb2.py with protoc, writes every sample frame with
 * v2x_frame_encode for interop.py to read (it checks that writing each back
 * gives the same bytes), then reads the frames interop.py wrote and checks
 * that our encoder writes each of them back to the same bytes.  Skips (77)
 * when protoc or a python3 with google.protobuf is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

/*
 * An argument vector for execvp(), which wants char *const argv[]: the
 * constant strings are copied into writable storage rather than cast.
 */
struct args {
	char store[8192];
	size_t used;
	char *argv[16];
	size_t n;
};

static void arg(struct args *a, const char *s)
{
	size_t len = strlen(s) + 1;

	if (a->n + 1 >= sizeof(a->argv) / sizeof(a->argv[0]) || len > sizeof(a->store) - a->used)
		return;
	memcpy(a->store + a->used, s, len);
	a->argv[a->n++] = a->store + a->used;
	a->argv[a->n] = NULL;
	a->used += len;
}

/* Runs argv; returns its exit status, or -1 when it could not run. */
static int run(char *const argv[], bool quiet)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A python3 that has google.protobuf: $PYTHON, python3, or Debian's own
 * (a pyenv or venv python3 first in PATH may lack python3-protobuf). */
static const char *find_python(void)
{
	const char *cands[] = { getenv("PYTHON"), "python3", "/usr/bin/python3" };

	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		struct args a = { .n = 0 };
		if (!cands[i])
			continue;
		arg(&a, cands[i]);
		arg(&a, "-c");
		arg(&a, "import google.protobuf");
		if (run(a.argv, true) == 0)
			return cands[i];
	}
	return NULL;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = f && fwrite(buf, 1, len, f) == len ? 0 : -1;

	if (f && fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Reads path whole into a malloc'd buffer; caller frees. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

/* Every sample frame, framed back to back. */
static uint8_t *c_stream(size_t *len)
{
	struct v2x_arena a;
	uint8_t *buf = malloc(1u << 20);

	*len = 0;
	v2x_arena_init(&a, 0, 0);
	for (size_t i = 0; buf && i < wire_sample_frame_count(); i++) {
		V2x__Wire__Frame f;
		size_t l = 0;
		CHECK_INT_EQ(wire_sample_frame(i, &a, &f), 0);
		CHECK_INT_EQ(v2x_frame_encode(&f, buf + *len, (1u << 20) - *len, &l), 0);
		*len += l;
	}
	v2x_arena_fini(&a);
	return buf;
}

/* What interop.py's python_frames() put in the observation. */
static void check_observation(const V2x__Wire__Observation *obs)
{
	struct v2x_arena a;
	struct v2x_msg m;

	v2x_arena_init(&a, 0, 0);
	CHECK_STR_EQ(obs->rsu_id, "py-rsu");
	CHECK(obs->replayed && obs->has_uper && obs->uper.len == 20000);
	CHECK_INT_EQ(v2x_wire_obs_to_msg(obs, &a, &m, NULL, 0), 0);
	CHECK_INT_EQ(m.type, V2X_MSG_BSM);
	CHECK_MEM_EQ(m.u.bsm.id, "12345678", V2X_ID_LEN);
	CHECK(isnan(m.u.bsm.sec_mark_s));
	CHECK(m.u.bsm.pos.has_elev && isnan(m.u.bsm.pos.elev_m));
	CHECK_DBL_NEAR(m.u.bsm.pos.lat_deg, 29.6, 0);
	CHECK_DBL_NEAR(m.u.bsm.speed_mps, 13.5, 0);
	CHECK_DBL_NEAR(m.u.bsm.heading_deg, 271.25, 0);
	CHECK(isnan(m.u.bsm.accel.lon_mps2));
	v2x_arena_fini(&a);
}

static void check_py_frame(size_t i, const V2x__Wire__Frame *f)
{
	static const V2x__Wire__Frame__MsgCase want[] = {
		V2X__WIRE__FRAME__MSG_HELLO,     V2X__WIRE__FRAME__MSG_HEARTBEAT,
		V2X__WIRE__FRAME__MSG_SUBSCRIBE, V2X__WIRE__FRAME__MSG_OBSERVATION,
		V2X__WIRE__FRAME__MSG_WARNING,   V2X__WIRE__FRAME__MSG_BYE,
	};

	CHECK(i < 6 && f->msg_case == want[i]);
	if (f->msg_case == V2X__WIRE__FRAME__MSG_HELLO) {
		CHECK_STR_EQ(f->hello->id, "oem-changan-cloud");
		CHECK_INT_EQ(f->hello->role, V2X__WIRE__ROLE__ROLE_SUBSCRIBER);
		CHECK(f->hello->credential.len == 5 && f->hello->credential.data[0] == 0);
	} else if (f->msg_case == V2X__WIRE__FRAME__MSG_SUBSCRIBE) {
		CHECK_UINT_EQ(f->subscribe->n_warning_types, 2);
		CHECK(f->subscribe->geofence &&
		      f->subscribe->geofence->shape_case == V2X__WIRE__GEOFENCE__SHAPE_BOX);
	} else if (f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION) {
		check_observation(f->observation);
	} else if (f->msg_case == V2X__WIRE__FRAME__MSG_WARNING) {
		CHECK_STR_EQ(f->warning->text, "\xe5\xbc\xaf\xe9\x81\x93\xe5\x87\x8f\xe9\x80\x9f");
		CHECK_UINT_EQ(f->warning->trigger_rx_time_us, 1764150000000001ull);
	}
}

/* Parses Python's stream; each frame must encode back to its own bytes. */
static void check_py_stream(const uint8_t *buf, size_t len)
{
	struct v2x_frame_parser p;
	const uint8_t *in = buf;
	const V2x__Wire__Frame *f;
	uint8_t *again = malloc(len ? len : 1);
	size_t n = 0, at = 0;

	v2x_frame_parser_init(&p, NULL);
	while (again && v2x_frame_parser_next(&p, &in, &len, &f) == 1) {
		size_t flen = 0;
		check_py_frame(n, f);
		CHECK_INT_EQ(v2x_frame_encode(f, again, (size_t)(in - buf) - at, &flen), 0);
		CHECK_UINT_EQ(flen, (size_t)(in - buf) - at);
		CHECK_MEM_EQ(again, buf + at, flen);
		at = (size_t)(in - buf);
		n++;
	}
	CHECK_UINT_EQ(n, 6);
	CHECK_INT_EQ(v2x_frame_parser_finish(&p), 0);
	printf("C read %zu frames from Python, each byte-identical when written back\n", n);
	v2x_frame_parser_fini(&p);
	free(again);
}

/* Runs protoc and interop.py in dir; returns 0, 77 (skip) or 1. */
static int exchange(const char *dir, const char *proto, const char *script, const char *python)
{
	char include[4096], out[4096], c_path[4096], py_path[4096], proto_copy[4096];
	struct args protoc = { .n = 0 };
	size_t len;
	uint8_t *buf = c_stream(&len);
	int rc;

	snprintf(proto_copy, sizeof(proto_copy), "%s", proto);
	snprintf(include, sizeof(include), "--proto_path=%s", dirname(proto_copy));
	snprintf(out, sizeof(out), "--python_out=%s", dir);
	snprintf(c_path, sizeof(c_path), "%s/c.bin", dir);
	snprintf(py_path, sizeof(py_path), "%s/py.bin", dir);
	arg(&protoc, "protoc");
	arg(&protoc, include);
	arg(&protoc, out);
	arg(&protoc, proto);
	rc = !buf || write_file(c_path, buf, len) != 0 ? 1 : run(protoc.argv, false);
	if (rc == 0) {
		struct args py = { .n = 0 };
		arg(&py, python);
		arg(&py, "-B");
		arg(&py, script);
		arg(&py, dir);
		arg(&py, c_path);
		arg(&py, py_path);
		rc = run(py.argv, false);
	}
	free(buf);
	if (rc == 0) {
		buf = read_file(py_path, &len);
		CHECK(buf != NULL);
		if (buf)
			check_py_stream(buf, len);
		free(buf);
	}
	unlink(c_path);
	unlink(py_path);
	return rc == 0 || rc == CHECK_SKIP ? rc : 1;
}

static void remove_generated(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/v2x_pb2.py", dir);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/v2x-interop-XXXXXX";
	struct args protoc_version = { .n = 0 };
	const char *python;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PROTO INTEROP_PY\n", argv[0]);
		return 2;
	}
	arg(&protoc_version, "protoc");
	arg(&protoc_version, "--version");
	python = find_python();
	if (!python || run(protoc_version.argv, true) != 0) {
		printf("skipped: needs protoc (protobuf-compiler) and python3-protobuf\n");
		return CHECK_SKIP;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	printf("python: %s\n", python);
	rc = exchange(dir, argv[1], argv[2], python);
	remove_generated(dir);
	if (rc == CHECK_SKIP)
		return rc;
	if (rc)
		(void)CHECK(!"protoc or interop.py failed");
	return check_exit();
}
