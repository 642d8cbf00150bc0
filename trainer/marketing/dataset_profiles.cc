#include "trainer/marketing/dataset_profiles.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

absl::Status Named(const std::string& dir, const absl::Status& s) {
  return absl::Status(s.code(),
                      absl::StrCat("dataset ", dir, ": ", s.message()));
}

}  // namespace

absl::StatusOr<ProfiledDataset> LoadAndProfile(
    FileSystem* fs, const std::string& dataset_dir,
    const std::string& category_attribute, const ProfileOptions& options) {
  ProfiledDataset d;
  auto dataset = Dataset::Open(fs, dataset_dir);
  if (!dataset.ok()) return Named(dataset_dir, dataset.status());
  d.dataset = std::move(*dataset);
  auto block = d.dataset->LoadUserMajor();
  if (!block.ok()) return Named(dataset_dir, block.status());
  d.user_major = std::move(*block);
  auto cats = ExtractItemCategories(d.dataset->items(), category_attribute);
  if (!cats.ok()) return Named(dataset_dir, cats.status());
  d.categories = std::move(*cats);
  ProfileSource source{&d.dataset->manifest(), &d.dataset->users(),
                       &d.dataset->items(), &d.user_major, &d.categories};
  auto profiles = BuildProfiles(source, options);
  if (!profiles.ok()) return Named(dataset_dir, profiles.status());
  d.profiles = std::move(*profiles);
  return d;
}

}  // namespace tailor
