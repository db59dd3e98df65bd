// Fuzzes the Falco condition parser and compiler: any input must give an AST or an error, never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "runtime/rules/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ast = ParseCondition(text);
  if (!ast) return 0;
  std::map<std::string, const AstNode*, std::less<>> macros;
  std::map<std::string, std::vector<std::string>, std::less<>> lists = {{"shells", {"bash", "sh"}}};
  CompileEnv env;
  env.macros = &macros;
  env.lists = &lists;
  env.max_nodes = 100000;
  auto compiled = CompileCondition(**ast, env);
  if (compiled) {
    Event event;
    event.name = "bash";
    event.path = "/etc/shadow";
    (void)compiled->filter->Eval(event);
    event.type = EventType::kOpenat;
    (void)compiled->filter->Eval(event);
  }
  return 0;
}
