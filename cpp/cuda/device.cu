#include <cuda_runtime.h>

#include <string>

namespace trajcore::detail {

// Without a driver (or GPU) the runtime reports an error here rather than at import: the module
// links cudart statically and loads libcuda only on this first call.
int cuda_device_count_impl(std::string* status) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    if (status) *status = cudaGetErrorString(err);
    return 0;
  }
  if (status) *status = count > 0 ? "" : "no CUDA device found";
  return count;
}

}  // namespace trajcore::detail
