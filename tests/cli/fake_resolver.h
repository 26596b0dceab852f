// FakeResolver: reverse names from a table, for renderer tests.

#ifndef HOPLAB_TESTS_CLI_FAKE_RESOLVER_H_
#define HOPLAB_TESTS_CLI_FAKE_RESOLVER_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "trace/name_resolver.h"

namespace hoplab::testing_util {

// Names the addresses of its table (dotted quad to name) and no others.
class FakeResolver final : public trace::NameResolver {
 public:
  explicit FakeResolver(std::map<std::string, std::string> names)
      : names_(std::move(names)) {}

  std::optional<std::string> ReverseName(
      crafter::Ipv4Address address) override {
    auto it = names_.find(address.ToString());
    if (it == names_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

 private:
  std::map<std::string, std::string> names_;
};

}  // namespace hoplab::testing_util

#endif  // HOPLAB_TESTS_CLI_FAKE_RESOLVER_H_
