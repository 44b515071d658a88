# BLAKE3's official C implementation, from the sources Debian ships in librust-blake3-dev,
# built here with its SIMD kernels (runtime-dispatched). Not copied into this repository.
file(GLOB _blake3_dirs LIST_DIRECTORIES true /usr/share/cargo/registry/blake3-*/c)
list(SORT _blake3_dirs COMPARE NATURAL ORDER DESCENDING)
list(GET _blake3_dirs 0 _blake3_dir)
if(NOT EXISTS "${_blake3_dir}/blake3.h")
  message(FATAL_ERROR "BLAKE3 C sources not found: apt-get install librust-blake3-dev")
endif()
set(BASIN_BLAKE3_DIR "${_blake3_dir}" CACHE INTERNAL "BLAKE3 C sources")
message(STATUS "BLAKE3 C sources: ${BASIN_BLAKE3_DIR}")

set(_b3 ${BASIN_BLAKE3_DIR})
set(_blake3_sources ${_b3}/blake3.c ${_b3}/blake3_dispatch.c ${_b3}/blake3_portable.c)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND _blake3_sources
    ${_b3}/blake3_sse2_x86-64_unix.S ${_b3}/blake3_sse41_x86-64_unix.S
    ${_b3}/blake3_avx2_x86-64_unix.S ${_b3}/blake3_avx512_x86-64_unix.S)
  set(_blake3_defs "")
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  list(APPEND _blake3_sources ${_b3}/blake3_neon.c)
  set(_blake3_defs BLAKE3_USE_NEON=1)
else()
  set(_blake3_defs BLAKE3_NO_SSE2 BLAKE3_NO_SSE41 BLAKE3_NO_AVX2 BLAKE3_NO_AVX512)
endif()
add_library(basin_blake3_c OBJECT ${_blake3_sources})
target_compile_definitions(basin_blake3_c PRIVATE ${_blake3_defs})
set_target_properties(basin_blake3_c PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
