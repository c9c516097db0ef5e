// Non-owning views of C-contiguous arrays: the currency of the C++ API.
//
// A view is a pointer, a shape and a device. Strides are implied (row-major, compact): the
// Python boundary rejects anything else, and C++ callers own their buffers' layout.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
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
  int64_t numel() const {  // inline: loops over elements test it at every step
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }

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

// An owning CPU array that keeps its memory: resizing to a size it has held before does not
// allocate. Undefined (no shape, no data) until the first resize.
template <class T>
class Tensor {
 public:
  void resize(const Shape& shape) {
    const int64_t n = shape.numel();
    if (n > capacity_) {
      data_.reset(new T[static_cast<size_t>(n)]);
      capacity_ = n;
    }
    shape_ = shape;
    defined_ = true;
  }
  void reset() {
    shape_ = Shape();
    defined_ = false;
  }

  bool defined() const { return defined_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return defined_ ? shape_.numel() : 0; }
  T* data() { return defined_ ? data_.get() : nullptr; }
  const T* data() const { return defined_ ? data_.get() : nullptr; }
  TensorView<T> view() { return {data(), shape_, Device{}}; }
  TensorView<const T> view() const { return {data(), shape_, Device{}}; }
  int64_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<T[]> data_;
  int64_t capacity_ = 0;
  Shape shape_;
  bool defined_ = false;
};

// A CUDA stream (cudaStream_t) as an opaque pointer, so these headers stay CUDA-free.
// nullptr is the legacy default stream; CPU calls ignore it.
using Stream = void*;

}  // namespace trajcore
