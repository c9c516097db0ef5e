// comfort from C++ with PDM-Closed's defaults. Usage: comfort <dir>. <dir>/request.txt holds
// "N T1 S dt"; states.bin (N, T1, S) float32. Writes score.bin, failed.bin, first_step.bin and
// series.bin (N, 6, T1).
#include <trajcore/comfort.hpp>
#include <trajcore/error.hpp>

#include <iostream>
#include <string>

#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: comfort <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t N, T1, S;
  double dt;
  header >> N >> T1 >> S >> dt;
  using trajcore::Shape;
  const auto states = read_file<float>(dir + "/states.bin", N * T1 * S);
  trajcore::Tensor<float> score, series;
  trajcore::Tensor<int32_t> failed, first;
  score.resize(Shape{N});
  failed.resize(Shape{N});
  first.resize(Shape{N});
  series.resize(Shape{N, 6, T1});
  try {
    trajcore::comfort({states.data(), Shape{N, T1, S}, {}}, dt, trajcore::ComfortParams{},
                      {score.view(), failed.view(), first.view(), series.view()});
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  write_file(dir + "/score.bin", score);
  write_file(dir + "/failed.bin", failed);
  write_file(dir + "/first_step.bin", first);
  write_file(dir + "/series.bin", series);
  std::cout << "ok\n";
  return 0;
}
