#include "tools/ingest/field_parsers.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace tailor {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool LooksNonFinite(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  const char c = static_cast<char>(s[0] | 0x20);
  return c == 'n' || c == 'i';
}

// The value of 1 to `max_digits` decimal digits (and nothing else), or -1.
// Exact, and the same as std::from_chars, for values below 2^53.
inline int64_t SmallDecimal(absl::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return -1;
  int64_t v = 0;
  for (const char c : s) {
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

template <typename T>
NumberParse ParseNumber(absl::string_view s, T* out) {
  s = TrimSpaces(s);
  // Plain integers of up to 7 (float) or 15 (double) digits are exact in T:
  // no need for the general parser.
  const int64_t small = SmallDecimal(s, sizeof(T) == 4 ? 7 : 15);
  if (small >= 0) {
    *out = static_cast<T>(small);
    return NumberParse::kOk;
  }
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
      return NumberParse::kNotANumber;
    }
  }
  if (s.empty()) return NumberParse::kNotANumber;
  T value;
  const char* end = s.data() + s.size();
  const std::from_chars_result r = std::from_chars(s.data(), end, value);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow is not finite; underflow to zero is fine.
    if (LooksNonFinite(s)) return NumberParse::kNotFinite;
    double d;
    if (std::from_chars(s.data(), end, d).ec == std::errc() &&
        std::fabs(d) < 1.0) {
      *out = 0;
      return NumberParse::kOk;
    }
    return NumberParse::kNotFinite;
  }
  if (r.ec != std::errc() || r.ptr != end) return NumberParse::kNotANumber;
  if (!std::isfinite(value)) return NumberParse::kNotFinite;
  *out = value;
  return NumberParse::kOk;
}

// Parses exactly `n` digits at s[pos..).
bool Digits(absl::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

bool ParseUnix(absl::string_view s, int64_t* out) {
  const int64_t small = SmallDecimal(s, 18);
  if (small >= 0) {
    *out = small;
    return true;
  }
  const char* end = s.data() + s.size();
  int64_t v = 0;
  std::from_chars_result r = std::from_chars(s.data(), end, v);
  if (r.ec != std::errc() || r.ptr == s.data()) return false;
  if (r.ptr != end) {  // optional fraction
    if (*r.ptr != '.') return false;
    for (const char* p = r.ptr + 1; p < end; ++p) {
      if (!IsDigit(*p)) return false;
    }
  }
  *out = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ParseIso(absl::string_view s, int64_t* out) {
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' ||
      !Digits(s, 5, 2, &month) || s[7] != '-' || !Digits(s, 8, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return false;
  }
  size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return false;
    if (!Digits(s, pos + 1, 2, &hour) || pos + 3 >= s.size() ||
        s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &minute)) {
      return false;
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &second)) return false;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        if (pos >= s.size() || !IsDigit(s[pos])) return false;
        while (pos < s.size() && IsDigit(s[pos])) ++pos;
      }
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
    if (pos != s.size()) return false;
    if (hour > 23 || minute > 59 || second > 60) return false;
  }
  *out = UnixSecondsFromCivil(year, month, day, hour, minute, second);
  return true;
}

}  // namespace

absl::string_view TrimSpaces(absl::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

NumberParse ParseFloatField(absl::string_view s, float* out) {
  return ParseNumber(s, out);
}

NumberParse ParseDoubleField(absl::string_view s, double* out) {
  return ParseNumber(s, out);
}

int64_t UnixSecondsFromCivil(int64_t year, int month, int day, int hour,
                             int minute, int second) {
  // Days from 1970-01-01 of a proleptic Gregorian date, counting in
  // 400-year eras that start on March 1st.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year =
      (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + day_of_era - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

bool ParseTimestampField(absl::string_view s, TimestampFormat format,
                         int64_t* unix_seconds) {
  s = TrimSpaces(s);
  if (s.empty()) return false;
  switch (format) {
    case TimestampFormat::kUnixSeconds:
      return ParseUnix(s, unix_seconds);
    case TimestampFormat::kIso:
      return ParseIso(s, unix_seconds);
    case TimestampFormat::kAuto:
      if (s.size() >= 5 && s[4] == '-') return ParseIso(s, unix_seconds);
      return ParseUnix(s, unix_seconds);
  }
  return false;
}

absl::string_view NormalizeNumericId(absl::string_view s) {
  const size_t dot = s.find('.');
  if (dot == absl::string_view::npos || dot == 0 || dot + 1 == s.size()) {
    return s;
  }
  for (size_t i = 0; i < dot; ++i) {
    if (!IsDigit(s[i])) return s;
  }
  for (size_t i = dot + 1; i < s.size(); ++i) {
    if (s[i] != '0') return s;
  }
  return s.substr(0, dot);
}

bool IsValidUtf8(absl::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  // Fast path for short ASCII ids: no byte has the high bit set.
  if (s.size() <= 32) {
    unsigned char any = 0;
    for (const unsigned char* q = p; q < end; ++q) any |= *q;
    if ((any & 0x80) == 0) return true;
  }
  while (p < end) {
    // Fast path: 8 ASCII bytes at a time.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

std::string Latin1ToUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

}  // namespace tailor
