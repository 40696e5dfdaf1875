/*
 * clock: the two clocks the project reads.
 *
 * Durations and deadlines use the monotonic clock, which never jumps when
 * the wall clock is set; timestamps that leave the process (log lines,
 * database rows, messages) use the wall clock.  Both are read from the
 * kernel on every call: there is no cached "now" and no state.
 */
#ifndef V2X_RUNTIME_CLOCK_H
#define V2X_RUNTIME_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes v2x_clock_format_iso() needs: "2026-11-26T11:38:40.123Z" and a NUL. */
#define V2X_CLOCK_ISO_LEN 25

/* Returns nanoseconds of CLOCK_MONOTONIC (since an arbitrary start). */
uint64_t v2x_clock_mono_ns(void);

/* Returns microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t v2x_clock_wall_us(void);

/* Returns milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t v2x_clock_wall_ms(void);

/*
 * Writes wall_ms (milliseconds since the epoch, negative before 1970) as
 * ISO-8601 UTC with milliseconds, "2026-11-26T11:38:40.123Z", into buf.
 * Returns 0; V2X_EINVAL when len < V2X_CLOCK_ISO_LEN (buf then holds "" if
 * len > 0); V2X_ERANGE for a year outside 0000..9999.
 */
int v2x_clock_format_iso(int64_t wall_ms, char *buf, size_t len);

#endif
