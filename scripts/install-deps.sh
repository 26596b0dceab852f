#!/usr/bin/env bash
# Installs what hoplab needs to build, test and benchmark on Debian 12, from
# Debian's archive only. Does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format
  # libFuzzer and the sanitizer runtimes for scripts/fuzz.sh.
  libclang-rt-14-dev
  libpcap-dev libtins-dev libcli11-dev nlohmann-json3-dev libcap-dev
  # The simulator on a TUN device sets up its links through netlink.
  libmnl-dev
  # Topology files are YAML.
  libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # The tests compare hoplab with the real tools in network namespaces.
  iproute2 traceroute tcpdump iputils-ping
  # mtr --report, whose layout hoplab's --report is checked against.
  mtr-tiny
  # The lab: ethtool for real checksums on veth links, nftables for a
  # silent or a rejecting router, socat for a listening TCP port, setpriv
  # (util-linux) for traces as an ordinary user.
  ethtool nftables socat util-linux
  # Independent readers of hoplab's outputs: Graphviz renders --dot graphs,
  # python3-jsonschema validates --json against docs/hoplab.schema.json;
  # man-db checks the man page.
  graphviz python3-jsonschema man-db
  # bench/compare.sh: peak memory through GNU time, and the peers it
  # measures hoplab against (tcpdump and traceroute are above).
  time tshark mtr-tiny python3-scapy
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
# tshark's wireshark-common asks whether non-root users may capture; the
# answer is no, given here so that the install never prompts.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  $sudo debconf-set-selections
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >&2
