// trajcore::Error: the one exception type the library throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace trajcore {

// What a caller got wrong. Python maps kInvalidType to TypeError, kOutOfMemory to MemoryError and
// everything else to ValueError.
enum class ErrorKind {
  kInvalidValue,  // wrong shape, non-finite value, out-of-range parameter, wrong device
  kInvalidType,   // wrong dtype or wrong kind of object
  kOutOfMemory,   // the input asks for more memory than the machine has
};

// Thrown for every invalid argument. The message names the argument, what was expected and
// what was received, e.g. "a has shape (4, 3), expected (..., 5) = (..., x y yaw length width)".
class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::kInvalidValue)
      : std::invalid_argument(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Throws Error(kOutOfMemory) when `bytes` (a double: sizes are multiplied without overflow)
// exceed the machine's physical memory; `what` names what asks for them. On Linux an allocation
// that large may "succeed" and end in the OOM killer rather than std::bad_alloc, so trajcore checks
// sizes that follow from input values before allocating.
void check_fits_in_memory(double bytes, const std::string& what);

}  // namespace trajcore
