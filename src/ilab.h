/* Status codes and error reporting shared by every initlab module. */
#ifndef ILAB_H
#define ILAB_H

#include <stddef.h>

#define ILAB_VERSION "0.1.0"

enum {
  ILAB_OK = 0,
  ILAB_EINVAL = 1,   /* an argument or an input value is not acceptable */
  ILAB_ENOMEM = 2,   /* an allocation failed or would exceed the memory limit */
  ILAB_EIO = 3,      /* reading or writing a file failed */
  ILAB_EPARSE = 4,   /* a file or a spec string does not follow its grammar */
  ILAB_EMATH = 5,    /* a numerical routine (quadrature, root finding) failed */
  ILAB_EINTR = 6     /* the run was interrupted by a signal */
};

/* Words for a status code; never NULL. */
const char *ilab_strerror(int status);

/* Records the reason for a failure in a per-thread buffer and returns status,
 * so that one place sees every error (a breakpoint on ilab_error catches them
 * all, as on gsl_error).  The reason is a printf-style message. */
int ilab_error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* For clang's static analyser only: 'st = ilab_error(ILAB_EIO, ...)' is then
 * seen to store the non-zero constant, as the function returns it. */
#ifdef __clang_analyzer__
#define ilab_error(status, ...) (ilab_error((status), __VA_ARGS__), (status))
#endif

/* The reason recorded by the last ilab_error of this thread ("" if none). */
const char *ilab_error_reason(void);

/* Clears the recorded reason. */
void ilab_error_clear(void);

/* Records the reason and returns status from the calling function; the
 * constant is returned again after the call so that a static analyser, which
 * does not see into ilab_error, knows the function failed. */
#define ILAB_ERROR(status, ...)              \
  do {                                       \
    ilab_error((status), __VA_ARGS__);       \
    return (status);                         \
  } while (0)

#endif
