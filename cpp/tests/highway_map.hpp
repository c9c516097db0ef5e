// The three-lane highway the scoring and planner tests drive on: lanes centred at y = 0, 3.7 and
// 7.4 from x = -300 to 600, 3.7 m wide, 30 m/s, and the middle lane's centreline as the
// reference line.
#pragma once

#include <memory>
#include <vector>

#include "trajcore/reference_line.hpp"
#include "trajcore/road_map.hpp"

struct HighwayMap {
  std::vector<std::vector<double>> lines;
  std::vector<double> centre{-300.0, 3.7, 600.0, 3.7};
  std::unique_ptr<trajcore::RoadMap> map;
  std::unique_ptr<trajcore::ReferenceLine> line;

  HighwayMap() {
    using trajcore::Shape;
    trajcore::RoadMapSpec spec;
    for (double y : {0.0, 3.7, 7.4}) {
      for (double off : {0.0, 1.85, -1.85}) lines.push_back({-300.0, y + off, 600.0, y + off});
    }
    for (int lane = 0; lane < 3; ++lane) {
      trajcore::LaneSpec l;
      l.centerline = {lines[3 * lane].data(), Shape{2, 2}, {}};
      l.left = {lines[3 * lane + 1].data(), Shape{2, 2}, {}};
      l.right = {lines[3 * lane + 2].data(), Shape{2, 2}, {}};
      l.speed_limit = 30.0;
      spec.lanes.push_back(l);
    }
    map = std::make_unique<trajcore::RoadMap>(spec);
    line = std::make_unique<trajcore::ReferenceLine>(
        trajcore::TensorView<const double>{centre.data(), Shape{2, 2}, {}},
        trajcore::ReferenceLineOptions{0.5, 0.0});
  }
};
