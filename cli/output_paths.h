// Output paths checked before any work: a run must not write over its own
// input or write two outputs into one file, and a path it cannot create
// should fail before a long trace, not after it.

#ifndef HOPLAB_CLI_OUTPUT_PATHS_H_
#define HOPLAB_CLI_OUTPUT_PATHS_H_

#include <string>

#include "crafter/result.h"

namespace hoplab::cli {

// Whether paths `a` and `b` name the same file: the same existing file
// (hard links and symbolic links included), or the same absolute path once
// "." and ".." are resolved. Empty paths name nothing.
bool SameFile(const std::string& a, const std::string& b);

// Checks that `path` (the file of option `flag`) can be created or
// written, without truncating it: it is opened for appending and closed,
// so a missing file is created empty. The error names the flag, the path
// and the reason.
Status CheckWritable(const std::string& flag, const std::string& path);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_OUTPUT_PATHS_H_
