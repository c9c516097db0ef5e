#include "validate.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "parallel.hpp"
#include "trajcore/box.hpp"

namespace trajcore::detail {

namespace {

double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) return double(pages) * double(page);
#endif
  return 1e15;  // unknown: only sizes beyond any machine are refused up front
}

}  // namespace

std::string index_str(const Shape& shape, int64_t flat) {
  int64_t idx[kMaxRank];
  for (int d = shape.rank() - 1; d >= 0; --d) {
    idx[d] = shape[d] > 0 ? flat % shape[d] : 0;
    flat = shape[d] > 0 ? flat / shape[d] : 0;
  }
  std::ostringstream os;
  os << '[';
  for (int d = 0; d < shape.rank(); ++d) os << (d ? ", " : "") << idx[d];
  os << ']';
  return os.str();
}

std::string value_str(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << value;
  return os.str();
}

void check_items(const Shape& shape, const void* data, const char* name, int64_t fields,
                 const char* field_names) {
  if (shape.rank() == 0 || shape.back() != fields) {
    throw Error(std::string(name) + " has shape " + shape.str() + ", expected (..., " +
                std::to_string(fields) + ") = (..., " + field_names + ")");
  }
  if (shape.numel() == 0) {
    throw Error(std::string(name) + " is empty: shape " + shape.str() +
                ", expected at least one item");
  }
  if (data == nullptr) throw Error(std::string(name) + " has a null data pointer");
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* name_a, const char* name_b) {
  const int r = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  for (int d = 0; d < r; ++d) {
    const int ia = d - (r - a.rank()), ib = d - (r - b.rank());
    const int64_t na = ia >= 0 ? a[ia] : 1, nb = ib >= 0 ? b[ib] : 1;
    if (na != nb && na != 1 && nb != 1) {
      throw Error(std::string(name_a) + " and " + name_b +
                  " cannot be broadcast together: leading shapes " + a.str() + " and " + b.str());
    }
    out.push_back(na == 1 ? nb : na);
  }
  return out;
}

void check_same_device(const Device& got, const Device& expected, const char* name,
                       const char* reference_name) {
  if (got != expected) {
    throw Error(std::string(name) + " is on " + got.str() + ", expected " + expected.str() +
                " (the device of " + reference_name + ")");
  }
}

void check_output(const Shape& shape, const void* data, const Device& device, const char* name,
                  const Shape& expected, const Device& expected_device) {
  if (shape != expected) {
    throw Error(std::string(name) + " has shape " + shape.str() + ", expected " + expected.str());
  }
  if (data == nullptr && expected.numel() > 0) {  // an empty array may have no memory
    throw Error(std::string(name) + " has a null data pointer");
  }
  if (device != expected_device) {
    throw Error(std::string(name) + " is on " + device.str() + ", expected " +
                expected_device.str() + " (the device of the inputs)");
  }
}

void check_no_overlap(ByteRange out, const char* out_name, ByteRange in, const char* in_name) {
  const auto o = reinterpret_cast<uintptr_t>(out.data), i = reinterpret_cast<uintptr_t>(in.data);
  if (o < i + static_cast<uintptr_t>(in.bytes) && i < o + static_cast<uintptr_t>(out.bytes)) {
    throw Error(std::string(out_name) + " overlaps " + in_name +
                " in memory, expected separate memory for the result");
  }
}

bool all_finite(const float* v, int64_t n) {
  bool bad = false;
  for (int64_t i = 0; i < n; ++i) bad |= !(std::fabs(v[i]) <= std::numeric_limits<float>::max());
  return !bad;
}

BoxDefect find_invalid_box_cpu(const float* boxes, int64_t n) {
  constexpr int64_t kGrain = 16384;
  const int64_t n_chunks = (n + kGrain - 1) / kGrain;
  // One slot per chunk, combined in chunk order: the first defect whatever the thread count.
  std::vector<BoxDefect> found(static_cast<size_t>(n_chunks));
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    // A branch-free scan first (vectorises); the exact position only where it failed.
    bool bad = false;
    for (int64_t i = begin * kBoxFields; i < end * kBoxFields; ++i) bad |= !std::isfinite(boxes[i]);
    for (int64_t i = begin; i < end; ++i) {
      bad |= (boxes[i * kBoxFields + 3] < 0.f) | (boxes[i * kBoxFields + 4] < 0.f);
    }
    if (!bad) return;
    for (int64_t i = begin; i < end; ++i) {
      for (int f = 0; f < kBoxFields; ++f) {
        const float v = boxes[i * kBoxFields + f];
        if (!std::isfinite(v) || (f >= 3 && v < 0.f)) {
          found[static_cast<size_t>(begin / kGrain)] = {i, f};
          return;
        }
      }
    }
  });
  for (const BoxDefect& d : found) {
    if (d.box >= 0) return d;
  }
  return {};
}

[[noreturn]] void throw_box_defect(const BoxDefect& defect, float value, const Shape& shape,
                                   const char* name) {
  static const char* const kFields[kBoxFields] = {"x", "y", "yaw", "length", "width"};
  const std::string where =
      std::string(name) + index_str(shape, defect.box * kBoxFields + defect.field);
  const char* field = kFields[defect.field];
  if (std::isnan(value)) {
    throw Error(where + " (" + field + ") is nan, expected a finite value");
  }
  if (std::isinf(value)) {
    throw Error(where + " (" + field + ") is " + (value > 0 ? "inf" : "-inf") +
                ", expected a finite value");
  }
  std::ostringstream os;
  os << where << " (" << field << ") is " << value << ", expected a " << field << " >= 0";
  throw Error(os.str());
}

}  // namespace trajcore::detail

namespace trajcore {

void check_fits_in_memory(double bytes, const std::string& what) {
  const double memory = detail::physical_memory_bytes();
  if (!(bytes <= memory)) {  // also NaN
    std::ostringstream os;
    os.precision(3);
    os << what << " needs " << bytes / double(1 << 30) << " GiB, more than this machine's "
       << memory / double(1 << 30) << " GiB of memory";
    throw Error(os.str(), ErrorKind::kOutOfMemory);
  }
}

}  // namespace trajcore
