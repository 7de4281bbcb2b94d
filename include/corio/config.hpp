// What every public corio header checks first: the language level. corio needs C++20
// (coroutines, std::span, designated initializers); below it, one clear error instead of
// pages of them from deep inside a header.
#pragma once

#if __cplusplus < 202002L
#error "corio needs C++20: compile with -std=c++20 (or -std=gnu++20, or later)"
#endif
