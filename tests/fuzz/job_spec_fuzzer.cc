// Fuzz target: the text-format job spec (`tailor train --job_spec`, `tailor
// cluster`, tailor_coordinator; docs/training.md): the text parser, the
// algorithm defaults (trainer/local/spec_util.h), the typed `options` map,
// and the distributed job's validation and option derivation
// (trainer/distributed/job_setup.h). The input is the spec's text.

#include <string>

#include "google/protobuf/text_format.h"
#include "tailor/v1/job.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/local/spec_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tailor::v1::JobSpec spec;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(false);
  if (!parser.ParseFromString(text, &spec)) return 0;
  tailor::v1::JobSpec with_defaults = spec;
  tailor::ApplyAlgorithmDefaults(with_defaults);
  for (const auto& [name, value] : spec.options()) {
    (void)tailor::DoubleOption(spec, name, 0.0);
    (void)tailor::BoolOption(spec, name, false);
    (void)tailor::StringOption(spec, name, "");
  }
  for (int workers : {1, 3}) {
    auto job = tailor::distributed::ValidateDistributedJob(spec, workers);
    if (!job.ok()) continue;
    if (job->als) {
      (void)tailor::distributed::IalsOptionsFromJob(*job, 1);
    } else {
      (void)tailor::distributed::SgdOptionsFromJob(*job, 1);
    }
    (void)tailor::distributed::JobTableSpecs(*job);
  }
  return 0;
}
