/* Error reporting: status words and the per-thread reason buffer. */
#include "ilab.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char reason[512];

const char *ilab_strerror(int status)
{
  switch (status) {
  case ILAB_OK: return "success";
  case ILAB_EINVAL: return "invalid argument";
  case ILAB_ENOMEM: return "out of memory";
  case ILAB_EIO: return "input/output error";
  case ILAB_EPARSE: return "parse error";
  case ILAB_EMATH: return "numerical failure";
  case ILAB_EINTR: return "interrupted";
  default: return "unknown error";
  }
}

int (ilab_error)(int status, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return status;
}

const char *ilab_error_reason(void) { return reason; }

void ilab_error_clear(void) { reason[0] = '\0'; }
