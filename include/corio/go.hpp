// corio's Go-style kit in one header: go, chan, select, context, wait_group, once, mutex,
// semaphore, sleep, after and time_ticker. docs/porting-from-go.md maps Go onto it.
#pragma once

#include <corio/go/chan.hpp>
#include <corio/go/context.hpp>
#include <corio/go/select.hpp>
#include <corio/go/spawn.hpp>
#include <corio/go/sync.hpp>
#include <corio/go/timer.hpp>
