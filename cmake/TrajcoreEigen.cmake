# Eigen 3.4: from the cmeel-eigen wheel (pip builds: a build requirement, under
# <site-packages>/cmeel.prefix) or from the system (Debian libeigen3-dev, standalone builds).
set(_trajcore_prefixes ${CMAKE_PREFIX_PATH})
find_package(Python COMPONENTS Interpreter QUIET)
if(Python_EXECUTABLE)
  execute_process(COMMAND ${Python_EXECUTABLE} -c "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    OUTPUT_VARIABLE _purelib OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  list(APPEND _trajcore_prefixes "${_purelib}")
endif()
foreach(_p IN LISTS _trajcore_prefixes)
  if(EXISTS "${_p}/cmeel.prefix")
    list(APPEND CMAKE_PREFIX_PATH "${_p}/cmeel.prefix")
  endif()
endforeach()
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
message(STATUS "trajcore: Eigen ${Eigen3_VERSION} from ${Eigen3_DIR}")
