// Precondition checks. A broken precondition is a bug in the caller, never
// a property of untrusted input, so it aborts with the file and line.

#ifndef HOPLAB_CRAFTER_CHECK_H_
#define HOPLAB_CRAFTER_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define HOPLAB_CHECK(condition)                                             \
  do {                                                                      \
    if (!(condition)) {                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #condition);                                             \
      std::abort();                                                         \
    }                                                                       \
  } while (false)

#endif  // HOPLAB_CRAFTER_CHECK_H_
