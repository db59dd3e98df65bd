#include "vulndb/cvss.h"

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace customs::vulndb {
namespace {

using MetricMap = std::map<std::string, std::string, std::less<>>;

// Splits "K:V/K:V" into a map; rejects empty parts and duplicate keys.
Result<MetricMap> ParseMetrics(std::string_view body) {
  MetricMap metrics;
  while (!body.empty()) {
    std::size_t slash = body.find('/');
    std::string_view part = body.substr(0, slash);
    body = slash == std::string_view::npos ? std::string_view{} : body.substr(slash + 1);
    std::size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == part.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "malformed CVSS metric '{}'", part);
    }
    auto [it, inserted] = metrics.emplace(std::string(part.substr(0, colon)), std::string(part.substr(colon + 1)));
    if (!inserted) {
      return MakeError(ErrorCode::kInvalidArgument, "duplicate CVSS metric '{}'", it->first);
    }
  }
  return metrics;
}

// Looks up metric `name`, maps its value through `table`; kInvalidArgument when absent or unknown.
template <std::size_t N>
Result<double> Weight(const MetricMap& metrics, std::string_view name,
                      const std::array<std::pair<const char*, double>, N>& table) {
  auto it = metrics.find(name);
  if (it == metrics.end()) {
    return MakeError(ErrorCode::kInvalidArgument, "CVSS metric {} missing", name);
  }
  for (const auto& [value, weight] : table) {
    if (it->second == value) {
      return weight;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "CVSS metric {} has unknown value '{}'", name, it->second);
}

// CVSS v2 Complete Guide s3.2.1: round_to_1_decimal.
double RoundV2(double x) {
  return std::round(x * 10.0) / 10.0;
}

Result<double> ScoreV2(std::string_view body) {
  CUSTOMS_ASSIGN_OR_RETURN(MetricMap m, ParseMetrics(body));
  using P = std::pair<const char*, double>;
  CUSTOMS_ASSIGN_OR_RETURN(double av, Weight(m, "AV", std::array{P{"L", 0.395}, P{"A", 0.646}, P{"N", 1.0}}));
  CUSTOMS_ASSIGN_OR_RETURN(double ac, Weight(m, "AC", std::array{P{"H", 0.35}, P{"M", 0.61}, P{"L", 0.71}}));
  CUSTOMS_ASSIGN_OR_RETURN(double au, Weight(m, "Au", std::array{P{"M", 0.45}, P{"S", 0.56}, P{"N", 0.704}}));
  const std::array cia{P{"N", 0.0}, P{"P", 0.275}, P{"C", 0.660}};
  CUSTOMS_ASSIGN_OR_RETURN(double c, Weight(m, "C", cia));
  CUSTOMS_ASSIGN_OR_RETURN(double i, Weight(m, "I", cia));
  CUSTOMS_ASSIGN_OR_RETURN(double a, Weight(m, "A", cia));
  double impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  double exploitability = 20 * av * ac * au;
  double f_impact = impact == 0 ? 0 : 1.176;
  double score = RoundV2(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f_impact);
  return score < 0 ? 0.0 : score;
}

// CVSS v3.1 Specification Appendix A: Roundup avoids floating-point artefacts.
double RoundUpV31(double x) {
  auto integer = static_cast<long long>(std::llround(x * 100000));
  if (integer % 10000 == 0) {
    return static_cast<double>(integer) / 100000.0;
  }
  return (std::floor(static_cast<double>(integer) / 10000) + 1) / 10.0;
}
// CVSS v3.0 Specification s7.1: the smallest number, to one decimal, equal to or higher than the input.
double RoundUpV30(double x) {
  return std::ceil(x * 10.0) / 10.0;
}

Result<double> ScoreV3(std::string_view body, bool v31) {
  CUSTOMS_ASSIGN_OR_RETURN(MetricMap m, ParseMetrics(body));
  using P = std::pair<const char*, double>;
  auto scope = m.find("S");
  if (scope == m.end() || (scope->second != "U" && scope->second != "C")) {
    return MakeError(ErrorCode::kInvalidArgument, "CVSS metric S missing or invalid");
  }
  bool changed = scope->second == "C";
  CUSTOMS_ASSIGN_OR_RETURN(double av,
                           Weight(m, "AV", std::array{P{"N", 0.85}, P{"A", 0.62}, P{"L", 0.55}, P{"P", 0.2}}));
  CUSTOMS_ASSIGN_OR_RETURN(double ac, Weight(m, "AC", std::array{P{"L", 0.77}, P{"H", 0.44}}));
  CUSTOMS_ASSIGN_OR_RETURN(
      double pr,
      Weight(m, "PR", std::array{P{"N", 0.85}, P{"L", changed ? 0.68 : 0.62}, P{"H", changed ? 0.5 : 0.27}}));
  CUSTOMS_ASSIGN_OR_RETURN(double ui, Weight(m, "UI", std::array{P{"N", 0.85}, P{"R", 0.62}}));
  const std::array cia{P{"H", 0.56}, P{"L", 0.22}, P{"N", 0.0}};
  CUSTOMS_ASSIGN_OR_RETURN(double c, Weight(m, "C", cia));
  CUSTOMS_ASSIGN_OR_RETURN(double i, Weight(m, "I", cia));
  CUSTOMS_ASSIGN_OR_RETURN(double a, Weight(m, "A", cia));
  double iss = 1 - ((1 - c) * (1 - i) * (1 - a));
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) {
    return 0.0;
  }
  auto roundup = v31 ? RoundUpV31 : RoundUpV30;
  if (changed) {
    return roundup(std::min(1.08 * (impact + exploitability), 10.0));
  }
  return roundup(std::min(impact + exploitability, 10.0));
}

// ---- CVSS v4.0 (spec s8; the MacroVector table and max-severity data are published with the spec) ----

struct MacroScore {
  const char* macro;
  double score;
};

// FIRST CVSS v4.0 MacroVector lookup (EQ1..EQ6 digits -> score).
constexpr MacroScore kV4Lookup[] = {
    {"000000", 10},  {"000001", 9.9}, {"000010", 9.8}, {"000011", 9.5}, {"000020", 9.5}, {"000021", 9.2},
    {"000100", 10},  {"000101", 9.6}, {"000110", 9.3}, {"000111", 8.7}, {"000120", 9.1}, {"000121", 8.1},
    {"000200", 9.3}, {"000201", 9},   {"000210", 8.9}, {"000211", 8},   {"000220", 8.1}, {"000221", 6.8},
    {"001000", 9.8}, {"001001", 9.5}, {"001010", 9.5}, {"001011", 9.2}, {"001020", 9},   {"001021", 8.4},
    {"001100", 9.3}, {"001101", 9.2}, {"001110", 8.9}, {"001111", 8.1}, {"001120", 8.1}, {"001121", 6.5},
    {"001200", 8.8}, {"001201", 8},   {"001210", 7.8}, {"001211", 7},   {"001220", 6.9}, {"001221", 4.8},
    {"002001", 9.2}, {"002011", 8.2}, {"002021", 7.2}, {"002101", 7.9}, {"002111", 6.9}, {"002121", 5},
    {"002201", 6.9}, {"002211", 5.5}, {"002221", 2.7}, {"010000", 9.9}, {"010001", 9.7}, {"010010", 9.5},
    {"010011", 9.2}, {"010020", 9.2}, {"010021", 8.5}, {"010100", 9.5}, {"010101", 9.1}, {"010110", 9},
    {"010111", 8.3}, {"010120", 8.4}, {"010121", 7.1}, {"010200", 9.2}, {"010201", 8.1}, {"010210", 8.2},
    {"010211", 7.1}, {"010220", 7.2}, {"010221", 5.3}, {"011000", 9.5}, {"011001", 9.3}, {"011010", 9.2},
    {"011011", 8.5}, {"011020", 8.5}, {"011021", 7.3}, {"011100", 9.2}, {"011101", 8.2}, {"011110", 8},
    {"011111", 7.2}, {"011120", 7},   {"011121", 5.9}, {"011200", 8.4}, {"011201", 7},   {"011210", 7.1},
    {"011211", 5.2}, {"011220", 5},   {"011221", 3},   {"012001", 8.6}, {"012011", 7.5}, {"012021", 5.2},
    {"012101", 7.1}, {"012111", 5.2}, {"012121", 2.9}, {"012201", 6.3}, {"012211", 2.9}, {"012221", 1.7},
    {"100000", 9.8}, {"100001", 9.5}, {"100010", 9.4}, {"100011", 8.7}, {"100020", 9.1}, {"100021", 8.1},
    {"100100", 9.4}, {"100101", 8.9}, {"100110", 8.6}, {"100111", 7.4}, {"100120", 7.7}, {"100121", 6.4},
    {"100200", 8.7}, {"100201", 7.5}, {"100210", 7.4}, {"100211", 6.3}, {"100220", 6.3}, {"100221", 4.9},
    {"101000", 9.4}, {"101001", 8.9}, {"101010", 8.8}, {"101011", 7.7}, {"101020", 7.6}, {"101021", 6.7},
    {"101100", 8.6}, {"101101", 7.6}, {"101110", 7.4}, {"101111", 5.8}, {"101120", 5.9}, {"101121", 5},
    {"101200", 7.2}, {"101201", 5.7}, {"101210", 5.7}, {"101211", 5.2}, {"101220", 5.2}, {"101221", 2.5},
    {"102001", 8.3}, {"102011", 7},   {"102021", 5.4}, {"102101", 6.5}, {"102111", 5.8}, {"102121", 2.6},
    {"102201", 5.3}, {"102211", 2.1}, {"102221", 1.3}, {"110000", 9.5}, {"110001", 9},   {"110010", 8.8},
    {"110011", 7.6}, {"110020", 7.6}, {"110021", 7},   {"110100", 9},   {"110101", 7.7}, {"110110", 7.5},
    {"110111", 6.2}, {"110120", 6.1}, {"110121", 5.3}, {"110200", 7.7}, {"110201", 6.6}, {"110210", 6.8},
    {"110211", 5.9}, {"110220", 5.2}, {"110221", 3},   {"111000", 8.9}, {"111001", 7.8}, {"111010", 7.6},
    {"111011", 6.7}, {"111020", 6.2}, {"111021", 5.8}, {"111100", 7.4}, {"111101", 5.9}, {"111110", 5.7},
    {"111111", 5.7}, {"111120", 4.7}, {"111121", 2.3}, {"111200", 6.1}, {"111201", 5.2}, {"111210", 5.7},
    {"111211", 2.9}, {"111220", 2.4}, {"111221", 1.6}, {"112001", 7.1}, {"112011", 5.9}, {"112021", 3},
    {"112101", 5.8}, {"112111", 2.6}, {"112121", 1.5}, {"112201", 2.3}, {"112211", 1.3}, {"112221", 0.6},
    {"200000", 9.3}, {"200001", 8.7}, {"200010", 8.6}, {"200011", 7.2}, {"200020", 7.5}, {"200021", 5.8},
    {"200100", 8.6}, {"200101", 7.4}, {"200110", 7.4}, {"200111", 6.1}, {"200120", 5.6}, {"200121", 3.4},
    {"200200", 7},   {"200201", 5.4}, {"200210", 5.2}, {"200211", 4},   {"200220", 4},   {"200221", 2.2},
    {"201000", 8.5}, {"201001", 7.5}, {"201010", 7.4}, {"201011", 5.5}, {"201020", 6.2}, {"201021", 5.1},
    {"201100", 7.2}, {"201101", 5.7}, {"201110", 5.5}, {"201111", 4.1}, {"201120", 4.6}, {"201121", 1.9},
    {"201200", 5.3}, {"201201", 3.6}, {"201210", 3.4}, {"201211", 1.9}, {"201220", 1.9}, {"201221", 0.8},
    {"202001", 6.4}, {"202011", 5.1}, {"202021", 2},   {"202101", 4.7}, {"202111", 2.1}, {"202121", 1.1},
    {"202201", 2.4}, {"202211", 0.9}, {"202221", 0.4}, {"210000", 8.8}, {"210001", 7.5}, {"210010", 7.3},
    {"210011", 5.3}, {"210020", 6},   {"210021", 5},   {"210100", 7.3}, {"210101", 5.5}, {"210110", 5.9},
    {"210111", 4},   {"210120", 4.1}, {"210121", 2},   {"210200", 5.4}, {"210201", 4.3}, {"210210", 4.5},
    {"210211", 2.2}, {"210220", 2},   {"210221", 1.1}, {"211000", 7.5}, {"211001", 5.5}, {"211010", 5.8},
    {"211011", 4.5}, {"211020", 4},   {"211021", 2.1}, {"211100", 6.1}, {"211101", 5.1}, {"211110", 4.8},
    {"211111", 1.8}, {"211120", 2},   {"211121", 0.9}, {"211200", 4.6}, {"211201", 1.8}, {"211210", 1.7},
    {"211211", 0.7}, {"211220", 0.8}, {"211221", 0.2}, {"212001", 5.3}, {"212011", 2.4}, {"212021", 1.4},
    {"212101", 2.4}, {"212111", 1.2}, {"212121", 0.5}, {"212201", 1},   {"212211", 0.3}, {"212221", 0.1},
};

// NaN when the macrovector does not exist (the spec's "no lower MacroVector").
double LookupV4(const std::string& macro) {
  for (const auto& entry : kV4Lookup) {
    if (macro == entry.macro) {
      return entry.score;
    }
  }
  return std::nan("");
}

// The highest-severity vectors of each EQ level (spec s8.2), as metric=value lists.
using MaxVector = std::vector<std::pair<const char*, const char*>>;
const std::vector<MaxVector>& Eq1Maxes(int level) {
  static const std::vector<MaxVector> k[3] = {
      {{{"AV", "N"}, {"PR", "N"}, {"UI", "N"}}},
      {{{"AV", "A"}, {"PR", "N"}, {"UI", "N"}},
       {{"AV", "N"}, {"PR", "L"}, {"UI", "N"}},
       {{"AV", "N"}, {"PR", "N"}, {"UI", "P"}}},
      {{{"AV", "P"}, {"PR", "N"}, {"UI", "N"}}, {{"AV", "A"}, {"PR", "L"}, {"UI", "P"}}}};
  return k[level];
}
const std::vector<MaxVector>& Eq2Maxes(int level) {
  static const std::vector<MaxVector> k[2] = {{{{"AC", "L"}, {"AT", "N"}}},
                                              {{{"AC", "H"}, {"AT", "N"}}, {{"AC", "L"}, {"AT", "P"}}}};
  return k[level];
}
MaxVector Cia(const char* vc, const char* vi, const char* va, const char* cr, const char* ir, const char* ar) {
  return {{"VC", vc}, {"VI", vi}, {"VA", va}, {"CR", cr}, {"IR", ir}, {"AR", ar}};
}
const std::vector<MaxVector>& Eq3Eq6Maxes(int eq3, int eq6) {
  static const std::vector<MaxVector> k00 = {Cia("H", "H", "H", "H", "H", "H")};
  static const std::vector<MaxVector> k01 = {Cia("H", "H", "L", "M", "M", "H"), Cia("H", "H", "H", "M", "M", "M")};
  static const std::vector<MaxVector> k10 = {Cia("L", "H", "H", "H", "H", "H"), Cia("H", "L", "H", "H", "H", "H")};
  static const std::vector<MaxVector> k11 = {Cia("L", "H", "L", "H", "M", "H"), Cia("L", "H", "H", "H", "M", "M"),
                                             Cia("H", "L", "H", "M", "H", "M"), Cia("H", "L", "L", "M", "H", "H"),
                                             Cia("L", "L", "H", "H", "H", "M")};
  static const std::vector<MaxVector> k21 = {Cia("L", "L", "L", "H", "H", "H")};
  static const std::vector<MaxVector> kNone;
  if (eq3 == 0) {
    return eq6 == 0 ? k00 : k01;
  }
  if (eq3 == 1) {
    return eq6 == 0 ? k10 : k11;
  }
  return eq6 == 1 ? k21 : kNone;
}
const std::vector<MaxVector>& Eq4Maxes(int level) {
  static const std::vector<MaxVector> k[3] = {{{{"SC", "H"}, {"SI", "S"}, {"SA", "S"}}},
                                              {{{"SC", "H"}, {"SI", "H"}, {"SA", "H"}}},
                                              {{{"SC", "L"}, {"SI", "L"}, {"SA", "L"}}}};
  return k[level];
}
// Max severity depth of each EQ level (+1), in steps of 0.1.
constexpr int kEq1Depth[] = {1, 4, 5};
constexpr int kEq2Depth[] = {1, 2};
constexpr int kEq3Eq6Depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};
constexpr int kEq4Depth[] = {6, 5, 4};

double LevelV4(std::string_view metric, std::string_view value) {
  struct L {
    const char* metric;
    const char* value;
    double level;
  };
  static constexpr L kLevels[] = {
      {"AV", "N", 0.0}, {"AV", "A", 0.1}, {"AV", "L", 0.2}, {"AV", "P", 0.3}, {"PR", "N", 0.0}, {"PR", "L", 0.1},
      {"PR", "H", 0.2}, {"UI", "N", 0.0}, {"UI", "P", 0.1}, {"UI", "A", 0.2}, {"AC", "L", 0.0}, {"AC", "H", 0.1},
      {"AT", "N", 0.0}, {"AT", "P", 0.1}, {"VC", "H", 0.0}, {"VC", "L", 0.1}, {"VC", "N", 0.2}, {"VI", "H", 0.0},
      {"VI", "L", 0.1}, {"VI", "N", 0.2}, {"VA", "H", 0.0}, {"VA", "L", 0.1}, {"VA", "N", 0.2}, {"SC", "H", 0.1},
      {"SC", "L", 0.2}, {"SC", "N", 0.3}, {"SI", "S", 0.0}, {"SI", "H", 0.1}, {"SI", "L", 0.2}, {"SI", "N", 0.3},
      {"SA", "S", 0.0}, {"SA", "H", 0.1}, {"SA", "L", 0.2}, {"SA", "N", 0.3}, {"CR", "H", 0.0}, {"CR", "M", 0.1},
      {"CR", "L", 0.2}, {"IR", "H", 0.0}, {"IR", "M", 0.1}, {"IR", "L", 0.2}, {"AR", "H", 0.0}, {"AR", "M", 0.1},
      {"AR", "L", 0.2}};
  for (const auto& l : kLevels) {
    if (metric == l.metric && value == l.value) {
      return l.level;
    }
  }
  return std::nan("");
}

struct V4Allowed {
  const char* metric;
  const char* values;  // one character per allowed value
  bool mandatory;
};
constexpr V4Allowed kV4Metrics[] = {
    {"AV", "NALP", true},    {"AC", "LH", true},      {"AT", "NP", true},     {"PR", "NLH", true},
    {"UI", "NPA", true},     {"VC", "HLN", true},     {"VI", "HLN", true},    {"VA", "HLN", true},
    {"SC", "HLN", true},     {"SI", "HLN", true},     {"SA", "HLN", true},    {"E", "XAPU", false},
    {"CR", "XHML", false},   {"IR", "XHML", false},   {"AR", "XHML", false},  {"MAV", "XNALP", false},
    {"MAC", "XLH", false},   {"MAT", "XNP", false},   {"MPR", "XNLH", false}, {"MUI", "XNPA", false},
    {"MVC", "XHLN", false},  {"MVI", "XHLN", false},  {"MVA", "XHLN", false}, {"MSC", "XHLN", false},
    {"MSI", "XSHLN", false}, {"MSA", "XSHLN", false}, {"S", "XNP", false},    {"AU", "XNY", false},
    {"R", "XAUI", false},    {"V", "XDC", false},     {"RE", "XLMH", false},  {"U", "XClearGreenAmberRed", false},
};

Result<double> ScoreV4(std::string_view body) {
  CUSTOMS_ASSIGN_OR_RETURN(MetricMap metrics, ParseMetrics(body));
  for (const auto& [name, value] : metrics) {
    const V4Allowed* allowed = nullptr;
    for (const auto& a : kV4Metrics) {
      if (name == a.metric) {
        allowed = &a;
      }
    }
    if (allowed == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, "unknown CVSS v4 metric '{}'", name);
    }
    std::string_view values = allowed->values;
    bool ok = name == "U" ? (value == "X" || value == "Clear" || value == "Green" || value == "Amber" || value == "Red")
                          : (value.size() == 1 && values.find(value[0]) != std::string_view::npos);
    if (!ok) {
      return MakeError(ErrorCode::kInvalidArgument, "CVSS v4 metric {} has invalid value '{}'", name, value);
    }
  }
  for (const auto& a : kV4Metrics) {
    if (a.mandatory && !metrics.contains(a.metric)) {
      return MakeError(ErrorCode::kInvalidArgument, "CVSS v4 metric {} missing", a.metric);
    }
  }
  // The effective value of a metric: modified metrics override base ones; X means "worst case" for E/CR/IR/AR.
  auto m = [&metrics](std::string_view name) -> std::string {
    auto get = [&metrics](std::string_view key) -> std::string {
      auto it = metrics.find(key);
      return it == metrics.end() ? "X" : it->second;
    };
    std::string selected = get(name);
    if (name == "E" && selected == "X") {
      return "A";
    }
    if ((name == "CR" || name == "IR" || name == "AR") && selected == "X") {
      return "H";
    }
    std::string modified_name = "M";
    modified_name.append(name);
    std::string modified = get(modified_name);
    if (modified != "X") {
      return modified;
    }
    return selected;
  };

  bool no_impact = true;
  for (const char* name : {"VC", "VI", "VA", "SC", "SI", "SA"}) {
    if (m(name) != "N") {
      no_impact = false;
    }
  }
  if (no_impact) {
    return 0.0;
  }

  int eq1 = 0;
  if (m("AV") == "N" && m("PR") == "N" && m("UI") == "N") {
    eq1 = 0;
  } else if ((m("AV") == "N" || m("PR") == "N" || m("UI") == "N") && m("AV") != "P") {
    eq1 = 1;
  } else {
    eq1 = 2;
  }
  int eq2 = (m("AC") == "L" && m("AT") == "N") ? 0 : 1;
  int eq3 = 2;
  if (m("VC") == "H" && m("VI") == "H") {
    eq3 = 0;
  } else if (m("VC") == "H" || m("VI") == "H" || m("VA") == "H") {
    eq3 = 1;
  }
  int eq4 = 2;
  if (m("MSI") == "S" || m("MSA") == "S") {
    eq4 = 0;
  } else if (m("SC") == "H" || m("SI") == "H" || m("SA") == "H") {
    eq4 = 1;
  }
  int eq5 = m("E") == "A" ? 0 : (m("E") == "P" ? 1 : 2);
  int eq6 =
      ((m("CR") == "H" && m("VC") == "H") || (m("IR") == "H" && m("VI") == "H") || (m("AR") == "H" && m("VA") == "H"))
          ? 0
          : 1;

  auto macro = [](int a, int b, int c, int d, int e, int f) { return fmt::format("{}{}{}{}{}{}", a, b, c, d, e, f); };
  double value = LookupV4(macro(eq1, eq2, eq3, eq4, eq5, eq6));
  if (std::isnan(value)) {
    return MakeError(ErrorCode::kInternal, "CVSS v4 macrovector without a score");
  }

  double lower_eq1 = LookupV4(macro(eq1 + 1, eq2, eq3, eq4, eq5, eq6));
  double lower_eq2 = LookupV4(macro(eq1, eq2 + 1, eq3, eq4, eq5, eq6));
  double lower_eq3eq6 = 0;
  if (eq3 == 0 && eq6 == 0) {
    double left = LookupV4(macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
    double right = LookupV4(macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
    lower_eq3eq6 = left > right ? left : right;  // NaN compares false, as in the reference
  } else if (eq3 == 1 && eq6 == 0) {
    lower_eq3eq6 = LookupV4(macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
  } else if (eq3 == 2) {
    lower_eq3eq6 = LookupV4(macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1));
  } else {
    lower_eq3eq6 = LookupV4(macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
  }
  double lower_eq4 = LookupV4(macro(eq1, eq2, eq3, eq4 + 1, eq5, eq6));
  double lower_eq5 = LookupV4(macro(eq1, eq2, eq3, eq4, eq5 + 1, eq6));

  // Severity distance to the first highest-severity vector of this macrovector that is not below the vector.
  static constexpr const char* kDistanceMetrics[] = {"AV", "PR", "UI", "AC", "AT", "VC", "VI",
                                                     "VA", "SC", "SI", "SA", "CR", "IR", "AR"};
  std::map<std::string, double, std::less<>> distance;
  for (const MaxVector& m1 : Eq1Maxes(eq1)) {
    for (const MaxVector& m2 : Eq2Maxes(eq2)) {
      for (const MaxVector& m3 : Eq3Eq6Maxes(eq3, eq6)) {
        for (const MaxVector& m4 : Eq4Maxes(eq4)) {
          std::map<std::string, std::string, std::less<>> max_vector;
          for (const MaxVector* part : {&m1, &m2, &m3, &m4}) {
            for (const auto& [k, v] : *part) {
              max_vector[k] = v;
            }
          }
          bool all_non_negative = true;
          for (const char* name : kDistanceMetrics) {
            double d = LevelV4(name, m(name)) - LevelV4(name, max_vector[name]);
            distance[name] = d;
            if (d < 0) {
              all_non_negative = false;
            }
          }
          if (all_non_negative) {
            goto found;
          }
        }
      }
    }
  }
found:
  double current_eq1 = distance["AV"] + distance["PR"] + distance["UI"];
  double current_eq2 = distance["AC"] + distance["AT"];
  double current_eq3eq6 =
      distance["VC"] + distance["VI"] + distance["VA"] + distance["CR"] + distance["IR"] + distance["AR"];
  double current_eq4 = distance["SC"] + distance["SI"] + distance["SA"];
  const double step = 0.1;
  double max_eq1 = kEq1Depth[eq1] * step;
  double max_eq2 = kEq2Depth[eq2] * step;
  double max_eq3eq6 = kEq3Eq6Depth[eq3][eq6] * step;
  double max_eq4 = kEq4Depth[eq4] * step;

  int existing_lower = 0;
  double normalized_sum = 0;
  auto add = [&](double lower, double current, double max_depth) {
    double available = value - lower;
    if (std::isnan(available)) {
      return;
    }
    ++existing_lower;
    normalized_sum += available * (current / max_depth);
  };
  add(lower_eq1, current_eq1, max_eq1);
  add(lower_eq2, current_eq2, max_eq2);
  add(lower_eq3eq6, current_eq3eq6, max_eq3eq6);
  add(lower_eq4, current_eq4, max_eq4);
  if (!std::isnan(value - lower_eq5)) {
    ++existing_lower;  // EQ5's proportion is always 0
  }

  double mean_distance = existing_lower == 0 ? 0 : normalized_sum / existing_lower;
  value -= mean_distance;
  if (value < 0) {
    value = 0.0;
  }
  if (value > 10) {
    value = 10.0;
  }
  return std::floor(value * 10 + 0.5) / 10;  // JavaScript Math.round, as the reference calculator
}

}  // namespace

Result<std::string> CvssVersionOf(std::string_view vector) {
  if (vector.starts_with("CVSS:3.0/")) {
    return std::string("3.0");
  }
  if (vector.starts_with("CVSS:3.1/")) {
    return std::string("3.1");
  }
  if (vector.starts_with("CVSS:4.0/")) {
    return std::string("4.0");
  }
  if (vector.starts_with("CVSS:2.0/")) {
    return std::string("2.0");
  }
  if (vector.starts_with("AV:") || vector.starts_with("(AV:")) {
    return std::string("2.0");
  }
  return MakeError(ErrorCode::kInvalidArgument, "unrecognised CVSS vector '{}'", vector.substr(0, 40));
}

Result<double> CvssBaseScore(std::string_view vector) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string version, CvssVersionOf(vector));
  if (version == "2.0") {
    std::string_view body = vector;
    if (body.starts_with("CVSS:2.0/")) {
      body.remove_prefix(9);
    }
    if (body.starts_with("(") && body.ends_with(")")) {
      body = body.substr(1, body.size() - 2);
    }
    // v2 vectors may carry temporal/environmental metrics; the base score uses the six base ones only.
    CUSTOMS_ASSIGN_OR_RETURN(MetricMap metrics, ParseMetrics(body));
    std::string base;
    for (const char* name : {"AV", "AC", "Au", "C", "I", "A"}) {
      auto it = metrics.find(name);
      if (it == metrics.end()) {
        return MakeError(ErrorCode::kInvalidArgument, "CVSS metric {} missing", name);
      }
      base += fmt::format("{}{}:{}", base.empty() ? "" : "/", name, it->second);
    }
    return ScoreV2(base);
  }
  std::string_view body = vector.substr(9);
  if (version == "4.0") {
    return ScoreV4(body);
  }
  return ScoreV3(body, version == "3.1");
}

Severity CvssSeverity(double score, std::string_view version) {
  if (version == "2.0") {
    if (score >= 7.0) {
      return Severity::kHigh;
    }
    if (score >= 4.0) {
      return Severity::kMedium;
    }
    return Severity::kLow;
  }
  if (score >= 9.0) {
    return Severity::kCritical;
  }
  if (score >= 7.0) {
    return Severity::kHigh;
  }
  if (score >= 4.0) {
    return Severity::kMedium;
  }
  if (score >= 0.1) {
    return Severity::kLow;
  }
  return Severity::kNegligible;
}

}  // namespace customs::vulndb
