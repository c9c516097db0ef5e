#include "trajcore/device.hpp"

#include "trajcore/config.hpp"

namespace trajcore {

#if TRAJCORE_WITH_CUDA
namespace detail {
int cuda_device_count_impl(std::string* status);  // cpp/cuda/device.cu
}
#endif

bool built_with_cuda() { return TRAJCORE_WITH_CUDA != 0; }

int cuda_device_count() {
#if TRAJCORE_WITH_CUDA
  return detail::cuda_device_count_impl(nullptr);
#else
  return 0;
#endif
}

std::string cuda_status() {
#if TRAJCORE_WITH_CUDA
  std::string status;
  detail::cuda_device_count_impl(&status);
  return status;
#else
  return "built without CUDA (rebuild with TRAJCORE_CUDA=ON)";
#endif
}

const char* version() { return TRAJCORE_VERSION; }

}  // namespace trajcore
