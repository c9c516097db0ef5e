// What this build of trajcore can run on.
#pragma once

#include <string>

namespace trajcore {

// True when the library was compiled with the CUDA backend (TRAJCORE_CUDA=ON/AUTO with nvcc).
bool built_with_cuda();

// CUDA devices visible to this process; 0 without a CUDA build, a driver or a GPU.
int cuda_device_count();

// Why cuda_device_count() is 0 ("built without CUDA", the CUDA runtime's message), or "" when
// devices were found.
std::string cuda_status();

// The library version, "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace trajcore
