// The array container's reader and writer (trajcore/array_file.hpp, docs/scene_files.md).
#include "trajcore/array_file.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "trajcore/error.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore {
namespace {

constexpr char kMagic[8] = {'T', 'R', 'A', 'J', 'C', 'O', 'R', 'E'};
constexpr char kFooter[4] = {'T', 'E', 'N', 'D'};
constexpr uint32_t kContainerVersion = 1;

// zlib's CRC-32 (reflected polynomial 0xEDB88320), as Python's zlib.crc32.
uint32_t crc32(const uint8_t* data, size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// Whether bytes are well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), as Python's decoder requires.
bool valid_utf8(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = p[i];
    size_t extra;
    unsigned low = 0x80, high = 0xBF;  // bounds of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + extra >= n) return false;  // the sequence runs past the end
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned b = p[i + k];
      if (k == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += extra + 1;
  }
  return true;
}

size_t item_size(ArrayDType dtype) {
  switch (dtype) {
    case ArrayDType::kFloat64:
    case ArrayDType::kInt64:
      return 8;
    case ArrayDType::kFloat32:
    case ArrayDType::kInt32:
      return 4;
    case ArrayDType::kUInt8:
    case ArrayDType::kBool:
      return 1;
  }
  return 0;
}

const char* dtype_name(ArrayDType dtype) {
  switch (dtype) {
    case ArrayDType::kFloat32:
      return "float32";
    case ArrayDType::kFloat64:
      return "float64";
    case ArrayDType::kInt32:
      return "int32";
    case ArrayDType::kInt64:
      return "int64";
    case ArrayDType::kUInt8:
      return "uint8";
    case ArrayDType::kBool:
      return "bool";
  }
  return "?";
}

template <typename T>
constexpr ArrayDType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return ArrayDType::kFloat32;
  if constexpr (std::is_same_v<T, double>) return ArrayDType::kFloat64;
  if constexpr (std::is_same_v<T, int32_t>) return ArrayDType::kInt32;
  if constexpr (std::is_same_v<T, int64_t>) return ArrayDType::kInt64;
  if constexpr (std::is_same_v<T, uint8_t>) return ArrayDType::kUInt8;
  if constexpr (std::is_same_v<T, bool>) return ArrayDType::kBool;
}

// Sequential reads with bounds checks; every failure names the part being read.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& data, const std::string& path) : data_(data), path_(path) {}
  const uint8_t* take(size_t size, const std::string& what) {
    if (size > data_.size() - offset_) {
      throw Error(path_ + ": truncated: " + what + " needs bytes " + std::to_string(offset_) + "-" +
                  std::to_string(offset_ + size) + ", the file has " +
                  std::to_string(data_.size()));
    }
    const uint8_t* out = data_.data() + offset_;
    offset_ += size;
    return out;
  }
  template <typename T>
  T scalar(const std::string& what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));  // the file is little-endian, as x86
    return value;
  }
  std::string text(const std::string& what) {
    const auto size = scalar<uint32_t>(what);
    if (size > data_.size())
      throw Error(path_ + ": damaged: " + what + " claims " + std::to_string(size) + " bytes");
    const auto* p = take(size, what);
    std::string text(reinterpret_cast<const char*>(p), size);
    if (!valid_utf8(text)) throw Error(path_ + ": damaged: " + what + " is not UTF-8");
    return text;
  }
  size_t offset() const { return offset_; }

 private:
  const std::vector<uint8_t>& data_;
  const std::string& path_;
  size_t offset_ = 0;
};

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

void put_text(std::vector<uint8_t>& out, const std::string& text) {
  put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

int64_t NamedArray::size() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

template <typename T>
std::vector<T> NamedArray::values() const {
  // A bool array reads as uint8 too (its bytes are 0 or 1).
  const bool bool_bytes = std::is_same_v<T, uint8_t> && dtype == ArrayDType::kBool;
  if (dtype != dtype_of<T>() && !bool_bytes) {
    throw Error("array '" + name + "' has dtype " + dtype_name(dtype) + ", expected " +
                    dtype_name(dtype_of<T>()),
                ErrorKind::kInvalidType);
  }
  std::vector<T> out(static_cast<size_t>(size()));
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = bytes[i] != 0;
  } else {
    if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  }
  return out;
}

template std::vector<float> NamedArray::values<float>() const;
template std::vector<double> NamedArray::values<double>() const;
template std::vector<int32_t> NamedArray::values<int32_t>() const;
template std::vector<int64_t> NamedArray::values<int64_t>() const;
template std::vector<uint8_t> NamedArray::values<uint8_t>() const;
template std::vector<bool> NamedArray::values<bool>() const;

const NamedArray& ArrayFile::at(const std::string& name) const {
  for (const auto& a : arrays) {
    if (a.name == name) return a;
  }
  throw Error("the " + kind + " file has no entry '" + name + "'");
}

bool ArrayFile::contains(const std::string& name) const {
  for (const auto& a : arrays) {
    if (a.name == name) return true;
  }
  return false;
}

ArrayFile read_arrays(const std::string& path, const std::string& kind, uint32_t version) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the file");
  const std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  Reader r(data, path);
  if (std::memcmp(r.take(sizeof(kMagic), "the magic bytes"), kMagic, sizeof(kMagic)) != 0) {
    throw Error(path + ": not a trajcore file (it does not start with TRAJCORE)");
  }
  const auto container = r.scalar<uint32_t>("the container version");
  if (container != kContainerVersion) {
    throw Error(path + ": container version " + std::to_string(container) + ", expected " +
                std::to_string(kContainerVersion));
  }
  ArrayFile file;
  file.kind = r.text("the kind");
  if (file.kind != kind) {
    throw Error(path + ": a '" + file.kind + "' file, expected a '" + kind + "' file");
  }
  file.version = r.scalar<uint32_t>("the schema version");
  if (file.version != version) {
    throw Error(path + ": " + kind + " format version " + std::to_string(file.version) +
                ", expected " + std::to_string(version) + " (written by another trajcore release)");
  }
  const auto count = r.scalar<uint32_t>("the entry count");
  for (uint32_t e = 0; e < count; ++e) {
    NamedArray a;
    a.name = r.text("an entry name");
    const auto code = r.scalar<uint8_t>("the type of '" + a.name + "'");
    const auto ndim = r.scalar<uint8_t>("the type of '" + a.name + "'");
    if (code < 1 || code > 6) {
      throw Error(path + ": entry '" + a.name + "' has dtype code " + std::to_string(code) +
                  ", expected 1-6");
    }
    if (ndim > kMaxRank) {
      throw Error(path + ": entry '" + a.name + "' has " + std::to_string(ndim) +
                  " dimensions, expected at most " + std::to_string(kMaxRank));
    }
    a.dtype = static_cast<ArrayDType>(code);
    uint64_t elements = 1;
    for (int d = 0; d < ndim; ++d) {
      const auto n = r.scalar<int64_t>("the shape of '" + a.name + "'");
      // No dimension, and no element count, beyond the file's byte count (an empty array's
      // other dimensions included).
      if (n < 0 || static_cast<uint64_t>(n) > data.size() ||
          (n > 0 && elements > data.size() / static_cast<uint64_t>(n))) {
        throw Error(path + ": entry '" + a.name + "' has an impossible size " + std::to_string(n) +
                    " in dimension " + std::to_string(d));
      }
      elements *= static_cast<uint64_t>(n);
      a.shape.push_back(n);
    }
    const size_t bytes = static_cast<size_t>(elements) * item_size(a.dtype);
    const auto* p = r.take(bytes, "the data of '" + a.name + "'");
    a.bytes.assign(p, p + bytes);
    file.arrays.push_back(std::move(a));
  }
  const size_t body_end = r.offset();
  const auto checksum = r.scalar<uint32_t>("the checksum");
  const auto* footer = r.take(sizeof(kFooter), "the end marker");
  if (std::memcmp(footer, kFooter, sizeof(kFooter)) != 0 || r.offset() != data.size()) {
    throw Error(path + ": damaged: no end marker right after the checksum");
  }
  if (checksum != crc32(data.data(), body_end)) {
    throw Error(path + ": damaged: the checksum does not match the contents");
  }
  return file;
}

void write_arrays(const std::string& path, const ArrayFile& file) {
  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  put<uint32_t>(out, kContainerVersion);
  put_text(out, file.kind);
  put<uint32_t>(out, file.version);
  put<uint32_t>(out, static_cast<uint32_t>(file.arrays.size()));
  for (const auto& a : file.arrays) {
    if (a.bytes.size() != static_cast<size_t>(a.size()) * item_size(a.dtype)) {
      throw Error("array '" + a.name + "' holds " + std::to_string(a.bytes.size()) +
                  " bytes, expected " + std::to_string(a.size() * item_size(a.dtype)) +
                  " for its shape and dtype");
    }
    if (a.shape.size() > static_cast<size_t>(kMaxRank)) {
      throw Error("array '" + a.name + "' has " + std::to_string(a.shape.size()) +
                  " dimensions, expected at most " + std::to_string(kMaxRank));
    }
    put_text(out, a.name);
    put<uint8_t>(out, static_cast<uint8_t>(a.dtype));
    put<uint8_t>(out, static_cast<uint8_t>(a.shape.size()));
    for (auto d : a.shape) put<int64_t>(out, d);
    out.insert(out.end(), a.bytes.begin(), a.bytes.end());
  }
  put<uint32_t>(out, crc32(out.data(), out.size()));
  out.insert(out.end(), kFooter, kFooter + sizeof(kFooter));
  const std::string aside = path + ".partial";
  {
    std::ofstream f(aside, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    f.close();
    if (!f) {
      std::remove(aside.c_str());  // the old file stays whole and nothing is left aside
      throw Error(path + ": cannot write the file");
    }
  }
  if (std::rename(aside.c_str(), path.c_str()) != 0) {
    std::remove(aside.c_str());
    throw Error(path + ": cannot replace the file");
  }
}

template <typename T>
NamedArray make_array(std::string name, std::vector<int64_t> shape, const std::vector<T>& values) {
  NamedArray a;
  a.name = std::move(name);
  a.dtype = dtype_of<T>();
  a.shape = std::move(shape);
  if (static_cast<int64_t>(values.size()) != a.size()) {
    throw Error("array '" + a.name + "' has " + std::to_string(values.size()) +
                " values, expected " + std::to_string(a.size()) + " for its shape");
  }
  if constexpr (std::is_same_v<T, bool>) {
    for (bool v : values) a.bytes.push_back(v ? 1 : 0);
  } else {
    const auto* p = reinterpret_cast<const uint8_t*>(values.data());
    a.bytes.assign(p, p + values.size() * sizeof(T));
  }
  return a;
}

template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<float>&);
template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<double>&);
template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<int32_t>&);
template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<int64_t>&);
template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<uint8_t>&);
template NamedArray make_array(std::string, std::vector<int64_t>, const std::vector<bool>&);

}  // namespace trajcore
