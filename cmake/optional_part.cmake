# The optional parts of segrt (the Keras importer, the CPU and CUDA backends,
# the app, the server) each have a switch, AUTO | ON | OFF, and each says at
# configure time whether it is built and, when not, why. These are macros, not
# functions, so that their return() ends the calling part's CMakeLists.txt:
#
#   segrt_part_switched_off(SEGRT_APP "segmentation app")
#   find_package(TIFF)
#   if(NOT TIFF_FOUND)
#     segrt_part_missing(SEGRT_APP "segmentation app" "needs libtiff (libtiff-dev)")
#   endif()
#   segrt_part_on(app "segmentation app on (image I/O: libtiff)")

# Stops the part here when its switch is OFF.
macro(segrt_part_switched_off switch part)
  if(${switch} STREQUAL "OFF")
    message(STATUS "segrt: ${part} off (${switch}=OFF)")
    return()
  endif()
endmacro()

# What the part needs is absent: an error when its switch is ON (asked for, so
# never silently left out), else reported and the part skipped.
macro(segrt_part_missing switch part reason)
  if(${switch} STREQUAL "ON")
    message(FATAL_ERROR "segrt: ${switch}=ON but the ${part} ${reason}")
  endif()
  message(STATUS "segrt: ${part} off: ${reason}")
  return()
endmacro()

# The part is built: reported, and its name added to SEGRT_PARTS (which
# segrt::build_info() and the configure summary list).
function(segrt_part_on name text)
  message(STATUS "segrt: ${text}")
  set(SEGRT_PARTS "${SEGRT_PARTS};${name}" CACHE INTERNAL "")
endfunction()
