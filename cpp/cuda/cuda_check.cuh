// Turns a failed CUDA runtime call into an exception naming the call and the runtime's message.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace trajcore::detail {

inline void cuda_check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("trajcore: ") + what + " failed: " +
                             cudaGetErrorString(status));
  }
}

inline cudaStream_t as_cuda_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

// Blocks of 256 threads covering n items, and the bound a grid-stride loop needs.
inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + 255) / 256;
  return static_cast<unsigned>(blocks < 65535 * 16 ? blocks : 65535 * 16);
}

}  // namespace trajcore::detail
