// PcapLibrary: the libpcap functions hoplab calls, loaded from libpcap's
// shared library the first time a capture is read or written.
//
// Debian's libpcap brings in libdbus, libsystemd and five compression and
// crypto libraries; loading and relocating them took a quarter of every
// hoplab start (README, Benchmarks), traces that write no capture
// included. So hoplab is not linked against libpcap: replay and --pcap
// load it here, once, and call it through this table.

#ifndef HOPLAB_REPLAY_PCAP_LIBRARY_H_
#define HOPLAB_REPLAY_PCAP_LIBRARY_H_

#include <pcap/pcap.h>

#include "crafter/result.h"

namespace hoplab::replay {

// Each member is the libpcap function of the same name without "pcap_",
// with its signature and meaning.
struct PcapLibrary {
  decltype(&::pcap_open_offline_with_tstamp_precision)
      open_offline_with_tstamp_precision = nullptr;
  decltype(&::pcap_fopen_offline_with_tstamp_precision)
      fopen_offline_with_tstamp_precision = nullptr;
  decltype(&::pcap_open_dead_with_tstamp_precision)
      open_dead_with_tstamp_precision = nullptr;
  decltype(&::pcap_close) close = nullptr;
  decltype(&::pcap_next_ex) next_ex = nullptr;
  decltype(&::pcap_datalink) datalink = nullptr;
  decltype(&::pcap_geterr) geterr = nullptr;
  decltype(&::pcap_file) file = nullptr;
  decltype(&::pcap_dump_open) dump_open = nullptr;
  decltype(&::pcap_dump) dump = nullptr;
  decltype(&::pcap_dump_flush) dump_flush = nullptr;
  decltype(&::pcap_dump_file) dump_file = nullptr;
  decltype(&::pcap_dump_close) dump_close = nullptr;
};

// Loads libpcap (the shared library hoplab was built against, by its
// soname) on the first call and returns its functions, valid for the
// rest of the process; later calls return the same table, or the same
// error naming the library and what the loader said. Safe to call from
// several threads.
Result<const PcapLibrary*> LoadPcapLibrary();

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_PCAP_LIBRARY_H_
