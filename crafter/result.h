// Result and Status: how fallible operations report failure without
// exceptions. Shared by every layer; it lives in crafter/ because crafter is
// the root of the library graph.

#ifndef HOPLAB_CRAFTER_RESULT_H_
#define HOPLAB_CRAFTER_RESULT_H_

#include <string>
#include <utility>
#include <variant>

#include "crafter/check.h"

namespace hoplab {

// A failure of set-up or I/O, worded for a person: what was expected, what
// was found, and where.
struct Error {
  std::string message;
};

// Either a value or an error. value() on an error (or error() on a value)
// is a bug and aborts.
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    HOPLAB_CHECK(ok());
    return std::get<0>(data_);
  }
  T& value() & {
    HOPLAB_CHECK(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    HOPLAB_CHECK(ok());
    return std::get<0>(std::move(data_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const E& error() const& {
    HOPLAB_CHECK(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, E> data_;
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}

  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // The error's message; empty when ok().
  const std::string& message() const { return error_.message; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace hoplab

#endif  // HOPLAB_CRAFTER_RESULT_H_
