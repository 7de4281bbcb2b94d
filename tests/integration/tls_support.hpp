// Certificates for TLS tests, made once per test process with the openssl CLI in a temporary
// folder (removed at exit): a valid self-signed server certificate for localhost and
// 127.0.0.1, an expired one, and a client certificate that is its own CA.
#pragma once

#include <corio/tls.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace test {

struct tls_files {
    std::string dir;
    std::string cert, key;                 // valid, CN=localhost, SAN localhost + 127.0.0.1
    std::string expired_cert, expired_key; // valid names, expired in 2020
    std::string client_cert, client_key;   // CN=corio-test-client, self-signed

    static const tls_files& get() {
        static tls_files files;
        return files;
    }

    /// A listener's options with the valid certificate.
    static corio::tls_options server_options() {
        corio::tls_options t;
        t.certificate_file = get().cert;
        t.private_key_file = get().key;
        return t;
    }

    tls_files(const tls_files&) = delete;
    ~tls_files() {
        std::error_code ignored;
        if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }

private:
    static void run(const std::string& cmd) {
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    }

    tls_files() {
        tls_files& f = *this;
        f.dir = "/tmp/corio-tls-" + std::to_string(::getpid());
        std::filesystem::create_directories(f.dir);
        const std::string d = f.dir;
        const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
        const std::string san = " -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' ";
        f.cert = d + "/cert.pem";
        f.key = d + "/key.pem";
        run("openssl req -x509" + ec + "-keyout " + f.key + " -out " + f.cert +
            " -days 2 -subj /CN=localhost" + san + " 2>/dev/null");
        f.client_cert = d + "/client.pem";
        f.client_key = d + "/client-key.pem";
        run("openssl req -x509" + ec + "-keyout " + f.client_key + " -out " + f.client_cert +
            " -days 2 -subj /CN=corio-test-client 2>/dev/null");
        // openssl req cannot back-date; `openssl ca` can set both dates.
        f.expired_cert = d + "/expired.pem";
        f.expired_key = d + "/expired-key.pem";
        run("cd " + d +
            " && touch index.txt && echo 01 > serial && printf '[ca]\\ndefault_ca=d\\n[d]\\n"
            "database=index.txt\\nserial=serial\\nnew_certs_dir=.\\ndefault_md=sha256\\n"
            "policy=p\\ncopy_extensions=copy\\n[p]\\ncommonName=supplied\\n' > ca.cnf && "
            "openssl req -new" +
            ec + "-keyout " + f.expired_key + " -out expired.csr -subj /CN=localhost" + san +
            " 2>/dev/null && openssl ca -batch -config ca.cnf -selfsign -keyfile " + f.expired_key +
            " -in expired.csr -out " + f.expired_cert +
            " -startdate 20200101000000Z -enddate 20200102000000Z >/dev/null 2>&1");
    }
};

} // namespace test
