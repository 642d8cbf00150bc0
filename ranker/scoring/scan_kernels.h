#ifndef TAILOR_RANKER_SCORING_SCAN_KERNELS_H_
#define TAILOR_RANKER_SCORING_SCAN_KERNELS_H_

// AVX2/FMA kernels behind ItemScorer (internal to ranker/scoring).
//
// Panel layout: items are grouped 8 to a panel (the last one zero-padded).
// A float panel is dim x 8 floats, element (item 8p + l, dim j) at
// panels[(p * dim + j) * 8 + l], so one 256-bit load holds one dimension of
// 8 items and a broadcast query element times it is 8 partial dot products:
// no horizontal sums. An int8 panel holds groups of 4 dimensions: dim4 / 4
// groups of 32 bytes, byte (item 8p + l, dim 4g + t) at
// panels[(p * dim4 / 4 + g) * 32 + 4 * l + t], stored as q + 128 (q in
// [-127, 127], one scale per item) so vpmaddubsw can multiply it with the
// query quantized to [-63, 63] without saturating.
// Functions are stateless and thread-safe.

#include <cstdint>

namespace tailor::ranker::internal {

inline constexpr int kPanelItems = 8;
inline int64_t NumPanels(int64_t items) { return (items + 7) / 8; }
inline int Int8Dim(int dim) { return (dim + 3) / 4 * 4; }
// Largest number of queries one kernel call handles.
inline constexpr int kMaxQueryTile = 4;

// Writes NumPanels(n) * dim * 8 floats.
void PackFloatPanels(const float* rows, int64_t n, int dim, float* panels);
// Writes NumPanels(n) * Int8Dim(dim) * 8 bytes and NumPanels(n) * 8 scales
// (row max |x| / 127; 0 for padding and all-zero rows).
void PackInt8Panels(const float* rows, int64_t n, int dim, uint8_t* panels,
                    float* scales);

// For the int8 error bound, per item of PackInt8Panels' output: norms[i] =
// |y^_i|_2 (the dequantized row scale_i * q_i) and residuals[i] =
// |y_i - y^_i|_2, both rounded up; NumPanels(n) * 8 values, 0 for padding.
void Int8ErrorNorms(const float* rows, int64_t n, int dim,
                    const uint8_t* panels, const float* scales, float* norms,
                    float* residuals);

// Quantizes a query to Int8Dim(dim) values in [-63, 63] (zero-padded);
// `scale` = max |x| / 63, `offset` = 128 * sum of the quantized values.
void QuantizeQuery(const float* query, int dim, int8_t* out, float* scale,
                   int32_t* offset);

// For panels [p0, p1) and nq <= kMaxQueryTile queries, writes the score of
// item 8p + l for query i to scores[i * stride + 8 * (p - p0) + l]. When
// `masks` is set, also writes masks[i * mask_stride + (p - p0)]: bit l set
// when that score >= thresholds[i] (the compare runs on the registers, so
// the selection only reads one byte per panel).
void ScoreFloatPanels(const float* panels, int dim, int64_t p0, int64_t p1,
                      const float* const* queries, int nq, float* scores,
                      int64_t stride, const float* thresholds = nullptr,
                      uint8_t* masks = nullptr, int64_t mask_stride = 0);
// The same over int8 panels; scores approximate the float dot products:
// (integer dot - offset) * query scale * item scale. use_vnni (only when
// CpuHasAvxVnni()) runs AVX-VNNI vpdpbusd instead of vpmaddubsw +
// vpmaddwd; the integer sums, hence the scores, are identical. Masks as for
// ScoreFloatPanels.
void ScoreInt8Panels(const uint8_t* panels, const float* scales, int dim,
                     int64_t p0, int64_t p1, const int8_t* const* queries,
                     const float* query_scales, const int32_t* query_offsets,
                     int nq, float* scores, int64_t stride, bool use_vnni,
                     const float* thresholds = nullptr,
                     uint8_t* masks = nullptr, int64_t mask_stride = 0);

// True when this CPU has AVX-VNNI (vpdpbusd on 256-bit registers).
bool CpuHasAvxVnni();

// Plain dot product (AVX2/FMA, unaligned).
float DotFloat(const float* a, const float* b, int dim);

}  // namespace tailor::ranker::internal

#endif  // TAILOR_RANKER_SCORING_SCAN_KERNELS_H_
