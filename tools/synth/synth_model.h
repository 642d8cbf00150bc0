#ifndef TAILOR_TOOLS_SYNTH_SYNTH_MODEL_H_
#define TAILOR_TOOLS_SYNTH_SYNTH_MODEL_H_

// The generative model behind `tailor synth`: items (category, price, title,
// latent factor, bias, power-law popularity), latent user segments that
// prefer groups of categories, the exact number of interactions of every
// user (log-normal activity), and, per user, its attributes and its
// interactions with values and timestamps. Every user and item draws from its
// own counter-based random stream, so a user's lines do not depend on which
// thread generates them. See docs/synth.md.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/synth/synth_options.h"
#include "tools/synth/synth_random.h"

namespace tailor {

// Per-worker counters, summed over workers at the end (sums commute, so the
// totals do not depend on the thread count).
struct SynthStats {
  explicit SynthStats(int64_t items) : item_counts(items, 0) {}
  std::vector<uint32_t> item_counts;
  std::array<int64_t, 65> value_histogram{};  // [64] counts values >= 64
  int64_t fallback_users = 0;  // users sampled by exhaustive weighting
  int64_t forced_ratings = 0;  // ratings raised to min_rating (see docs)
  void Add(const SynthStats& other);
};

// Immutable after Create, so GenerateUser may run on many threads at once,
// each with its own Scratch and SynthStats.
class SynthModel {
 public:
  // Reusable per-thread buffers.
  struct Scratch {
    std::vector<uint8_t> seen;  // per item, all zero between users
    std::vector<uint32_t> chosen;
    std::vector<int32_t> values, prices_cents, session_sizes;
    std::vector<int64_t> times;
    std::vector<float> factor;
    struct Key {
      double key;
      uint32_t item;
      int32_t value;
    };
    std::vector<Key> keys;
  };

  // `options` must pass ValidateSynthOptions (INVALID_ARGUMENT otherwise).
  static absl::StatusOr<std::unique_ptr<SynthModel>> Create(
      const SynthOptions& options);

  const SynthOptions& options() const { return options_; }
  int64_t UserInteractions(int64_t user) const { return counts_[user]; }
  int64_t start_day() const { return start_day_; }

  // Appends the items.csv rows (no header) of items [begin, end).
  void AppendItemRows(int64_t begin, int64_t end, std::string* out) const;
  // Appends the interactions.csv lines of `user` (sorted by time) to
  // `interactions` and its users.csv row to `users`.
  void GenerateUser(int64_t user, Scratch* scratch, std::string* interactions,
                    std::string* users, SynthStats* stats) const;
  Scratch NewScratch() const;

 private:
  explicit SynthModel(const SynthOptions& options) : options_(options) {}
  void BuildSegmentsAndItems();
  void BuildCategorySamplers();
  void AllocateCounts();
  // A candidate item for a user of `segment`: half the time from the
  // segment's preferred categories, else from the whole catalogue, both by
  // popularity; CandidateProbability is the resulting distribution.
  uint32_t Candidate(int segment, SynthRng& rng) const;
  double CandidateProbability(int segment, uint32_t item) const;
  void SampleItems(int64_t k, int segment, double user_bias, SynthRng& rng,
                   Scratch* s, SynthStats* stats) const;
  void FillByWeights(int64_t need, int segment, double user_bias, SynthRng& rng,
                     Scratch* s, SynthStats* stats) const;
  void SampleTimes(int64_t k, int64_t first_day, SynthRng& rng,
                   Scratch* s) const;
  // Returns the value (rating or quantity) of a candidate, or 0 to reject.
  int32_t Value(double dot, uint32_t item, double user_bias,
                SynthRng& rng) const;
  double Dot(const float* p, uint32_t item) const;

  const SynthOptions options_;
  int rank_ = 0, categories_ = 0, user_width_ = 6, item_width_ = 6;
  double inv_sqrt_rank_ = 1.0;
  int64_t start_day_ = 0;
  std::vector<int32_t> counts_;  // interactions per user
  std::vector<uint16_t> item_category_;
  std::vector<int32_t> item_price_cents_;
  std::vector<float> item_factors_;  // items x rank, row-major
  std::vector<float> item_bias_;
  std::vector<double> item_popularity_;  // sums to 1
  AliasTable popularity_, segment_sampler_, age_sampler_, gender_sampler_,
      country_sampler_, hour_sampler_;
  std::vector<float> segment_centers_;    // segments x rank
  std::vector<uint8_t> segment_prefers_;  // segments x categories
  std::vector<std::vector<int>> segment_categories_;
  std::vector<int> segment_age_, segment_gender_;
  std::vector<std::vector<uint32_t>> category_items_;
  std::vector<double> category_mass_;
  std::vector<AliasTable> category_popularity_;
  std::array<double, 7> weekday_weight_{};  // 0 = Sunday
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_SYNTH_SYNTH_MODEL_H_
