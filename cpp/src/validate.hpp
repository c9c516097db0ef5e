// Argument checks shared by every entry point; each throws trajcore::Error with a message that
// names the argument, the expected and the received value.
#pragma once

#include <cstdint>
#include <string>

#include "trajcore/error.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore::detail {

// "[2, 1]": the multi-index of flat position `flat` in `shape`.
std::string index_str(const Shape& shape, int64_t flat);

// "nan", "inf", "-inf" or the value as printed by iostreams ("-1.5").
std::string value_str(double value);

// `name` is a non-empty array shaped (..., fields) with a non-null data pointer.
void check_items(const Shape& shape, const void* data, const char* name, int64_t fields,
                 const char* field_names);

// numpy broadcasting of two leading shapes; throws naming both arguments.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* name_a, const char* name_b);

void check_same_device(const Device& got, const Device& expected, const char* name,
                       const char* reference_name);

// An output view: exactly `expected` shape, on `device`, not overlapping the input ranges.
void check_output(const Shape& shape, const void* data, const Device& device, const char* name,
                  const Shape& expected, const Device& expected_device);

struct ByteRange {
  const void* data;
  int64_t bytes;
};
void check_no_overlap(ByteRange out, const char* out_name, ByteRange in, const char* in_name);

// Whether every one of n floats is finite: a branch-free scan that vectorises, for the hot
// argument checks (callers locate the defect with a plain loop only when this fails).
bool all_finite(const float* v, int64_t n);

// First invalid box in a CPU array of boxes, as (flat box index, field), or (-1, -1).
struct BoxDefect {
  int64_t box = -1;
  int field = -1;
};
BoxDefect find_invalid_box_cpu(const float* boxes, int64_t n);

// Throws for a defect found by find_invalid_box_*: non-finite field or negative extent.
[[noreturn]] void throw_box_defect(const BoxDefect& defect, float value, const Shape& shape,
                                   const char* name);

}  // namespace trajcore::detail
