// Shared declarations of the segrt Python module's C++ parts (module.cpp
// binds them). Only segrt's public headers and pybind11 are used here.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <segrt/segrt.h>

namespace segrt::py {

namespace pyb = pybind11;

// errors.cpp: segrt.Error and its subclasses; segrt::Error -> them.
void register_errors(pyb::module_& m);

// dtypes.cpp: segrt dtypes <-> NumPy dtypes, DLPack dtypes, typestrs.
pyb::dtype numpy_dtype(DType t);
DType dtype_from_numpy(const pyb::dtype& d, const std::string& what);
std::string typestr(DType t);                       // "<f4": __cuda_array_interface__
DType dtype_from_typestr(const std::string& s, const std::string& what);

// engine.cpp / device_array.cpp / segment.cpp
void register_engine(pyb::module_& m);
void register_device_array(pyb::module_& m);
void register_segment(pyb::module_& m);

}  // namespace segrt::py
