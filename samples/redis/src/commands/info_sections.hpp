// INFO's sections about the process and the counters (memory, persistence, stats, cpu,
// commandstats, errorstats, and the ones with nothing to say yet), for server_info.cpp.
// Each returns its text: "# Title\r\n" and its "field:value\r\n" lines.
#pragma once

#include "../server.hpp"

#include <string>

namespace corio_redis {

std::string info_memory(server& srv);
std::string info_persistence(server& srv, const stats_totals& t);
std::string info_stats(server& srv, const stats_totals& t);
std::string info_cpu();
std::string info_commandstats(const server& srv, const stats_totals& t);
std::string info_errorstats(const server& srv, const stats_totals& t);

} // namespace corio_redis
