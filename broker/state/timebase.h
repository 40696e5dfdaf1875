/*
 * timebase: the message set's relative times placed on the wall clock
 * (internal to broker/state).  All times are µs since the Unix epoch.
 */
#ifndef V2X_BROKER_STATE_TIMEBASE_H
#define V2X_BROKER_STATE_TIMEBASE_H

#include <stdint.h>

#define BRK__MINUTE_US 60000000LL
#define BRK__HOUR_US   3600000000LL

/*
 * Returns offset_s (seconds within a period of period_us, such as secMark
 * within the minute) placed in the period nearest to ref_us: the result
 * lies within half a period of ref_us.
 */
int64_t brk__place_us(double offset_s, int64_t period_us, int64_t ref_us);

/* Returns the start of the UTC year that MinuteOfTheYear moy_s (seconds
 * since the start of a year) counts from: of the year of ref_us and its two
 * neighbours, the one whose start plus moy_s lies closest to ref_us. */
int64_t brk__moy_base_us(double moy_s, int64_t ref_us);

#endif
