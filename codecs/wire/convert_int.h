/*
 * convert_int: what the files of the model <-> protobuf conversion share.
 * Internal to codecs/wire (double-underscore names); convert.h is the API.
 *
 * Every struct of codecs/msg.h has a pair of functions:
 * - v2x_wire__X_out(cv, m) returns a new protobuf message, allocated in
 *   cv->arena, holding *m; NULL when out of memory (recorded in cv);
 * - v2x_wire__X_in(cv, o, m) fills *m from o; o may be NULL (a submessage
 *   that was not sent) and then reads as the default instance, whose
 *   doubles read as NaN (unavailable) and integers as 0.
 * Errors are recorded in cv, the first one winning, so that a conversion
 * reads as a straight list of fields; the entry points check cv->rc once.
 */
#ifndef V2X_CODECS_WIRE_CONVERT_INT_H
#define V2X_CODECS_WIRE_CONVERT_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/arena.h"
#include "runtime/compiler.h"
#include "runtime/err.h"

struct v2x_wire__cv {
	struct v2x_arena *arena; /* where new messages and lists go */
	int rc;                  /* first error, 0 while none */
	char *err;               /* detail of the first error; may be NULL */
	size_t errlen;
};

/* Records rc and its detail unless an error was recorded before. */
V2X_PRINTF(3, 4) void v2x_wire__fail(struct v2x_wire__cv *cv, int rc, const char *fmt, ...);

/* ---- model -> protobuf -------------------------------------------------- */

/* Returns a new message of type d, initialised, or NULL (V2X_ENOMEM). */
void *v2x_wire__new(struct v2x_wire__cv *cv, const ProtobufCMessageDescriptor *d);

/* Returns an array of n pointers, or NULL for n == 0 or out of memory. */
void *v2x_wire__ptrs(struct v2x_wire__cv *cv, size_t n);

/* Copies len bytes of src into the arena for a bytes field. */
void v2x_wire__put_bytes(struct v2x_wire__cv *cv, protobuf_c_boolean *has, ProtobufCBinaryData *dst,
                         const uint8_t *src, size_t len);

/* Sets the bytes field of a DescriptiveName (absent when name->len is 0). */
void v2x_wire__put_name(struct v2x_wire__cv *cv, protobuf_c_boolean *has, ProtobufCBinaryData *dst,
                        const struct v2x_name *name);

/* A double the model keeps as NaN when unavailable: sent only when available. */
#define PUT_D(o, f, v) ((o)->f = (v), (o)->has_##f = !isnan((o)->f))
/* An integer without presence of its own: sent only when not 0. */
#define PUT_U(o, f, v) ((o)->f = (v), (o)->has_##f = (o)->f != 0)
/* An OPTIONAL value: sent when present, whatever it is (NaN included). */
#define PUT_OPT(o, f, present, v) ((o)->f = (v), (o)->has_##f = (present))

/* Fills the repeated message field f of o from the n model structs at src. */
#define OUT_LIST(cv, o, f, n, src, out_fn)                     \
	do {                                                   \
		(o)->f = v2x_wire__ptrs((cv), (n));            \
		(o)->n_##f = (o)->f ? (n) : 0;                 \
		for (size_t i_ = 0; i_ < (o)->n_##f; i_++)     \
			(o)->f[i_] = out_fn((cv), &(src)[i_]); \
	} while (0)

/* ---- protobuf -> model -------------------------------------------------- */

/* Value of a double the model keeps as NaN when unavailable. */
#define GET_D(o, f) ((o)->has_##f ? (o)->f : NAN)

/* Returns v, or 0 after recording V2X_ERANGE when v is above max. */
uint32_t v2x_wire__uint(struct v2x_wire__cv *cv, uint32_t v, uint32_t max, const char *msg,
                        const char *field);

#define GET_U8(cv, o, f) \
	((uint8_t)v2x_wire__uint((cv), (o)->f, UINT8_MAX, (o)->base.descriptor->short_name, #f))
#define GET_U16(cv, o, f) \
	((uint16_t)v2x_wire__uint((cv), (o)->f, UINT16_MAX, (o)->base.descriptor->short_name, #f))

/*
 * Returns an array for n elements of size bytes, or NULL for n == 0, after
 * recording V2X_ERANGE when n is above max, or when out of memory.
 */
void *v2x_wire__list(struct v2x_wire__cv *cv, size_t n, size_t size, size_t max, const char *msg,
                     const char *field);

/* Fills the model list (dst_n, dst_v) from the repeated field f of o. */
#define IN_LIST(cv, o, f, max, dst_n, dst_v, in_fn)                                 \
	do {                                                                        \
		(dst_v) = v2x_wire__list((cv), (o)->n_##f, sizeof(*(dst_v)), (max), \
		                         (o)->base.descriptor->short_name, #f);     \
		(dst_n) = (dst_v) ? (o)->n_##f : 0;                                 \
		for (size_t i_ = 0; i_ < (dst_n); i_++)                             \
			in_fn((cv), (o)->f[i_], &(dst_v)[i_]);                      \
	} while (0)

/* Copies an 8-octet id; V2X_EMALFORMED when present is false or the length is not 8. */
void v2x_wire__get_id(struct v2x_wire__cv *cv, protobuf_c_boolean present,
                      const ProtobufCBinaryData *b, uint8_t id[V2X_ID_LEN], const char *msg,
                      const char *field);

/* Copies the optional bytes field b (absent: length 0) into name. */
void v2x_wire__get_name(struct v2x_wire__cv *cv, protobuf_c_boolean present,
                        const ProtobufCBinaryData *b, struct v2x_name *name, const char *msg,
                        const char *field);

/* ---- structs shared by several messages --------------------------------- */

V2x__Wire__Position3D *v2x_wire__pos3d_out(struct v2x_wire__cv *cv, const struct v2x_pos3d *m);
void v2x_wire__pos3d_in(struct v2x_wire__cv *cv, const V2x__Wire__Position3D *o,
                        struct v2x_pos3d *m);

V2x__Wire__PositionOffsetLLV *v2x_wire__llv_out(struct v2x_wire__cv *cv, const struct v2x_llv *m);
void v2x_wire__llv_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionOffsetLLV *o,
                      struct v2x_llv *m);

V2x__Wire__PositionalAccuracy *v2x_wire__accuracy_out(struct v2x_wire__cv *cv,
                                                      const struct v2x_pos_accuracy *m);
void v2x_wire__accuracy_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionalAccuracy *o,
                           struct v2x_pos_accuracy *m);

V2x__Wire__PositionConfidenceSet *v2x_wire__pos_conf_out(struct v2x_wire__cv *cv,
                                                         const struct v2x_pos_confidence *m);
void v2x_wire__pos_conf_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionConfidenceSet *o,
                           struct v2x_pos_confidence *m);

V2x__Wire__MotionConfidenceSet *v2x_wire__motion_conf_out(struct v2x_wire__cv *cv,
                                                          const struct v2x_motion_confidence *m);
void v2x_wire__motion_conf_in(struct v2x_wire__cv *cv, const V2x__Wire__MotionConfidenceSet *o,
                              struct v2x_motion_confidence *m);

V2x__Wire__AccelerationSet4Way *v2x_wire__accel_out(struct v2x_wire__cv *cv,
                                                    const struct v2x_accel4 *m);
void v2x_wire__accel_in(struct v2x_wire__cv *cv, const V2x__Wire__AccelerationSet4Way *o,
                        struct v2x_accel4 *m);

V2x__Wire__VehicleSize *v2x_wire__vsize_out(struct v2x_wire__cv *cv, const struct v2x_vsize *m);
void v2x_wire__vsize_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleSize *o,
                        struct v2x_vsize *m);

V2x__Wire__VehicleClassification *v2x_wire__vclass_out(struct v2x_wire__cv *cv,
                                                       const struct v2x_vclass *m);
void v2x_wire__vclass_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleClassification *o,
                         struct v2x_vclass *m);

V2x__Wire__NodeReferenceId *v2x_wire__node_ref_out(struct v2x_wire__cv *cv,
                                                   const struct v2x_node_ref *m);
void v2x_wire__node_ref_in(struct v2x_wire__cv *cv, const V2x__Wire__NodeReferenceId *o,
                           struct v2x_node_ref *m);

V2x__Wire__BitString *v2x_wire__bits_out(struct v2x_wire__cv *cv, uint8_t nbits, uint64_t bits);
void v2x_wire__bits_in(struct v2x_wire__cv *cv, const V2x__Wire__BitString *o, uint8_t *nbits,
                       uint64_t *bits);

/* ---- the five messages -------------------------------------------------- */

V2x__Wire__Bsm *v2x_wire__bsm_out(struct v2x_wire__cv *cv, const struct v2x_bsm *m);
void v2x_wire__bsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Bsm *o, struct v2x_bsm *m);

V2x__Wire__MapData *v2x_wire__map_out(struct v2x_wire__cv *cv, const struct v2x_map *m);
void v2x_wire__map_in(struct v2x_wire__cv *cv, const V2x__Wire__MapData *o, struct v2x_map *m);

V2x__Wire__Spat *v2x_wire__spat_out(struct v2x_wire__cv *cv, const struct v2x_spat *m);
void v2x_wire__spat_in(struct v2x_wire__cv *cv, const V2x__Wire__Spat *o, struct v2x_spat *m);

V2x__Wire__Rsi *v2x_wire__rsi_out(struct v2x_wire__cv *cv, const struct v2x_rsi *m);
void v2x_wire__rsi_in(struct v2x_wire__cv *cv, const V2x__Wire__Rsi *o, struct v2x_rsi *m);

V2x__Wire__Rsm *v2x_wire__rsm_out(struct v2x_wire__cv *cv, const struct v2x_rsm *m);
void v2x_wire__rsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Rsm *o, struct v2x_rsm *m);

#endif
