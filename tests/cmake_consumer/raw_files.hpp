// Raw binary arrays exchanged between the pytest side and the consumer programs.
#pragma once

#include <trajcore/tensor.hpp>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

template <class T>
std::vector<T> read_file(const std::string& path, int64_t count) {
  std::vector<T> values(static_cast<size_t>(count));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(values.data()), count * static_cast<int64_t>(sizeof(T)));
  if (!in) throw std::runtime_error("cannot read " + path);
  return values;
}

template <class T>
void write_file(const std::string& path, const trajcore::Tensor<T>& t) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(t.data()), t.numel() * static_cast<int64_t>(sizeof(T)));
}
