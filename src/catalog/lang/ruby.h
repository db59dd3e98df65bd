// Ruby gems (OSV ecosystem "RubyGems").
//
//   <gem home>/specifications/<name>-<version>.gemspec          installed gems (gem install, bundle install, Debian's
//   <gem home>/specifications/default/<name>-<version>.gemspec  ruby-* packages under rubygems-integration) and the
//                                                               default gems that ship with Ruby itself
//   Gemfile.lock                                                Bundler's lockfile: directory scans only (an image's
//                                                               installed gemspecs say what is there)
//
// An installed gemspec is Ruby code that RubyGems generated ("Gem::Specification.new do |s| s.name = "rack".freeze
// s.version = "2.2.4" ..."); it is read, never evaluated: the `name` and `version` assignments, or the "# stub: name
// version platform" line RubyGems writes first. Gemfile.lock entries from GIT and PATH sources are unmatchable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/common.h"

namespace customs::catalog::lang {

struct Gemspec {
  std::string name;
  std::string version;
};

Gemspec ParseGemspec(std::string_view text);
bool IsGemspecPath(std::string_view path);
// Bundler's Gemfile.lock: the specs of the GEM, GIT and PATH sections ("    name (version[-platform])").
std::vector<LockedPackage> ParseGemfileLock(std::string_view text);

class RubyCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "ruby"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::lang
