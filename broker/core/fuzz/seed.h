/*
 * seed: what the socket fuzz target and its corpus generator share: the
 * credentials of the fuzzed broker and the Hellos the target can put in
 * front of an input.
 */
#ifndef V2X_BROKER_CORE_FUZZ_SEED_H
#define V2X_BROKER_CORE_FUZZ_SEED_H

#include <stddef.h>
#include <stdint.h>

/* The credentials file of the fuzzed broker. */
extern const char brk_fuzz_seed_credentials[];

/*
 * Writes the length-prefixed Hello frame of role (1 agent "rsu-1", 2
 * subscriber "oem-a") into buf (cap bytes); returns its length, 0 when it
 * does not fit.
 */
size_t brk_fuzz_seed_hello(int role, uint8_t *buf, size_t cap);

#endif
