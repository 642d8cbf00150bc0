#ifndef TAILOR_TRAINER_MARKETING_SEGMENT_IO_H_
#define TAILOR_TRAINER_MARKETING_SEGMENT_IO_H_

// The segment artifact readers and writers live in core/artifacts (the
// ranker reads them too); this header keeps the marketing code's include
// (and, as before, brings in segments.h).

#include "core/artifacts/segment_io.h"
#include "trainer/marketing/rfm.h"
#include "trainer/marketing/segments.h"

namespace tailor {

static_assert(kRfmSegmentCodeCount == kRfmSegmentCount,
              "core/artifacts/segment_io.h must know every RFM segment code");

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_SEGMENT_IO_H_
