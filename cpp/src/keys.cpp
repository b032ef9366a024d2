// JOSE signing keys: HMAC, RSA (PKCS#1 v1.5 and PSS) and ECDSA on OpenSSL 3, Ed25519 on
// libsodium. Key material is parsed and checked once; sign / verify only read the key.
#include "pyauth/keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <simdjson.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"
#include "pyauth/secure.hpp"

namespace pyauth {
namespace {

constexpr std::array<std::string_view, kAlgorithmCount> kAlgorithmNames = {
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
};

// RSA moduli pyauth accepts: at least 2048 bits (RFC 7518 §3.3), at most OpenSSL's own
// ceiling, so a hostile JWK Set cannot make verification arbitrarily slow.
constexpr int kRsaMinBits = 2048;
constexpr int kRsaMaxBits = 16384;
// Size caps on key documents (a 16384-bit private RSA JWK is about 15 KiB; a PEM file may
// carry a certificate chain after the key).
constexpr std::size_t kMaxJwkSize = 64 * 1024;
constexpr std::size_t kMaxJwksSize = 1024 * 1024;
constexpr std::size_t kMaxPemSize = 1024 * 1024;

// ---------------------------------------------------------------- RAII for OpenSSL handles

template <typename T, void (*Free)(T *)> struct Deleter {
  void operator()(T *p) const noexcept { Free(p); }
};
void free_openssl_bytes(unsigned char *p) { OPENSSL_free(p); }

using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using DecoderCtxPtr =
    std::unique_ptr<OSSL_DECODER_CTX, Deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>>;
using OpenSslBytes = std::unique_ptr<unsigned char, Deleter<unsigned char, free_openssl_bytes>>;

// Clears OpenSSL's thread-local error queue when it goes out of scope, so a failure in
// here never leaves stale errors for an unrelated later call to trip over.
struct ErrorQueueGuard {
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard &) = delete;
  ErrorQueueGuard &operator=(const ErrorQueueGuard &) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

[[noreturn]] void out_of_memory() { throw std::bad_alloc(); }

const unsigned char *bytes(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char *>(s.data());
}

// ---------------------------------------------------------------- algorithms

// The digest behind HS*, RS*, PS*, ES*; nullptr for EdDSA.
const char *digest_name(Algorithm alg) noexcept {
  switch (alg) {
  case Algorithm::HS256:
  case Algorithm::RS256:
  case Algorithm::PS256:
  case Algorithm::ES256:
    return "SHA256";
  case Algorithm::HS384:
  case Algorithm::RS384:
  case Algorithm::PS384:
  case Algorithm::ES384:
    return "SHA384";
  case Algorithm::HS512:
  case Algorithm::RS512:
  case Algorithm::PS512:
    return "SHA512";
  case Algorithm::EdDSA:
    break;
  }
  return nullptr;
}

std::size_t hmac_size(Algorithm alg) noexcept {
  switch (alg) {
  case Algorithm::HS256:
    return 32;
  case Algorithm::HS384:
    return 48;
  case Algorithm::HS512:
    return 64;
  default:
    return 0;
  }
}

bool is_rsa(Algorithm alg) noexcept { return alg >= Algorithm::RS256 && alg <= Algorithm::PS512; }
bool is_pss(Algorithm alg) noexcept {
  return alg == Algorithm::PS256 || alg == Algorithm::PS384 || alg == Algorithm::PS512;
}
bool is_ec(Algorithm alg) noexcept { return alg == Algorithm::ES256 || alg == Algorithm::ES384; }

std::string alg_str(Algorithm alg) { return std::string(algorithm_name(alg)); }

// ---------------------------------------------------------------- small helpers

// The kid goes into JSON output verbatim (escaped), so it must be text.
void check_kid(const std::string &kid) {
  if (!simdjson::validate_utf8(kid.data(), kid.size())) {
    fail(KeyErrc::invalid_key, "kid must be valid UTF-8");
  }
}

void append_json_string(std::string &out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0x0F]);
      } else {
        out.push_back(ch);
      }
    }
  }
  out.push_back('"');
}

// Appends ,"name":"value" (value already JSON-safe, e.g. base64url).
void append_member(std::string &out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  out += value;
  out.push_back('"');
}

// The common tail of every public JWK: "alg", "use" and "kid" when set, then '}'.
void finish_jwk(std::string &out, Algorithm alg, const std::string &kid) {
  append_member(out, "alg", algorithm_name(alg));
  append_member(out, "use", "sig");
  if (!kid.empty()) {
    out += ",\"kid\":";
    append_json_string(out, kid);
  }
  out.push_back('}');
}

std::string bio_contents(BIO *bio) {
  char *data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr)
    return {};
  return std::string(data, static_cast<std::size_t>(len));
}

std::string spki_pem(EVP_PKEY *pkey) {
  ErrorQueueGuard guard;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    throw std::runtime_error("could not write the public key as PEM");
  }
  return bio_contents(bio.get());
}

// The private key as unencrypted PKCS#8 PEM. The BIO lives in OpenSSL's secure heap
// (BIO_s_secmem, cleansed when freed) and the text is handed over in wiped memory.
SecretBytes pkcs8_pem(EVP_PKEY *pkey) {
  ErrorQueueGuard guard;
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    throw std::runtime_error("could not write the private key as PKCS#8");
  }
  char *data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr)
    throw std::runtime_error("could not write the private key as PKCS#8");
  return SecretBytes(std::string_view(data, static_cast<std::size_t>(len)));
}

// A big-endian unsigned integer as a BIGNUM (in OpenSSL's secure heap when `secret`).
BnPtr to_bn(std::string_view be, bool secret) {
  BnPtr bn(secret ? BN_secure_new() : BN_new());
  if (!bn || BN_bin2bn(bytes(be), static_cast<int>(be.size()), bn.get()) == nullptr) {
    out_of_memory();
  }
  return bn;
}

std::string bn_to_bytes(const BIGNUM *bn, std::size_t width) {
  const int n = BN_num_bytes(bn);
  const std::size_t len = width != 0 ? width : static_cast<std::size_t>(n);
  std::string out(len, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), static_cast<int>(len)) < 0) {
    throw std::runtime_error("integer does not fit");
  }
  return out;
}

BnPtr get_bn_param(const EVP_PKEY *pkey, const char *name) {
  BIGNUM *raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    throw std::runtime_error("could not read a key parameter");
  }
  return BnPtr(raw);
}

// ---------------------------------------------------------------- HMAC

// The HMAC implementation, fetched once for the process (EVP_MAC objects are immutable and
// may be shared between threads).
EVP_MAC *hmac_mac() {
  static const MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) {
    ERR_clear_error();
    throw std::runtime_error("OpenSSL has no HMAC implementation");
  }
  return mac.get();
}

// Does the secret look like a PEM key / certificate or an SSH public key? Such a "secret"
// is public, and accepting it is the HS-with-public-key algorithm confusion.
bool looks_asymmetric(std::string_view s) noexcept {
  if (s.find("-----BEGIN") != std::string_view::npos)
    return true;
  const auto start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos)
    return false;
  s.remove_prefix(start);
  for (std::string_view prefix : {"ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-"}) {
    if (s.starts_with(prefix))
      return true;
  }
  return false;
}

class HmacKey final : public Key {
 public:
  HmacKey(Algorithm alg, std::string_view secret, std::string kid)
      : Key(alg, std::move(kid)), secret_(secret), size_(hmac_size(alg)),
        template_(EVP_MAC_CTX_new(hmac_mac())) {
    if (!template_)
      out_of_memory();
    std::array<OSSL_PARAM, 2> params = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char *>(digest_name(alg)), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(template_.get(), secret_.data(), secret_.size(), params.data()) != 1) {
      ERR_clear_error();
      fail(KeyErrc::invalid_key, "could not key HMAC");
    }
  }
  HmacKey(const HmacKey &) = delete;
  HmacKey &operator=(const HmacKey &) = delete;

  ~HmacKey() override {
    for (auto &slot : pool_)
      EVP_MAC_CTX_free(slot.exchange(nullptr));
  }

  bool is_private() const noexcept override { return true; }

  std::string sign(std::string_view signing_input) const override {
    std::string out(size_, '\0');
    if (!compute(signing_input, reinterpret_cast<unsigned char *>(out.data()))) {
      throw std::runtime_error("HMAC computation failed");
    }
    return out;
  }

  bool verify(std::string_view signing_input, std::string_view signature) const override {
    if (signature.size() != size_)
      return false; // the length is public
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    const bool ok = compute(signing_input, mac.data()) &&
                    CRYPTO_memcmp(mac.data(), signature.data(), size_) == 0;
    wipe(mac.data(), mac.size());
    return ok;
  }

  std::string public_jwk() const override {
    fail(KeyErrc::invalid_key, "an HMAC key has no public half to publish as a JWK");
  }
  std::string public_pem() const override {
    fail(KeyErrc::invalid_key, "an HMAC key has no public half to publish as PEM");
  }
  SecretBytes private_pkcs8_pem() const override {
    fail(KeyErrc::invalid_key, "an HMAC secret has no PKCS#8 form");
  }

 private:
  // A context to MAC with, already keyed: a pooled duplicate of the template when one is
  // free (reset to the keyed state by EVP_MAC_init with no key), else a fresh duplicate.
  // EVP_MAC_CTX_dup costs more than the MAC of a short input, hence the pool; the
  // template itself is never used, only duplicated, so it is never mutated.
  EVP_MAC_CTX *acquire() const noexcept {
    for (auto &slot : pool_) {
      if (slot.load(std::memory_order_relaxed) == nullptr)
        continue;
      if (EVP_MAC_CTX *ctx = slot.exchange(nullptr, std::memory_order_acquire)) {
        if (EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1)
          return ctx;
        EVP_MAC_CTX_free(ctx);
        ERR_clear_error();
      }
    }
    return EVP_MAC_CTX_dup(template_.get());
  }

  void release(EVP_MAC_CTX *ctx) const noexcept {
    for (auto &slot : pool_) {
      EVP_MAC_CTX *expected = nullptr;
      if (slot.compare_exchange_strong(expected, ctx, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
    EVP_MAC_CTX_free(ctx);
  }

  // MACs `input` into `out` (size_ bytes) with a context of its own: any number of
  // threads may call this at once.
  bool compute(std::string_view input, unsigned char *out) const noexcept {
    EVP_MAC_CTX *ctx = acquire();
    std::size_t len = 0;
    const bool ok = ctx != nullptr && EVP_MAC_update(ctx, bytes(input), input.size()) == 1 &&
                    EVP_MAC_final(ctx, out, &len, size_) == 1 && len == size_;
    if (ok) {
      release(ctx);
    } else {
      EVP_MAC_CTX_free(ctx);
      ERR_clear_error();
    }
    return ok;
  }

  SecretBytes secret_;
  std::size_t size_;
  MacCtxPtr template_;
  // Keyed contexts not in use; each slot holds one or nullptr.
  mutable std::array<std::atomic<EVP_MAC_CTX *>, 8> pool_{};
};

// ---------------------------------------------------------------- RSA and ECDSA (OpenSSL)

// A plain-language name of an OpenSSL key for error messages: "an RSA key", "an EC P-384
// key", "an Ed25519 key".
std::string describe(const EVP_PKEY *pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA"))
    return "an RSA key";
  if (EVP_PKEY_is_a(pkey, "RSA-PSS"))
    return "an RSA-PSS-restricted key";
  if (EVP_PKEY_is_a(pkey, "ED25519"))
    return "an Ed25519 key";
  if (EVP_PKEY_is_a(pkey, "ED448"))
    return "an Ed448 key";
  if (EVP_PKEY_is_a(pkey, "X25519"))
    return "an X25519 key";
  if (EVP_PKEY_is_a(pkey, "EC")) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, group.data(), group.size(), &len) != 1) {
      ERR_clear_error();
      return "an EC key";
    }
    const std::string_view g(group.data(), len);
    if (g == "prime256v1" || g == "P-256")
      return "an EC P-256 key";
    if (g == "secp384r1" || g == "P-384")
      return "an EC P-384 key";
    if (g == "secp521r1" || g == "P-521")
      return "an EC P-521 key";
    return "an EC " + std::string(g) + " key";
  }
  const char *type = EVP_PKEY_get0_type_name(pkey);
  return std::string("a ") + (type != nullptr ? type : "non-JOSE") + " key";
}

[[noreturn]] void wrong_key_type(std::string_view what, Algorithm alg) {
  fail(KeyErrc::invalid_key, std::string(what) + " cannot be used with " + alg_str(alg));
}

// Does the OpenSSL key fit the algorithm? Throws invalid_key if not, weak_key for a short
// RSA modulus.
void check_pkey_fits(const EVP_PKEY *pkey, Algorithm alg) {
  if (is_rsa(alg)) {
    if (!EVP_PKEY_is_a(pkey, "RSA"))
      wrong_key_type(describe(pkey), alg);
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kRsaMinBits) {
      fail(KeyErrc::weak_key, "RSA keys must be at least " + std::to_string(kRsaMinBits) +
                                  " bits, got " + std::to_string(bits));
    }
    if (bits > kRsaMaxBits) {
      fail(KeyErrc::invalid_key, "RSA keys over " + std::to_string(kRsaMaxBits) +
                                     " bits are not supported, got " + std::to_string(bits));
    }
    return;
  }
  if (is_ec(alg)) {
    const std::string what = describe(pkey);
    const char *want = alg == Algorithm::ES256 ? "an EC P-256 key" : "an EC P-384 key";
    if (what != want)
      wrong_key_type(what, alg);
    return;
  }
  wrong_key_type(describe(pkey), alg);
}

std::size_t ec_coordinate_size(Algorithm alg) noexcept {
  return alg == Algorithm::ES256 ? 32 : alg == Algorithm::ES384 ? 48 : 0;
}

// RSA or EC key for RS*, PS*, ES*. The EVP_PKEY is only read after construction, and every
// operation has its own EVP_MD_CTX, so concurrent use from many threads is safe.
class PkeyKey final : public Key {
 public:
  PkeyKey(Algorithm alg, PkeyPtr pkey, bool has_private, std::string kid)
      : Key(alg, std::move(kid)), pkey_(std::move(pkey)), private_(has_private),
        coord_(ec_coordinate_size(alg)) {}

  bool is_private() const noexcept override { return private_; }

  std::string sign(std::string_view signing_input) const override {
    if (!private_)
      fail(KeyErrc::not_private, "a public key cannot sign");
    ErrorQueueGuard guard;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx)
      out_of_memory();
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (EVP_DigestSignInit_ex(ctx.get(), &pctx, digest_name(algorithm()), nullptr, nullptr,
                              pkey_.get(), nullptr) != 1 ||
        !set_padding(pctx)) {
      throw std::runtime_error("could not start signing");
    }
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes(signing_input), signing_input.size()) != 1) {
      throw std::runtime_error("signing failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len,
                       bytes(signing_input), signing_input.size()) != 1) {
      throw std::runtime_error("signing failed");
    }
    sig.resize(len);
    return coord_ != 0 ? der_to_jose(sig) : sig;
  }

  bool verify(std::string_view signing_input, std::string_view signature) const override {
    ErrorQueueGuard guard;
    std::string der;
    if (coord_ != 0) {
      if (!jose_to_der(signature, der))
        return false;
      signature = der;
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx)
      return false;
    EVP_PKEY_CTX *pctx = nullptr;
    if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digest_name(algorithm()), nullptr, nullptr,
                                pkey_.get(), nullptr) != 1 ||
        !set_padding(pctx)) {
      return false;
    }
    return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(signing_input),
                            signing_input.size()) == 1;
  }

  std::string public_jwk() const override {
    std::string out;
    if (coord_ == 0) {
      out = "{\"kty\":\"RSA\"";
      append_member(
          out, "n",
          base64url_encode(bn_to_bytes(get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N).get(), 0)));
      append_member(
          out, "e",
          base64url_encode(bn_to_bytes(get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E).get(), 0)));
    } else {
      out = "{\"kty\":\"EC\"";
      append_member(out, "crv", algorithm() == Algorithm::ES256 ? "P-256" : "P-384");
      append_member(out, "x",
                    base64url_encode(bn_to_bytes(
                        get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X).get(), coord_)));
      append_member(out, "y",
                    base64url_encode(bn_to_bytes(
                        get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y).get(), coord_)));
    }
    finish_jwk(out, algorithm(), kid());
    return out;
  }

  std::string public_pem() const override { return spki_pem(pkey_.get()); }

  SecretBytes private_pkcs8_pem() const override {
    if (!private_)
      fail(KeyErrc::not_private, "a public key has no private half to export");
    return pkcs8_pem(pkey_.get());
  }

 private:
  // PS*: RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash
  // (RFC 7518 §3.5), on both sides. RS* keep OpenSSL's PKCS#1 v1.5 default.
  bool set_padding(EVP_PKEY_CTX *pctx) const noexcept {
    if (!is_pss(algorithm()))
      return true;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, digest_name(algorithm()), nullptr) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }

  // DER ECDSA-Sig-Value -> JOSE r||s, each left-padded to the coordinate size.
  std::string der_to_jose(const std::string &der) const {
    const unsigned char *p = bytes(der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig)
      throw std::runtime_error("OpenSSL produced an unreadable ECDSA signature");
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(2 * coord_, '\0');
    auto *o = reinterpret_cast<unsigned char *>(out.data());
    if (BN_bn2binpad(r, o, static_cast<int>(coord_)) < 0 ||
        BN_bn2binpad(s, o + coord_, static_cast<int>(coord_)) < 0) {
      throw std::runtime_error("ECDSA signature out of range");
    }
    return out;
  }

  // JOSE r||s -> DER; false for a signature of the wrong length.
  bool jose_to_der(std::string_view jose, std::string &der) const {
    if (jose.size() != 2 * coord_)
      return false;
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(bytes(jose), static_cast<int>(coord_), nullptr));
    BnPtr s(BN_bin2bn(bytes(jose) + coord_, static_cast<int>(coord_), nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
      return false;
    static_cast<void>(r.release()); // now owned by sig
    static_cast<void>(s.release());
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0)
      return false;
    der.assign(static_cast<std::size_t>(len), '\0');
    auto *p = reinterpret_cast<unsigned char *>(der.data());
    return i2d_ECDSA_SIG(sig.get(), &p) == len;
  }

  PkeyPtr pkey_;
  bool private_;
  std::size_t coord_; // EC coordinate size in bytes; 0 for RSA
};

// Consistency checks beyond what parsing did: an EC point on its curve (and, with a private
// key, that it is the private scalar's point); an RSA key's public exponent and modulus
// sane, and a private key's parts consistent.
void check_pkey_consistent(EVP_PKEY *pkey, bool has_private) {
  ErrorQueueGuard guard;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx)
    out_of_memory();
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    // EVP_PKEY_public_check would also run a Miller-Rabin test on n (a full modular
    // exponentiation): too slow for keys fetched from a JWK Set. These are the checks
    // that matter for verification.
    const BnPtr n = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
    const BnPtr e = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_cmp(e.get(), BN_value_one()) <= 0 ||
        BN_cmp(e.get(), n.get()) >= 0) {
      fail(KeyErrc::invalid_key, "the RSA public key is not valid");
    }
    if (has_private && EVP_PKEY_pairwise_check(ctx.get()) != 1) {
      fail(KeyErrc::invalid_key, "the RSA private key parts are not consistent");
    }
    return;
  }
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    fail(KeyErrc::invalid_key, "the EC public key is not a valid point of its curve");
  }
  if (has_private && EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    fail(KeyErrc::invalid_key, "the EC private key does not match its public key");
  }
}

// ---------------------------------------------------------------- Ed25519 (libsodium)

class Ed25519Key final : public Key {
 public:
  // `pk`: 32-byte public key; `sk`: libsodium's 64-byte secret key, or empty.
  Ed25519Key(SecretBytes pk, SecretBytes sk, std::string kid)
      : Key(Algorithm::EdDSA, std::move(kid)), pk_(std::move(pk)), sk_(std::move(sk)) {}

  bool is_private() const noexcept override { return sk_.size() != 0; }

  std::string sign(std::string_view signing_input) const override {
    if (sk_.size() == 0)
      fail(KeyErrc::not_private, "a public key cannot sign");
    std::string sig(crypto_sign_ed25519_BYTES, '\0');
    crypto_sign_ed25519_detached(reinterpret_cast<unsigned char *>(sig.data()), nullptr,
                                 bytes(signing_input), signing_input.size(), sk_.data());
    return sig;
  }

  bool verify(std::string_view signing_input, std::string_view signature) const override {
    if (signature.size() != crypto_sign_ed25519_BYTES)
      return false;
    return crypto_sign_ed25519_verify_detached(bytes(signature), bytes(signing_input),
                                               signing_input.size(), pk_.data()) == 0;
  }

  std::string public_jwk() const override {
    std::string out = "{\"kty\":\"OKP\"";
    append_member(out, "crv", "Ed25519");
    append_member(out, "x", base64url_encode(pk_.view()));
    finish_jwk(out, algorithm(), kid());
    return out;
  }

  std::string public_pem() const override {
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk_.data(), pk_.size()));
    if (!pkey) {
      ERR_clear_error();
      throw std::runtime_error("could not build the Ed25519 public key");
    }
    return spki_pem(pkey.get());
  }

  SecretBytes private_pkcs8_pem() const override {
    if (sk_.size() == 0)
      fail(KeyErrc::not_private, "a public key has no private half to export");
    // libsodium's secret key is seed || public key; PKCS#8 (RFC 8410) holds the seed.
    PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, sk_.data(),
                                              crypto_sign_ed25519_SEEDBYTES));
    if (!pkey) {
      ERR_clear_error();
      throw std::runtime_error("could not build the Ed25519 private key");
    }
    return pkcs8_pem(pkey.get());
  }

 private:
  SecretBytes pk_;
  SecretBytes sk_;
};

// From a 32-byte seed (RFC 8032's private key). With `expected_pk`, the derived public key
// must equal it.
KeyPtr ed25519_from_seed(const unsigned char *seed, std::string kid,
                         std::optional<std::string_view> expected_pk = std::nullopt) {
  ensure_sodium();
  std::array<unsigned char, crypto_sign_ed25519_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_ed25519_SECRETKEYBYTES> sk{};
  crypto_sign_ed25519_seed_keypair(pk.data(), sk.data(), seed);
  if (expected_pk &&
      !equal_ct(*expected_pk,
                std::string_view(reinterpret_cast<const char *>(pk.data()), pk.size()))) {
    wipe(sk.data(), sk.size());
    fail(KeyErrc::invalid_key, "invalid JWK: the Ed25519 private key d does not match x");
  }
  SecretBytes pkb(std::string_view(reinterpret_cast<const char *>(pk.data()), pk.size()));
  SecretBytes skb(std::string_view(reinterpret_cast<const char *>(sk.data()), sk.size()));
  wipe(sk.data(), sk.size());
  return std::make_shared<Ed25519Key>(std::move(pkb), std::move(skb), std::move(kid));
}

KeyPtr ed25519_from_public(std::string_view pk, std::string kid) {
  ensure_sodium();
  if (pk.size() != crypto_sign_ed25519_PUBLICKEYBYTES ||
      crypto_core_ed25519_is_valid_point(bytes(pk)) != 1) {
    fail(KeyErrc::invalid_key, "the Ed25519 public key is not a valid curve point");
  }
  return std::make_shared<Ed25519Key>(SecretBytes(pk), SecretBytes(), std::move(kid));
}

// An OpenSSL Ed25519 key (from PEM) handed over to libsodium.
KeyPtr ed25519_from_pkey(EVP_PKEY *pkey, bool has_private, std::string kid) {
  ErrorQueueGuard guard;
  if (has_private) {
    std::array<unsigned char, crypto_sign_ed25519_SEEDBYTES> seed{};
    std::size_t len = seed.size();
    if (EVP_PKEY_get_raw_private_key(pkey, seed.data(), &len) != 1 || len != seed.size()) {
      wipe(seed.data(), seed.size());
      fail(KeyErrc::invalid_key, "could not read the Ed25519 private key");
    }
    KeyPtr key = ed25519_from_seed(seed.data(), std::move(kid));
    wipe(seed.data(), seed.size());
    return key;
  }
  std::array<unsigned char, crypto_sign_ed25519_PUBLICKEYBYTES> pk{};
  std::size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(pkey, pk.data(), &len) != 1 || len != pk.size()) {
    fail(KeyErrc::invalid_key, "could not read the Ed25519 public key");
  }
  return ed25519_from_public(std::string_view(reinterpret_cast<const char *>(pk.data()), len),
                             std::move(kid));
}

// An OpenSSL key for `alg`: Ed25519 goes to libsodium, RSA / EC stay with OpenSSL.
KeyPtr key_from_pkey(Algorithm alg, PkeyPtr pkey, bool has_private, std::string kid) {
  if (alg == Algorithm::EdDSA) {
    if (!EVP_PKEY_is_a(pkey.get(), "ED25519"))
      wrong_key_type(describe(pkey.get()), alg);
    return ed25519_from_pkey(pkey.get(), has_private, std::move(kid));
  }
  check_pkey_fits(pkey.get(), alg);
  check_pkey_consistent(pkey.get(), has_private);
  return std::make_shared<PkeyKey>(alg, std::move(pkey), has_private, std::move(kid));
}

// ---------------------------------------------------------------- PEM

// Never prompt for a passphrase (OpenSSL would read the terminal): encrypted keys fail.
int refuse_passphrase(char *, int, int, void *) { return -1; }

[[noreturn]] void bad_pem() { fail(KeyErrc::invalid_key, "could not parse PEM key"); }

// ---------------------------------------------------------------- JWK

using simdjson::dom::element;
using simdjson::dom::object;

[[noreturn]] void bad_jwk(const std::string &why) {
  fail(KeyErrc::invalid_key, "invalid JWK: " + why);
}

std::optional<object> as_object(element e) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS)
    return std::nullopt;
  return o;
}

// Duplicate member names in any object of the document? RFC 7517 §4 lets a parser refuse
// them, and we do: parsers disagree on which duplicate wins. Nesting deeper than any JWK
// Set needs is refused the same way.
bool has_duplicate_members(element e, int depth = 0) {
  if (depth > 32)
    return true;
  if (auto o = as_object(e)) {
    std::vector<std::string_view> names;
    for (auto field : *o) {
      names.push_back(field.key);
      if (has_duplicate_members(field.value, depth + 1))
        return true;
    }
    std::sort(names.begin(), names.end());
    return std::adjacent_find(names.begin(), names.end()) != names.end();
  }
  simdjson::dom::array items;
  if (e.get_array().get(items) == simdjson::SUCCESS) {
    for (element item : items) {
      if (has_duplicate_members(item, depth + 1))
        return true;
    }
  }
  return false;
}

// A member that must be a string if present.
std::optional<std::string_view> opt_string(object o, std::string_view name) {
  auto member = o.at_key(name);
  if (member.error() == simdjson::NO_SUCH_FIELD)
    return std::nullopt;
  std::string_view value;
  if (member.get_string().get(value) != simdjson::SUCCESS) {
    bad_jwk("\"" + std::string(name) + "\" must be a string");
  }
  return value;
}

std::string_view req_string(object o, std::string_view name) {
  auto value = opt_string(o, name);
  if (!value)
    bad_jwk("missing \"" + std::string(name) + "\"");
  return *value;
}

// A base64url member decoded (public data).
std::string req_bytes(object o, std::string_view name) {
  std::string out;
  if (!base64url_decode(req_string(o, name), out)) {
    bad_jwk("\"" + std::string(name) + "\" is not canonical unpadded base64url");
  }
  return out;
}

// A base64url member decoded into wiped memory (private data).
SecretBytes req_secret(object o, std::string_view name) {
  std::string tmp;
  if (!base64url_decode(req_string(o, name), tmp)) {
    wipe(tmp);
    bad_jwk("\"" + std::string(name) + "\" is not canonical unpadded base64url");
  }
  SecretBytes out(tmp);
  wipe(tmp);
  return out;
}

bool has_member(object o, std::string_view name) {
  return o.at_key(name).error() != simdjson::NO_SUCH_FIELD;
}

// Why a JWK was not turned into a key. Inside a JWK Set, `skip` reasons drop the entry
// (RFC 7517 §5: ignore what you do not understand); everything else is an error.
struct SkipJwk {};

PkeyPtr pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, bool has_private) {
  ErrorQueueGuard guard;
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx)
    out_of_memory();
  EVP_PKEY *raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    bad_jwk(std::string("the ") + type + " key parameters were refused");
  }
  return PkeyPtr(raw);
}

PkeyPtr rsa_from_jwk(object o, bool &has_private) {
  static constexpr std::array<std::string_view, 5> kCrt = {"p", "q", "dp", "dq", "qi"};
  if (has_member(o, "oth"))
    bad_jwk("multi-prime RSA keys (\"oth\") are not supported");
  has_private = has_member(o, "d");
  for (auto name : kCrt) {
    if (has_member(o, name) != has_private) {
      bad_jwk("an RSA private JWK needs all of d, p, q, dp, dq and qi");
    }
  }
  const std::string n = req_bytes(o, "n");
  const std::string e = req_bytes(o, "e");
  if (n.empty() || e.empty())
    bad_jwk("empty RSA modulus or exponent");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld)
    out_of_memory();
  std::vector<BnPtr> keep; // the builder refers to these until to_param
  auto push = [&](const char *param, std::string_view value, bool secret) {
    keep.push_back(to_bn(value, secret));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, keep.back().get()) != 1)
      out_of_memory();
  };
  push(OSSL_PKEY_PARAM_RSA_N, n, false);
  push(OSSL_PKEY_PARAM_RSA_E, e, false);
  if (has_private) {
    static constexpr std::array<std::pair<std::string_view, const char *>, 6> kPrivate = {{
        {"d", OSSL_PKEY_PARAM_RSA_D},
        {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
        {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
        {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
    }};
    for (const auto &[name, param] : kPrivate) {
      const SecretBytes value = req_secret(o, name);
      if (value.size() == 0)
        bad_jwk("empty RSA private parameter");
      push(param, value.view(), true);
    }
  }
  return pkey_from_params("RSA", bld.get(), has_private);
}

PkeyPtr ec_from_jwk(object o, std::string_view crv, bool &has_private) {
  const std::size_t size = crv == "P-256" ? 32 : 48;
  const std::string x = req_bytes(o, "x");
  const std::string y = req_bytes(o, "y");
  if (x.size() != size || y.size() != size) {
    bad_jwk("the " + std::string(crv) + " coordinates must be " + std::to_string(size) +
            " bytes each");
  }
  std::string point = "\x04" + x + y; // SEC 1 uncompressed form
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld)
    out_of_memory();
  const char *group = crv == "P-256" ? "P-256" : "P-384";
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    out_of_memory();
  }
  has_private = has_member(o, "d");
  BnPtr d;
  if (has_private) {
    const SecretBytes dv = req_secret(o, "d");
    if (dv.size() != size) {
      bad_jwk("the " + std::string(crv) + " private key must be " + std::to_string(size) +
              " bytes");
    }
    d = to_bn(dv.view(), true);
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
      out_of_memory();
    }
  }
  return pkey_from_params("EC", bld.get(), has_private);
}

// One JWK object to a key. `alg_arg`: the caller's algorithm, if any. In a JWK Set
// (`in_set`), what pyauth does not implement throws SkipJwk instead of an error.
KeyPtr key_from_jwk_object(object o, std::optional<Algorithm> alg_arg, bool in_set) {
  const std::string_view kty = req_string(o, "kty");
  std::string kid;
  if (auto k = opt_string(o, "kid"))
    kid = std::string(*k);
  if (auto use = opt_string(o, "use"); use && *use != "sig") {
    if (in_set)
      throw SkipJwk{};
    bad_jwk("\"use\" must be \"sig\" for a signing key");
  }
  if (has_member(o, "key_ops")) {
    // Ignored beyond its type: the key's algorithm binding is what limits its use.
    if (o.at_key("key_ops").get_array().error() != simdjson::SUCCESS)
      bad_jwk("\"key_ops\" must be an array");
  }

  std::optional<Algorithm> alg = alg_arg;
  if (auto name = opt_string(o, "alg")) {
    const auto named = algorithm_from_name(*name);
    if (!named) {
      if (in_set)
        throw SkipJwk{};
      fail(KeyErrc::unsupported_algorithm, "the JWK names an algorithm pyauth does not "
                                           "implement");
    }
    if (alg && *alg != *named) {
      fail(KeyErrc::invalid_key, "the JWK is for " + alg_str(*named) + ", not " + alg_str(*alg));
    }
    alg = named;
  }

  if (kty == "oct") {
    if (!alg) {
      if (in_set)
        throw SkipJwk{};
      bad_jwk("an oct key needs an algorithm (HS256, HS384 or HS512)");
    }
    if (!is_hmac(*alg))
      wrong_key_type("an oct (symmetric) key", *alg);
    const SecretBytes k = req_secret(o, "k");
    check_kid(kid);
    return key_from_secret(*alg, k.view(), std::move(kid));
  }
  if (kty == "RSA") {
    if (!alg) {
      if (in_set)
        throw SkipJwk{};
      bad_jwk("an RSA key needs an algorithm (RS256 ... PS512)");
    }
    if (!is_rsa(*alg))
      wrong_key_type("an RSA key", *alg);
    bool has_private = false;
    PkeyPtr pkey = rsa_from_jwk(o, has_private);
    check_kid(kid);
    return key_from_pkey(*alg, std::move(pkey), has_private, std::move(kid));
  }
  if (kty == "EC") {
    const std::string_view crv = req_string(o, "crv");
    Algorithm fits{};
    if (crv == "P-256") {
      fits = Algorithm::ES256;
    } else if (crv == "P-384") {
      fits = Algorithm::ES384;
    } else {
      if (in_set)
        throw SkipJwk{};
      bad_jwk("unsupported EC curve (pyauth implements P-256 and P-384)");
    }
    if (!alg)
      alg = fits;
    if (*alg != fits)
      wrong_key_type("an EC " + std::string(crv) + " key", *alg);
    bool has_private = false;
    PkeyPtr pkey = ec_from_jwk(o, crv, has_private);
    check_kid(kid);
    return key_from_pkey(*alg, std::move(pkey), has_private, std::move(kid));
  }
  if (kty == "OKP") {
    const std::string_view crv = req_string(o, "crv");
    if (crv != "Ed25519") {
      if (in_set)
        throw SkipJwk{};
      bad_jwk("unsupported OKP curve (pyauth implements Ed25519)");
    }
    if (!alg)
      alg = Algorithm::EdDSA;
    if (*alg != Algorithm::EdDSA)
      wrong_key_type("an Ed25519 key", *alg);
    const std::string x = req_bytes(o, "x");
    if (x.size() != crypto_sign_ed25519_PUBLICKEYBYTES)
      bad_jwk("Ed25519 x must be 32 bytes");
    check_kid(kid);
    if (!has_member(o, "d"))
      return ed25519_from_public(x, std::move(kid));
    const SecretBytes d = req_secret(o, "d");
    if (d.size() != crypto_sign_ed25519_SEEDBYTES)
      bad_jwk("Ed25519 d must be 32 bytes");
    return ed25519_from_seed(d.data(), std::move(kid), x);
  }
  if (in_set)
    throw SkipJwk{};
  bad_jwk("unsupported kty (pyauth implements oct, RSA, EC and OKP)");
}

// Parses a JSON document refusing duplicate member names anywhere.
element parse_json(simdjson::dom::parser &parser, std::string_view json, std::size_t cap,
                   const char *what) {
  if (json.size() > cap) {
    fail(KeyErrc::invalid_key,
         std::string(what) + " is too large (over " + std::to_string(cap) + " bytes)");
  }
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    fail(KeyErrc::invalid_key, std::string(what) + " is not valid JSON");
  }
  if (has_duplicate_members(doc)) {
    fail(KeyErrc::invalid_key,
         std::string(what) + " has a duplicate member name or is nested too deeply");
  }
  if (!as_object(doc))
    fail(KeyErrc::invalid_key, std::string(what) + " is not a JSON object");
  return doc;
}

} // namespace

// ---------------------------------------------------------------- public API

std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kAlgorithmNames.size(); ++i) {
    if (kAlgorithmNames[i] == name)
      return static_cast<Algorithm>(i);
  }
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm alg) noexcept {
  const auto i = static_cast<std::size_t>(alg);
  return i < kAlgorithmNames.size() ? kAlgorithmNames[i] : std::string_view{};
}

bool is_hmac(Algorithm alg) noexcept {
  return alg == Algorithm::HS256 || alg == Algorithm::HS384 || alg == Algorithm::HS512;
}

KeyPtr key_from_secret(Algorithm alg, std::string_view secret, std::string kid) {
  if (!is_hmac(alg)) {
    fail(KeyErrc::invalid_key,
         alg_str(alg) + " is not an HMAC algorithm; a secret needs HS256, HS384 or HS512");
  }
  if (looks_asymmetric(secret)) {
    fail(KeyErrc::invalid_key,
         "the key is an asymmetric key or certificate and must not be used as an HMAC secret");
  }
  const std::size_t need = hmac_size(alg);
  if (secret.size() < need) {
    fail(KeyErrc::weak_key, alg_str(alg) + " secret must be at least " + std::to_string(need) +
                                " bytes, got " + std::to_string(secret.size()));
  }
  check_kid(kid);
  return std::make_shared<HmacKey>(alg, secret, std::move(kid));
}

KeyPtr key_from_pem(Algorithm alg, std::string_view pem, std::string kid) {
  if (is_hmac(alg)) {
    fail(KeyErrc::invalid_key, alg_str(alg) + " needs a secret, not a PEM key");
  }
  check_kid(kid);
  if (pem.size() > kMaxPemSize)
    bad_pem();
  ErrorQueueGuard guard;
  // Pick the reader by the PEM label; a file holding a private key and a certificate (or
  // EC parameters before the key) yields the private key.
  const auto at = [&](std::string_view label) { return pem.find(label); };
  std::size_t pos = std::string_view::npos;
  enum class Kind { private_key, public_key, rsa_public_key, certificate } kind{};
  for (const auto &[label, k] : std::initializer_list<std::pair<std::string_view, Kind>>{
           {"-----BEGIN PRIVATE KEY-----", Kind::private_key},
           {"-----BEGIN RSA PRIVATE KEY-----", Kind::private_key},
           {"-----BEGIN EC PRIVATE KEY-----", Kind::private_key},
           {"-----BEGIN ENCRYPTED PRIVATE KEY-----", Kind::private_key},
           {"-----BEGIN PUBLIC KEY-----", Kind::public_key},
           {"-----BEGIN RSA PUBLIC KEY-----", Kind::rsa_public_key},
           {"-----BEGIN CERTIFICATE-----", Kind::certificate}}) {
    pos = at(label);
    if (pos != std::string_view::npos) {
      kind = k;
      break;
    }
  }
  if (pos == std::string_view::npos)
    bad_pem();
  if (pem.substr(pos).starts_with("-----BEGIN ENCRYPTED")) {
    fail(KeyErrc::invalid_key, "encrypted PEM keys are not supported; decrypt the key first");
  }
  const std::string_view block = pem.substr(pos);
  BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  if (!bio)
    out_of_memory();

  PkeyPtr pkey;
  bool has_private = false;
  switch (kind) {
  case Kind::private_key:
    pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
    has_private = true;
    break;
  case Kind::public_key:
    pkey.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_passphrase, nullptr));
    break;
  case Kind::rsa_public_key: {
    // PKCS#1 RSAPublicKey: only the decoder API reads it without deprecated RSA calls.
    EVP_PKEY *raw = nullptr;
    DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", "type-specific", "RSA",
                                                     EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    if (!dctx)
      out_of_memory();
    if (OSSL_DECODER_from_bio(dctx.get(), bio.get()) == 1)
      pkey.reset(raw);
    break;
  }
  case Kind::certificate: {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, refuse_passphrase, nullptr));
    if (cert)
      pkey.reset(X509_get_pubkey(cert.get()));
    break;
  }
  }
  if (!pkey)
    bad_pem();
  return key_from_pkey(alg, std::move(pkey), has_private, std::move(kid));
}

KeyPtr key_from_jwk(std::string_view jwk_json, std::optional<Algorithm> alg) {
  simdjson::dom::parser parser;
  const element doc = parse_json(parser, jwk_json, kMaxJwkSize, "the JWK");
  return key_from_jwk_object(*as_object(doc), alg, false);
}

KeyPtr generate_key(Algorithm alg, std::string kid) {
  check_kid(kid);
  if (is_hmac(alg)) {
    ensure_sodium();
    std::string buf(hmac_size(alg), '\0');
    randombytes_buf(buf.data(), buf.size());
    auto key = std::make_shared<HmacKey>(alg, buf, std::move(kid));
    wipe(buf);
    return key;
  }
  if (alg == Algorithm::EdDSA) {
    ensure_sodium();
    std::array<unsigned char, crypto_sign_ed25519_SEEDBYTES> seed{};
    randombytes_buf(seed.data(), seed.size());
    KeyPtr key = ed25519_from_seed(seed.data(), std::move(kid));
    wipe(seed.data(), seed.size());
    return key;
  }
  ErrorQueueGuard guard;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, is_rsa(alg) ? "RSA" : "EC", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1)
    out_of_memory();
  const bool configured =
      is_rsa(alg) ? EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kRsaMinBits) == 1
                  : EVP_PKEY_CTX_set_group_name(ctx.get(),
                                                alg == Algorithm::ES256 ? "P-256" : "P-384") == 1;
  EVP_PKEY *raw = nullptr;
  if (!configured || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    throw std::runtime_error("key generation failed");
  }
  return std::make_shared<PkeyKey>(alg, PkeyPtr(raw), true, std::move(kid));
}

bool KeySet::all_hmac() const noexcept {
  return std::all_of(keys_.begin(), keys_.end(),
                     [](const KeyPtr &k) { return is_hmac(k->algorithm()); });
}

std::vector<const Key *> KeySet::candidates(Algorithm alg, std::string_view kid,
                                            bool has_kid) const {
  std::vector<const Key *> out;
  for (const Fit wanted : {Fit::exact, Fit::fallback}) {
    for (const auto &k : keys_) {
      if (fit(*k, alg, kid, has_kid) == wanted)
        out.push_back(k.get());
    }
    if (!out.empty())
      break;
  }
  return out;
}

std::string KeySet::public_jwks() const {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const auto &k : keys_) {
    if (is_hmac(k->algorithm()))
      continue;
    if (!first)
      out.push_back(',');
    first = false;
    out += k->public_jwk();
  }
  out += "]}";
  return out;
}

std::string jwk_thumbprint(const Key &key) {
  if (is_hmac(key.algorithm()))
    fail(KeyErrc::invalid_key, "an HMAC key has no public half to take a thumbprint of");
  const std::string jwk = key.public_jwk();
  simdjson::dom::parser parser;
  const element doc = parse_json(parser, jwk, kMaxJwkSize, "the JWK");
  const object o = *as_object(doc);
  const std::string_view kty = req_string(o, "kty");
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. Every
  // value here is base64url or a fixed curve name, so none needs JSON escaping.
  std::vector<std::string_view> members;
  if (kty == "RSA") {
    members = {"e", "kty", "n"};
  } else if (kty == "EC") {
    members = {"crv", "kty", "x", "y"};
  } else {
    members = {"crv", "kty", "x"};
  }
  std::string canonical = "{";
  for (const std::string_view name : members) {
    if (canonical.size() > 1)
      canonical.push_back(',');
    canonical += '"';
    canonical += name;
    canonical += "\":\"";
    canonical += req_string(o, name);
    canonical += '"';
  }
  canonical.push_back('}');
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &len, EVP_sha256(),
                 nullptr) != 1) {
    ERR_clear_error();
    throw std::runtime_error("SHA-256 failed");
  }
  return base64url_encode(
      std::string_view(reinterpret_cast<const char *>(digest.data()), len));
}

KeySet keyset_from_jwks(std::string_view jwks_json) {
  simdjson::dom::parser parser;
  const element doc = parse_json(parser, jwks_json, kMaxJwksSize, "the JWK Set");
  simdjson::dom::array entries;
  if (as_object(doc)->at_key("keys").get_array().get(entries) != simdjson::SUCCESS) {
    fail(KeyErrc::invalid_key, "the JWK Set has no \"keys\" array");
  }
  KeySet set;
  for (element entry : entries) {
    const auto o = as_object(entry);
    if (!o)
      fail(KeyErrc::invalid_key, "a JWK Set entry is not an object");
    try {
      set.add(key_from_jwk_object(*o, std::nullopt, true));
    } catch (const SkipJwk &) {
      // RFC 7517 §5: a member pyauth cannot use is ignored, not an error.
    }
  }
  return set;
}

} // namespace pyauth
