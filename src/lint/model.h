// The build model on top of the syntax tree: stages by name and index, FROM <stage> parent chains, COPY --from
// and RUN --mount from= edges, ARG scoping (global ARGs resolve FROM; stages re-declare them), the final stage
// (--target or the last), and per-RUN shell analyses. Variables that cannot be resolved are "unknown".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "lint/dockerfile/ast.h"
#include "lint/shell/packages.h"

namespace customs::lint {

struct ImageRef {
  std::string raw;         // as written after resolution ("ubuntu:latest")
  bool resolved = true;    // false when a variable could not be resolved
  std::string registry;    // "docker.io" when implicit
  std::string repository;  // "library/ubuntu" for official images
  std::string name;        // last path component: "ubuntu"
  std::string tag;         // "" when absent
  std::string digest;      // "sha256:..." when pinned
  bool scratch = false;
};

ImageRef ParseImageRef(const std::string& text);

struct Stage {
  int index = 0;
  std::string name;                         // as written after AS (may be "")
  std::size_t from_instruction = 0;         // index into Dockerfile::instructions
  std::size_t end_instruction = 0;          // one past the stage's last instruction
  std::string base_text;                    // FROM argument as written
  ImageRef base;                            // resolved external image (meaningless when parent_stage >= 0)
  int parent_stage = -1;                    // FROM <earlier stage>
  std::vector<int> copy_from;               // stages this stage copies from or mounts
  std::map<std::string, std::string> args;  // ARG and ENV names visible at the end of the stage ("" = unknown)
};

// One RUN's shell analysis. ONBUILD RUN triggers are analysed too: they run in the image that builds FROM this
// one, so they are linted as RUN instructions but never count as part of this image.
struct RunEntry {
  std::size_t instruction = 0;       // index into Dockerfile::instructions (the ONBUILD instruction for a trigger)
  const Instruction* run = nullptr;  // the RUN itself (ONBUILD's child for a trigger); points into the Dockerfile
  RunAnalysis analysis;
  bool onbuild = false;
};

struct BuildModel {
  std::vector<Stage> stages;
  int final_stage = -1;
  std::map<std::string, std::optional<std::string>> global_args;  // before the first FROM
  std::map<std::string, std::string> build_args;                  // --build-arg values the model was built with
  std::vector<std::size_t> global_arg_instructions;
  // Per instruction: the stage it belongs to (-1 before the first FROM) and, for RUN, its shell analysis.
  std::vector<int> stage_of;
  // Every RUN (also those before the first FROM, which BuildKit rejects but hadolint lints) and every ONBUILD RUN,
  // sorted by instruction index. The model points into the Dockerfile it was built from, which must outlive it.
  std::vector<RunEntry> runs;
  // The analysis of the RUN at `instruction` (nullptr for anything else, including ONBUILD RUN triggers).
  const RunAnalysis* RunAt(std::size_t instruction) const;

  // Stage chain from `stage` to its root (stage first).
  std::vector<int> Chain(int stage) const;
  int FindStage(const std::string& name_or_index, int before) const;
};

struct ModelOptions {
  std::string target;
  std::map<std::string, std::string> build_args;
};

// Builds the model. An unknown --target is an error (kInvalidArgument).
[[nodiscard]] Result<BuildModel> BuildStageModel(const Dockerfile& file, const ModelOptions& options);

// The script a RUN executes: shell-form text plus heredoc bodies; JSON form joined with spaces.
std::string RunScript(const Instruction& run);

}  // namespace customs::lint
