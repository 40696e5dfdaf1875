/*
 * listen: the simulator's subscriber thread.  See listen.h.
 */
#include "sim/main/listen.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/client/client.h"
#include "runtime/err.h"

struct sim_listen {
	struct v2x_client *c;
	const struct sim_scenario *sc;
	struct map_frame *frame;
	int64_t epoch_us;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu;
	struct sim_received *rx; /* under mu */
	size_t n, cap;
	char err[256]; /* the session's failure, written by the thread */
};

static int32_t actor_of(const struct sim_scenario *sc, const uint8_t *id, size_t len)
{
	for (size_t i = 0; len == 8 && i < sc->n_actors; i++)
		if (memcmp(sc->actors[i].id, id, 8) == 0)
			return (int32_t)i;
	return -1;
}

static double opt(protobuf_c_boolean has, double v)
{
	return has ? v : NAN;
}

static void subject(const struct sim_listen *l, const V2x__Wire__Subject *s, struct sim_received *r)
{
	if (!s)
		return;
	switch (s->subject_case) {
	case V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID:
		r->subject_actor = actor_of(l->sc, s->vehicle_id.data, s->vehicle_id.len);
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_HAZARD:
		r->subject_event = s->hazard->has_event_type ? s->hazard->event_type : 0;
		r->subject_ptc = s->hazard->has_ptc_type ? (int32_t)s->hazard->ptc_type : -1;
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_SIGNAL:
		r->subject_phase = s->signal->has_phase_id ? (int32_t)s->signal->phase_id : -1;
		break;
	default:
		break;
	}
}

static void warning(const struct sim_listen *l, const V2x__Wire__Warning *w, struct sim_received *r)
{
	r->warning_id = w->warning_id;
	r->revision = w->revision;
	r->type = (uint8_t)w->type;
	r->severity = (uint8_t)w->severity;
	r->target = actor_of(l->sc, w->target_vehicle_id.data, w->target_vehicle_id.len);
	subject(l, w->subject, r);
	const V2x__Wire__Position3D *p = w->position;
	if (p && p->has_lat_deg && p->has_lon_deg &&
	    map_frame_from_wgs84(l->frame, p->lat_deg, p->lon_deg, &r->x, &r->y) != 0)
		r->x = r->y = NAN;
	r->distance_m = opt(w->has_distance_m, w->distance_m);
	r->time_to_event_s = opt(w->has_time_to_event_s, w->time_to_event_s);
	r->advisory_mps = opt(w->has_advisory_speed_mps, w->advisory_speed_mps);
	if (w->has_trigger_rx_time_us)
		r->trigger_t_s = (double)((int64_t)w->trigger_rx_time_us - l->epoch_us) / 1e6;
	if (w->text)
		snprintf(r->text, sizeof(r->text), "%s", w->text);
}

/* Turns one event into a record; false when it is not a warning or a
 * cancellation. */
static bool convert(const struct sim_listen *l, const struct v2x_client_event *ev,
                    struct sim_received *r)
{
	memset(r, 0, sizeof(*r));
	r->t_s = (double)(ev->rx_time_us - l->epoch_us) / 1e6;
	r->target = r->subject_actor = -1;
	r->subject_ptc = r->subject_phase = -1;
	r->x = r->y = r->distance_m = r->time_to_event_s = r->advisory_mps = NAN;
	r->trigger_t_s = r->latency_ms = NAN;
	if (ev->type == V2X_CLIENT_EV_WARNING) {
		warning(l, ev->warning, r);
		return true;
	}
	if (ev->type != V2X_CLIENT_EV_CANCELLATION)
		return false;
	r->cancel = true;
	r->warning_id = ev->cancellation->warning_id;
	r->cancel_reason = (uint8_t)ev->cancellation->reason;
	return true;
}

static void append(struct sim_listen *l, const struct sim_received *r)
{
	pthread_mutex_lock(&l->mu);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct sim_received *p = realloc(l->rx, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&l->mu);
			return;
		}
		l->rx = p;
		l->cap = cap;
	}
	l->rx[l->n++] = *r;
	pthread_mutex_unlock(&l->mu);
}

static void *run(void *arg)
{
	struct sim_listen *l = arg;
	struct v2x_client_event ev;
	struct sim_received r;
	while (!atomic_load(&l->stop)) {
		int rc = v2x_client_next(l->c, 100, &ev);
		if (rc < 0) {
			snprintf(l->err, sizeof(l->err), "the subscription ended: %s",
			         v2x_client_error(l->c));
			break;
		}
		if (rc == 1 && convert(l, &ev, &r))
			append(l, &r);
	}
	return NULL;
}

static int subscribe(struct v2x_client *c, char *err, size_t errlen)
{
	V2x__Wire__Subscribe sub = V2X__WIRE__SUBSCRIBE__INIT;
	struct v2x_client_result res;
	sub.has_subscription_id = 1;
	sub.subscription_id = 1;
	int rc = v2x_client_subscribe(c, &sub, 5000, &res);
	if (rc) {
		snprintf(err, errlen, "subscribe: %s", v2x_client_error(c));
		return rc;
	}
	if (res.status != 1) {
		snprintf(err, errlen, "the broker refused the subscription: %s", res.reason);
		return V2X_EINVAL;
	}
	return 0;
}

static int connect_client(struct sim_listen *l, const char *addr, const char *id, const char *token,
                          char *err, size_t errlen)
{
	struct v2x_client_config cfg;
	v2x_client_config_default(&cfg);
	cfg.broker = addr;
	cfg.id = id;
	cfg.credential = (const uint8_t *)token;
	cfg.credential_len = strlen(token);
	cfg.software = "v2x-sim";
	int rc = v2x_client_new(&cfg, &l->c, err, errlen);
	if (rc)
		return rc;
	rc = v2x_client_connect(l->c);
	if (rc) {
		snprintf(err, errlen, "connect to the broker at %s: %s", addr,
		         v2x_client_error(l->c));
		return rc;
	}
	return subscribe(l->c, err, errlen);
}

int sim_listen_start(const char *addr, const char *id, const char *token,
                     const struct sim_scenario *sc, struct map_frame *frame, int64_t epoch_us,
                     struct sim_listen **out, char *err, size_t errlen)
{
	struct sim_listen *l = calloc(1, sizeof(*l));
	if (!l)
		return V2X_ENOMEM;
	l->sc = sc;
	l->frame = frame;
	l->epoch_us = epoch_us;
	pthread_mutex_init(&l->mu, NULL);
	int rc = connect_client(l, addr, id, token, err, errlen);
	if (rc == 0 && pthread_create(&l->thread, NULL, run, l) != 0) {
		snprintf(err, errlen, "cannot start the subscriber's thread");
		rc = V2X_ESYS;
	}
	if (rc) {
		v2x_client_free(l->c);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

size_t sim_listen_copy(struct sim_listen *l, size_t from, struct sim_received *dst, size_t max)
{
	size_t k = 0;
	pthread_mutex_lock(&l->mu);
	for (size_t i = from; i < l->n && k < max; i++)
		dst[k++] = l->rx[i];
	pthread_mutex_unlock(&l->mu);
	return k;
}

size_t sim_listen_count(struct sim_listen *l)
{
	pthread_mutex_lock(&l->mu);
	size_t n = l->n;
	pthread_mutex_unlock(&l->mu);
	return n;
}

void sim_listen_stop(struct sim_listen *l, struct sim_received **rx, size_t *n, char *err,
                     size_t errlen)
{
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	v2x_client_free(l->c);
	snprintf(err, errlen, "%s", l->err);
	*rx = l->rx;
	*n = l->n;
	pthread_mutex_destroy(&l->mu);
	free(l);
}
