/*
 * err: the project's one error type.
 *
 * Functions of every component return 0 (V2X_OK) on success and a negative
 * enum v2x_err code on failure, the way libuv does.  Codes, names and
 * messages all come from the single table in err_table.h.
 */
#ifndef V2X_RUNTIME_ERR_H
#define V2X_RUNTIME_ERR_H

#include "runtime/err_table.h"

#define V2X__ERR_ENUM(name, msg) V2X__ERRIDX_##name,
enum v2x__err_index { V2X_ERR_TABLE(V2X__ERR_ENUM) V2X__ERR_COUNT };
#undef V2X__ERR_ENUM

#define V2X__ERR_CODE(name, msg) V2X_E##name = -(V2X__ERRIDX_##name + 1),
enum v2x_err { V2X_OK = 0, V2X_ERR_TABLE(V2X__ERR_CODE) };
#undef V2X__ERR_CODE

/* Number of error codes in the table (not counting V2X_OK). */
#define V2X_ERR_COUNT ((int)V2X__ERR_COUNT)

/*
 * Returns the upper-case name of code without the V2X_E prefix ("TRUNCATED"),
 * "OK" for 0, "UNKNOWN" for a code not in the table.  Static storage.
 */
const char *v2x_err_name(int code);

/* Returns the message of code ("message truncated: ..."); static storage. */
const char *v2x_strerror(int code);

/*
 * Returns the index 0..V2X_ERR_COUNT-1 of a negative code, for arrays of
 * counters per cause; -1 for 0 or a code not in the table.
 */
int v2x_err_index(int code);

/* Maps an errno value into the table (ENOMEM -> NOMEM, ETIMEDOUT -> ...). */
int v2x_err_from_errno(int errnum);

#endif
