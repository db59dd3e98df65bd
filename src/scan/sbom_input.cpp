#include "scan/sbom_input.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <tuple>

namespace customs::scan {
namespace {

using nlohmann::json;

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Property(const json& component, std::string_view name) {
  auto props = component.find("properties");
  if (props == component.end() || !props->is_array()) {
    return {};
  }
  for (const auto& p : *props) {
    if (p.is_object() && Str(p, "name") == name) {
      return Str(p, "value");
    }
  }
  return {};
}

// Syft's location properties ("syft:location:0:path") and Trivy's ("aquasecurity:trivy:FilePath").
std::string LocationProperty(const json& component) {
  std::string location = Property(component, "customs:package:location");
  if (location.empty()) {
    location = Property(component, "aquasecurity:trivy:FilePath");
  }
  if (location.empty()) {
    location = Property(component, "syft:location:0:path");
  }
  return location;
}

}  // namespace

std::optional<catalog::Package> PackageFromPurl(const Purl& purl) {
  auto type = catalog::ParsePackageTypeName(purl.type);
  if (!type) {
    return std::nullopt;
  }
  catalog::Package p;
  p.type = *type;
  p.version = purl.version;
  p.layer.index = -1;
  if (catalog::IsOsPackage(*type)) {
    p.name = purl.name;
    if (*type == catalog::PackageType::kRpm && !purl.Qualifier("epoch").empty()) {
      p.version = purl.Qualifier("epoch") + ":" + p.version;
    }
    p.arch = purl.Qualifier("arch");
    return p;
  }
  auto joined = [&](char separator) {
    return purl.namespace_.empty() ? purl.name : purl.namespace_ + separator + purl.name;
  };
  switch (*type) {
    case catalog::PackageType::kMaven:
      // pkg:maven/<groupId>/<artifactId>: without a namespace the groupId is unknown (a jar without pom.properties).
      p.name = joined(':');
      p.group_unknown = purl.namespace_.empty();
      break;
    case catalog::PackageType::kNpm:
    case catalog::PackageType::kGolang:
    case catalog::PackageType::kComposer: p.name = joined('/'); break;
    default: p.name = purl.name; break;
  }
  if (*type == catalog::PackageType::kGolang && p.name == "stdlib") {
    // Syft writes the toolchain as 1.19.5 or go1.19.5, Trivy as v1.19.5: OSV's stdlib versions are bare.
    if (p.version.starts_with("go")) {
      p.version = p.version.substr(2);
    }
    if (p.version.starts_with("v")) {
      p.version = p.version.substr(1);
    }
  }
  if (p.version.empty() || p.version == "(devel)") {
    p.unmatchable = true;
    p.unmatchable_reason = p.version.empty() ? "no version in the SBOM" : "main module at (devel)";
  }
  p.evidence = "sbom purl";
  return p;
}

namespace {

// "debian-12.4" -> {debian, 12.4}
void OsFromDistro(std::string_view distro, catalog::OsInfo& os) {
  if (distro.empty() || os.detected()) {
    return;
  }
  std::size_t dash = distro.find('-');
  if (dash == std::string_view::npos) {
    return;
  }
  os.family = std::string(distro.substr(0, dash));
  os.version = std::string(distro.substr(dash + 1));
}

}  // namespace

std::string Purl::Qualifier(std::string_view key) const {
  for (const auto& [k, v] : qualifiers) {
    if (k == key) {
      return v;
    }
  }
  return {};
}

Result<Purl> ParsePurl(std::string_view text) {
  if (!text.starts_with("pkg:")) {
    return MakeError(ErrorCode::kInvalidArgument, "not a purl: '{}'", text);
  }
  std::string_view rest = text.substr(4);
  Purl purl;
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos) {
        purl.qualifiers.emplace_back(Decode(pair.substr(0, eq)), Decode(pair.substr(eq + 1)));
      }
      if (amp == std::string_view::npos) {
        break;
      }
      query.remove_prefix(amp + 1);
    }
  }
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    purl.version = Decode(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "purl without a name: '{}'", text);
  }
  purl.type = std::string(rest.substr(0, slash));
  rest.remove_prefix(slash + 1);
  std::size_t last = rest.rfind('/');
  if (last != std::string_view::npos) {
    purl.namespace_ = Decode(rest.substr(0, last));
    rest.remove_prefix(last + 1);
  }
  purl.name = Decode(rest);
  if (purl.type.empty() || purl.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "bad purl '{}'", text);
  }
  std::transform(purl.type.begin(), purl.type.end(), purl.type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return purl;
}

Result<Inventory> InventoryFromSbom(std::string_view text, std::string_view name) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "{}: not a JSON document", name);
  }
  Inventory inventory;
  inventory.target = std::string(name);
  int without_source = 0;
  // Language packages carry our own properties when the SBOM is ours (customs:package:*), Trivy's or Syft's location.
  auto add = [&](const std::string& purl_text, std::string source_name, std::string source_version,
                 const json* component) {
    auto purl = ParsePurl(purl_text);
    if (!purl) {
      return;
    }
    auto parsed = PackageFromPurl(*purl);
    if (!parsed) {
      return;  // a purl type we do not match (pkg:generic, pkg:github...)
    }
    catalog::Package p = std::move(*parsed);
    p.purl = purl_text;
    if (!catalog::IsOsPackage(p.type)) {
      if (component != nullptr) {
        p.location = LocationProperty(*component);
        p.owner = Property(*component, "customs:package:owner");
        // group_unknown comes from the purl alone: a scan report names a jar that the advisories resolved by its
        // groupId (its customs:package:group_unknown property says only that the groupId was inferred), and that
        // name is what a later match must use.
        if (std::string reason = Property(*component, "customs:package:unmatchable"); !reason.empty()) {
          p.unmatchable = true;
          p.unmatchable_reason = reason;
        }
      }
      inventory.packages.push_back(std::move(p));
      return;
    }
    if (source_name.empty()) {
      ++without_source;
      source_name = p.name;
      source_version = p.version;
    }
    p.source_name = std::move(source_name);
    p.source_version = source_version.empty() ? p.version : std::move(source_version);
    OsFromDistro(purl->Qualifier("distro"), inventory.os);
    if (inventory.os.family.empty() && !purl->namespace_.empty()) {
      inventory.os.family = purl->namespace_;
    }
    inventory.packages.push_back(std::move(p));
  };
  // An inventory that was incomplete when the SBOM was made (report/sbom.h) keeps the scan of it incomplete.
  auto carried_incomplete = [&](std::string_view text) {
    inventory.diagnostics.push_back({DiagnosticLevel::kIncomplete, "scan/sbom", std::string(name),
                                     fmt::format("the SBOM says its inventory is incomplete: {}", text)});
  };
  if (Str(doc, "bomFormat") == "CycloneDX") {
    inventory.kind = "cyclonedx";
    if (auto metadata = doc.find("metadata"); metadata != doc.end() && metadata->is_object()) {
      if (auto properties = metadata->find("properties"); properties != metadata->end() && properties->is_array()) {
        for (const auto& property : *properties) {
          if (property.is_object() && Str(property, "name") == "customs:incomplete") {
            carried_incomplete(Str(property, "value"));
          }
        }
      }
    }
    // Components may nest (an application component holding its libraries); walk them all, depth-bounded.
    std::function<void(const json&, int)> walk = [&](const json& list, int depth) {
      if (!list.is_array() || depth > 32) {
        return;
      }
      for (const auto& c : list) {
        if (!c.is_object()) {
          continue;
        }
        if (Str(c, "type") == "operating-system") {
          inventory.os.family = Str(c, "name");
          inventory.os.version = Str(c, "version");
          continue;
        }
        std::string source = Property(c, "customs:package:source_name");
        std::string source_version = Property(c, "customs:package:source_version");
        if (source.empty()) {
          // Trivy's properties: SrcName, SrcVersion, SrcRelease, SrcEpoch.
          source = Property(c, "aquasecurity:trivy:SrcName");
          source_version = Property(c, "aquasecurity:trivy:SrcVersion");
          std::string release = Property(c, "aquasecurity:trivy:SrcRelease");
          std::string epoch = Property(c, "aquasecurity:trivy:SrcEpoch");
          if (!release.empty()) {
            source_version.append("-").append(release);
          }
          if (!epoch.empty() && epoch != "0") {
            source_version = fmt::format("{}:{}", epoch, source_version);
          }
        }
        add(Str(c, "purl"), source, source_version, &c);
        if (auto nested = c.find("components"); nested != c.end()) {
          walk(*nested, depth + 1);
        }
      }
    };
    if (auto components = doc.find("components"); components != doc.end()) {
      walk(*components, 0);
    }
  } else if (Str(doc, "spdxVersion").starts_with("SPDX-")) {
    inventory.kind = "spdx";
    constexpr std::string_view kIncomplete = "customs:incomplete: ";
    if (auto annotations = doc.find("annotations"); annotations != doc.end() && annotations->is_array()) {
      for (const auto& annotation : *annotations) {
        std::string comment = annotation.is_object() ? Str(annotation, "comment") : std::string();
        if (comment.starts_with(kIncomplete)) carried_incomplete(comment.substr(kIncomplete.size()));
      }
    }
    auto packages = doc.find("packages");
    if (packages != doc.end() && packages->is_array()) {
      for (const auto& p : *packages) {
        if (!p.is_object()) {
          continue;
        }
        if (Str(p, "primaryPackagePurpose") == "OPERATING-SYSTEM") {
          inventory.os.family = Str(p, "name");
          inventory.os.version = Str(p, "versionInfo");
          continue;
        }
        std::string purl;
        if (auto refs = p.find("externalRefs"); refs != p.end() && refs->is_array()) {
          for (const auto& r : *refs) {
            if (r.is_object() && Str(r, "referenceType") == "purl") {
              purl = Str(r, "referenceLocator");
            }
          }
        }
        std::string source, source_version;
        constexpr std::string_view kBuilt = "built package from: ";
        std::string info = Str(p, "sourceInfo");
        if (info.starts_with(kBuilt)) {
          std::string_view rest = std::string_view(info).substr(kBuilt.size());
          std::size_t space = rest.find(' ');
          source = std::string(rest.substr(0, space));
          if (space != std::string_view::npos) {
            source_version = std::string(rest.substr(space + 1));
          }
        }
        add(purl, source, source_version, nullptr);
      }
    }
  } else {
    return MakeError(ErrorCode::kUnsupported, "{}: neither a CycloneDX nor an SPDX JSON document", name);
  }
  if (without_source > 0) {
    inventory.diagnostics.push_back(
        {DiagnosticLevel::kWarning, "scan/sbom", std::string(name),
         fmt::format("{} packages carry no source package; matched by binary name and version", without_source)});
  }
  std::sort(inventory.packages.begin(), inventory.packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.type, a.name, a.version, a.arch) < std::tie(b.type, b.name, b.version, b.arch);
  });
  return inventory;
}

}  // namespace customs::scan
