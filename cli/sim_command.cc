#include "cli/sim_command.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/lazy_subcommand.h"
#include "cli/number_check.h"
#include "crafter/ipv4_address.h"
#include "sim/builtin_network.h"
#include "sim/netlink.h"
#include "sim/network_namespace.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/tun_device.h"
#include "sim/tun_server.h"
#include "sim/virtual_clock.h"
#include "sim/wall_clock_mapping.h"
#include "trace/privilege.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;

// The built-in network's tracing host and its LAN (README, "The built-in
// simulated network").
constexpr char kBuiltinHostAddress[] = "192.0.2.100/24";
// Slower than a thousandfold makes a 5-second wait last over an hour.
constexpr double kMaxTimeScale = 1000.0;

struct InterfaceAddress {
  Ipv4Address address;
  uint8_t prefix_length = 0;
};

// "A.B.C.D/N" with N in 1..32.
std::optional<InterfaceAddress> ParseInterfaceAddress(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  auto address = Ipv4Address::Parse(text.substr(0, slash));
  std::string_view digits = text.substr(slash + 1);
  unsigned prefix = 0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (!address.has_value() || error != std::errc() ||
      end != digits.data() + digits.size() || prefix < 1 || prefix > 32) {
    return std::nullopt;
  }
  return InterfaceAddress{*address, static_cast<uint8_t>(prefix)};
}

// The signals that end serving, blocked and read through a signalfd so
// that they end the loop instead of the process, and teardown runs.
Result<int> BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    sigaddset(&signals, signal);
  }
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return Error{"cannot block SIGINT and SIGTERM"};
  }
  const int fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) {
    return Error{"cannot open a signalfd"};
  }
  return fd;
}

// Loopback up (a fresh namespace has it down), then the device up with
// the host's address and the default route through it.
Status ConfigureLinks(const sim::TunDevice& device,
                      const InterfaceAddress& host) {
  auto netlink = sim::Netlink::Open();
  if (!netlink.ok()) {
    return netlink.error();
  }
  auto loopback = (*netlink)->LinkIndex("lo");
  if (!loopback.ok()) {
    return loopback.error();
  }
  auto index = (*netlink)->LinkIndex(device.name());
  if (!index.ok()) {
    return index.error();
  }
  Status status = (*netlink)->SetLinkUp(*loopback);
  if (status.ok()) {
    status = (*netlink)->SetLinkUp(*index);
  }
  if (status.ok()) {
    status = (*netlink)->AddAddress(*index, host.address, host.prefix_length);
  }
  if (status.ok()) {
    status = (*netlink)->AddRoute(Ipv4Address(), 0, *index);
  }
  if (!status.ok()) {
    return Error{status.message()};
  }
  return Status::Ok();
}

// Where this run serves, for the line that says it started.
std::string Describe(const SimServeOptions& options, const std::string& name,
                     const std::string& device, const std::string& address) {
  std::string where = options.netns.empty()
                          ? std::string("the current network namespace")
                          : "network namespace " + options.netns;
  char scale[32];
  std::snprintf(scale, sizeof(scale), "%g", options.time_scale);
  return "hoplab: serving the " + name + " (simulated) network on TUN device " +
         device + " (" + address + ", default route) in " + where +
         ", time scale " + scale + "; SIGINT or SIGTERM stops\n";
}

// The network served, and the host address it expects probes from.
struct ServedNetwork {
  std::unique_ptr<sim::Network> network;
  std::string host_address;
};

Result<ServedNetwork> OpenNetwork(const SimServeOptions& options) {
  if (options.network == sim::BuiltinNetwork::kName) {
    return ServedNetwork{
        std::make_unique<sim::BuiltinNetwork>(options.seed.value_or(1)),
        kBuiltinHostAddress};
  }
  auto topology = sim::LoadTopologyFile(options.network);
  if (!topology.ok()) {
    return topology.error();
  }
  const uint64_t seed = options.seed.value_or(topology->seed);
  std::string host = topology->host.ToString() + "/32";
  return ServedNetwork{
      std::make_unique<sim::TopologyNetwork>(std::move(*topology), seed),
      std::move(host)};
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "hoplab: %s\n", message.c_str());
  return 1;
}

// Adds the flags of `hoplab sim serve` to `serve`.
void AddServeFlags(CLI::App* serve, SimServeOptions& options) {
  serve->add_option("--sim", options.network,
                    "The network to serve: builtin (the default) or a "
                    "topology file");
  CLI::Option* netns = serve->add_option(
      "--netns", options.netns,
      "Create network namespace NAME (as `ip netns add` does) and serve in "
      "it; removed on exit");
  CLI::Option* current = serve->add_flag(
      "--current-netns", options.current_netns,
      "Serve in the network namespace hoplab runs in (for example under "
      "`unshare -rn`); never the host's");
  netns->excludes(current);
  serve->add_option("--device", options.device,
                    "Name of the TUN device (hoplab0)");
  serve->add_option("--address", options.address,
                    "The tracing host's address on the device, ADDR/PREFIX "
                    "(192.0.2.100/24 for builtin, the topology's host/32 for "
                    "a file)");
  serve
      ->add_option("--time-scale", options.time_scale,
                   "Wall seconds per simulated second (1)")
      ->check(
          [](const std::string& text) -> std::string {
            double scale = 0;
            const char* end = text.data() + text.size();
            const auto [stop, error] = std::from_chars(text.data(), end, scale);
            if (error == std::errc() && stop == end && scale >= 1e-3 &&
                scale <= kMaxTimeScale) {
              return "";
            }
            return "expected wall seconds per simulated second from 0.001 "
                   "to 1000, got '" +
                   text + "'";
          },
          "FLOAT in [0.001 - 1000]");
  serve
      ->add_option("--seed", options.seed,
                   "Seed of the network's random draws (the topology's, or "
                   "1)")
      ->check(WholeNumberIn(0, UINT64_MAX));
  serve->add_flag("-v", options.verbosity,
                  "On exit, count datagrams received and replies written");
}

}  // namespace

CLI::App* AddSimCommand(CLI::App& app, SimServeOptions& options) {
  CLI::App* sim = app.add_subcommand(
      "sim", "Work with the simulated network outside a trace");
  sim->require_subcommand(1);
  return AddLazySubcommand(
      *sim, "serve",
      "Serve a simulated network on a TUN device in a network namespace, "
      "so live traces run against it",
      [&options](CLI::App& serve) { AddServeFlags(&serve, options); });
}

int RunSimServeCommand(const SimServeOptions& options) {
  // Serving needs CAP_NET_ADMIN for as long as it runs, which a
  // set-user-ID hoplab must not lend to whoever runs it.
  if (trace::RunsSetId()) {
    std::fprintf(stderr,
                 "hoplab: sim serve does not run set-user-ID or "
                 "set-group-ID; run it as root or inside unshare -rn\n");
    return 1;
  }
  // Step 1: options that do not fit together are usage errors.
  if (options.netns.empty() && !options.current_netns) {
    std::fprintf(stderr,
                 "hoplab: sim serve: give --netns NAME (a namespace of its "
                 "own) or --current-netns (this one)\n");
    return 2;
  }
  // A topology that cannot be read is a usage error, as for trace --sim.
  auto network = OpenNetwork(options);
  if (!network.ok()) {
    std::fprintf(stderr, "hoplab: %s\n", network.error().message.c_str());
    return 2;
  }
  const std::string address_text =
      options.address.empty() ? network->host_address : options.address;
  const std::optional<InterfaceAddress> host =
      ParseInterfaceAddress(address_text);
  if (!host.has_value()) {
    std::fprintf(stderr,
                 "hoplab: --address %s: expected ADDR/PREFIX, such as "
                 "192.0.2.100/24\n",
                 address_text.c_str());
    return 2;
  }

  // Step 2: the namespace. Never the host's own: its interfaces and routes
  // are not the simulator's to change.
  std::unique_ptr<sim::NamedNetworkNamespace> namespace_;
  if (!options.netns.empty()) {
    auto created = sim::NamedNetworkNamespace::Create(options.netns);
    if (!created.ok()) {
      return Fail(created.error().message);
    }
    namespace_ = std::move(created).value();
  } else if (std::vector<std::string> others = sim::NonLoopbackInterfaces();
             !others.empty()) {
    // A namespace with interfaces is somebody's network, quite likely the
    // host's own.
    return Fail("--current-netns: this network namespace has interface " +
                others.front() +
                "; hoplab serves only in one without interfaces besides lo "
                "(fresh from `unshare -rn` or `ip netns add`), or use --netns "
                "NAME");
  }

  // Step 3: signals, device, addresses and routes. What is set up goes
  // away with the device and the namespace when they are destroyed.
  auto stop_fd = BlockStopSignals();
  if (!stop_fd.ok()) {
    return Fail(stop_fd.error().message);
  }
  auto device = sim::TunDevice::Create(options.device);
  if (!device.ok()) {
    return Fail(device.error().message);
  }
  if (Status configured = ConfigureLinks(**device, *host); !configured.ok()) {
    return Fail(configured.message());
  }

  // Step 4: serve, in real time scaled by --time-scale.
  sim::TunServer server(
      *network->network, (*device)->fd(),
      sim::WallClockMapping(std::chrono::steady_clock::now(),
                            sim::kSimulationEpoch, options.time_scale));
  std::fputs(Describe(options, network->network->Name(), (*device)->name(),
                      address_text)
                 .c_str(),
             stderr);
  std::fflush(stderr);
  Status served = server.Run(*stop_fd);
  close(*stop_fd);
  if (options.verbosity > 0) {
    const sim::TunServerCounters& counters = server.counters();
    std::fprintf(stderr,
                 "hoplab: %llu datagrams received, %llu replies written, %llu "
                 "refused by the device\n",
                 static_cast<unsigned long long>(counters.num_received),
                 static_cast<unsigned long long>(counters.num_replies_written),
                 static_cast<unsigned long long>(counters.num_write_errors));
  }
  if (!served.ok()) {
    return Fail(served.message());
  }
  return 0;
}

}  // namespace hoplab::cli
