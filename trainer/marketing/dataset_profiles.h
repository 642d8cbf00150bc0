#ifndef TAILOR_TRAINER_MARKETING_DATASET_PROFILES_H_
#define TAILOR_TRAINER_MARKETING_DATASET_PROFILES_H_

// Opens a dataset directory and builds its user profiles: the common first
// step of `tailor profile` and `tailor segment`.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "trainer/marketing/item_categories.h"
#include "trainer/marketing/profile.h"

namespace tailor {

// A plain value holder; not synchronized.
struct ProfiledDataset {
  std::unique_ptr<Dataset> dataset;
  SparseBlock user_major;
  ItemCategories categories;
  UserProfiles profiles;
};

// Errors name the dataset directory.
absl::StatusOr<ProfiledDataset> LoadAndProfile(
    FileSystem* fs, const std::string& dataset_dir,
    const std::string& category_attribute, const ProfileOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_DATASET_PROFILES_H_
