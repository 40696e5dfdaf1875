/*
 * convert: the normalised message (struct v2x_msg, codecs/msg.h) <-> the
 * Observation of the wire protocol (v2x.proto).
 *
 * The agent turns each message it decoded into an Observation; the broker
 * turns each Observation it reads back into a struct v2x_msg.  The mapping
 * is field by field and lossless: every field of the model, its presence
 * (has_ flags), NaN for "unavailable", lists and enumerated values as the
 * schema's numbers survive a round trip.
 */
#ifndef V2X_CODECS_WIRE_CONVERT_H
#define V2X_CODECS_WIRE_CONVERT_H

#include <stddef.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/arena.h"
#include "runtime/err.h"

/*
 * Sets the message part of obs from msg: the msg oneof (bsm, map, rsm,
 * spat, rsi) and flags.  The envelope (rsu_id, seq, rx_time_us, replayed,
 * uper) is left as it is, for the caller to set.  obs must have been
 * initialised (v2x__wire__observation__init).
 *
 * msg is borrowed for the call: nothing in obs points into it.  Everything
 * obs points to afterwards is allocated in arena and valid until the arena
 * is reset; the caller packs obs (v2x_frame_encode) and then resets it.
 *
 * Fails with V2X_EINVAL for a msg of no known type, V2X_ENOMEM when the
 * arena cannot grow; obs must not be packed after a failure.
 */
int v2x_wire_msg_to_obs(const struct v2x_msg *msg, struct v2x_arena *arena,
                        V2x__Wire__Observation *obs);

/*
 * Fills msg from the message part of obs (borrowed for the call).  The
 * lists of msg are allocated in arena and valid until it is reset; msg
 * points nowhere into obs, which may be freed (the parser's next frame)
 * while msg lives on.
 *
 * Checks what the model's types need: 8-octet ids, integers that fit their
 * C type, bit strings of at most 64 bits, names of at most 63 bytes,
 * descriptions of at most 512, lists no longer than the schema allows.
 * The schema's finer constraints (value ranges, minimum list sizes) are
 * the UPER encoder's to check.  A submessage that was not sent reads as
 * all defaults: NaN (unavailable) doubles, zero integers, absent options.
 *
 * Fails with V2X_EUNSUPPORTED_MSG when obs holds no message (or one of a
 * newer protocol), V2X_EMALFORMED for an id that is missing or not 8
 * octets, V2X_ERANGE for a value or list that does not fit, V2X_ENOMEM.
 * When err is not NULL, the detail ("Bsm.msg_cnt: 300 is above 255") is
 * written there (errlen bytes at most, NUL included); msg is undefined
 * after a failure.
 */
int v2x_wire_obs_to_msg(const V2x__Wire__Observation *obs, struct v2x_arena *arena,
                        struct v2x_msg *msg, char *err, size_t errlen);

#endif
