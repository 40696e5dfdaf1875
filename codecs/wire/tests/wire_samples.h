/*
 * wire_samples: messages and frames for the wire tests, the fuzz corpus
 * generator and the fuzz target.
 */
#ifndef V2X_CODECS_WIRE_TESTS_WIRE_SAMPLES_H
#define V2X_CODECS_WIRE_TESTS_WIRE_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/arena.h"

/*
 * Fills msg with a message of type in which every field differs from its
 * neighbours.  With present, every OPTIONAL field and list is there (lists
 * of two or three elements, all the way down); without, every one is
 * absent.  Doubles cycle through ordinary values, NaN, -0.0 and infinity.
 * Lists come from arena.  Returns 0, V2X_EINVAL, V2X_ENOMEM.
 */
int wire_sample_msg(enum v2x_msg_type type, bool present, struct v2x_arena *arena,
                    struct v2x_msg *msg);

/* Number of sample frames: at least one of every Frame alternative. */
size_t wire_sample_frame_count(void);

/*
 * Fills frame (uninitialised) with sample frame i < wire_sample_frame_count(),
 * every part of it allocated from arena.  Returns 0, V2X_EINVAL, V2X_ENOMEM.
 */
int wire_sample_frame(size_t i, struct v2x_arena *arena, V2x__Wire__Frame *frame);

/*
 * Writes every field of msg to f, one "path = value" line each (values of
 * absent OPTIONAL fields left out, doubles exact), so that two messages
 * compare by their text.
 */
void wire_dump_msg(FILE *f, const struct v2x_msg *msg);

/*
 * Compares a and b field by field and prints each difference to report
 * (NULL: silent) as "path: value != value".  Returns the number of
 * differences, or -1 when out of memory.
 */
int wire_msg_diff(const struct v2x_msg *a, const struct v2x_msg *b, FILE *report);

#endif
