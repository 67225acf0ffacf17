// The console's TLS material: its own CA and a server certificate signed by it, made with
// OpenSSL 3 on first start and kept in DATA_FOLDER/tls/. The CA certificate is what the
// install bundle carries, so that defenders check the console against it. Given files
// (--tls-cert/--tls-key/--tls-ca) are used as they are. Blocking file I/O; call at startup.
#pragma once

#include <string>
#include <vector>

namespace defender::console {

struct TlsMaterial {
  std::string ca_cert_pem;      // what defenders trust
  std::string server_cert_pem;  // leaf first, then the chain
  std::string server_key_pem;
};

struct TlsOptions {
  std::string data_folder;
  std::string cert_file;  // all three given: used as they are
  std::string key_file;
  std::string ca_file;
  std::vector<std::string> hostnames;  // names and IPs put in the server certificate's SAN
  int server_days = 825;
  int ca_days = 3650;
};

// Loads the material from the data folder, creating what is missing. Throws
// std::runtime_error naming the file or the OpenSSL call on failure.
TlsMaterial load_or_create_tls(const TlsOptions& options);

}  // namespace defender::console
