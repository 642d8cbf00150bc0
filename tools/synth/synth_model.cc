#include "tools/synth/synth_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/time/civil_time.h"
#include "tools/synth/synth_catalog.h"

namespace tailor {
namespace {

// Random stream names; (seed, stream, index) picks one independent sequence.
enum Stream : uint64_t {
  kGlobalStream = 1,  // segments, categories, the popularity permutation
  kItemStream = 2,
  kTitleStream = 3,
  kActivityStream = 4,
  kUserStream = 5,
};

// Latent model constants (see docs/synth.md).
constexpr double kSharedFactorShare = 0.5;  // variance from segment/category
constexpr double kAcceptBias = 0.0;
constexpr double kAcceptDot = 1.0;
constexpr double kAcceptSegment = 0.5;
constexpr double kSegmentDraw = 0.5;  // candidates from preferred categories
constexpr double kRatingMean = 3.55, kRatingDot = 0.65, kRatingNoise = 0.6;
constexpr double kUserBiasSd = 0.35, kItemBiasSd = 0.30, kItemBiasPop = 0.15;
constexpr double kSignupBeforeShare = 0.3;
constexpr int kSignupBeforeDays = 730;
constexpr double kFallbackShare = 0.25;

constexpr double kMovieWeekday[7] = {1.25, 0.85, 0.85, 0.9, 0.95, 1.15, 1.3};
constexpr double kRetailWeekday[7] = {1.2, 1.05, 0.95, 0.95, 1.0, 0.95, 0.9};
constexpr double kMovieHours[24] = {3, 2, 1, 1, 1, 1, 1, 2,  2,  3,  3, 4,
                                    4, 4, 4, 4, 5, 6, 8, 10, 11, 10, 8, 5};
constexpr double kRetailHours[24] = {2,  1, 1, 1, 1, 1, 2, 3,  5, 7, 8, 9,
                                     10, 9, 8, 8, 8, 8, 9, 10, 9, 7, 5, 3};

int Digits(int64_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  char* p = buf + sizeof(buf);
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out->append(p, buf + sizeof(buf) - p);
}

void AppendPadded(char prefix, uint64_t v, int width, std::string* out) {
  char buf[24];
  char* p = buf + sizeof(buf);
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
    --width;
  } while (v != 0);
  while (width-- > 0) *--p = '0';
  *--p = prefix;
  out->append(p, buf + sizeof(buf) - p);
}

void AppendCents(int64_t cents, std::string* out) {
  AppendUint(static_cast<uint64_t>(cents / 100), out);
  const int c = static_cast<int>(cents % 100);
  const char frac[3] = {'.', static_cast<char>('0' + c / 10),
                        static_cast<char>('0' + c % 10)};
  out->append(frac, 3);
}

void AppendDate(int64_t days_since_epoch, std::string* out) {
  out->append(
      absl::FormatCivilTime(absl::CivilDay(1970, 1, 1) + days_since_epoch));
}

}  // namespace

void SynthStats::Add(const SynthStats& other) {
  for (size_t i = 0; i < item_counts.size(); ++i) {
    item_counts[i] += other.item_counts[i];
  }
  for (size_t v = 0; v < value_histogram.size(); ++v) {
    value_histogram[v] += other.value_histogram[v];
  }
  fallback_users += other.fallback_users;
  forced_ratings += other.forced_ratings;
}

absl::StatusOr<std::unique_ptr<SynthModel>> SynthModel::Create(
    const SynthOptions& options) {
  if (absl::Status s = ValidateSynthOptions(options); !s.ok()) return s;
  auto model = std::unique_ptr<SynthModel>(new SynthModel(options));
  model->rank_ = options.factors_rank;
  model->inv_sqrt_rank_ = 1.0 / std::sqrt(static_cast<double>(model->rank_));
  model->categories_ =
      static_cast<int>(SynthCategories(options.catalog).size());
  model->user_width_ = std::max(6, Digits(options.users - 1));
  model->item_width_ = std::max(6, Digits(options.items - 1));
  model->start_day_ = *ParseSynthDate(options.start_date);
  model->BuildSegmentsAndItems();
  model->BuildCategorySamplers();
  model->AllocateCounts();
  return model;
}

void SynthModel::BuildSegmentsAndItems() {
  const SynthOptions& o = options_;
  const bool movies = o.catalog == SynthCatalog::kMovies;
  SynthRng g(o.seed, kGlobalStream, 0);
  const double shared = std::sqrt(kSharedFactorShare);
  const double own = std::sqrt(1.0 - kSharedFactorShare);

  // Categories: log-normal sizes and a latent centre each.
  std::vector<double> category_weight(categories_);
  for (double& w : category_weight) w = std::exp(0.6 * g.Normal());
  const AliasTable category_sampler(category_weight);
  std::vector<float> category_centers(categories_ * rank_);
  for (float& x : category_centers) x = static_cast<float>(g.Normal());

  // Segments: Zipf-ish sizes, a centre, preferred categories and attributes.
  std::vector<double> segment_weight(o.segments);
  for (int s = 0; s < o.segments; ++s) segment_weight[s] = 1.0 / (s + 2.0);
  segment_sampler_ = AliasTable(segment_weight);
  segment_centers_.resize(o.segments * rank_);
  segment_prefers_.assign(o.segments * categories_, 0);
  segment_categories_.assign(o.segments, {});
  age_sampler_ = AliasTable(SynthAgeBandWeights());
  gender_sampler_ = AliasTable(SynthGenderWeights());
  country_sampler_ = AliasTable(SynthCountryWeights(o.catalog));
  hour_sampler_ = AliasTable(movies ? kMovieHours : kRetailHours);
  std::copy(std::begin(movies ? kMovieWeekday : kRetailWeekday),
            std::end(movies ? kMovieWeekday : kRetailWeekday),
            weekday_weight_.begin());
  for (int s = 0; s < o.segments; ++s) {
    for (int j = 0; j < rank_; ++j) {
      segment_centers_[s * rank_ + j] = static_cast<float>(g.Normal());
    }
    int picked = 0;
    while (picked < o.segment_categories) {
      const int c = static_cast<int>(g.Below(categories_));
      if (!segment_prefers_[s * categories_ + c]) {
        segment_prefers_[s * categories_ + c] = 1;
        segment_categories_[s].push_back(c);
        // Let the segment's latent centre lean toward its categories too.
        for (int j = 0; j < rank_; ++j) {
          segment_centers_[s * rank_ + j] +=
              0.5f * category_centers[c * rank_ + j];
        }
        ++picked;
      }
    }
    float norm = 0;
    for (int j = 0; j < rank_; ++j) {
      norm += segment_centers_[s * rank_ + j] * segment_centers_[s * rank_ + j];
    }
    const float scale = std::sqrt(rank_ / std::max(norm, 1e-6f));
    for (int j = 0; j < rank_; ++j) segment_centers_[s * rank_ + j] *= scale;
    segment_age_.push_back(age_sampler_.Sample(g));
    segment_gender_.push_back(static_cast<int>(g.Below(2)));  // F or M
  }

  // Popularity: (rank + offset)^-exponent over a random permutation.
  const int64_t n = o.items;
  std::vector<uint32_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = static_cast<uint32_t>(i);
  for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[g.Below(i + 1)]);
  const double offset = o.popularity_offset * static_cast<double>(n) / 20108.0;
  item_popularity_.assign(n, 0.0);
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const double w = std::pow(r + 1.0 + offset, -o.popularity_exponent);
    item_popularity_[perm[r]] = w;
    total += w;
  }
  double log_mean = 0, log_sq = 0;
  for (double& p : item_popularity_) {
    p /= total;
    log_mean += std::log(p);
    log_sq += std::log(p) * std::log(p);
  }
  log_mean /= n;
  const double log_sd =
      std::sqrt(std::max(1e-12, log_sq / n - log_mean * log_mean));
  popularity_ = AliasTable(item_popularity_);

  // Items: category, list price, latent factor, bias.
  item_category_.resize(n);
  item_price_cents_.resize(n);
  item_factors_.resize(n * rank_);
  item_bias_.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    SynthRng rng(o.seed, kItemStream, i);
    const int c = static_cast<int>(category_sampler.Sample(rng));
    item_category_[i] = static_cast<uint16_t>(c);
    double cents = SynthCategoryMedianPriceCents(o.catalog, c) *
                   std::exp(0.45 * rng.Normal());
    int64_t price = std::max<int64_t>(49, std::llround(cents));
    if (price >= 200 && rng.Bernoulli(0.5)) price = price / 100 * 100 - 1;
    item_price_cents_[i] = static_cast<int32_t>(
        std::min<int64_t>(price, std::numeric_limits<int32_t>::max()));
    for (int j = 0; j < rank_; ++j) {
      item_factors_[i * rank_ + j] = static_cast<float>(
          shared * category_centers[c * rank_ + j] + own * rng.Normal());
    }
    item_bias_[i] = static_cast<float>(
        kItemBiasSd * rng.Normal() +
        kItemBiasPop * (std::log(item_popularity_[i]) - log_mean) / log_sd);
  }
}

void SynthModel::BuildCategorySamplers() {
  category_items_.assign(categories_, {});
  category_mass_.assign(categories_, 0.0);
  for (uint32_t i = 0; i < options_.items; ++i) {
    category_items_[item_category_[i]].push_back(i);
    category_mass_[item_category_[i]] += item_popularity_[i];
  }
  category_popularity_.clear();
  for (int c = 0; c < categories_; ++c) {
    std::vector<double> w;
    for (uint32_t i : category_items_[c]) w.push_back(item_popularity_[i]);
    category_popularity_.emplace_back(w);
  }
}

uint32_t SynthModel::Candidate(int segment, SynthRng& rng) const {
  if (rng.Bernoulli(kSegmentDraw)) {
    const std::vector<int>& prefs = segment_categories_[segment];
    const int c = prefs[rng.Below(prefs.size())];
    if (!category_items_[c].empty()) {
      return category_items_[c][category_popularity_[c].Sample(rng)];
    }
  }
  return popularity_.Sample(rng);
}

double SynthModel::CandidateProbability(int segment, uint32_t item) const {
  const int c = item_category_[item];
  double p = (1.0 - kSegmentDraw) * item_popularity_[item];
  if (segment_prefers_[segment * categories_ + c] && category_mass_[c] > 0) {
    p += kSegmentDraw * item_popularity_[item] /
         (category_mass_[c] * segment_categories_[segment].size());
  }
  return p;
}

void SynthModel::AllocateCounts() {
  const SynthOptions& o = options_;
  const int64_t users = o.users, total = o.interactions;
  counts_.assign(users, 0);
  if (total == 0) return;
  std::vector<double> w(users);
  for (int64_t u = 0; u < users; ++u) {
    SynthRng rng(o.seed, kActivityStream, u);
    w[u] = std::exp(o.activity_sigma * rng.Normal());
  }
  const int64_t cap = std::min<int64_t>(
      o.items,
      std::max<int64_t>(
          static_cast<int64_t>(std::ceil(o.max_user_item_share * o.items)),
          (total + users - 1) / users));
  // Water-filling: find s with sum_u min(cap, s * w_u) = total.
  auto filled = [&](double s) {
    long double sum = 0;
    for (double x : w) sum += std::min<double>(cap, s * x);
    return sum;
  };
  double lo = 0, hi = 1;
  while (filled(hi) < total) hi *= 2;
  for (int it = 0; it < 64 && hi - lo > hi * 1e-12; ++it) {
    const double mid = 0.5 * (lo + hi);
    (filled(mid) < total ? lo : hi) = mid;
  }
  const long double target_sum = filled(hi);
  // Cumulative rounding: counts sum to `total` exactly, each within one of
  // its target.
  long double acc = 0;
  int64_t prev = 0, deficit = 0;
  for (int64_t u = 0; u < users; ++u) {
    acc += std::min<double>(cap, hi * w[u]);
    const int64_t upto =
        u + 1 == users
            ? total
            : std::min<int64_t>(total, std::llround(acc * total / target_sum));
    int64_t c = std::max<int64_t>(0, upto - prev);
    prev += c;
    if (c > cap) {
      deficit += c - cap;
      c = cap;
    }
    counts_[u] = static_cast<int32_t>(c);
  }
  for (int64_t u = 0; deficit > 0 && u < users; ++u) {
    const int64_t add = std::min<int64_t>(deficit, cap - counts_[u]);
    counts_[u] += static_cast<int32_t>(add);
    deficit -= add;
  }
}

SynthModel::Scratch SynthModel::NewScratch() const {
  Scratch s;
  s.seen.assign(options_.items, 0);
  s.factor.resize(rank_);
  return s;
}

void SynthModel::AppendItemRows(int64_t begin, int64_t end,
                                std::string* out) const {
  const auto names = SynthCategories(options_.catalog);
  for (int64_t i = begin; i < end; ++i) {
    SynthRng rng(options_.seed, kTitleStream, i);
    AppendPadded('i', i, item_width_, out);
    out->push_back(',');
    out->append(names[item_category_[i]]);
    out->push_back(',');
    AppendCents(item_price_cents_[i], out);
    out->push_back(',');
    AppendCsvField(SynthItemTitle(options_.catalog, item_category_[i], rng),
                   out);
    out->push_back('\n');
  }
}

double SynthModel::Dot(const float* p, uint32_t item) const {
  const float* q = &item_factors_[static_cast<size_t>(item) * rank_];
  // Eight fixed lanes (vectorizable, and the same sum on every thread).
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= rank_; j += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += p[j + l] * q[j + l];
  }
  float sum = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
              ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
  for (; j < rank_; ++j) sum += p[j] * q[j];
  return sum * inv_sqrt_rank_;
}

int32_t SynthModel::Value(double dot, uint32_t item, double user_bias,
                          SynthRng& rng) const {
  if (options_.value == SynthValue::kRating) {
    const double r = kRatingMean + user_bias + item_bias_[item] +
                     kRatingDot * dot + kRatingNoise * rng.Normal();
    const int32_t rating =
        static_cast<int32_t>(std::min(5.0, std::max(1.0, std::nearbyint(r))));
    return rating >= options_.min_rating ? rating : 0;
  }
  if (rng.Bernoulli(0.02)) {
    static constexpr int32_t kBulk[] = {6, 12, 24};
    return kBulk[rng.Below(3)];
  }
  return 1 +
         static_cast<int32_t>(std::min(20.0, std::floor(rng.Exponential(0.9))));
}

void SynthModel::SampleItems(int64_t k, int segment, double user_bias,
                             SynthRng& rng, Scratch* s,
                             SynthStats* stats) const {
  const uint8_t* prefers = &segment_prefers_[segment * categories_];
  const float* p = s->factor.data();
  int64_t budget = k > kFallbackShare * options_.items ? 0 : 64 * k + 4096;
  while (static_cast<int64_t>(s->chosen.size()) < k && budget-- > 0) {
    const uint32_t item = Candidate(segment, rng);
    if (s->seen[item]) continue;
    const double dot = Dot(p, item);
    const double logit = kAcceptBias + kAcceptDot * dot +
                         kAcceptSegment * prefers[item_category_[item]];
    if (rng.Uniform() * (1.0 + std::exp(-logit)) >= 1.0) continue;
    const int32_t value = Value(dot, item, user_bias, rng);
    if (value == 0) continue;
    s->seen[item] = 1;
    s->chosen.push_back(item);
    s->values.push_back(value);
  }
  const int64_t need = k - static_cast<int64_t>(s->chosen.size());
  if (need > 0) {
    ++stats->fallback_users;
    FillByWeights(need, segment, user_bias, rng, s, stats);
  }
}

// Exact weighted sampling without replacement (Efraimidis-Spirakis keys)
// over every item not chosen yet, with weight popularity x acceptance, and 0
// for ratings below min_rating. Used for users that want a large share of the
// catalogue, where rejection sampling would stall.
void SynthModel::FillByWeights(int64_t need, int segment, double user_bias,
                               SynthRng& rng, Scratch* s,
                               SynthStats* stats) const {
  const uint8_t* prefers = &segment_prefers_[segment * categories_];
  constexpr double kIneligible = 1e300;
  s->keys.clear();
  for (uint32_t item = 0; item < options_.items; ++item) {
    if (s->seen[item]) continue;
    const double dot = Dot(s->factor.data(), item);
    const double logit = kAcceptBias + kAcceptDot * dot +
                         kAcceptSegment * prefers[item_category_[item]];
    const double weight =
        CandidateProbability(segment, item) / (1.0 + std::exp(-logit));
    const int32_t value = Value(dot, item, user_bias, rng);
    const double u = rng.UniformOpen();
    const double key = value > 0 && weight > 0 ? -std::log(u) / weight
                                               : kIneligible * (1.0 + u);
    s->keys.push_back({key, item, value});
  }
  auto by_key = [](const Scratch::Key& a, const Scratch::Key& b) {
    return a.key < b.key || (a.key == b.key && a.item < b.item);
  };
  std::nth_element(s->keys.begin(), s->keys.begin() + (need - 1), s->keys.end(),
                   by_key);
  std::sort(s->keys.begin(), s->keys.begin() + need, by_key);
  for (int64_t j = 0; j < need; ++j) {
    const Scratch::Key& key = s->keys[j];
    int32_t value = key.value;
    if (value == 0) {  // only when too few eligible items remain
      value = options_.min_rating;
      ++stats->forced_ratings;
    }
    s->seen[key.item] = 1;
    s->chosen.push_back(key.item);
    s->values.push_back(value);
  }
}

// Sessions on days weighted by weekday, at hours weighted by the daily
// rhythm; events within a session follow each other by exponential gaps.
void SynthModel::SampleTimes(int64_t k, int64_t first_day, SynthRng& rng,
                             Scratch* s) const {
  const int64_t end_day = start_day_ + options_.days;
  const int64_t end_seconds = end_day * 86400 - 1;
  const int64_t span = end_day - first_day;
  const double max_weekday =
      *std::max_element(weekday_weight_.begin(), weekday_weight_.end());
  const int64_t sessions = std::max<int64_t>(
      1, std::min<int64_t>(k, std::llround(static_cast<double>(k) /
                                           options_.session_mean_events)));
  s->session_sizes.assign(sessions, 0);
  for (int64_t e = 0; e < k; ++e) ++s->session_sizes[rng.Below(sessions)];
  s->times.clear();
  for (int64_t j = 0; j < sessions; ++j) {
    int64_t day = first_day + static_cast<int64_t>(rng.Below(span));
    for (int tries = 0; tries < 8; ++tries) {
      const int weekday = static_cast<int>(((day + 4) % 7 + 7) % 7);
      if (rng.Uniform() * max_weekday < weekday_weight_[weekday]) break;
      day = first_day + static_cast<int64_t>(rng.Below(span));
    }
    int64_t t = day * 86400 + hour_sampler_.Sample(rng) * 3600 +
                static_cast<int64_t>(rng.Below(3600));
    for (int32_t e = 0; e < s->session_sizes[j]; ++e) {
      s->times.push_back(std::min(t, end_seconds));
      t += 1 + static_cast<int64_t>(
                   rng.Exponential(options_.session_gap_mean_seconds));
    }
  }
  std::sort(s->times.begin(), s->times.end());
}

void SynthModel::GenerateUser(int64_t user, Scratch* s,
                              std::string* interactions, std::string* users,
                              SynthStats* stats) const {
  const SynthOptions& o = options_;
  SynthRng rng(o.seed, kUserStream, user);
  const int segment = static_cast<int>(segment_sampler_.Sample(rng));
  const int age = rng.Bernoulli(0.45)
                      ? segment_age_[segment]
                      : static_cast<int>(age_sampler_.Sample(rng));
  const int gender = rng.Bernoulli(0.3)
                         ? segment_gender_[segment]
                         : static_cast<int>(gender_sampler_.Sample(rng));
  const int country = static_cast<int>(country_sampler_.Sample(rng));
  const int64_t signup_day =
      rng.Bernoulli(kSignupBeforeShare)
          ? start_day_ - 1 - static_cast<int64_t>(rng.Below(kSignupBeforeDays))
          : start_day_ + static_cast<int64_t>(
                             rng.Below(std::max<int64_t>(1, o.days * 9 / 10)));
  const double shared = std::sqrt(kSharedFactorShare);
  const double own = std::sqrt(1.0 - kSharedFactorShare);
  for (int j = 0; j < rank_; ++j) {
    s->factor[j] = static_cast<float>(
        shared * segment_centers_[segment * rank_ + j] + own * rng.Normal());
  }
  const double user_bias = kUserBiasSd * rng.Normal();

  // users.csv row.
  std::string id;
  AppendPadded('u', user, user_width_, &id);
  users->append(id);
  users->push_back(',');
  users->append(SynthAgeBands()[age]);
  users->push_back(',');
  users->append(SynthGenders()[gender]);
  users->push_back(',');
  users->append(SynthCountries()[country]);
  users->push_back(',');
  AppendDate(signup_day, users);
  users->push_back('\n');

  const int64_t k = counts_[user];
  if (k == 0) return;
  s->chosen.clear();
  s->values.clear();
  SampleItems(k, segment, user_bias, rng, s, stats);
  SampleTimes(k, std::max(start_day_, signup_day), rng, s);
  for (int64_t e = 0; e < k; ++e) {
    const uint32_t item = s->chosen[e];
    s->seen[item] = 0;
    int64_t price = item_price_cents_[item];
    if (o.value == SynthValue::kQuantity && rng.Bernoulli(0.12)) {
      price = std::max<int64_t>(
          1, std::llround(price * (0.7 + 0.2 * rng.Uniform())));
    }
    const int32_t value = s->values[e];
    interactions->append(id);
    interactions->push_back(',');
    AppendPadded('i', item, item_width_, interactions);
    interactions->push_back(',');
    AppendUint(value, interactions);
    interactions->push_back(',');
    AppendUint(s->times[e], interactions);
    interactions->push_back(',');
    AppendCents(price, interactions);
    interactions->push_back('\n');
    ++stats->item_counts[item];
    ++stats->value_histogram[std::min<int32_t>(value, 64)];
  }
}

}  // namespace tailor
