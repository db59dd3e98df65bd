// The server's log: one JSON object per line on stderr ({"time":...,"level":"info","event":"job_done",...}), so a
// collector can parse it and tests can follow what each process did. The server is an application like cli/: it owns
// its stderr; the library modules it calls never print.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace customs::server {

// Thread-safe; one write(2) per line.
void LogEvent(std::string_view level, std::string_view event, nlohmann::json fields = nlohmann::json::object());

}  // namespace customs::server
