/*
 * auth: the broker's credential table.  A client's Hello carries a role,
 * an id and a credential (a token the operator issued); the table says
 * whether the token exists, for which role, and for which ids: an agent's
 * token is bound to the RSU ids it may speak for, a subscriber's to one
 * account and a scope (the vehicle ids and geofence boxes whose warnings
 * it may receive).  A checked Hello yields a principal, which the broker
 * core keeps and consults for each subscription.
 *
 * File format: one credential per line, fields separated by blanks; empty
 * lines and lines starting with '#' are ignored.
 *
 *   agent      TOKEN RSU_ID[,RSU_ID...]
 *   subscriber TOKEN ACCOUNT [vehicle=HEX16[,HEX16...]] [box=S,W,N,E]...
 *
 * TOKEN is printable ASCII without blanks, at most BRK_AUTH_TOKEN_MAX
 * bytes; ids at most BRK_AUTH_ID_MAX bytes.  A vehicle id is 8 octets in
 * hex.  A box is WGS84 degrees south, west, north, east (west > east: the
 * box crosses 180 degrees).  A subscriber with neither vehicle= nor box=
 * may receive everything; with both, a warning must match both.
 */
#ifndef V2X_BROKER_NET_AUTH_H
#define V2X_BROKER_NET_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRK_AUTH_TOKEN_MAX 1024
#define BRK_AUTH_ID_MAX    64

enum brk_role {
	BRK_ROLE_AGENT = 1, /* the values of v2x.proto's Role */
	BRK_ROLE_SUBSCRIBER = 2,
};

/* A WGS84 box, degrees. */
struct brk_box {
	double south, west, north, east;
};

/* One credential of the table; read-only outside auth.c. */
struct brk_cred {
	enum brk_role role;
	char *token;
	size_t token_len;
	char **ids; /* agent: its RSU ids; subscriber: its account alone */
	size_t n_ids;
	uint8_t (*vehicles)[8]; /* subscriber scope; n_vehicles 0: any */
	size_t n_vehicles;
	struct brk_box *boxes; /* subscriber scope; n_boxes 0: anywhere */
	size_t n_boxes;
};

/* Who a connection is, after its Hello: handed to the core, read-only. */
struct brk_principal {
	enum brk_role role;
	char id[BRK_AUTH_ID_MAX + 1]; /* the Hello's id */
	const struct brk_cred *cred;  /* borrowed from the table */
};

struct brk_auth;

/*
 * Loads the table of the file at path.  Returns 0 with *out set (caller
 * frees with brk_auth_free), V2X_EIO when the file cannot be read,
 * V2X_ECONFIG for a bad line (err says which line and why: errlen bytes,
 * NUL included), V2X_ENOMEM.
 */
int brk_auth_load(const char *path, struct brk_auth **out, char *err, size_t errlen);

/* Same as brk_auth_load() from text in memory (borrowed for the call). */
int brk_auth_parse(const char *text, struct brk_auth **out, char *err, size_t errlen);

/* Frees auth; principals that point into it become invalid.  Accepts NULL. */
void brk_auth_free(struct brk_auth *auth);

/* Returns the number of credentials of auth. */
size_t brk_auth_count(const struct brk_auth *auth);

/*
 * Checks a Hello: role, id (NUL-terminated) and credential (cred_len
 * bytes), all borrowed for the call.  Returns 0 and fills *p when the
 * token exists, is of that role and is bound to id; otherwise
 * V2X_ENOTFOUND (unknown token), V2X_EINVAL (other role, id not bound,
 * id too long), with the reason in why (whylen bytes).  Tokens are
 * compared in constant time.
 */
int brk_auth_check(const struct brk_auth *auth, enum brk_role role, const char *id,
                   const uint8_t *cred, size_t cred_len, struct brk_principal *p, char *why,
                   size_t whylen);

/* Says whether the agent p may send observations as RSU rsu_id. */
bool brk_principal_may_rsu(const struct brk_principal *p, const char *rsu_id);

/* Says whether the subscriber p may receive warnings for vehicle id8. */
bool brk_principal_may_vehicle(const struct brk_principal *p, const uint8_t id8[8]);

/* Says whether the subscriber p may receive warnings at lat, lon (deg). */
bool brk_principal_may_point(const struct brk_principal *p, double lat, double lon);

/*
 * Says whether the box b lies inside one box of the subscriber p's scope,
 * so that a subscription to b is within scope.
 */
bool brk_principal_may_box(const struct brk_principal *p, const struct brk_box *b);

#endif
