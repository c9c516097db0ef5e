// Non-owning views of C-contiguous arrays: the currency of the C++ API.
//
// A view is a pointer, a shape and a device. Strides are implied (row-major, compact): the
// Python boundary rejects anything else, and C++ callers own their buffers' layout.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace trajcore {

inline constexpr int kMaxRank = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  int64_t back() const { return dims_[rank_ - 1]; }
  int64_t numel() const;

  void push_back(int64_t d);
  Shape without_last(int n = 1) const;  // drops the n trailing dimensions
  std::string str() const;              // "(4, 5)"

  friend bool operator==(const Shape& a, const Shape& b);
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

enum class DeviceType : int32_t { kCPU = 1, kCUDA = 2 };  // values match DLPack's

struct Device {
  DeviceType type = DeviceType::kCPU;
  int32_t index = 0;

  bool is_cuda() const { return type == DeviceType::kCUDA; }
  std::string str() const;  // "cpu" or "cuda:0"
  friend bool operator==(const Device& a, const Device& b) {
    return a.type == b.type && (a.type == DeviceType::kCPU || a.index == b.index);
  }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }
};

template <class T>
struct TensorView {
  T* data = nullptr;
  Shape shape;
  Device device;

  int64_t numel() const { return shape.numel(); }
  // A read-only view of the same memory.
  operator TensorView<const T>() const { return {data, shape, device}; }
};

// A CUDA stream (cudaStream_t) as an opaque pointer, so these headers stay CUDA-free.
// nullptr is the legacy default stream; CPU calls ignore it.
using Stream = void*;

}  // namespace trajcore
