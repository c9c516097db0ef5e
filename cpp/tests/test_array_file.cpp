// The array container in C++ alone: a written file reads back identically, and every kind of
// bad file is refused with the path and the defect (Python's reader is held against the same
// files in tests/test_scene_files.py).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "expect_throws.hpp"
#include "trajcore/array_file.hpp"
#include "trajcore/error.hpp"
#include "trajcore/scene.hpp"

namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "trajcore_" + name; }

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes, size_t count) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(count));
}

trajcore::ArrayFile sample() {
  trajcore::ArrayFile f;
  f.kind = "plans";
  f.version = 1;
  f.arrays.push_back(trajcore::make_array("x", {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  f.arrays.push_back(trajcore::make_array("n", {2}, std::vector<int64_t>{-7, 1LL << 40}));
  f.arrays.push_back(trajcore::make_array("ok", {3}, std::vector<bool>{true, false, true}));
  f.arrays.push_back(trajcore::make_array("empty", {0, 4}, std::vector<double>{}));
  return f;
}

}  // namespace

TEST(ArrayFile, RoundTrip) {
  const std::string path = temp_path("round_trip.trj");
  trajcore::write_arrays(path, sample());
  const trajcore::ArrayFile back = trajcore::read_arrays(path, "plans", 1);
  ASSERT_EQ(back.arrays.size(), 4u);
  EXPECT_EQ(back.at("x").values<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(back.at("x").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(back.at("n").values<int64_t>(), (std::vector<int64_t>{-7, 1LL << 40}));
  EXPECT_EQ(back.at("ok").values<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(back.at("ok").values<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(back.at("empty").size(), 0);
  EXPECT_THROWS_MESSAGE(back.at("x").values<double>(), trajcore::Error,
                        "array 'x' has dtype float32, expected float64");
  EXPECT_THROWS_MESSAGE(back.at("missing"), trajcore::Error,
                        "the plans file has no entry 'missing'");
  std::remove(path.c_str());
}

TEST(ArrayFile, BadFilesAreNamed) {
  const std::string path = temp_path("bad.trj");
  trajcore::write_arrays(path, sample());
  const std::vector<char> good = bytes_of(path);
  EXPECT_THROWS_MESSAGE(trajcore::read_arrays(path, "plans", 2), trajcore::Error,
                        path +
                            ": plans format version 1, expected 2 (written by another "
                            "trajcore release)");
  EXPECT_THROWS_MESSAGE(trajcore::read_arrays(path, "scene", 1), trajcore::Error,
                        path + ": a 'plans' file, expected a 'scene' file");
  for (size_t cut : {size_t(0), size_t(7), size_t(20), good.size() / 2, good.size() - 1}) {
    write_bytes(path, good, cut);
    try {
      trajcore::read_arrays(path, "plans", 1);
      ADD_FAILURE() << "a file cut at " << cut << " bytes was read";
    } catch (const trajcore::Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      EXPECT_TRUE(message.find("truncated") != std::string::npos ||
                  message.find("not a trajcore file") != std::string::npos ||
                  message.find("damaged") != std::string::npos)
          << message;
    }
  }
  std::vector<char> flipped = good;
  flipped[good.size() - 30] ^= 0x40;  // inside the last arrays' data
  write_bytes(path, flipped, flipped.size());
  EXPECT_THROWS_MESSAGE(trajcore::read_arrays(path, "plans", 1), trajcore::Error,
                        path + ": damaged: the checksum does not match the contents");
  EXPECT_THROWS_MESSAGE(trajcore::read_scene(temp_path("none.trj")), trajcore::Error,
                        temp_path("none.trj") + ": cannot open the file");
  std::remove(path.c_str());
}

TEST(ArrayFile, WriterChecksByteCounts) {
  trajcore::ArrayFile f = sample();
  f.arrays[0].bytes.pop_back();
  EXPECT_THROWS_MESSAGE(trajcore::write_arrays(temp_path("w.trj"), f), trajcore::Error,
                        "array 'x' holds 23 bytes, expected 24 for its shape and dtype");
  EXPECT_THROWS_MESSAGE(trajcore::make_array("y", {2, 2}, std::vector<float>{1, 2, 3}),
                        trajcore::Error, "array 'y' has 3 values, expected 4 for its shape");
}
