// trajcore._core: the compiled module behind the trajcore package.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/device.hpp"
#include "trajcore/error.hpp"
#include "trajcore/threading.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "trajcore's compiled core; use the trajcore package instead of this module.";
  m.attr("__version__") = trajcore::version();

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const trajcore::Error& e) {
      PyObject* type = e.kind() == trajcore::ErrorKind::kInvalidType   ? PyExc_TypeError
                       : e.kind() == trajcore::ErrorKind::kOutOfMemory ? PyExc_MemoryError
                                                                       : PyExc_ValueError;
      PyErr_SetString(type, e.what());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError,
                      "trajcore could not allocate its working memory (std::bad_alloc): the "
                      "inputs are too large for the memory available to this process");
    }
  });

  m.def("built_with_cuda", &trajcore::built_with_cuda,
        "Whether this build includes the CUDA backend.");
  m.def("cuda_device_count", &trajcore::cuda_device_count,
        "Number of CUDA devices visible; 0 without a CUDA build, a driver or a GPU.");
  m.def("cuda_status", &trajcore::cuda_status,
        "Why cuda_device_count() is 0, or an empty string when devices were found.");
  m.def("set_num_threads", &trajcore::set_num_threads, py::arg("n"),
        "Threads (the caller included) that CPU work may use. Results do not depend on it.");
  m.def("get_num_threads", &trajcore::get_num_threads, "Threads CPU work may use.");
  m.def("_data_pointer", &trajcore::bindings::data_pointer, py::arg("array"),
        "The data address trajcore reads for `array` (zero-copy checks).");

  trajcore::bindings::bind_box(m);
  trajcore::bindings::bind_collision(m);
  trajcore::bindings::bind_rollout(m);
  trajcore::bindings::bind_agents(m);
  trajcore::bindings::bind_reference_line(m);
  trajcore::bindings::bind_road_map(m);
  trajcore::bindings::bind_map_metrics(m);
  trajcore::bindings::bind_collision_metrics(m);
  trajcore::bindings::bind_comfort(m);
  trajcore::bindings::bind_scoring(m);
  trajcore::bindings::bind_planner(m);
  trajcore::bindings::bind_track(m);
  trajcore::bindings::bind_generators(m);
  trajcore::bindings::bind_scene(m);
}
