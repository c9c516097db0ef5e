// Vehicle parameters: the dimensions and actuator limits every rollout, tracker and generator
// works with, plus presets for a passenger car and a semi-trailer truck.
//
// Frames: the state of a vehicle is the pose of its bounding-box centre. The kinematic bicycle
// turns about the rear axle, which sits `rear_axle_to_center` metres behind the centre along the
// heading. A trailer hangs on a hitch `hitch_offset` metres ahead of the tractor's rear axle
// (negative: behind it) and turns about its own axle, `wheelbase` metres behind the hitch.
#pragma once

namespace trajcore {

struct TrailerParams {
  float length = 0;              // box length (m)
  float width = 0;               // box width (m)
  float wheelbase = 0;           // hitch to trailer axle (m, > 0)
  float axle_to_center = 0;      // trailer axle to trailer box centre, forward positive (m)
  float hitch_offset = 0;        // tractor rear axle to hitch, forward positive (m)
  float max_articulation = 0;    // |tractor yaw - trailer yaw| limit (rad, in (0, pi))
};

struct VehicleParams {
  // Dimensions (m).
  float length = 0;
  float width = 0;
  float wheelbase = 0;
  float rear_axle_to_center = 0;  // rear axle to box centre, forward positive
  // Limits, all positive.
  float max_acceleration = 0;      // m/s^2
  float max_deceleration = 0;      // braking, as a positive number (m/s^2)
  float max_jerk = 0;              // |da/dt| (m/s^3)
  float max_steering_angle = 0;    // front-wheel angle (rad, < pi/2)
  float max_steering_rate = 0;     // rad/s
  float max_lateral_acceleration = 0;  // v * yaw rate = v^2 tan(steer) / wheelbase (m/s^2)
  bool has_trailer = false;
  TrailerParams trailer;

  // nuPlan's Chrysler Pacifica dimensions (the vehicle nuPlan and PDM score), physical limits.
  static VehicleParams passenger_car();
  // A semi-trailer truck: CommonRoad's vehicle 4 dimensions, a 13.6 m trailer.
  static VehicleParams semi_truck();
};

// Throws trajcore::Error naming the first field that is not finite or out of its range.
void validate(const VehicleParams& params);

}  // namespace trajcore
