#include "cli/output_paths.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace hoplab::cli {

bool SameFile(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) {
    return false;
  }
  std::error_code error;
  if (std::filesystem::equivalent(a, b, error) && !error) {
    return true;
  }
  const auto a_path = std::filesystem::absolute(a, error).lexically_normal();
  const auto b_path = std::filesystem::absolute(b, error).lexically_normal();
  return !error && a_path == b_path;
}

Status CheckWritable(const std::string& flag, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return Error{flag + " " + path + ": " + std::strerror(errno)};
  }
  std::fclose(file);
  return Status::Ok();
}

}  // namespace hoplab::cli
