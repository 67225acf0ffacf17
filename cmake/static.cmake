# Fully static `defender` (DEFENDER_STATIC=ON, `make static`): included by the top
# CMakeLists.txt before its find_package() calls so that every library is found as its
# static archive. Debian ships a .a for each library we link (PLATFORM.md "Static binary").
if(DEFENDER_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(ZLIB_USE_STATIC_LIBS TRUE)
  set(Boost_USE_STATIC_LIBS TRUE)
  # A static binary cannot be position-independent-linked against non-PIC archives.
  set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
endif()
