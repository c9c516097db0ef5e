// RoadMap and the map metrics from C++. Usage: road_map <dir>.
// <dir>/request.txt holds "L A Q", then one line per lane "P_center P_left P_right speed_limit
// successor_count successors... in_intersection", then one line with the A drivable-area vertex
// counts. points.bin holds every polyline's float64 (x, y) in that order (lane by lane:
// centreline, left, right; then the areas); poses.bin (Q, 3) float32. Writes distance.bin
// (drivable_area_distance of the poses' x, y), lane.bin, lane_count.bin, station.bin and
// speed_limit.bin (locate_lanes). With metrics.txt ("N T1 length width route_count route...") and
// states.bin (N, T1, 4) float32 (x, y, yaw, v) it also writes areas.bin (ego_areas, tolerance
// 0.3), dac.bin and dac_first.bin, per driving-direction rule (lane, route) ddc_<rule>.bin,
// _wrong.bin and _first.bin, and speed-limit compliance in speed_score.bin, speed_over.bin and
// speed_first.bin.
#include <trajcore/error.hpp>
#include <trajcore/map_metrics.hpp>
#include <trajcore/road_map.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "raw_files.hpp"

namespace {

void write_metrics(const std::string& dir, std::ifstream& header, const trajcore::RoadMap& map) {
  int64_t N, T1;
  size_t route_count;
  trajcore::EgoAreaRequest rq;
  header >> N >> T1 >> rq.length >> rq.width >> route_count;
  rq.route_lanes.resize(route_count);
  for (auto& lane : rq.route_lanes) header >> lane;
  const auto states = read_file<float>(dir + "/states.bin", N * T1 * 4);
  rq.states = {states.data(), trajcore::Shape{N, T1, 4}, {}};
  rq.road_map = &map;
  rq.drivable_tolerance = 0.3;
  trajcore::Tensor<int32_t> areas, first;
  trajcore::Tensor<float> score, wrong;
  areas.resize(trajcore::Shape{N, T1});
  trajcore::ego_areas(rq, areas.view());
  write_file(dir + "/areas.bin", areas);
  score.resize(trajcore::Shape{N});
  wrong.resize(trajcore::Shape{N});
  first.resize(trajcore::Shape{N});
  trajcore::drivable_area_compliance(areas.view(), score.view(), first.view());
  write_file(dir + "/dac.bin", score);
  write_file(dir + "/dac_first.bin", first);
  trajcore::DrivingDirectionRequest ddc;
  ddc.states = rq.states;
  ddc.road_map = &map;
  ddc.areas = {areas.data(), trajcore::Shape{N, T1}, {}};
  for (const auto rule :
       {trajcore::DirectionRule::kLaneProgress, trajcore::DirectionRule::kOffRouteDistance}) {
    ddc.rule = rule;
    ddc.window = rule == trajcore::DirectionRule::kLaneProgress ? 10 : 0;
    trajcore::driving_direction_compliance(ddc, {score.view(), wrong.view(), first.view()});
    const std::string name = rule == trajcore::DirectionRule::kLaneProgress ? "lane" : "route";
    write_file(dir + "/ddc_" + name + ".bin", score);
    write_file(dir + "/ddc_" + name + "_wrong.bin", wrong);
    write_file(dir + "/ddc_" + name + "_first.bin", first);
  }
  trajcore::speed_limit_compliance(rq.states, map, 2.23,
                                   {score.view(), wrong.view(), first.view()});
  write_file(dir + "/speed_score.bin", score);
  write_file(dir + "/speed_over.bin", wrong);
  write_file(dir + "/speed_first.bin", first);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: road_map <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t L, A, Q;
  header >> L >> A >> Q;
  struct LaneCounts {
    int64_t center, left, right;
  };
  std::vector<LaneCounts> counts(static_cast<size_t>(L));
  trajcore::RoadMapSpec spec;
  spec.lanes.resize(static_cast<size_t>(L));
  int64_t total = 0;
  for (int64_t i = 0; i < L; ++i) {
    size_t successors = 0;
    std::string limit;  // "nan" for none, which operator>> does not parse
    header >> counts[i].center >> counts[i].left >> counts[i].right >> limit >> successors;
    spec.lanes[i].speed_limit = std::stod(limit);
    spec.lanes[i].successors.resize(successors);
    for (auto& s : spec.lanes[i].successors) header >> s;
    header >> spec.lanes[i].in_intersection;
    total += counts[i].center + counts[i].left + counts[i].right;
  }
  std::vector<int64_t> area_counts(static_cast<size_t>(A));
  for (auto& n : area_counts) {
    header >> n;
    total += n;
  }
  const auto points = read_file<double>(dir + "/points.bin", total * 2);
  const auto poses = read_file<float>(dir + "/poses.bin", Q * 3);
  const double* at = points.data();
  auto take = [&at](int64_t n) {
    trajcore::TensorView<const double> v{at, trajcore::Shape{n, 2}, {}};
    at += 2 * n;
    return v;
  };
  for (int64_t i = 0; i < L; ++i) {
    spec.lanes[i].centerline = take(counts[i].center);
    spec.lanes[i].left = take(counts[i].left);
    spec.lanes[i].right = take(counts[i].right);
  }
  for (int64_t n : area_counts) spec.drivable_areas.push_back(take(n));
  try {
    const trajcore::RoadMap map(spec);
    std::vector<float> xy(static_cast<size_t>(2 * Q));
    for (int64_t q = 0; q < Q; ++q) xy[2 * q] = poses[3 * q], xy[2 * q + 1] = poses[3 * q + 1];
    trajcore::Tensor<float> distance, station, speed_limit;
    trajcore::Tensor<int32_t> lane, lane_count;
    distance.resize(trajcore::Shape{Q});
    station.resize(trajcore::Shape{Q, 2});
    speed_limit.resize(trajcore::Shape{Q});
    lane.resize(trajcore::Shape{Q});
    lane_count.resize(trajcore::Shape{Q});
    map.drivable_area_distance({xy.data(), trajcore::Shape{Q, 2}, {}}, distance.view());
    map.locate_lanes({poses.data(), trajcore::Shape{Q, 3}, {}},
                     {lane.view(), lane_count.view(), station.view(), speed_limit.view()});
    write_file(dir + "/distance.bin", distance);
    write_file(dir + "/lane.bin", lane);
    write_file(dir + "/lane_count.bin", lane_count);
    write_file(dir + "/station.bin", station);
    write_file(dir + "/speed_limit.bin", speed_limit);
    std::ifstream metrics(dir + "/metrics.txt");
    if (metrics) write_metrics(dir, metrics, map);
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok " << L << " lanes\n";
  return 0;
}
