// The Falco filter fields customs provides (the supported subset of Falco's syscall field classes plus the container
// plugin's container.* fields), and their extraction from an Event. Extraction never allocates: strings come back as
// views into the Event. A field that has no value for an event (fd.name on an exec) extracts as "absent"; every
// comparison on an absent value is false, as in Falco. See docs/runtime/fields.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/event.h"

namespace customs::runtime {

enum class FieldType : uint8_t { kString, kInt, kBool, kIp, kEventType };

enum class FieldId : uint8_t {
  kEvtType,
  kEvtRes,
  kEvtRawres,
  kEvtNum,
  kEvtTime,
  kEvtIsOpenRead,
  kEvtIsOpenWrite,
  kEvtIsOpenExec,
  kEvtArgFlags,
  kEvtArgUid,
  kEvtArgGid,
  kEvtArgRequest,
  kEvtArgPid,
  kEvtArgPath,
  kEvtArgOldpath,
  kEvtArgNewpath,
  kEvtArgDir,
  kEvtArgDev,
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
  kProcIsExeUpperLayer,
  kProcIsExeFromMemfd,
  kThreadTid,
  kUserUid,
  kUserName,
  kUserLoginuid,
  kGroupGid,
  kGroupName,
  kFdName,
  kFdDirectory,
  kFdFilename,
  kFdTypechar,
  kFdType,
  kFdNum,
  kFdSip,
  kFdRip,
  kFdIp,
  kFdSport,
  kFdRport,
  kFdPort,
  kFdSnet,
  kFdRnet,
  kFdNet,
  kFdSockfamily,
  kContainerId,
  kContainerFullId,
  kContainerName,
  kContainerImage,
  kContainerImageRepository,
  kContainerImageTag,
  kCount,
};

enum class FieldArg : uint8_t {
  kNone,      // no [arg] allowed
  kIndexOpt,  // [N] optional: without it the field matches any ancestor (proc.aname)
};

struct FieldSpec {
  std::string_view name;
  FieldId id;
  FieldType type;
  FieldArg arg;
  std::string_view description;
};

// Looks a field up by its Falco name (without [arg]). nullptr when unsupported.
const FieldSpec* FindField(std::string_view name);
// All supported fields, for `customs rules fields` and the docs.
std::string_view AllFieldNames();
const FieldSpec* FieldTable(size_t* count);

// A resolved field reference: the field and its [arg]; index -1 = no index.
struct FieldRef {
  const FieldSpec* spec = nullptr;
  int index = -1;
};

// Hot-path extraction. Each returns false when the field has no value for this event.
bool ExtractString(const Event& event, const FieldRef& ref, std::string_view* out);
bool ExtractInt(const Event& event, const FieldRef& ref, int64_t* out);
bool ExtractBool(const Event& event, const FieldRef& ref, bool* out);
// IP fields: family (2/10) and a pointer to the 4 or 16 address bytes inside the event.
bool ExtractIp(const Event& event, const FieldRef& ref, uint8_t* family, const uint8_t** addr);
// Whether the field is multi-valued for this reference (proc.aname without index): comparisons match any value.
bool IsMultiValued(const FieldRef& ref);
// Calls `fn(std::string_view)` for every value of a multi-valued string field until it returns true.
template <class Fn>
bool AnyString(const Event& event, const FieldRef& ref, Fn&& fn) {
  // Falco: proc.aname / proc.aexepath / proc.apid without an index match any ancestor (parent upwards).
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

}  // namespace customs::runtime
