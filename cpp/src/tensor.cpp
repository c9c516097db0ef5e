#include "trajcore/tensor.hpp"

#include <sstream>

#include "trajcore/error.hpp"

namespace trajcore {

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) push_back(d);
}

void Shape::push_back(int64_t d) {
  if (rank_ == kMaxRank) {
    throw Error("array rank exceeds trajcore's maximum of " + std::to_string(kMaxRank));
  }
  dims_[rank_++] = d;
}

Shape Shape::without_last(int n) const {
  Shape s = *this;
  s.rank_ = rank_ > n ? rank_ - n : 0;
  return s;
}

std::string Shape::str() const {
  std::ostringstream os;
  os << '(';
  for (int i = 0; i < rank_; ++i) os << (i ? ", " : "") << dims_[i];
  os << (rank_ == 1 ? ",)" : ")");
  return os.str();
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i) {
    if (a.dims_[i] != b.dims_[i]) return false;
  }
  return true;
}

std::string Device::str() const {
  return type == DeviceType::kCPU ? std::string("cpu") : "cuda:" + std::to_string(index);
}

}  // namespace trajcore
