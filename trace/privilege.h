// Privilege: giving up what hoplab holds beyond an ordinary user's rights.
// A live trace needs CAP_NET_RAW only to open its raw sockets (raw(7): the
// kernel checks the capability when a socket is created, never when it is
// used), and every other run needs nothing. So each command first limits
// the process to what it may still need, a live trace makes CAP_NET_RAW
// effective around opening its sockets, and then drops everything.
//
// Capabilities go through libcap (cap_get_proc, cap_set_proc,
// cap_drop_bound); identities through setresuid(2) and setresgid(2).

#ifndef HOPLAB_TRACE_PRIVILEGE_H_
#define HOPLAB_TRACE_PRIVILEGE_H_

#include <cstdint>
#include <string>

#include "crafter/result.h"

namespace hoplab::trace {

// What a command still needs once it has started.
enum class PrivilegeNeed : uint8_t {
  // Simulated and replayed traces, and a live trace once its sockets are
  // open.
  kNone,
  // A live trace before its sockets are open: CAP_NET_RAW, when the
  // process was given it (root, setuid root, or `setcap cap_net_raw+ep`).
  kRawSockets,
};

// Whether the process runs set-user-ID or set-group-ID: a real id differs
// from the effective or saved one.
bool RunsSetId();

// Called first in a command, before it reads any file or name:
// - set-user-ID or set-group-ID: the real group and user ids become the
//   effective and saved ones at once (setresgid, setresuid), so no file is
//   ever opened with the owner's identity. Nothing can take them back.
//   With kRawSockets, CAP_NET_RAW survives the change (PR_SET_KEEPCAPS)
//   when the process held it.
// - the bounding set is emptied when CAP_SETPCAP is effective (root), so
//   no later execve() can gain anything; the ambient set is cleared.
// - permitted: CAP_NET_RAW with kRawSockets if it was permitted, else
//   nothing; effective and inheritable: nothing.
// - PR_SET_NO_NEW_PRIVS, so execve() grants no privilege either.
// Fails with "cannot drop privileges: CALL: why" when a call fails; the
// caller must then stop.
Status LimitPrivileges(PrivilegeNeed need);

// Makes CAP_NET_RAW effective when it is permitted, so that the raw
// sockets can be opened next; does nothing when it is not (opening then
// fails as for any user). Fails with "cannot raise CAP_NET_RAW: why".
Status RaiseRawSocketPrivilege();

// Clears the effective, permitted, inheritable and ambient capability
// sets, then checks that none is left. Fails with "cannot drop privileges:
// CALL: why", or "... still held: TEXT" naming what is left.
Status DropAllPrivileges();

// What the process holds, for -v: "no capabilities, uid 0, gid 0", or the
// capabilities in cap_to_text(3)'s form ("cap_net_raw=p, uid 1000, gid
// 1000").
std::string DescribePrivileges();

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_PRIVILEGE_H_
