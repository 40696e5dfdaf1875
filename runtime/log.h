/*
 * log: lines to stderr (or another stream) with a level and a component.
 *
 *   2026-11-26T11:38:40.123Z WARN agent: decode failed: truncated
 *
 * A logger is a small value passed explicitly to whatever logs; there is no
 * process-wide logger.  Each line is formatted into one buffer and written
 * with one call, so lines from several threads sharing a stream do not
 * interleave.  Every function accepts a NULL logger and then writes nothing,
 * so a library can take an optional logger.
 */
#ifndef V2X_RUNTIME_LOG_H
#define V2X_RUNTIME_LOG_H

#include "runtime/compiler.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Lines longer than this are cut and end in "...". */
#define V2X_LOG_LINE_MAX 2048

/* In order of verbosity: a logger at INFO writes ERROR, WARN and INFO. */
enum v2x_log_level {
	V2X_LOG_ERROR,
	V2X_LOG_WARN,
	V2X_LOG_INFO,
	V2X_LOG_DEBUG,
};

struct v2x_log {
	enum v2x_log_level level; /* lines more verbose than this are dropped */
	const char *component;    /* borrowed: must outlive the logger */
	FILE *stream;             /* borrowed: must outlive the logger */
};

/*
 * The level names in enum order, NULL-terminated: "error", "warn", "info",
 * "debug".  Usable as the choices of a V2X_OPT_ENUM option.
 */
extern const char *const v2x_log_level_names[];

/*
 * Initialises log to write to stderr as component at the level named by
 * level ("error", "warn" or "warning", "info", "debug"; any case; NULL means
 * "info").  Returns 0, or V2X_EINVAL for an unknown name (log is then set up
 * at "info" so that it is usable anyway).  component is borrowed.
 */
int v2x_log_init(struct v2x_log *log, const char *component, const char *level);

/* Parses a level name as v2x_log_init() does.  Returns 0 or V2X_EINVAL. */
int v2x_log_level_parse(const char *name, enum v2x_log_level *out);

/* Returns the upper-case name of level as written in lines ("WARN"). */
const char *v2x_log_level_tag(enum v2x_log_level level);

/*
 * Returns whether a line at level would be written, so that a caller can
 * skip work that only feeds a debug line.
 */
bool v2x_log_enabled(const struct v2x_log *log, enum v2x_log_level level);

/*
 * Writes one line at level, if enabled.  fmt should not end in a newline;
 * trailing newlines are dropped and inner ones become spaces (libpq's
 * messages carry both), so one event is always one line.
 */
void v2x_logf(const struct v2x_log *log, enum v2x_log_level level, const char *fmt, ...)
        V2X_PRINTF(3, 4);

/* v2x_logf() with a va_list. */
void v2x_vlogf(const struct v2x_log *log, enum v2x_log_level level, const char *fmt, va_list ap)
        V2X_PRINTF(3, 0);

#endif
