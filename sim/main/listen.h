/*
 * listen: the simulator's subscriber.  A thread of its own holds a
 * broker client (broker/client/client.h) subscribed to every warning, and
 * turns each Warning and Cancellation into a struct sim_received as it
 * arrives: the target and the subject mapped back to the scenario's
 * actors, the position into the map's frame, the trigger's time onto the
 * run's clock.
 */
#ifndef V2X_SIM_MAIN_LISTEN_H
#define V2X_SIM_MAIN_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "maps/frame.h"
#include "sim/report/verdict.h"
#include "sim/scenario/scenario.h"

struct sim_listen;

/*
 * Connects to addr as id/token, subscribes to everything and starts the
 * thread.  sc and frame are borrowed until sim_listen_stop; epoch_us is
 * the run's t = 0.  Returns 0 and *out, or an error with the reason in err.
 */
int sim_listen_start(const char *addr, const char *id, const char *token,
                     const struct sim_scenario *sc, struct map_frame *frame, int64_t epoch_us,
                     struct sim_listen **out, char *err, size_t errlen);

/* Copies the frames received from index from on into dst (room for max);
 * returns how many.  Safe while the thread runs. */
size_t sim_listen_copy(struct sim_listen *l, size_t from, struct sim_received *dst, size_t max);

/* How many frames have arrived so far. */
size_t sim_listen_count(struct sim_listen *l);

/* Stops the thread, closes the session; *rx (caller frees with free())
 * and *n get every frame received.  "" or the session's failure in err.
 * Frees l. */
void sim_listen_stop(struct sim_listen *l, struct sim_received **rx, size_t *n, char *err,
                     size_t errlen);

#endif
