#include "boundary.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>

#include "trajcore/config.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

[[noreturn]] void type_error(const std::string& message) {
  throw Error(message, ErrorKind::kInvalidType);
}

std::string describe_dtype(const dlpack::DataType& t) {
  if (t.lanes != 1) return "a vector dtype with " + std::to_string(t.lanes) + " lanes";
  switch (t.code) {
    case dlpack::kFloat:
      return "float" + std::to_string(t.bits);
    case dlpack::kBfloat:
      return "bfloat" + std::to_string(t.bits);
    case dlpack::kInt:
      return "int" + std::to_string(t.bits);
    case dlpack::kUInt:
      return "uint" + std::to_string(t.bits);
    case dlpack::kComplex:
      return "complex" + std::to_string(t.bits);
    case dlpack::kBool:
      return "bool";
    default:
      return "an unknown dtype (DLPack code " + std::to_string(t.code) + ")";
  }
}

DType classify(const dlpack::DataType& t) {
  if (t.lanes != 1) return DType::kOther;
  if (t.code == dlpack::kFloat && t.bits == 32) return DType::kFloat32;
  if (t.code == dlpack::kFloat && t.bits == 64) return DType::kFloat64;
  if (t.code == dlpack::kInt && t.bits == 32) return DType::kInt32;
  if (t.code == dlpack::kBool && t.bits == 8) return DType::kBool;
  return DType::kOther;
}

const char* dtype_label(DType d) {
  switch (d) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kInt32:
      return "int32";
    case DType::kBool:
      return "bool";
    default:
      return "?";
  }
}

bool torch_loaded() { return PyDict_GetItemString(PyImport_GetModuleDict(), "torch") != nullptr; }

bool is_torch_tensor(py::handle obj) {
  if (!torch_loaded()) return false;
  return py::isinstance(obj, py::module_::import("torch").attr("Tensor"));
}

Library library_of(py::handle obj) {
  if (py::isinstance<py::array>(obj)) return Library::kNumpy;
  if (is_torch_tensor(obj)) return Library::kTorch;
  return Library::kOther;
}

std::string type_name(py::handle obj) {
  return py::str(py::type::handle_of(obj).attr("__qualname__")).cast<std::string>();
}

// Torch's current stream on a CUDA device, as the integer DLPack and cudaStream_t agree on.
intptr_t current_torch_stream(int device_index) {
  py::object torch = py::module_::import("torch");
  return torch.attr("cuda")
      .attr("current_stream")(device_index)
      .attr("cuda_stream")
      .cast<intptr_t>();
}

// Calls obj.__dlpack__, asking for a versioned capsule first.
py::object request_capsule(py::handle obj, const char* name, py::object stream) {
  py::object method = obj.attr("__dlpack__");
  auto kwargs = py::dict();
  if (!stream.is_none()) kwargs["stream"] = stream;
  try {
    kwargs["max_version"] = py::make_tuple(dlpack::kMajorVersion, 0);
    return method(**kwargs);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) {
      throw Error(std::string(name) + " cannot be exported through DLPack: " + e.what());
    }
  }
  kwargs.attr("pop")("max_version");  // a producer older than DLPack 1.0
  try {
    return method(**kwargs);
  } catch (py::error_already_set& e) {
    throw Error(std::string(name) + " cannot be exported through DLPack: " + e.what());
  }
}

bool is_c_contiguous(const dlpack::Tensor& t) {
  if (t.strides == nullptr) return true;
  for (int d = 0; d < t.ndim; ++d) {
    if (t.shape[d] == 0) return true;  // no element to address
  }
  int64_t expected = 1;
  for (int d = t.ndim - 1; d >= 0; --d) {
    if (t.shape[d] != 1 && t.strides[d] != expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

std::string strides_str(const dlpack::Tensor& t) {
  std::string s = "(";
  for (int d = 0; d < t.ndim; ++d) {
    s += (d ? ", " : "") + std::to_string(t.strides[d]);
  }
  return s + (t.ndim == 1 ? ",)" : ")");
}

}  // namespace

Array::Array(Array&& other) noexcept { *this = std::move(other); }

Array& Array::operator=(Array&& other) noexcept {
  if (this != &other) {
    release();
    object = std::move(other.object);
    name = other.name;
    library = other.library;
    dtype = other.dtype;
    dtype_name = std::move(other.dtype_name);
    device = other.device;
    shape = other.shape;
    data = other.data;
    read_only = other.read_only;
    legacy_ = other.legacy_;
    versioned_ = other.versioned_;
    other.legacy_ = nullptr;
    other.versioned_ = nullptr;
  }
  return *this;
}

Array::~Array() { release(); }

void Array::release() {
  if (versioned_ && versioned_->deleter) versioned_->deleter(versioned_);
  if (legacy_ && legacy_->deleter) legacy_->deleter(legacy_);
  versioned_ = nullptr;
  legacy_ = nullptr;
}

Array Array::import(py::handle obj, const char* name) {
  if (!py::hasattr(obj, "__dlpack__") || !py::hasattr(obj, "__dlpack_device__")) {
    type_error(std::string(name) + " is a " + type_name(obj) +
               ", expected a numpy array or a torch tensor (an object with __dlpack__)");
  }
  Array a;
  a.object = py::reinterpret_borrow<py::object>(obj);
  a.name = name;
  a.library = library_of(obj);
  py::object source = a.object;
  if (a.library == Library::kTorch && source.attr("requires_grad").cast<bool>()) {
    source = source.attr("detach")();  // same memory, no autograd history: read-only use
  }

  std::pair<int, int> dev;
  try {
    dev = source.attr("__dlpack_device__")().cast<std::pair<int, int>>();
  } catch (py::error_already_set& e) {  // torch's meta device, for one, has no DLPack code
    const std::string where =
        py::hasattr(obj, "device") ? py::str(obj.attr("device")).cast<std::string>() : "?";
    throw Error(std::string(name) + " is on device " + where +
                ", expected cpu or cuda (__dlpack_device__ failed: " +
                py::str(e.value()).cast<std::string>() + ")");
  }
  py::object stream = py::none();
  if (dev.first == dlpack::kCUDA) {
    if (!TRAJCORE_WITH_CUDA) {
      throw Error(std::string(name) + " is on cuda:" + std::to_string(dev.second) +
                  ", but trajcore was built without CUDA (rebuild with TRAJCORE_CUDA=ON)");
    }
    if (a.library != Library::kTorch) {
      type_error(std::string(name) + " is a CUDA " + type_name(obj) +
                 ", expected a torch tensor for CUDA arrays");
    }
    const intptr_t s = current_torch_stream(dev.second);
    stream = py::int_(s != 0 ? s : 1);  // DLPack: 1 is the legacy default stream, 0 is invalid
  } else if (dev.first != dlpack::kCPU) {
    throw Error(std::string(name) + " is on DLPack device type " + std::to_string(dev.first) +
                ", expected cpu or cuda");
  }

  py::object capsule = request_capsule(source, name, stream);
  PyObject* cap = capsule.ptr();
  const dlpack::Tensor* t = nullptr;
  if (PyCapsule_IsValid(cap, kVersionedName)) {
    a.versioned_ =
        static_cast<dlpack::ManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersionedName));
    PyCapsule_SetName(cap, "used_dltensor_versioned");  // ours now: its deleter is our job
    if (a.versioned_->version.major != dlpack::kMajorVersion) {
      const uint32_t major = a.versioned_->version.major;
      a.release();
      throw Error(std::string(name) + " uses DLPack " + std::to_string(major) + ".x, expected 1.x");
    }
    a.read_only = (a.versioned_->flags & dlpack::kFlagReadOnly) != 0;
    t = &a.versioned_->dl_tensor;
  } else if (PyCapsule_IsValid(cap, kLegacyName)) {
    a.legacy_ = static_cast<dlpack::ManagedTensor*>(PyCapsule_GetPointer(cap, kLegacyName));
    PyCapsule_SetName(cap, "used_dltensor");
    t = &a.legacy_->dl_tensor;
  } else {
    type_error(std::string(name) + ".__dlpack__() returned no DLPack capsule");
  }

  a.device = t->device.device_type == dlpack::kCUDA ? Device{DeviceType::kCUDA, t->device.device_id}
                                                    : Device{DeviceType::kCPU, 0};
  a.dtype = classify(t->dtype);
  a.dtype_name = describe_dtype(t->dtype);
  if (t->ndim > kMaxRank) {
    throw Error(std::string(name) + " has " + std::to_string(t->ndim) +
                " dimensions, expected at most " + std::to_string(kMaxRank));
  }
  for (int d = 0; d < t->ndim; ++d) a.shape.push_back(t->shape[d]);
  if (!is_c_contiguous(*t)) {
    throw Error(std::string(name) + " is not C-contiguous (shape " + a.shape.str() + ", strides " +
                strides_str(*t) +
                " elements), expected a C-contiguous array: pass np.ascontiguousarray(x) or "
                "x.contiguous()");
  }
  a.data = static_cast<char*>(t->data) + t->byte_offset;
  const unsigned align = t->dtype.bits >= 8 ? t->dtype.bits / 8 : 1;
  if (reinterpret_cast<uintptr_t>(a.data) % (align > 8 ? 8 : align) != 0) {
    throw Error(std::string(name) + " is not aligned to its " + std::to_string(align) +
                "-byte elements, expected an aligned array");
  }
  return a;
}

Array Call::input_floats(py::handle obj, const char* name) {
  Array a = Array::import(obj, name);
  if (a.dtype == DType::kFloat64) {
    // Converted once, by the array's own library (on the caller's stream for CUDA tensors).
    py::object converted;
    if (a.library == Library::kTorch) {
      converted =
          a.object.attr("detach")().attr("to")(py::module_::import("torch").attr("float32"));
    } else {
      py::object np = py::module_::import("numpy");
      converted =
          np.attr("ascontiguousarray")(np.attr("from_dlpack")(a.object), np.attr("float32"));
    }
    Array f = Array::import(converted, name);
    f.object = a.object;  // report the caller's object, not the temporary
    f.library = a.library;
    a = std::move(f);
  } else if (a.dtype != DType::kFloat32) {
    type_error(std::string(name) + " has dtype " + a.dtype_name +
               ", expected float32 (float64 is accepted and converted)");
  }
  note_reference(a);
  return a;
}

void Call::note_reference(const Array& a) {
  if (have_reference_) return;
  have_reference_ = true;
  library_ = a.library == Library::kTorch ? Library::kTorch : Library::kNumpy;
  device_ = a.device;
  reference_ = a.object;
  if (device_.is_cuda()) stream_ = reinterpret_cast<Stream>(current_torch_stream(device_.index));
}

Array Call::input_doubles(py::handle obj, const char* name) {
  Array a = Array::import(obj, name);
  if (a.dtype != DType::kFloat64) {
    type_error(std::string(name) + " has dtype " + a.dtype_name + ", expected float64");
  }
  note_reference(a);
  return a;
}

Array Call::input_ints(py::handle obj, const char* name, const char* what) {
  Array a = Array::import(obj, name);
  if (a.dtype != DType::kInt32) {
    type_error(std::string(name) + " has dtype " + a.dtype_name + ", expected int32 (" + what +
               ")");
  }
  note_reference(a);
  return a;
}

Array Call::input_bools(py::handle obj, const char* name) {
  Array a = Array::import(obj, name);
  if (a.dtype != DType::kBool) {
    type_error(std::string(name) + " has dtype " + a.dtype_name + ", expected bool");
  }
  return a;
}

Array Call::optional_floats(py::handle obj, const char* name) {
  return obj.is_none() ? Array() : input_floats(obj, name);
}

Array Call::optional_bools(py::handle obj, const char* name) {
  return obj.is_none() ? Array() : input_bools(obj, name);
}

Array Call::output(py::handle out, const char* name, const Shape& shape, DType dtype) {
  if (out.is_none()) {
    double bytes = dtype == DType::kFloat64 ? 8.0 : dtype == DType::kBool ? 1.0 : 4.0;
    for (int d = 0; d < shape.rank(); ++d) bytes *= double(shape[d]);
    check_fits_in_memory(bytes, "the result " + std::string(name) + " " + shape.str());
    py::list dims;
    for (int d = 0; d < shape.rank(); ++d) dims.append(shape[d]);
    py::object created;
    if (library_ == Library::kTorch) {
      py::object torch = py::module_::import("torch");
      created =
          torch.attr("empty")(py::tuple(dims), py::arg("dtype") = torch.attr(dtype_label(dtype)),
                              py::arg("device") = reference_.attr("device"));
    } else {
      py::object np = py::module_::import("numpy");
      created = np.attr("empty")(
          py::tuple(dims),
          py::arg("dtype") = np.attr(dtype == DType::kBool ? "bool_" : dtype_label(dtype)));
    }
    return Array::import(created, name);
  }
  if (is_torch_tensor(out) && out.attr("requires_grad").cast<bool>()) {
    throw Error(std::string(name) +
                " requires grad, expected a tensor without autograd history to write into");
  }
  Array o = Array::import(out, name);
  if (o.dtype != dtype) {
    type_error(std::string(name) + " has dtype " + o.dtype_name + ", expected " +
               dtype_label(dtype));
  }
  if (o.read_only) throw Error(std::string(name) + " is read-only, expected a writable array");
  return o;
}

uintptr_t data_pointer(py::handle obj) {
  Array a = Array::import(obj, "array");
  return reinterpret_cast<uintptr_t>(a.data);
}

}  // namespace trajcore::bindings
