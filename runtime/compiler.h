/*
 * compiler: the few compiler attributes the project's headers use, with
 * empty fallbacks for compilers that lack them.
 */
#ifndef V2X_RUNTIME_COMPILER_H
#define V2X_RUNTIME_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
/* Checks the arguments of a printf-like function against its format. */
#define V2X_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define V2X_PRINTF(fmt, args)
#endif

#endif
