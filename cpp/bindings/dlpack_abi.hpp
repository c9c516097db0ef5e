// The DLPack ABI (https://dmlc.github.io/dlpack): the struct layouts and constants a consumer
// needs, declared here because pybind11 has no DLPack support. Layouts follow DLPack 1.x;
// the legacy (unversioned) DLManagedTensor is still produced by older libraries.
#pragma once

#include <cstdint>

namespace trajcore::dlpack {

inline constexpr uint32_t kMajorVersion = 1;
inline constexpr uint64_t kFlagReadOnly = 1ull << 0;

enum DeviceType : int32_t { kCPU = 1, kCUDA = 2, kCUDAHost = 3, kCUDAManaged = 13 };
enum TypeCode : uint8_t { kInt = 0, kUInt = 1, kFloat = 2, kBfloat = 4, kComplex = 5, kBool = 6 };

struct Device {
  int32_t device_type;
  int32_t device_id;
};

struct DataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};

struct Tensor {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means compact row-major
  uint64_t byte_offset;
};

struct ManagedTensor {  // capsule name "dltensor"
  Tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};

struct Version {
  uint32_t major;
  uint32_t minor;
};

struct ManagedTensorVersioned {  // capsule name "dltensor_versioned"
  Version version;
  void* manager_ctx;
  void (*deleter)(ManagedTensorVersioned* self);
  uint64_t flags;
  Tensor dl_tensor;
};

}  // namespace trajcore::dlpack
