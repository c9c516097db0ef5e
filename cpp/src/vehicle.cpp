// Vehicle presets and parameter validation.
#include "trajcore/vehicle.hpp"

#include <cmath>
#include <string>

#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr float kHalfPi = 1.57079632679489662f;
constexpr float kPi = 3.14159265358979324f;

enum class Range { kPositive, kAny, kBelowHalfPi, kBelowPi };

// Builds the message only on failure: validation runs on every call and must not allocate.
void check_field(float value, const char* owner, const char* field, Range range) {
  const char* expected = nullptr;
  const bool positive = value > 0.f;
  if (!std::isfinite(value)) {
    expected = "a finite number";
  } else if (range == Range::kPositive && !positive) {
    expected = "> 0";
  } else if (range == Range::kBelowHalfPi && (!positive || value >= kHalfPi)) {
    expected = "in (0, pi/2)";
  } else if (range == Range::kBelowPi && (!positive || value >= kPi)) {
    expected = "in (0, pi)";
  }
  if (expected != nullptr) {
    throw Error(std::string(owner) + "." + field + " is " + detail::value_str(value) +
                ", expected " + expected);
  }
}

}  // namespace

VehicleParams VehicleParams::passenger_car() {
  VehicleParams p;
  p.length = 5.176f;  // nuPlan get_pacifica_parameters(): front 4.049 + rear 1.127 of the axle
  p.width = 2.297f;
  p.wheelbase = 3.089f;
  p.rear_axle_to_center = 1.461f;  // half length minus the rear overhang
  p.max_acceleration = 4.0f;
  p.max_deceleration = 8.0f;
  p.max_jerk = 12.0f;
  p.max_steering_angle = 1.0471976f;  // pi / 3, nuPlan's and PDM's bicycle limit
  p.max_steering_rate = 0.8f;
  p.max_lateral_acceleration = 7.0f;
  return p;
}

VehicleParams VehicleParams::semi_truck() {
  VehicleParams p;
  p.length = 5.1f;  // tractor: CommonRoad vehicle 4 (l 5.1, w 2.55, a = b = 1.8)
  p.width = 2.55f;
  p.wheelbase = 3.6f;
  p.rear_axle_to_center = 1.8f;
  p.max_acceleration = 1.5f;
  p.max_deceleration = 6.0f;
  p.max_jerk = 6.0f;
  p.max_steering_angle = 0.55f;   // CommonRoad vehicle 4
  p.max_steering_rate = 0.7103f;  // CommonRoad vehicle 4
  p.max_lateral_acceleration = 3.0f;  // below the rollover threshold of a loaded trailer
  p.has_trailer = true;
  p.trailer.length = 13.6f;  // CommonRoad vehicle 4 trailer: l 13.6, w 2.55, l_wb 8.1
  p.trailer.width = 2.55f;
  p.trailer.wheelbase = 8.1f;
  p.trailer.axle_to_center = 2.9f;  // kingpin 1.6 m behind the trailer's front
  p.trailer.hitch_offset = 0.3f;    // fifth wheel just ahead of the drive axle
  p.trailer.max_articulation = 1.4f;
  return p;
}

void validate(const VehicleParams& p) {
  const char* v = "params";
  check_field(p.length, v, "length", Range::kPositive);
  check_field(p.width, v, "width", Range::kPositive);
  check_field(p.wheelbase, v, "wheelbase", Range::kPositive);
  check_field(p.rear_axle_to_center, v, "rear_axle_to_center", Range::kAny);
  check_field(p.max_acceleration, v, "max_acceleration", Range::kPositive);
  check_field(p.max_deceleration, v, "max_deceleration", Range::kPositive);
  check_field(p.max_jerk, v, "max_jerk", Range::kPositive);
  check_field(p.max_steering_angle, v, "max_steering_angle", Range::kBelowHalfPi);
  check_field(p.max_steering_rate, v, "max_steering_rate", Range::kPositive);
  check_field(p.max_lateral_acceleration, v, "max_lateral_acceleration", Range::kPositive);
  if (!p.has_trailer) return;
  const char* t = "params.trailer";
  check_field(p.trailer.length, t, "length", Range::kPositive);
  check_field(p.trailer.width, t, "width", Range::kPositive);
  check_field(p.trailer.wheelbase, t, "wheelbase", Range::kPositive);
  check_field(p.trailer.axle_to_center, t, "axle_to_center", Range::kAny);
  check_field(p.trailer.hitch_offset, t, "hitch_offset", Range::kAny);
  check_field(p.trailer.max_articulation, t, "max_articulation", Range::kBelowPi);
}

}  // namespace trajcore
