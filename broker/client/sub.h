/*
 * sub: the parts of v2x-sub, the command-line subscriber: its options
 * (sub_cfg.c), the Subscribe its filters make (sub_cfg.c), and the JSON
 * lines it prints (sub_json.c).
 */
#ifndef V2X_BROKER_CLIENT_SUB_H
#define V2X_BROKER_CLIENT_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "broker/client/client.h"
#include "runtime/opt.h"

/* Exit statuses. */
#define SUB_EXIT_OK      0
#define SUB_EXIT_FAIL    1 /* connection lost, broker error */
#define SUB_EXIT_USAGE   2
#define SUB_EXIT_REFUSED 3 /* the subscription was refused */
#define SUB_EXIT_AUTH    4 /* the broker refused the credential */

struct sub_cfg {
	char *config;
	char *broker;
	char *unix_path;
	char *id;
	char *token;
	char *token_file;
	char *vehicle; /* comma list; repeated options are joined */
	char *box;
	char *polygon;
	char *type; /* comma list; repeated options are joined */
	int min_severity;
	int64_t subscription_id;
	int64_t count;
	double duration_s;
	int64_t connect_timeout_ms;
};

/* The filters as a Subscribe, with the storage it points to. */
struct sub_filters {
	V2x__Wire__Subscribe sub;
	ProtobufCBinaryData *ids;
	uint8_t (*idbuf)[8];
	V2x__Wire__WarningType types[32];
	V2x__Wire__Geofence geo;
	V2x__Wire__Box box;
	V2x__Wire__Polygon poly;
	V2x__Wire__LatLon *ll;
	V2x__Wire__LatLon **llp;
};

/*
 * Parses the command line into cfg (release with sub_cfg_release).
 * Returns 0, 1 after printing --help, or V2X_EUSAGE / V2X_ECONFIG /
 * V2X_ENOMEM with err saying why.
 */
int sub_cfg_parse(struct sub_cfg *cfg, int argc, char **argv, char *err, size_t errlen);
void sub_cfg_release(struct sub_cfg *cfg);

/*
 * Reads the token (--token, or the first line of --token-file) into buf.
 * Returns 0 or V2X_EUSAGE with err saying why.
 */
int sub_cfg_token(const struct sub_cfg *cfg, char *buf, size_t len, char *err, size_t errlen);

/*
 * Builds the Subscribe of cfg's filters into f (free with
 * sub_filters_free).  Returns 0 or V2X_EUSAGE (err says which option is
 * wrong), V2X_ENOMEM.
 */
int sub_filters_build(const struct sub_cfg *cfg, struct sub_filters *f, char *err, size_t errlen);
void sub_filters_free(struct sub_filters *f);

/* Prints ev (a warning or cancellation) as one JSON line on out. */
void sub_json_print(FILE *out, const struct v2x_client_event *ev);

/* Returns the latency of ev, µs (its receive time minus its trigger's), or false. */
bool sub_json_latency(const struct v2x_client_event *ev, int64_t *us);

#endif
