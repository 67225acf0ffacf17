#include "console/tls_material.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace defender::console {
namespace {

struct KeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct CertFree { void operator()(X509* p) const { X509_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = {0};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  throw std::runtime_error(what + ": " + buf);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_private(const std::string& path, const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp + ": cannot write");
    out << text;
    if (!out.flush()) throw std::runtime_error(tmp + ": cannot write");
  }
  ::chmod(tmp.c_str(), mode);
  std::filesystem::rename(tmp, path);
}

Key make_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen");
  return key;
}

std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    fail("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) fail("PEM_write_bio_X509");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Key parse_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail("PEM_read_bio_PrivateKey");
  return key;
}

Cert parse_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("PEM_read_bio_X509");
  return cert;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("X509V3_EXT_conf_nid " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
Cert make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
               int days, bool is_ca, const std::vector<std::string>& hostnames) {
  Cert cert(X509_new());
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("RAND_bytes");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("RASP Defender console"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (is_ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid");
    std::string san;
    for (const auto& host : hostnames) {
      if (host.empty()) continue;
      unsigned char buf[16];
      const bool ip = inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
      if (!san.empty()) san += ",";
      san += (ip ? "IP:" : "DNS:") + host;
    }
    if (!san.empty()) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  return cert;
}

}  // namespace

TlsMaterial load_or_create_tls(const TlsOptions& options) {
  TlsMaterial out;
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (options.cert_file.empty() || options.key_file.empty()) {
      throw std::runtime_error("give both --tls-cert and --tls-key");
    }
    out.server_cert_pem = read_text(options.cert_file);
    out.server_key_pem = read_text(options.key_file);
    out.ca_cert_pem = options.ca_file.empty() ? out.server_cert_pem : read_text(options.ca_file);
    return out;
  }
  const std::filesystem::path dir = std::filesystem::path(options.data_folder) / "tls";
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  const std::string ca_cert = (dir / "ca.pem").string();
  const std::string ca_key = (dir / "ca.key").string();
  const std::string server_cert = (dir / "server.pem").string();
  const std::string server_key = (dir / "server.key").string();

  Key ca_private;
  Cert ca;
  if (std::filesystem::exists(ca_cert) && std::filesystem::exists(ca_key)) {
    out.ca_cert_pem = read_text(ca_cert);
    ca = parse_cert(out.ca_cert_pem);
    ca_private = parse_key(read_text(ca_key));
  } else {
    ca_private = make_key();
    ca = make_cert(ca_private.get(), "RASP Defender console CA", nullptr, nullptr, options.ca_days,
                   true, {});
    out.ca_cert_pem = cert_pem(ca.get());
    write_private(ca_key, key_pem(ca_private.get()), 0600);
    write_private(ca_cert, out.ca_cert_pem, 0644);
    std::filesystem::remove(server_cert);  // a new CA: the old leaf is no longer valid
  }
  if (std::filesystem::exists(server_cert) && std::filesystem::exists(server_key)) {
    out.server_cert_pem = read_text(server_cert);
    out.server_key_pem = read_text(server_key);
    return out;
  }
  Key leaf_key = make_key();
  const std::string cn = options.hostnames.empty() ? "localhost" : options.hostnames.front();
  Cert leaf = make_cert(leaf_key.get(), cn, ca.get(), ca_private.get(), options.server_days, false,
                        options.hostnames);
  out.server_cert_pem = cert_pem(leaf.get());
  out.server_key_pem = key_pem(leaf_key.get());
  write_private(server_key, out.server_key_pem, 0600);
  write_private(server_cert, out.server_cert_pem, 0644);
  return out;
}

}  // namespace defender::console
