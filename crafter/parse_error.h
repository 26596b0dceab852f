// ParseError: why a byte span was rejected and at which byte.

#ifndef HOPLAB_CRAFTER_PARSE_ERROR_H_
#define HOPLAB_CRAFTER_PARSE_ERROR_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace hoplab::crafter {

// Parsers return this instead of throwing. `reason` points at a string
// literal, so building one never allocates. `offset` is the byte offset,
// from the start of the span given to the outermost parser, of the field
// that could not be read or had a value the parser does not accept.
struct ParseError {
  const char* reason = "";
  size_t offset = 0;

  // "<reason> at byte <offset>".
  std::string ToString() const;
};

std::ostream& operator<<(std::ostream& os, const ParseError& error);

// The same reason text at the same offset. Declared beside the struct so
// that types holding a ParseError can default their own operator==.
inline bool operator==(const ParseError& a, const ParseError& b) {
  return a.offset == b.offset && std::string_view(a.reason) == b.reason;
}

// `error` from a parser given an inner span that starts at byte `base` of
// the outer one, with its offset moved to count from the outer span.
inline ParseError Rebase(ParseError error, size_t base) {
  error.offset += base;
  return error;
}

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_PARSE_ERROR_H_
