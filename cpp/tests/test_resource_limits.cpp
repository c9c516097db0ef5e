// Resource limits in C++ alone: sizes beyond the machine's memory throw trajcore::Error of kind
// kOutOfMemory before anything is allocated (Python turns it into MemoryError,
// tests/test_resource_limits.py), and a plans file that cannot be written leaves nothing aside.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "trajcore/array_file.hpp"
#include "trajcore/error.hpp"
#include "trajcore/planner.hpp"
#include "trajcore/reference_line.hpp"

namespace {

trajcore::ErrorKind kind_of(void (*call)()) {
  try {
    call();
  } catch (const trajcore::Error& e) {
    EXPECT_NE(std::string(e.what()).find("GiB, more than this machine's"), std::string::npos)
        << e.what();
    return e.kind();
  }
  ADD_FAILURE() << "did not throw";
  return trajcore::ErrorKind::kInvalidValue;
}

TEST(ResourceLimits, SizesBeyondMemoryAreRefusedUpFront) {
  EXPECT_EQ(kind_of([] { trajcore::check_fits_in_memory(1e30, "a test"); }),
            trajcore::ErrorKind::kOutOfMemory);
  EXPECT_NO_THROW(trajcore::check_fits_in_memory(1024.0, "a kilobyte"));
  // A 1e9 m line at 0.5 m would need 2e9 samples; 1e30 m would overflow the sample count.
  for (double length : {1e9, 1e30}) {
    try {
      const std::vector<double> points{0, 0, length, 0};
      trajcore::ReferenceLine line({points.data(), trajcore::Shape{2, 2}, {}});
      ADD_FAILURE() << length << " m was accepted";
    } catch (const trajcore::Error& e) {
      EXPECT_EQ(e.kind(), trajcore::ErrorKind::kOutOfMemory) << e.what();
    }
  }
  EXPECT_EQ(kind_of([] {
              trajcore::PlannerConfig config;
              config.lattice.lateral_offsets.assign(1000, 0.0);
              config.lattice.target_speeds.assign(1000, 5.0);
              config.lattice.durations.assign(1000, 3.0);
              trajcore::Planner planner(config);
            }),
            trajcore::ErrorKind::kOutOfMemory);
}

TEST(ResourceLimits, AFailedWriteLeavesNothingAside) {
  trajcore::ArrayFile f;
  f.kind = "plans";
  f.version = 1;
  f.arrays.push_back(trajcore::make_array("x", {2}, std::vector<float>{1, 2}));
  const std::string path = ::testing::TempDir() + "trajcore_no_such_dir/plans.trajcore";
  EXPECT_THROW(trajcore::write_arrays(path, f), trajcore::Error);
  EXPECT_FALSE(std::ifstream(path + ".partial").good());
}

}  // namespace
