#include "trace/privilege.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "trace/socket_io.h"

namespace hoplab::trace {
namespace {

// A capability state from libcap, freed with cap_free.
struct CapFree {
  void operator()(_cap_struct* caps) const { cap_free(caps); }
};
using CapState = std::unique_ptr<_cap_struct, CapFree>;

Error Failed(const std::string& call, int error) {
  return Error{"cannot drop privileges: " + call + ": " + ErrnoText(error)};
}

// The process's own capability sets now, or nullptr (errno set).
CapState CurrentCaps() { return CapState(cap_get_proc()); }

bool Holds(cap_t caps, cap_value_t cap, cap_flag_t set) {
  cap_flag_value_t value = CAP_CLEAR;
  return cap_get_flag(caps, cap, set, &value) == 0 && value == CAP_SET;
}

// Empties the bounding set (PR_CAPBSET_DROP) when CAP_SETPCAP is effective;
// without it the kernel refuses, and the set stays as it is. Capabilities
// this kernel does not know (EINVAL) have nothing to drop.
Status EmptyBoundingSet(cap_t caps) {
  if (!Holds(caps, CAP_SETPCAP, CAP_EFFECTIVE)) {
    return Status::Ok();
  }
  for (cap_value_t cap = 0; cap < cap_max_bits(); ++cap) {
    if (cap_get_bound(cap) > 0 && cap_drop_bound(cap) != 0 && errno != EINVAL) {
      return Failed("PR_CAPBSET_DROP " + std::to_string(cap), errno);
    }
  }
  return Status::Ok();
}

// Takes the real group and user ids as effective and saved ones, keeping
// the permitted capabilities across the change when `keep_caps`.
Status TakeRealIds(bool keep_caps) {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (keep_caps && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) {
    return Failed("PR_SET_KEEPCAPS", errno);
  }
  // The group first: once the user id is an ordinary user's, CAP_SETGID
  // is gone.
  if (setresgid(gid, gid, gid) != 0) {
    return Failed("setresgid(" + std::to_string(gid) + ")", errno);
  }
  if (setresuid(uid, uid, uid) != 0) {
    return Failed("setresuid(" + std::to_string(uid) + ")", errno);
  }
  if (keep_caps && prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0) {
    return Failed("PR_SET_KEEPCAPS", errno);
  }
  // The change must hold whatever the kernel's rules: check it.
  if (RunsSetId()) {
    return Error{
        "cannot drop privileges: the set-user-ID identity is still "
        "held after setresuid"};
  }
  return Status::Ok();
}

// Sets the permitted set to `keep` (when it holds it now) and clears the
// effective and inheritable sets and the ambient set.
Status KeepOnly(const cap_value_t* keep, int num_keep) {
  CapState now = CurrentCaps();
  if (now == nullptr) {
    return Failed("cap_get_proc", errno);
  }
  CapState next(cap_init());
  if (next == nullptr) {
    return Failed("cap_init", errno);
  }
  for (int i = 0; i < num_keep; ++i) {
    if (Holds(now.get(), keep[i], CAP_PERMITTED) &&
        cap_set_flag(next.get(), CAP_PERMITTED, 1, &keep[i], CAP_SET) != 0) {
      return Failed("cap_set_flag", errno);
    }
  }
  // Clearing the ambient set needs no privilege; a kernel without one
  // (before Linux 4.3) has nothing to clear.
  if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0) {
    return Failed("PR_CAP_AMBIENT_CLEAR_ALL", errno);
  }
  if (cap_set_proc(next.get()) != 0) {
    return Failed("cap_set_proc", errno);
  }
  return Status::Ok();
}

}  // namespace

bool RunsSetId() {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 ||
      getresgid(&rgid, &egid, &sgid) != 0) {
    return true;
  }
  return ruid != euid || ruid != suid || rgid != egid || rgid != sgid;
}

Status LimitPrivileges(PrivilegeNeed need) {
  CapState caps = CurrentCaps();
  if (caps == nullptr) {
    return Failed("cap_get_proc", errno);
  }
  const bool raw = need == PrivilegeNeed::kRawSockets;

  // The bounding set while CAP_SETPCAP is still effective, then the ids
  // while CAP_SETUID and CAP_SETGID are.
  if (Status s = EmptyBoundingSet(caps.get()); !s.ok()) {
    return s;
  }
  if (RunsSetId()) {
    if (Status s = TakeRealIds(raw); !s.ok()) {
      return s;
    }
  }
  const cap_value_t kRawOnly[] = {CAP_NET_RAW};
  if (Status s = KeepOnly(kRawOnly, raw ? 1 : 0); !s.ok()) {
    return s;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
    return Failed("PR_SET_NO_NEW_PRIVS", errno);
  }
  return Status::Ok();
}

Status RaiseRawSocketPrivilege() {
  CapState caps = CurrentCaps();
  if (caps == nullptr) {
    return Error{"cannot raise CAP_NET_RAW: cap_get_proc: " + ErrnoText(errno)};
  }
  if (!Holds(caps.get(), CAP_NET_RAW, CAP_PERMITTED)) {
    return Status::Ok();
  }
  const cap_value_t raw = CAP_NET_RAW;
  if (cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &raw, CAP_SET) != 0 ||
      cap_set_proc(caps.get()) != 0) {
    return Error{"cannot raise CAP_NET_RAW: " + ErrnoText(errno)};
  }
  return Status::Ok();
}

Status DropAllPrivileges() {
  if (Status s = KeepOnly(nullptr, 0); !s.ok()) {
    return s;
  }
  CapState left = CurrentCaps();
  CapState none(cap_init());
  if (left == nullptr || none == nullptr) {
    return Failed("cap_get_proc", errno);
  }
  if (cap_compare(left.get(), none.get()) != 0) {
    return Error{"cannot drop privileges: still held: " + DescribePrivileges()};
  }
  return Status::Ok();
}

std::string DescribePrivileges() {
  std::string held = "no capabilities";
  CapState caps = CurrentCaps();
  CapState none(cap_init());
  if (caps == nullptr || none == nullptr) {
    held = "capabilities unknown";
  } else if (cap_compare(caps.get(), none.get()) != 0) {
    char* text = cap_to_text(caps.get(), nullptr);
    held = text != nullptr ? text : "capabilities unknown";
    cap_free(text);
  }
  return held + ", uid " + std::to_string(geteuid()) + ", gid " +
         std::to_string(getegid());
}

}  // namespace hoplab::trace
