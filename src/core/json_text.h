// JSON text with numbers as they came in: nlohmann's dump() prints doubles with Grisu2, which is not always the
// shortest round-trip form (0.99506 prints as 0.9950599999999999). JsonText() writes the same layout as dump() but
// every double in its shortest round-trip form, and replaces invalid UTF-8 in strings with U+FFFD instead of throwing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace customs {

// The shortest decimal text that reads back to exactly `value` (fmt's Dragonbox), with ".0" added to integral values
// so the text stays a float; "null" for NaN and the infinities, which JSON cannot hold.
std::string ShortestDouble(double value);

namespace internal {

template <class Json>
void AppendJson(const Json& j, int indent, int depth, std::string& out) {
  auto newline = [&](int level) {
    if (indent < 0) {
      return;
    }
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(level), ' ');
  };
  auto string_text = [](const std::string& s) { return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); };
  if (j.is_object()) {
    if (j.empty()) {
      out += "{}";
      return;
    }
    out.push_back('{');
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      newline(depth + 1);
      out += string_text(it.key());
      out += indent < 0 ? ":" : ": ";
      AppendJson(it.value(), indent, depth + 1, out);
    }
    newline(depth);
    out.push_back('}');
  } else if (j.is_array()) {
    if (j.empty()) {
      out += "[]";
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& item : j) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      newline(depth + 1);
      AppendJson(item, indent, depth + 1, out);
    }
    newline(depth);
    out.push_back(']');
  } else if (j.is_number_float()) {
    out += ShortestDouble(j.template get<double>());
  } else {
    out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace internal

// dump(indent)'s layout (indent < 0: compact), shortest doubles, invalid UTF-8 replaced. Works for nlohmann::json and
// nlohmann::ordered_json.
template <class Json>
std::string JsonText(const Json& j, int indent = -1) {
  std::string out;
  internal::AppendJson(j, indent, 0, out);
  return out;
}

}  // namespace customs
