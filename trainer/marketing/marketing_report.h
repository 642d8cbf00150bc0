#ifndef TAILOR_TRAINER_MARKETING_MARKETING_REPORT_H_
#define TAILOR_TRAINER_MARKETING_MARKETING_REPORT_H_

// The sections of the HTML reports of `tailor profile` and `tailor
// segment`: lifecycle stages, the RFM score distribution and segments,
// segment sizes, descriptions and top categories.

#include <string>
#include <vector>

#include "core/dataset/dataset.h"
#include "trainer/marketing/html_report.h"
#include "trainer/marketing/profile.h"
#include "trainer/marketing/segments.h"

namespace tailor {

// "id (title)" using the first item attribute named title, description or
// name when present and non-empty; else the external id.
std::string ItemLabel(const EntityColumns& items, int64_t item);

// Lifecycle stages, R x F heat map, RFM segment sizes, activity rhythm.
std::vector<ReportSection> ProfileReportSections(const UserProfiles& p);

// Sizes, a description table and top categories per segment of one
// segmentation (`kind` is e.g. "K-means" or "RFM").
std::vector<ReportSection> SegmentReportSections(
    const std::string& kind, const std::vector<SegmentDescription>& segments,
    const EntityColumns& items);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_MARKETING_REPORT_H_
