// The array boundary: every binding receives arrays through here and through nothing else.
//
// Arrays arrive by DLPack (numpy, torch CPU and CUDA, anything with __dlpack__), are checked
// (dtype, C-contiguity, alignment, writability, device) and read in place. Results are allocated
// by the library and on the device of the call's first array (numpy in, numpy out; torch in,
// torch out) and written in place, so nothing is copied either way. float64 inputs are converted
// to float32 once, by their own library.
#pragma once

#include <pybind11/pybind11.h>

#include "dlpack_abi.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore::bindings {

namespace py = pybind11;

enum class DType { kFloat32, kFloat64, kInt32, kBool, kOther };
enum class Library { kNumpy, kTorch, kOther };

// One array received through DLPack. Owns the producer's tensor until destroyed (the producer's
// deleter runs then, with the GIL held).
class Array {
 public:
  Array() = default;
  Array(Array&& other) noexcept;
  Array& operator=(Array&& other) noexcept;
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  ~Array();

  // Imports `obj` (a torch tensor that requires grad is read through a detached alias).
  static Array import(py::handle obj, const char* name);

  template <class T>
  TensorView<T> view() const {
    return {static_cast<T*>(data), shape, device};
  }

  py::object object;  // the caller's object (returned for outputs)
  const char* name = "";
  Library library = Library::kOther;
  DType dtype = DType::kOther;
  std::string dtype_name;
  Device device;
  Shape shape;
  void* data = nullptr;
  bool read_only = false;

 private:
  void release();
  dlpack::ManagedTensor* legacy_ = nullptr;
  dlpack::ManagedTensorVersioned* versioned_ = nullptr;
};

// The arrays of one call: checks inputs, allocates outputs, knows the stream to run on.
class Call {
 public:
  // A float32 input (float64 is converted once); integer, bool, complex and other types are a
  // TypeError.
  Array input_floats(py::handle obj, const char* name);

  // A float64 input, read in place (the exact paths: differentiable rollout); other dtypes are a
  // TypeError.
  Array input_doubles(py::handle obj, const char* name);

  // An int32 input (flags, indices); other dtypes are a TypeError that names `what` it holds.
  Array input_ints(py::handle obj, const char* name, const char* what);

  // A bool input (masks); other dtypes are a TypeError.
  Array input_bools(py::handle obj, const char* name);

  // Optional inputs: None gives an empty Array, whose views have data == nullptr.
  Array optional_floats(py::handle obj, const char* name);
  Array optional_bools(py::handle obj, const char* name);

  // `out` given: checked to be a writable, C-contiguous array of `dtype` (its shape and device are
  // checked by the C++ core). `out` None: a new array of `shape` and `dtype` from the library and
  // on the device of the first input.
  Array output(py::handle out, const char* name, const Shape& shape, DType dtype);

  // The CUDA stream to launch on: torch's current stream on the first input's device.
  Stream stream() const { return stream_; }

 private:
  void note_reference(const Array& a);  // the first input fixes the outputs' library and device
  bool have_reference_ = false;
  Library library_ = Library::kNumpy;
  Device device_;
  py::object reference_;  // the first input, for the output's device
  Stream stream_ = nullptr;
};

// The data pointer trajcore sees for `obj` (tests use it to prove zero-copy).
uintptr_t data_pointer(py::handle obj);

}  // namespace trajcore::bindings
