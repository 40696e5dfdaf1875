/*
 * warn: the warning lifecycle the broker owns.  Applications raise and
 * clear warnings here; they never send anything themselves.
 *
 * A warning is identified by its key: (type, target vehicle id, subject).
 * The subject is another vehicle, a hazard (broker-assigned id) or a
 * signal group; an application with no natural subject (curve speed: one
 * warning per vehicle) leaves it BRK_WARN_SUBJECT_NONE.
 *
 * Lifecycle:
 * - The first brk_warn_raise() of a key issues the warning: it gets a
 *   warning_id unique in this run (ids count up from cfg.first_warning_id)
 *   and revision 0, and is emitted through sink.on_warning with issued
 *   true.
 * - Later raises are compared with the numbers last emitted.  The warning
 *   is emitted again as an update (revision + 1, issued false) only when
 *   they changed materially:
 *     severity changed;
 *     distance_m changed by more than max(distance_abs_m, distance_rel *
 *       |last emitted|) (defaults 10 m, 20 %);
 *     time_to_event_s by more than max(tte_abs_s, tte_rel * |last|)
 *       (defaults 1 s, 20 %);
 *     advisory_speed_mps by more than speed_abs_mps (default 1 m/s);
 *     the position moved by more than position_m (default 5 m);
 *     a number became known or unknown (NaN on one side only);
 *     the expiry last emitted lies within expiry_margin_us (default 1 s)
 *       of now while the raise carries a later one: subscribers would
 *       otherwise drop a warning that still holds.
 *   Otherwise the raise only refreshes the warning's hold and expiry,
 *   silently, and is counted as a suppressed repeat: a condition raised at
 *   the 10 Hz input rate is emitted once plus its material changes.
 * - brk_warn_clear() ends it: a Cancellation with the reason given
 *   (RESOLVED, SUPERSEDED, ...) through sink.on_cancel, expired false.
 * - brk_warn_tick(), on the broker's tick: a warning not raised for
 *   cfg.confirm_timeout_us (default 1 s) is cancelled with SOURCE_LOST (its
 *   application stopped confirming it: the vehicle went silent, the
 *   condition vanished without a clear); one whose expiry has passed is
 *   reported through on_cancel with expired true and no reason (the
 *   subscriber voided it at expiry_time_us already: the core persists it
 *   as expired and need not push it).
 * - brk_warn_clear_all(MAP_CHANGED) when the map is replaced.
 *
 * Emission: the V2x__Wire__Warning and V2x__Wire__Cancellation handed to
 * the sink are built in buffers this table owns and are borrowed for the
 * call; the sink copies or serialises them and must not call back into the
 * table.  Warning.issue_time_us is the now_us of the emission (wall µs),
 * Warning.expiry_time_us the warning's expiry at that moment.
 * subscription_ids is left empty for the core to fill per connection.
 *
 * Memory: every entry is preallocated (cfg.capacity); a new key when all
 * are taken is refused (V2X_ETOO_BIG, counted).  Nothing allocates after
 * brk_warn_new().  Not thread-safe: the broker's loop thread owns it.
 * All times are wall µs since the epoch (the core's now_us); they must not
 * go backwards between calls.
 */
#ifndef V2X_BROKER_APPS_WARN_H
#define V2X_BROKER_APPS_WARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/metrics.h"

/* Sources a warning names (SourceRef), text bytes kept, RSU id bytes. */
#define BRK_WARN_SOURCES_MAX 4
#define BRK_WARN_TEXT_MAX    127
#define BRK_WARN_RSU_ID_MAX  64

/* WarningType values 0..11 and CancelReason values 0..5 of v2x.proto. */
#define BRK_WARN_TYPES   12
#define BRK_WARN_REASONS 6

/* Defaults of struct brk_warn_cfg (a zero field takes its default). */
#define BRK_WARN_DEFAULT_CONFIRM_TIMEOUT_US 1000000 /* 10 BSMs missed */
#define BRK_WARN_DEFAULT_TTL_US             5000000 /* raise with neither expiry nor ttl */
#define BRK_WARN_DEFAULT_DISTANCE_ABS_M     10.0
#define BRK_WARN_DEFAULT_DISTANCE_REL       0.2
#define BRK_WARN_DEFAULT_TTE_ABS_S          1.0
#define BRK_WARN_DEFAULT_TTE_REL            0.2
#define BRK_WARN_DEFAULT_SPEED_ABS_MPS      1.0
#define BRK_WARN_DEFAULT_POSITION_M         5.0
#define BRK_WARN_DEFAULT_EXPIRY_MARGIN_US   1000000

struct brk_warn_cfg {
	size_t capacity;            /* warnings held at once; required */
	int64_t confirm_timeout_us; /* not raised for longer: SOURCE_LOST */
	int64_t default_ttl_us;
	double distance_abs_m, distance_rel;
	double tte_abs_s, tte_rel;
	double speed_abs_mps;
	double position_m;
	int64_t expiry_margin_us;
	uint64_t first_warning_id; /* 0: 1 */
};

/* What a warning is about. */
enum brk_warn_subject_kind {
	BRK_WARN_SUBJECT_NONE = 0,
	BRK_WARN_SUBJECT_VEHICLE = 1,
	BRK_WARN_SUBJECT_HAZARD = 2,
	BRK_WARN_SUBJECT_SIGNAL = 3,
};

/*
 * The subject.  Only the fields of its kind take part in the key: the
 * vehicle id; the hazard id (event_type and ptc_type are carried to the
 * wire, has_ flags saying which); the signal's region, intersection and
 * phase.  Zero-initialise, then set the kind's fields.
 */
struct brk_warn_subject {
	uint8_t kind; /* enum brk_warn_subject_kind */
	uint8_t vehicle_id[V2X_ID_LEN];
	uint64_t hazard_id;
	bool has_event_type;
	uint16_t event_type;
	bool has_ptc_type;
	uint8_t ptc_type;
	bool has_region;
	uint16_t region;
	uint16_t intersection;
	uint8_t phase_id;
};

struct brk_warn_key {
	V2x__Wire__WarningType type;
	uint8_t target[V2X_ID_LEN]; /* the vehicle warned */
	struct brk_warn_subject subject;
};

/* An observation a warning came from. */
struct brk_warn_source {
	const char *rsu_id; /* borrowed for the call; cut to BRK_WARN_RSU_ID_MAX */
	uint64_t seq;       /* the agent's Observation.seq */
};

/* One raise; borrowed for the call.  NaN marks a number unknown/absent. */
struct brk_warn_spec {
	struct brk_warn_key key;
	V2x__Wire__Severity severity;
	double lat_deg, lon_deg, elev_m; /* where the event is; NaN lat: no position */
	double distance_m;               /* along the target's path */
	double time_to_event_s;
	double advisory_speed_mps;
	/* Absolute expiry (wall µs); 0: now + ttl_us; both 0: now +
	 * cfg.default_ttl_us.  Must lie after now. */
	int64_t expiry_us;
	int64_t ttl_us;
	size_t n_sources; /* at most BRK_WARN_SOURCES_MAX */
	struct brk_warn_source sources[BRK_WARN_SOURCES_MAX];
	int64_t trigger_rx_time_us; /* rx_time_us of the observation that raised it */
	const char *text;           /* NULL: none; cut to BRK_WARN_TEXT_MAX bytes */
	/* Where the target vehicle is (for the core's geofence filters);
	 * handed to on_warning as is. */
	double target_lat_deg, target_lon_deg;
};

/*
 * A warning held, read-only to callers; valid until the next raise,
 * clear, clear_all or tick on the table.
 */
struct brk_warn_entry {
	struct brk_warn_key key;
	uint64_t warning_id;
	uint32_t revision;
	V2x__Wire__Severity severity; /* last emitted */
	int64_t issued_us;            /* now_us of the first raise */
	int64_t emitted_us;           /* now_us of the last emission */
	int64_t raised_us;            /* now_us of the last raise */
	int64_t expiry_us;            /* current expiry (refreshed by raises) */
	uint64_t raise_seq;           /* brk_warn_raises() right after its last raise */
	/* Numbers last emitted. */
	double distance_m, time_to_event_s, advisory_speed_mps;
	double lat_deg, lon_deg;
	int64_t emitted_expiry_us;
	/* Internal to warn.c. */
	uint32_t prev_, next_;   /* the active list */
	uint32_t tprev_, tnext_; /* the target's list */
	uint32_t free_next_;     /* the free list */
	uint32_t thead_;         /* the target-head slot of key.target */
};

/* What brk_warn_raise() did. */
enum brk_warn_result {
	BRK_WARN_ISSUED = 1,    /* new: emitted, revision 0 */
	BRK_WARN_UPDATED = 2,   /* material change: emitted, revision + 1 */
	BRK_WARN_REFRESHED = 3, /* no material change: hold and expiry refreshed */
};

/* Where emissions go; borrowed messages, see the top of this file. */
struct brk_warn_sink {
	void (*on_warning)(void *arg, const V2x__Wire__Warning *w, bool issued, double target_lat,
	                   double target_lon);
	void (*on_cancel)(void *arg, const V2x__Wire__Cancellation *c, bool expired);
	void *arg;
};

/* Counters, plain fields; per-type arrays are indexed by WarningType. */
struct brk_warn_stats {
	uint64_t raises;
	uint64_t issued[BRK_WARN_TYPES];
	uint64_t updated[BRK_WARN_TYPES];
	uint64_t suppressed[BRK_WARN_TYPES]; /* raises that only refreshed */
	uint64_t cancelled[BRK_WARN_TYPES];  /* by a clear, a timeout or clear_all */
	uint64_t expired[BRK_WARN_TYPES];
	uint64_t by_reason[BRK_WARN_REASONS]; /* cancellations by CancelReason */
	uint64_t refused;                     /* new warnings refused: table full */
	uint64_t invalid;                     /* raises refused: bad spec */
	uint64_t clear_unknown;               /* clears of a key not held */
	size_t active[BRK_WARN_TYPES];
	size_t active_total;
};

struct brk_warn;

/*
 * Creates a table (cfg and sink borrowed for the call; sink.arg must stay
 * valid while the table lives).  Returns 0 and *out (caller frees with
 * brk_warn_free); V2X_EINVAL for a zero capacity or one of 2^31 or more, a
 * negative time or threshold, or a sink without on_warning or on_cancel;
 * V2X_ENOMEM.
 */
int brk_warn_new(const struct brk_warn_cfg *cfg, const struct brk_warn_sink *sink,
                 struct brk_warn **out);

/* Frees w without emitting anything; accepts NULL. */
void brk_warn_free(struct brk_warn *w);

/*
 * Raises the warning spec describes at now_us (see the lifecycle above).
 * Returns a positive enum brk_warn_result; V2X_EINVAL (counted) for a type
 * outside 1..11, a severity outside 1..4, more than BRK_WARN_SOURCES_MAX
 * sources or an expiry not after now_us; V2X_ETOO_BIG (counted) for a new
 * key when the table is full.  Never allocates.
 */
int brk_warn_raise(struct brk_warn *w, const struct brk_warn_spec *spec, int64_t now_us);

/*
 * Cancels the warning of key with reason (a CancelReason other than
 * UNSPECIFIED) at now_us.  Returns 0; V2X_ENOTFOUND (counted) when no
 * warning of key is held; V2X_EINVAL for a bad reason.
 */
int brk_warn_clear(struct brk_warn *w, const struct brk_warn_key *key,
                   V2x__Wire__CancelReason reason, int64_t now_us);

/* Cancels every warning held with reason; returns how many. */
size_t brk_warn_clear_all(struct brk_warn *w, V2x__Wire__CancelReason reason, int64_t now_us);

/*
 * The broker's tick: cancels the warnings past their expiry (expired) and
 * those not raised for cfg.confirm_timeout_us (SOURCE_LOST).  Looks at
 * every active warning once.  Returns how many it ended.
 */
size_t brk_warn_tick(struct brk_warn *w, int64_t now_us);

/* Returns the warning of key, or NULL.  Not const: the table remembers
 * the vehicle looked up last, so that the applications' lookups for the
 * same vehicle in a row cost one comparison. */
const struct brk_warn_entry *brk_warn_find(struct brk_warn *w, const struct brk_warn_key *key);

/*
 * Iterates over the active warnings (prev NULL: the first), in no
 * particular order; NULL at the end.  No raise may happen during an
 * iteration; clearing the entry just returned (and only it) is allowed
 * before asking for the next one.
 */
const struct brk_warn_entry *brk_warn_next(const struct brk_warn *w,
                                           const struct brk_warn_entry *prev);

/* The same over the warnings of one type: what an application's tick
 * reads, without passing every other application's warnings. */
const struct brk_warn_entry *brk_warn_next_of_type(const struct brk_warn *w,
                                                   V2x__Wire__WarningType type,
                                                   const struct brk_warn_entry *prev);

/* The same over the warnings of one target vehicle (V2X_ID_LEN octets). */
const struct brk_warn_entry *brk_warn_next_for_target(struct brk_warn *w, const uint8_t *target,
                                                      const struct brk_warn_entry *prev);

/*
 * Returns the number of raises so far.  An application that raises what
 * it sees now and then clears what it no longer sees reads this before its
 * raises: its warnings whose raise_seq is not above that value were not
 * raised in this pass.
 */
uint64_t brk_warn_raises(const struct brk_warn *w);

/* Fills a key for a hazard subject. */
void brk_warn_key_hazard(struct brk_warn_key *key, V2x__Wire__WarningType type,
                         const uint8_t *target, uint64_t hazard_id, bool has_event_type,
                         uint16_t event_type, bool has_ptc_type, uint8_t ptc_type);

/* Returns "hazard_ahead" and so on for a WarningType, "unspecified" for 0,
 * "unknown" out of range; static storage. */
const char *brk_warn_type_name(size_t type);

/* Returns "resolved" and so on for a CancelReason; static storage. */
const char *brk_warn_reason_name(size_t reason);

/* Returns the counters of w; valid while w lives. */
const struct brk_warn_stats *brk_warn_stats(const struct brk_warn *w);

/*
 * Registers the counters of w with m (v2x_broker_warnings_*, by type and
 * reason), as brk_tracks_metrics_add() does.  w must outlive every
 * rendering of m.  0, V2X_EINVAL or V2X_ENOMEM.
 */
int brk_warn_metrics_add(const struct brk_warn *w, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen);

#endif
