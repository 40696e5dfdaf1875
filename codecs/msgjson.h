/*
 * msgjson: struct v2x_msg <-> JSON (jansson), the form `v2x-codec decode`
 * prints and `v2x-codec encode` reads.
 *
 * A message is {"type": "bsm", "flags": [...], "bsm": {...}}; the body's
 * keys are the field names of codecs/msg.h (units in the name), NaN is
 * null, an absent OPTIONAL field or empty list is left out, enumerations
 * are the schema's identifiers ("permissive-green"), bit strings are
 * strings of 0 and 1 in the schema's bit order, ids are hex.  The
 * format is documented field by field in docs/codec.md.
 */
#ifndef V2X_CODECS_MSGJSON_H
#define V2X_CODECS_MSGJSON_H

#include <jansson.h>
#include <stddef.h>

#include "codecs/msg.h"
#include "runtime/arena.h"

/*
 * Returns a new JSON object for msg (borrowed for the call); the caller
 * releases it with json_decref.  NULL when out of memory.
 */
json_t *v2x_msg_to_json(const struct v2x_msg *msg);

/*
 * Fills *msg from the JSON object j (borrowed; not changed, though jansson's
 * iteration API takes it non-const), taking the memory of its
 * lists from arena (they live as long as the arena's current contents).
 * Keys other than "type", "flags" and the body are ignored at the top
 * level; inside the body an unknown key is an error.  Returns 0, or
 * V2X_EPARSE with a message naming the field in err[0..errlen), or
 * V2X_ENOMEM.
 */
int v2x_msg_from_json(json_t *j, struct v2x_msg *msg, struct v2x_arena *arena, char *err,
                      size_t errlen);

#endif
