#ifndef TAILOR_TESTS_FUZZ_RESEAL_H_
#define TAILOR_TESTS_FUZZ_RESEAL_H_

#include <string>

namespace tailor {

// Rewrites the CRC-32C fields of a (possibly damaged) container file
// (docs/formats/format_conventions.md) in place: the file header CRC, and
// for every section header that lies inside `bytes` its data CRC (over the
// padded data that lies inside `bytes`) and its header CRC. Fuzz targets
// read both the raw input and the resealed one, so mutations reach the
// structural checks behind the checksums. Never reads outside `bytes`.
void ResealContainer(std::string* bytes);

}  // namespace tailor

#endif  // TAILOR_TESTS_FUZZ_RESEAL_H_
