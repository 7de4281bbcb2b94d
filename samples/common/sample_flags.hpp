// Command-line flags every corio sample shares: --address URL (repeatable), --loops N,
// --balancer NAME, --reuse-port, TLS files for tls:// addresses, --help. Samples add their
// own on top.
#pragma once

#include <corio/corio.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace samples {

struct common_flags {
    std::vector<std::string> addresses;
    corio::options options;
    corio::tls_options tls; // for tls:// addresses
};

/// Serves `address` with `h`, with the TLS files from the flags for tls:// addresses.
inline corio::listener_info serve(corio::engine& engine, const common_flags& flags,
                                  const std::string& address, corio::handler h) {
    if (address.starts_with("tls://")) return engine.serve(address, std::move(h), flags.tls);
    return engine.serve(address, std::move(h));
}

/// Parses argv. `extra` gets the flags a sample adds (name, next argument or null) and
/// returns how many arguments after the name it used (0 or 1), or -1 for an unknown flag.
/// Prints usage and exits on --help or a bad flag.
inline common_flags
parse_flags(int argc, char** argv, std::string_view usage, std::string_view default_address,
            const std::function<int(std::string_view, const char*)>& extra = {}) {
    common_flags flags;
    auto die = [&](const std::string& why) {
        std::fprintf(stderr, "%s: %s\n\n%.*s", argv[0], why.c_str(), static_cast<int>(usage.size()),
                     usage.data());
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        auto need = [&]() -> std::string_view {
            if (!value) die("missing value for " + std::string(arg));
            ++i;
            return value;
        };
        if (arg == "--help" || arg == "-h") {
            std::printf("%.*s", static_cast<int>(usage.size()), usage.data());
            std::exit(0);
        } else if (arg == "--address") {
            flags.addresses.emplace_back(need());
        } else if (arg == "--loops") {
            std::string_view v = need();
            std::size_t n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc{} || end != v.data() + v.size()) die("bad --loops value");
            flags.options.loops = n;
        } else if (arg == "--balancer") {
            try {
                flags.options.balancer = corio::make_balancer(need());
            } catch (const std::exception& e) {
                die(e.what());
            }
        } else if (arg == "--reuse-port") {
            flags.options.reuse_port = true;
        } else if (arg == "--tls-cert") {
            flags.tls.certificate_file = need();
        } else if (arg == "--tls-key") {
            flags.tls.private_key_file = need();
        } else if (arg == "--tls-client-ca") {
            flags.tls.ca_file = need();
        } else {
            int used = extra ? extra(arg, value) : -1;
            if (used < 0) die("unknown flag " + std::string(arg));
            i += used;
        }
    }
    if (flags.addresses.empty()) flags.addresses.emplace_back(default_address);
    return flags;
}

/// The shared part of every sample's --help text.
inline constexpr std::string_view common_usage =
    "  --address URL      listen address, repeatable (tcp://, tcp4://, tcp6://, unix://,\n"
    "                     tls://)\n"
    "  --loops N          event loops (default: one per core)\n"
    "  --balancer NAME    least_connections (default), round_robin, source_addr_hash\n"
    "  --reuse-port       one SO_REUSEPORT acceptor per loop\n"
    "  --tls-cert FILE    certificate chain (PEM) for tls:// addresses\n"
    "  --tls-key FILE     private key (PEM) for tls:// addresses\n"
    "  --tls-client-ca F  require client certificates signed by F on tls:// addresses\n"
    "  --help             this text\n";

} // namespace samples
