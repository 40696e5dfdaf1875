/*
 * The project's error table: the one place where error codes, their names
 * and their messages are defined.  Every component maps the failures of
 * the libraries it calls (errno, libpq, asn1c, protobuf-c, libuv) into these
 * codes at its boundary and keeps the original detail in its log line.
 *
 * Each entry is X(NAME, "message").  The code of entry n is -(n + 1), so
 * zero stays free for success; append new entries at the end so that codes
 * already written to logs and metrics keep their meaning.
 */
#ifndef V2X_RUNTIME_ERR_TABLE_H
#define V2X_RUNTIME_ERR_TABLE_H

#define V2X_ERR_TABLE(X)                                                    \
	X(NOMEM, "out of memory")                                           \
	X(INVAL, "invalid argument")                                        \
	X(IO, "input/output error")                                         \
	X(SYS, "system call failed")                                        \
	X(EOF, "end of input")                                              \
	X(TIMEOUT, "timed out")                                             \
	X(NOTFOUND, "not found")                                            \
	X(CONFIG, "bad configuration")                                      \
	X(USAGE, "bad command line")                                        \
	X(PARSE, "input could not be parsed")                               \
	X(TOO_BIG, "input larger than the maximum allowed size")            \
	X(TRUNCATED, "message truncated: more bytes were expected")         \
	X(MALFORMED, "malformed encoding")                                  \
	X(TRAILING, "bytes left after the end of the message")              \
	X(UNSUPPORTED_MSG, "unsupported message type")                      \
	X(UNKNOWN_VALUE, "a value that this schema revision does not know") \
	X(TOO_DEEP, "nesting deeper than the decoder's stack limit")        \
	X(RANGE, "value out of range for its encoding")                     \
	X(ENCODE, "encoding failed")                                        \
	X(FRAME_TOO_BIG, "frame length above the maximum frame size")       \
	X(FRAME_GARBAGE, "frame is not a valid protocol message")           \
	X(DB, "database error")                                             \
	X(CHILD, "child process failed")                                    \
	X(FULL, "queue full")

#endif
