// cpp-httplib for the server, its tests and its benchmark, or nothing when the build has none.
//
// Debian's libcpp-httplib-dev 0.11 is not header-only: httplib.h declares, libcpp-httplib.so
// defines, and the library was built with OpenSSL, zlib and Brotli support, which changes the
// layout of its classes. So the server is compiled only when CMake both found the header
// (HG_WITH_HTTPLIB) and links the library with the library's own definitions from its pkg-config
// file (HG_HTTPLIB_LINKED, CPPHTTPLIB_*_SUPPORT); otherwise `hourglass serve` says what to install.
#pragma once

#if defined(HG_WITH_HTTPLIB) && defined(HG_HTTPLIB_LINKED)
#define HG_SERVE_ENABLED 1
#include <httplib.h>
#else
#define HG_SERVE_ENABLED 0
#endif
