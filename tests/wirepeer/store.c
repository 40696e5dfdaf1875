/*
 * store: wirepeer's output file.  Each observation stored is one JSON
 * line; the file is also the peer's memory: opened again, it tells the
 * last seq stored per agent, which the HelloAck reports and the dedup
 * compares against.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/hexline.h"
#include "codecs/msgjson.h"
#include "codecs/wire/convert.h"
#include "runtime/err.h"
#include "tests/wirepeer/wirepeer.h"

/* The type names of the output, by enum v2x_msg_type. */
static const char *const type_names[] = { "NONE", "BSM", "MAP", "RSM", "SPAT", "RSI" };

struct wp_agent *wp_store_agent(struct wp_store *s, const char *id)
{
	struct wp_agent *a;

	for (size_t i = 0; i < s->n_agents; i++)
		if (strcmp(s->agents[i].id, id) == 0)
			return &s->agents[i];
	if (s->n_agents == s->cap_agents) {
		size_t cap = s->cap_agents ? 2 * s->cap_agents : 8;
		if (!(a = realloc(s->agents, cap * sizeof(*a))))
			return NULL;
		s->agents = a;
		s->cap_agents = cap;
	}
	a = &s->agents[s->n_agents];
	if (!(a->id = strdup(id)))
		return NULL;
	a->last_seq = 0;
	s->n_agents++;
	return a;
}

/* Takes the agent and seq of one line of an earlier run. */
static int load_line(struct wp_store *s, const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	const char *agent = json_string_value(json_object_get(j, "agent"));
	json_int_t seq = json_integer_value(json_object_get(j, "seq"));
	struct wp_agent *a = agent ? wp_store_agent(s, agent) : NULL;
	int rc = agent && !a ? V2X_ENOMEM : 0;

	if (a && seq > 0 && (uint64_t)seq > a->last_seq)
		a->last_seq = (uint64_t)seq;
	json_decref(j);
	return rc;
}

/*
 * Reads the file back.  A last line without its newline was torn by a
 * peer killed while writing: it is cut off, so that new lines do not
 * continue it.
 */
static int load(struct wp_store *s, char *err, size_t errlen)
{
	FILE *f = fdopen(dup(s->fd), "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t good = 0;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return V2X_EIO;
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
		good += n;
		rc = load_line(s, line);
	}
	free(line);
	fclose(f);
	if (rc == 0 && ftruncate(s->fd, good) != 0)
		rc = V2X_EIO;
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", s->path, v2x_strerror(rc));
	return rc;
}

int wp_store_open(struct wp_store *s, const char *path, const struct v2x_log *log, char *err,
                  size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->log = log;
	v2x_arena_init(&s->arena, 65536, 0);
	s->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	if ((rc = load(s, err, errlen)) != 0)
		return rc;
	for (size_t i = 0; i < s->n_agents; i++)
		v2x_logf(log, V2X_LOG_INFO, "%s: agent %s has up to seq %" PRIu64, path,
		         s->agents[i].id, s->agents[i].last_seq);
	return 0;
}

void wp_store_close(struct wp_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	for (size_t i = 0; i < s->n_agents; i++)
		free(s->agents[i].id);
	free(s->agents);
	free(s->batch);
	v2x_arena_fini(&s->arena);
}

/* The message as msgjson's object, or null and the reason in *why. */
static json_t *msg_json(struct wp_store *s, const V2x__Wire__Observation *obs, char *why,
                        size_t len)
{
	struct v2x_msg msg;
	json_t *j;

	v2x_arena_reset(&s->arena);
	if (v2x_wire_obs_to_msg(obs, &s->arena, &msg, why, len) != 0)
		return json_null();
	j = v2x_msg_to_json(&msg);
	return j ? j : json_null();
}

/* The hex of the UPER bytes, or null when the observation has none. */
static json_t *uper_json(const V2x__Wire__Observation *obs)
{
	char *hex;
	json_t *j;

	if (!obs->has_uper)
		return json_null();
	if (!(hex = malloc(2 * obs->uper.len + 1)))
		return NULL;
	v2x_hexline_format(obs->uper.data, obs->uper.len, hex);
	j = json_string(hex);
	free(hex);
	return j;
}

static json_t *line_json(struct wp_store *s, const struct wp_agent *a,
                         const V2x__Wire__Observation *obs)
{
	unsigned type = (unsigned)obs->msg_case - 10;
	char why[256] = "";
	json_t *j = json_object();

	json_object_set_new(j, "agent", json_string(a->id));
	json_object_set_new(j, "seq", json_integer((json_int_t)obs->seq));
	json_object_set_new(j, "type", json_string(type < 6 ? type_names[type] : "NONE"));
	json_object_set_new(j, "replayed", json_boolean(obs->has_replayed && obs->replayed));
	json_object_set_new(j, "record_only",
	                    json_boolean(obs->has_record_only && obs->record_only));
	json_object_set_new(j, "rsu_id", obs->rsu_id ? json_string(obs->rsu_id) : json_null());
	json_object_set_new(j, "rx_time_us", json_integer((json_int_t)obs->rx_time_us));
	json_object_set_new(j, "msg", msg_json(s, obs, why, sizeof(why)));
	if (obs->has_uper)
		json_object_set_new(j, "uper", uper_json(obs));
	if (*why) {
		s->invalid++;
		json_object_set_new(j, "error", json_string(why));
		v2x_logf(s->log, V2X_LOG_WARN, "agent %s seq %" PRIu64 ": invalid message: %s",
		         a->id, obs->seq, why);
	}
	return j;
}

static int append_line(struct wp_store *s, const json_t *j)
{
	size_t need = json_dumpb(j, NULL, 0, JSON_COMPACT);
	char *p;

	if (need == 0)
		return V2X_ENOMEM;
	if (s->len + need + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + need + 1)
			cap *= 2;
		if (!(p = realloc(s->batch, cap)))
			return V2X_ENOMEM;
		s->batch = p;
		s->cap = cap;
	}
	s->len += json_dumpb(j, s->batch + s->len, need, JSON_COMPACT);
	s->batch[s->len++] = '\n';
	return 0;
}

int wp_store_add(struct wp_store *s, struct wp_agent *a, const V2x__Wire__Observation *obs)
{
	json_t *j;
	int rc;

	if (obs->seq <= a->last_seq) {
		s->duplicates++;
		return 0;
	}
	if (a->last_seq && obs->seq != a->last_seq + 1) {
		s->gaps++;
		v2x_logf(s->log, V2X_LOG_WARN,
		         "agent %s: seq %" PRIu64 " after %" PRIu64 " (a gap)", a->id, obs->seq,
		         a->last_seq);
	}
	if (!(j = line_json(s, a, obs)))
		return V2X_ENOMEM;
	rc = append_line(s, j);
	json_decref(j);
	if (rc != 0)
		return rc;
	a->last_seq = obs->seq;
	s->observations++;
	return 1;
}

int wp_store_flush(struct wp_store *s)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t n = write(s->fd, s->batch + off, s->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			v2x_logf(s->log, V2X_LOG_ERROR, "%s: cannot write: %s", s->path,
			         strerror(errno));
			return V2X_EIO;
		}
		off += (size_t)n;
	}
	s->len = 0;
	return 0;
}
