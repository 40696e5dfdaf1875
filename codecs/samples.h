/*
 * samples: realistic messages of each Day-1 type, set on the mountain test
 * field above Chongqing (29.6 N, 106.5 E): a car climbing a hairpin with its
 * path history, the valley junction's MAP and SPAT, a rockfall RSI with the
 * stretch of road it closes, and an RSM with a pedestrian and a stopped
 * truck.  Used by `v2x-codec demo`, the benchmark and tests.
 */
#ifndef V2X_CODECS_SAMPLES_H
#define V2X_CODECS_SAMPLES_H

#include "codecs/msg.h"
#include "runtime/arena.h"

/*
 * Fills *out with the sample message of type, its lists allocated from
 * arena.  Positions use V2X_LL_AUTO, so the encoder picks the offset size.
 * Returns 0, V2X_EINVAL for V2X_MSG_NONE, V2X_ENOMEM.
 */
int v2x_sample_build(enum v2x_msg_type type, struct v2x_arena *arena, struct v2x_msg *out);

#endif
