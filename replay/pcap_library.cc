#include "replay/pcap_library.h"

#include <dlfcn.h>

#include <string>

namespace hoplab::replay {
namespace {

// Points `function` at `name` in `library`; false when it is missing.
template <typename Function>
bool Resolve(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  return function != nullptr;
}

Result<const PcapLibrary*> Load() {
  // HOPLAB_PCAP_SONAME comes from the libpcap found at configure time
  // (replay/CMakeLists.txt), so the ABI is the one the headers describe.
  void* library = dlopen(HOPLAB_PCAP_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return Error{std::string("cannot load libpcap (") + HOPLAB_PCAP_SONAME +
                 "): " + (why != nullptr ? why : "unknown error")};
  }
  // Kept for the life of the process, as a linked library would be.
  static PcapLibrary pcap;
  const char* missing = nullptr;
  const auto resolve = [&](const char* name, auto& function) {
    if (missing == nullptr && !Resolve(library, name, function)) {
      missing = name;
    }
  };
  resolve("pcap_open_offline_with_tstamp_precision",
          pcap.open_offline_with_tstamp_precision);
  resolve("pcap_fopen_offline_with_tstamp_precision",
          pcap.fopen_offline_with_tstamp_precision);
  resolve("pcap_open_dead_with_tstamp_precision",
          pcap.open_dead_with_tstamp_precision);
  resolve("pcap_close", pcap.close);
  resolve("pcap_next_ex", pcap.next_ex);
  resolve("pcap_datalink", pcap.datalink);
  resolve("pcap_geterr", pcap.geterr);
  resolve("pcap_file", pcap.file);
  resolve("pcap_dump_open", pcap.dump_open);
  resolve("pcap_dump", pcap.dump);
  resolve("pcap_dump_flush", pcap.dump_flush);
  resolve("pcap_dump_file", pcap.dump_file);
  resolve("pcap_dump_close", pcap.dump_close);
  if (missing != nullptr) {
    return Error{std::string("libpcap (") + HOPLAB_PCAP_SONAME + ") lacks " +
                 missing};
  }
  return static_cast<const PcapLibrary*>(&pcap);
}

}  // namespace

Result<const PcapLibrary*> LoadPcapLibrary() {
  static const Result<const PcapLibrary*> loaded = Load();
  return loaded;
}

}  // namespace hoplab::replay
