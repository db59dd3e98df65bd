// The Falco filter fields customs provides (the supported subset of Falco's syscall field classes, plus the
// container plugin's container.* and k8s.* fields, plus customs' fd.*.country), and their extraction from an Event.
// Extraction does not allocate: strings come back as views into the Event, into static text, or into a thread-local
// scratch buffer that stays valid until the next extraction of the same field on the same thread. A field that has
// no value for an event (fd.name on an exec) extracts as "absent"; every comparison on an absent value is false, as
// in Falco. The list: docs/runtime/rules.md ("Fields").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/event.h"

namespace customs::runtime {

enum class FieldType : uint8_t {
  kString,
  kInt,
  kBool,
  kIp,          // compared with addresses and CIDRs
  kEventType,   // evt.type: compiled to an event-type bitset
  kDomainName,  // fd.sip.name and friends: compared with names, matched by their resolved addresses
};

enum class FieldId : uint8_t {
  kEvtType,
  kEvtDir,
  kEvtRes,
  kEvtRawres,
  kEvtNum,
  kEvtTime,
  kEvtArgs,
  kEvtIsOpenRead,
  kEvtIsOpenWrite,
  kEvtIsOpenExec,
  kEvtArgFlags,
  kEvtArgUid,
  kEvtArgGid,
  kEvtArgRequest,
  kEvtArgPid,
  kEvtArgPath,
  kEvtArgFilename,
  kEvtArgOldpath,
  kEvtArgNewpath,
  kEvtArgTarget,
  kEvtArgLinkpath,
  kEvtArgDir,
  kEvtArgDev,
  kEvtArgMode,
  kEvtArgFd,
  kEvtArgDomain,
  kEvtArgSockType,
  kEvtArgProto,
  kEvtArgMemfdName,
  kProcName,
  kProcExe,
  kProcExepath,
  kProcCmdline,
  kProcArgs,
  kProcPid,
  kProcPpid,
  kProcPname,
  kProcPexe,
  kProcPexepath,
  kProcPcmdline,
  kProcAname,
  kProcApid,
  kProcAexepath,
  kProcAcmdline,
  kProcTty,
  kProcCwd,
  kProcDuration,
  kProcPidnsInitStartTs,
  kProcIsExeUpperLayer,
  kProcIsExeFromMemfd,
  kThreadTid,
  kThreadCapEffective,
  kThreadCapPermitted,
  kThreadCapInheritable,
  kUserUid,
  kUserName,
  kUserLoginuid,
  kUserLoginname,
  kGroupGid,
  kGroupName,
  kFdName,
  kFdNameraw,
  kFdDirectory,
  kFdFilename,
  kFdTypechar,
  kFdType,
  kFdNum,
  kFdL4proto,
  kFdConnected,
  kFdNameChanged,
  kFdSockfamily,
  // Endpoints: s(erver), c(lient), r(emote), l(ocal), and "either end" (fd.ip, fd.port, fd.net).
  kFdSip,
  kFdCip,
  kFdRip,
  kFdLip,
  kFdIp,
  kFdSport,
  kFdCport,
  kFdRport,
  kFdLport,
  kFdPort,
  kFdSnet,
  kFdCnet,
  kFdRnet,
  kFdLnet,
  kFdNet,
  kFdSipName,
  kFdCipName,
  kFdRipName,
  kFdLipName,
  kFdSipCountry,
  kFdCipCountry,
  kFdRipCountry,
  kFdLipCountry,
  kContainerId,
  kContainerFullId,
  kContainerName,
  kContainerImage,
  kContainerImageId,
  kContainerImageRepository,
  kContainerImageTag,
  kContainerImageDigest,
  kContainerType,
  kContainerPrivileged,
  kContainerStartTs,
  kContainerDuration,
  kContainerLabel,
  kContainerLabels,
  kK8sNsName,
  kK8sPodName,
  kK8sPodUid,
  kK8sPodSandboxId,
  kK8sPodFullSandboxId,
  kK8sPodLabel,
  kK8sPodLabels,
  kCount,
};

enum class FieldArg : uint8_t {
  kNone,         // no [arg] allowed
  kIndexOpt,     // [N] optional: without it the field matches any ancestor (proc.aname)
  kKeyRequired,  // [key] required (container.label[app])
  kKeyOpt,       // [key] optional: without it, every key:value (container.labels)
};

// Which end of a socket an IP/port field reads.
enum class Endpoint : uint8_t { kNone, kServer, kClient, kRemote, kLocal, kEither };

struct FieldSpec {
  std::string_view name;
  FieldId id;
  FieldType type;
  FieldArg arg;
  std::string_view description;
  Endpoint endpoint = Endpoint::kNone;
};

// Looks a field up by its Falco name (without [arg]). nullptr when unsupported.
const FieldSpec* FindField(std::string_view name);
// All supported fields, for the docs and `customs rules fields`.
const FieldSpec* FieldTable(size_t* count);

// A resolved field reference: the field and its [arg]; index -1 = no index; key for label fields.
struct FieldRef {
  const FieldSpec* spec = nullptr;
  int index = -1;
  std::string key;
  bool has_key = false;
};

// Resolves "proc.aname" + "2", "container.label" + "app", and Falco's dotted label spelling
// ("container.label.app", "k8s.pod.label.app.kubernetes.io/name"). Errors (kUnsupported) name the problem.
[[nodiscard]] Result<FieldRef> ResolveField(std::string_view name, bool has_arg, std::string_view arg);

// Hot-path extraction. Each returns false when the field has no value for this event.
bool ExtractString(const Event& event, const FieldRef& ref, std::string_view* out);
bool ExtractInt(const Event& event, const FieldRef& ref, int64_t* out);
bool ExtractBool(const Event& event, const FieldRef& ref, bool* out);
// One end of a socket: family (2/10) and a pointer to the 4 or 16 address bytes inside the event.
bool ExtractIp(const Event& event, Endpoint endpoint, uint8_t* family, const uint8_t** addr);
bool ExtractPort(const Event& event, Endpoint endpoint, int64_t* out);
// Whether the field is multi-valued for this reference (proc.aname without index): comparisons match any value.
bool IsMultiValued(const FieldRef& ref);
// Calls `fn(std::string_view)` for every value of a multi-valued string field until it returns true.
template <class Fn>
bool AnyString(const Event& event, const FieldRef& ref, Fn&& fn) {
  // Falco: proc.aname / proc.aexepath / proc.acmdline without an index match any ancestor (parent upwards).
  for (int i = 0; i < event.ancestor_count; ++i) {
    const AncestorInfo& a = event.ancestors[i];
    std::string_view value;
    switch (ref.spec->id) {
      case FieldId::kProcAname: value = a.name; break;
      case FieldId::kProcAexepath: value = a.exepath; break;
      case FieldId::kProcAcmdline: value = a.cmdline; break;
      default: return false;
    }
    if (fn(value)) {
      return true;
    }
  }
  return false;
}

// The value as output text ("<NA>" when absent), for output templates and JSON alerts.
std::string FieldText(const Event& event, const FieldRef& ref);
// Whether FieldText is numeric for this field (JSON output_fields carry numbers as numbers).
bool FieldIsNumeric(const FieldRef& ref);

// Capability bit masks as Falco prints them: "CAP_CHOWN CAP_DAC_OVERRIDE ...".
void FormatCapabilitiesTo(uint64_t caps, std::string* out);

// The names a domain field (fd.sip.name) prints for an address: set by whoever resolves the names (the watcher's
// domain refresher); nullptr prints <NA>. Thread-safe.
class AddressNames {
 public:
  virtual ~AddressNames() = default;
  // The domain names that resolved to this address, comma-separated; empty if none.
  virtual std::string NameOf(uint8_t family, const uint8_t* addr) const = 0;
};
void SetAddressNames(std::shared_ptr<const AddressNames> names);

// The country database behind fd.*.country (set once at start-up by the watcher; see rules/network.h).
class GeoIpDatabase;
void SetGeoIpDatabase(std::shared_ptr<const GeoIpDatabase> database);
const GeoIpDatabase* ActiveGeoIpDatabase();

}  // namespace customs::runtime
