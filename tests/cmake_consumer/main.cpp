// Reads boxes as lines of five numbers on stdin, pairs line 2i with line 2i+1, and prints for each
// pair: overlap (0/1) and distance with full float precision. Also exercises the batched API.
#include <trajcore/box.hpp>
#include <trajcore/device.hpp>
#include <trajcore/threading.hpp>

#include <cstdio>
#include <memory>
#include <iostream>
#include <vector>

int main() {
  std::vector<float> values;
  for (float v; std::cin >> v;) values.push_back(v);
  const int64_t n_pairs = static_cast<int64_t>(values.size() / 10);
  std::vector<float> a, b;
  for (int64_t i = 0; i < n_pairs; ++i) {
    a.insert(a.end(), values.begin() + 10 * i, values.begin() + 10 * i + 5);
    b.insert(b.end(), values.begin() + 10 * i + 5, values.begin() + 10 * i + 10);
  }
  std::vector<float> distance(n_pairs);
  std::unique_ptr<bool[]> overlap(new bool[n_pairs]);
  trajcore::set_num_threads(2);
  trajcore::box_distance({a.data(), {n_pairs, 5}, {}}, {b.data(), {n_pairs, 5}, {}},
                         {distance.data(), {n_pairs}, {}});
  trajcore::box_overlap({a.data(), {n_pairs, 5}, {}}, {b.data(), {n_pairs, 5}, {}},
                        {overlap.get(), {n_pairs}, {}});
  std::printf("trajcore %s cuda=%d\n", trajcore::version(), int(trajcore::built_with_cuda()));
  for (int64_t i = 0; i < n_pairs; ++i) std::printf("%d %.9g\n", int(overlap[i]), distance[i]);
  return 0;
}
