// trajcore's array container: named, typed n-dimensional arrays in one little-endian file with a
// container version, a kind ("scene", "plans"), a schema version and a CRC-32 checksum.
// docs/scene_files.md specifies the bytes. The Python twin is trajcore.sim.array_file
// (write_arrays / read_arrays); files written by either are read by both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trajcore {

enum class ArrayDType : uint8_t {
  kFloat32 = 1,
  kFloat64 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kUInt8 = 5,
  kBool = 6,  // one byte, 0 or 1
};

struct NamedArray {
  std::string name;
  ArrayDType dtype = ArrayDType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // little-endian, C order

  int64_t size() const;  // number of elements
  // Copies of the elements. Throws trajcore::Error naming the array if its dtype is not T's
  // (a bool array also reads as uint8_t).
  template <typename T>
  std::vector<T> values() const;
};

struct ArrayFile {
  std::string kind;
  uint32_t version = 0;
  std::vector<NamedArray> arrays;

  // The array `name`; throws trajcore::Error naming the file's kind and the entry if absent.
  const NamedArray& at(const std::string& name) const;
  bool contains(const std::string& name) const;
};

// Reads a container, checking everything: the magic bytes, the container version, the kind and
// schema version asked for, every length against the file's size (a truncated file names the
// part it stops in), the end marker and the checksum. Throws trajcore::Error with the path and
// the defect.
ArrayFile read_arrays(const std::string& path, const std::string& kind, uint32_t version);

// Writes `file` to `path` (written aside, then renamed over it). Throws trajcore::Error when an
// array's byte count disagrees with its shape and dtype, or the file cannot be written.
void write_arrays(const std::string& path, const ArrayFile& file);

// An array of `shape` holding `values` (dtype from T: float, double, int32_t, int64_t,
// uint8_t, bool).
template <typename T>
NamedArray make_array(std::string name, std::vector<int64_t> shape, const std::vector<T>& values);

}  // namespace trajcore
