// Compiler attributes of the vectorised CPU kernels: one clone per x86-64 level (AVX-512, AVX2,
// baseline) chosen at load time, and forced inlining so the lane loops are compiled inside each
// clone (a helper left out of line would be compiled for the baseline only).
#pragma once

// ThreadSanitizer builds go without: the clones' load-time resolvers run before the TSan runtime
// is up, and instrumented resolvers crash the program (GCC 12).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define TRAJCORE_CPU_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TRAJCORE_CPU_CLONES
#endif
#if defined(__GNUC__)
#define TRAJCORE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TRAJCORE_ALWAYS_INLINE inline
#endif
