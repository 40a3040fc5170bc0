// The extension module segrt._segrt, imported by the package segrt
// (python/segrt/__init__.py), which adds the pure-Python parts.
#include "py_common.h"

PYBIND11_MODULE(_segrt, m) {
  m.doc() = "segrt's C++ engine (use the package: import segrt)";
  segrt::py::register_errors(m);
  segrt::py::register_device_array(m);
  segrt::py::register_engine(m);
  segrt::py::register_segment(m);
  m.attr("__version__") = segrt::version();
  m.attr("build_parts") = segrt::build_parts();
  m.attr("WITH_APP") = bool(SEGRT_WITH_APP);
}
