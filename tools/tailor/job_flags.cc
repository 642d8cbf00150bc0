#include "tools/tailor/job_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "tools/tailor/common_flags.h"
#include "trainer/local/spec_util.h"

ABSL_FLAG(std::string, job_spec, "",
          "Text-format tailor.v1.JobSpec file; flags given override it.");
ABSL_FLAG(int32_t, factors, -1, "Latent factors k; default: the algorithm's.");
ABSL_FLAG(int32_t, iterations, -1,
          "Iterations (epochs); default: the algorithm's.");
ABSL_FLAG(double, regularization, -1,
          "L2 regularization; default: the algorithm's.");
ABSL_FLAG(double, alpha, -1, "ials confidence slope; default 1.");
ABSL_FLAG(
    double, alpha0, -1,
    "ials weight of unobserved entries (iALS++); default 0 (classic HKV).");
ABSL_FLAG(double, learning_rate, -1,
          "SGD learning rate; default: the algorithm's.");
ABSL_FLAG(int32_t, negatives, -1, "Sampled negatives per positive (bpr).");
ABSL_FLAG(std::string, solver, "", "ials solver: cg or cholesky.");
ABSL_FLAG(int32_t, cg_steps, -1, "Conjugate-gradient steps; default 3.");
ABSL_FLAG(int32_t, neighbors, -1, "kNN neighbours k; default 40.");
ABSL_FLAG(std::string, options, "",
          "Further algorithm options, key=value,key=value (see "
          "docs/training.md), e.g. similarity=pearson,shrinkage=100");

namespace tailor {

std::vector<std::string> JobSpecFlagNames() {
  return {"job_spec",       "algorithm", "factors",  "iterations",
          "regularization", "alpha",     "alpha0",   "learning_rate",
          "negatives",      "solver",    "cg_steps", "neighbors",
          "options",        "seed",      "threads"};
}

absl::StatusOr<tailor::v1::JobSpec> BuildJobSpec() {
  tailor::v1::JobSpec spec;
  const std::string path = absl::GetFlag(FLAGS_job_spec);
  if (!path.empty()) {
    TAILOR_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(PosixFileSystem(), path));
    if (!google::protobuf::TextFormat::ParseFromString(text, &spec)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a valid text-format tailor.v1.JobSpec"));
    }
  }
  if (!absl::GetFlag(FLAGS_algorithm).empty()) {
    spec.set_algorithm(absl::GetFlag(FLAGS_algorithm));
  }
  if (spec.algorithm().empty()) {
    return absl::InvalidArgumentError(
        "--algorithm is required (or algorithm in --job_spec)");
  }
  // -1 means "not given"; any other negative value is an error.
  auto given = [](const char* name, double v, bool* out) -> absl::Status {
    *out = v != -1;
    if (*out && v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " must be >= 0, got ", v));
    }
    return absl::OkStatus();
  };
  bool set = false;
  TAILOR_RETURN_IF_ERROR(given("factors", absl::GetFlag(FLAGS_factors), &set));
  if (set) spec.set_factors(absl::GetFlag(FLAGS_factors));
  TAILOR_RETURN_IF_ERROR(
      given("iterations", absl::GetFlag(FLAGS_iterations), &set));
  if (set) spec.set_iterations(absl::GetFlag(FLAGS_iterations));
  TAILOR_RETURN_IF_ERROR(
      given("regularization", absl::GetFlag(FLAGS_regularization), &set));
  if (set) spec.set_regularization(absl::GetFlag(FLAGS_regularization));
  TAILOR_RETURN_IF_ERROR(given("alpha", absl::GetFlag(FLAGS_alpha), &set));
  if (set) spec.set_alpha(absl::GetFlag(FLAGS_alpha));
  TAILOR_RETURN_IF_ERROR(given("alpha0", absl::GetFlag(FLAGS_alpha0), &set));
  if (set) spec.set_alpha0(absl::GetFlag(FLAGS_alpha0));
  TAILOR_RETURN_IF_ERROR(
      given("learning_rate", absl::GetFlag(FLAGS_learning_rate), &set));
  if (set) spec.set_learning_rate(absl::GetFlag(FLAGS_learning_rate));
  TAILOR_RETURN_IF_ERROR(
      given("negatives", absl::GetFlag(FLAGS_negatives), &set));
  if (set) spec.set_negatives(absl::GetFlag(FLAGS_negatives));
  TAILOR_RETURN_IF_ERROR(
      given("cg_steps", absl::GetFlag(FLAGS_cg_steps), &set));
  if (set) spec.set_cg_steps(absl::GetFlag(FLAGS_cg_steps));
  TAILOR_RETURN_IF_ERROR(
      given("neighbors", absl::GetFlag(FLAGS_neighbors), &set));
  if (set) spec.set_neighbors(absl::GetFlag(FLAGS_neighbors));
  if (absl::GetFlag(FLAGS_threads) < 0) {
    return absl::InvalidArgumentError("--threads must be >= 0");
  }
  const std::string solver = absl::GetFlag(FLAGS_solver);
  if (solver == "cg") {
    spec.set_solver(tailor::v1::SOLVER_CG);
  } else if (solver == "cholesky") {
    spec.set_solver(tailor::v1::SOLVER_CHOLESKY);
  } else if (!solver.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--solver='", solver, "' must be cg or cholesky"));
  }
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_options), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--options entry '", pair, "' is not key=value"));
    }
    (*spec.mutable_options())[kv[0]] = kv[1];
  }
  if (path.empty() || absl::GetFlag(FLAGS_seed) != 1) {
    spec.set_seed(absl::GetFlag(FLAGS_seed));
  }
  if (absl::GetFlag(FLAGS_threads) > 0) {
    spec.set_threads(absl::GetFlag(FLAGS_threads));
  }
  ApplyAlgorithmDefaults(spec);
  return spec;
}

}  // namespace tailor
