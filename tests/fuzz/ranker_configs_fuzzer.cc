// Fuzz target: the ranker's labels and experiments config files
// (docs/formats/ranker_labels.md, docs/formats/ranker_experiments.md),
// which operators edit by hand and the engine rereads while serving. Each
// input is parsed as both; a config that parses is then used the way the
// engine uses it (label lookups, arm assignment of a few unit ids).

#include <string>

#include "ranker/engine/experiments_config.h"
#include "ranker/engine/labels_config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto labels = tailor::ranker::LabelsConfig::Parse(text, "fuzz/labels.json");
  if (labels.ok()) {
    for (const auto& [model, by_label] : labels->models()) {
      for (const auto& [label, version] : by_label) {
        if (labels->Find(model, label) != version) __builtin_trap();
      }
      (void)labels->LabelsOf(model);
    }
    (void)labels->Find("shop", "stable");
  }
  auto experiments =
      tailor::ranker::ExperimentsConfig::Parse(text, "fuzz/experiments.json");
  if (experiments.ok()) {
    for (const tailor::ranker::Experiment& e : experiments->experiments()) {
      if (experiments->ForModel(e.model) != &e) __builtin_trap();
      for (const char* unit : {"", "u1", "user-42", "\xff\xfe"}) {
        const tailor::ranker::ExperimentArm* arm = e.Assign(unit);
        if (arm != nullptr && !arm->version.has_value() && arm->label.empty()) {
          __builtin_trap();  // an arm serves a version or a label
        }
      }
    }
  }
  return 0;
}
