/*
 * subs: the broker's subscription table and the push of warnings to
 * subscribers (DESIGN.md section 5, issue 5 "Subscriptions and push").
 *
 * Each subscriber connection holds up to max_per_conn subscriptions, each
 * compiled from a Subscribe frame into filters that are cheap to test:
 *
 * - vehicle ids: the target vehicle's 8-octet id is in the list (a sorted
 *   array, binary search);
 * - geofence: the target vehicle's position lies in a WGS84 polygon (at
 *   most 256 vertices; bounding-box prefilter, then the even-odd rule) or a
 *   box (west > east: the box crosses 180 degrees);
 * - warning types: a bit mask of the proto's WarningType;
 * - minimum severity.
 *
 * A filter left empty matches everything; a warning goes to a connection
 * when every filter of at least one of its subscriptions matches AND the
 * connection's credential may receive it (brk_principal_may_vehicle and
 * brk_principal_may_point: the scope is checked again at push time, not
 * only at subscribe time).
 *
 * Scope rules at subscribe time (the credential's scope, auth.h): a scope
 * with vehicles requires the subscription to name vehicle ids, all of them
 * within the scope; a scope with boxes requires a geofence lying inside one
 * scope box (a polygon: all its vertices inside the same box); a credential
 * without scope may subscribe to anything.  A refused Subscribe changes
 * nothing: an older subscription with the same id stays as it was.
 *
 * Push, serialised once: the Warning a connection receives lists in
 * subscription_ids the ids of its subscriptions that matched, so the frame
 * differs between connections whose matching ids differ.  One push encodes
 * one shared buffer (sbuf.h) per distinct list of ids and queues it on
 * every connection with that list: when every subscriber uses the same
 * subscription id, the warning is encoded once for all of them (counted in
 * stats.encodes against stats.frames).
 *
 * Cancellations go to the connections that received the warning (any
 * revision of it).  The table remembers, per warning id, which connections
 * got it: at most max_warnings warnings and max_recipients (warning,
 * connection) pairs.  A warning's record is freed by its cancellation.  When
 * the table is full, the warning pushed least recently loses its record
 * (counted in stats.records_evicted; its cancellation then reaches nobody
 * and is counted in stats.cancels_unknown), so that a core that never
 * cancels cannot grow the table.  A connection that closes is forgotten at
 * once (brk_subs_drop_conn), without walking the records: each record names
 * its recipients by slot and generation.
 *
 * Single-threaded: every function runs on the loop's thread.  Subscribing
 * allocates (the compiled filters); pushing allocates nothing in steady
 * state (scratch arrays are sized at creation; frame buffers come from the
 * pool).  The push functions are not re-entrant, but a connection closing
 * while a push writes to it (brk_conn_send under the disconnect policy
 * calls on_close at once) may call brk_subs_drop_conn from on_close.
 */
#ifndef V2X_BROKER_SUBS_SUBS_H
#define V2X_BROKER_SUBS_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "broker/net/auth.h"
#include "broker/net/net.h"
#include "broker/net/sbuf.h"
#include "codecs/wire/frame.h"
#include "runtime/metrics.h"

/* Statuses counted: SubscribeStatus values 0..BRK_SUBS_STATUS_COUNT - 1. */
#define BRK_SUBS_STATUS_COUNT 6

/* Most vertices of a polygon geofence (v2x.proto's Polygon). */
#define BRK_SUBS_POLYGON_MAX 256

struct brk_subs_config {
	uint32_t max_conns;      /* connections holding subscriptions; default 1024 */
	uint32_t max_per_conn;   /* subscriptions per connection; default 16 */
	uint32_t max_vehicles;   /* vehicle ids per subscription; default 1024 */
	uint32_t max_warnings;   /* warnings whose recipients are kept; default 16384 */
	uint32_t max_recipients; /* (warning, connection) pairs kept; default 262144 */
};

/* Fills cfg with the defaults. */
void brk_subs_config_default(struct brk_subs_config *cfg);

/* Counters of the table; read with brk_subs_stats(). */
struct brk_subs_stats {
	uint64_t subscriptions; /* gauge: subscriptions live */
	uint64_t conns;         /* gauge: connections holding a slot */
	/* Subscribe / Unsubscribe answered, by SubscribeStatus value. */
	uint64_t subscribes[BRK_SUBS_STATUS_COUNT];
	uint64_t unsubscribes[BRK_SUBS_STATUS_COUNT];
	uint64_t warnings;         /* brk_subs_push_warning calls */
	uint64_t warnings_matched; /* of them, queued on at least one connection */
	uint64_t frames;           /* Warning and Cancellation frames queued */
	uint64_t encodes;          /* shared buffers encoded for them */
	uint64_t send_refused;     /* brk_conn_send refused: the connection was closing */
	uint64_t encode_errors;    /* brk_sbuf_encode failed: the frames were not sent */
	uint64_t cancels;          /* brk_subs_push_cancel calls with a record */
	uint64_t cancels_unknown;  /* ... without one (never pushed, or evicted) */
	uint64_t records;          /* gauge: warnings whose recipients are kept */
	uint64_t records_evicted;  /* records dropped because the table was full */
	uint64_t recipients_lost;  /* recipients not recorded: no room at all */
};

struct brk_subs;

/*
 * Creates an empty table with cfg (borrowed for the call; NULL: defaults),
 * preallocating its slots and the scratch space of a push.  Returns 0 with
 * *out set (caller frees with brk_subs_free), V2X_EINVAL (a zero limit; err
 * says which, errlen bytes) or V2X_ENOMEM.
 */
int brk_subs_new(const struct brk_subs_config *cfg, struct brk_subs **out, char *err,
                 size_t errlen);

/* Frees s and every subscription.  Accepts NULL. */
void brk_subs_free(struct brk_subs *s);

/*
 * Compiles sub (borrowed for the call) and adds it to c's subscriptions, or
 * replaces the one with the same subscription_id.  p is c's principal,
 * borrowed until brk_subs_drop_conn(c).  Returns a SubscribeStatus value:
 * SUBSCRIBE_STATUS_OK, or a refusal with the reason in why (whylen bytes;
 * "" for OK): INVALID (no subscription_id, a vehicle id not of 8 octets,
 * too many ids, a polygon of fewer than 3 or more than 256 vertices, a
 * coordinate missing, not finite or out of range, south above north, a
 * geofence without shape, an unknown warning type or severity),
 * OUT_OF_SCOPE (see the scope rules above; the reason names what was
 * outside), LIMIT (max_per_conn subscriptions already, max_conns
 * connections, or no memory).  A refusal leaves c's subscriptions as they
 * were.
 */
int brk_subs_subscribe(struct brk_subs *s, struct brk_conn *c, const struct brk_principal *p,
                       const V2x__Wire__Subscribe *sub, char *why, size_t whylen);

/*
 * Removes c's subscription subscription_id.  Returns SUBSCRIBE_STATUS_OK or
 * SUBSCRIBE_STATUS_UNKNOWN_ID (why says so).
 */
int brk_subs_unsubscribe(struct brk_subs *s, struct brk_conn *c, uint32_t subscription_id,
                         char *why, size_t whylen);

/*
 * Forgets c and its subscriptions: call it from on_close.  Warnings c
 * received are no longer cancelled to it.  No effect for a connection
 * without subscriptions.
 */
void brk_subs_drop_conn(struct brk_subs *s, struct brk_conn *c);

/* Returns the number of subscriptions c holds. */
size_t brk_subs_count(const struct brk_subs *s, const struct brk_conn *c);

/*
 * Handles a Subscribe or Unsubscribe frame f (borrowed for the call) of the
 * subscriber connection c with the functions above and queues the
 * SubscribeResult on c.  Returns 1 when f was one of them, 0 otherwise (f
 * is the caller's to handle).  The principal is brk_conn_principal(c).
 */
int brk_subs_handle_frame(struct brk_subs *s, struct brk_conn *c, const V2x__Wire__Frame *f);

/*
 * Queues on c a SubscribeResult for subscription_id with status and reason
 * (NULL or "": none; borrowed for the call).  Returns what
 * brk_conn_send_frame returns.
 */
int brk_subs_send_result(struct brk_conn *c, uint32_t subscription_id, int status,
                         const char *reason);

/*
 * Pushes the warning w (borrowed for the call; its subscription_ids are
 * ignored) to every connection with a matching subscription within its
 * scope, the Warning of each listing the ids of that connection's
 * subscriptions that matched.  target_lat, target_lon: where the target
 * vehicle is, degrees (NaN: unknown; a geofence filter then does not
 * match, nor does a scope with boxes).  Frames are encoded into buffers of
 * pool, one per distinct list of ids, and queued with brk_conn_send.  The
 * connections that got it are recorded under w->warning_id for
 * brk_subs_push_cancel (when w has one).  Returns the number of
 * connections it was queued on, or V2X_ENOMEM when a buffer could not be
 * encoded (the connections of that list missed it; counted).
 */
int brk_subs_push_warning(struct brk_subs *s, const V2x__Wire__Warning *w, double target_lat,
                          double target_lon, struct brk_sbuf_pool *pool);

/*
 * Pushes the cancellation cn (borrowed for the call) to every connection
 * still open that received its warning, encoded once into a buffer of
 * pool, and frees the warning's record.  Returns the number of connections
 * it was queued on (0 when no record: never pushed, already cancelled, or
 * evicted), or V2X_ENOMEM.
 */
int brk_subs_push_cancel(struct brk_subs *s, const V2x__Wire__Cancellation *cn,
                         struct brk_sbuf_pool *pool);

/* Returns the counters of s (owned by s, live). */
const struct brk_subs_stats *brk_subs_stats(const struct brk_subs *s);

/*
 * Registers the counters of s with m, each sample labelled with the
 * n_labels labels (borrowed, see v2x_metrics_add).  Returns what
 * v2x_metrics_add returns.
 */
int brk_subs_metrics_add(struct brk_subs *s, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen);

/* Returns the SubscribeStatus name for logs and metrics ("out_of_scope"); static. */
const char *brk_subs_status_name(int status);

#endif
