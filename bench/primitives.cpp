// The physical limit: what the primitives under pyauth cost on this machine when called
// straight from C++ (OpenSSL 3, libsodium, simdjson), beside pyauth's own C++ entry
// points (TokenDecoder::decode, OtpKey::match, Key::verify). bench/run.py runs this with
// --benchmark_format=json and sets the figures next to the Python ones; the library
// versions go into the JSON "context".
//
// Every input is built once, before timing, from fixed seeds or fresh keys: a token
// signing input of about 200 bytes (a djangorestframework-simplejwt access token), its
// claims, and one signature per algorithm.

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/jwt.hpp"
#include "pyauth/keys.hpp"
#include "pyauth/otp.hpp"
#include "pyauth/secure.hpp"

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

const unsigned char* bytes(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "pyauth_bench_primitives: setup failed: %s\n", what);
  std::exit(2);
}

// The HMAC secret of every HS256 figure, here and in bench/run.py: 40 bytes.
constexpr std::string_view kSecret = "bench-secret-0123456789-abcdefghijklmnop";
constexpr std::string_view kAudience = "api";
// A 20-byte (160-bit) TOTP secret.
constexpr std::string_view kOtpSecret = "12345678901234567890";

std::string sign_der(EVP_PKEY* pkey, const char* digest, std::string_view data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, pkey,
                                    nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(data), data.size()) != 1) {
    die("EVP_DigestSign (size)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(data),
                     data.size()) != 1) {
    die("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

bool verify_der(EVP_PKEY* pkey, const char* digest, std::string_view data, std::string_view sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, pkey,
                                      nullptr) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(data), data.size()) == 1;
}

struct Fixture {
  std::string claims_json;
  std::string signing_input;  // BASE64URL(header) '.' BASE64URL(claims)
  std::string b64_200;        // 200 characters of base64url (150 bytes)
  std::string hs256_token;

  MacPtr hmac;
  MacCtxPtr hmac_keyed;  // keyed once; EVP_MAC_CTX_dup per operation

  unsigned char ed_pk[crypto_sign_ed25519_PUBLICKEYBYTES]{};
  unsigned char ed_sk[crypto_sign_ed25519_SECRETKEYBYTES]{};
  unsigned char ed_sig[crypto_sign_ed25519_BYTES]{};

  PkeyPtr p256, rsa;
  std::string p256_sig, rsa_sig;  // DER (ECDSA) and PKCS#1 v1.5 signatures

  pyauth::KeySet hs256_keys;
  pyauth::VerifyOptions hs256_options;
  pyauth::KeyPtr ed_key, es_key;
  std::string ed_jws_sig, es_jws_sig;

  std::unique_ptr<pyauth::OtpKey> otp;
  std::uint64_t otp_counter = 0;
  std::string otp_code;

  Fixture() {
    pyauth::ensure_sodium();
    const long now = static_cast<long>(std::time(nullptr));
    // The claims of a simplejwt access token, as PyJWT / orjson serialise them.
    claims_json = "{\"token_type\":\"access\",\"exp\":" + std::to_string(now + 3600) +
                  ",\"iat\":" + std::to_string(now) +
                  ",\"jti\":\"4f1c2a9be3d54c6f8a7b0e1d2c3b4a59\",\"user_id\":42,\"aud\":\"" +
                  std::string(kAudience) + "\"}";
    signing_input = pyauth::base64url_encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." +
                    pyauth::base64url_encode(claims_json);
    std::string raw150(150, '\0');
    for (std::size_t i = 0; i < raw150.size(); ++i) raw150[i] = static_cast<char>(i * 37 + 11);
    b64_200 = pyauth::base64url_encode(raw150);

    // HMAC-SHA256, keyed once.
    hmac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!hmac) die("EVP_MAC_fetch HMAC");
    hmac_keyed.reset(EVP_MAC_CTX_new(hmac.get()));
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!hmac_keyed ||
        EVP_MAC_init(hmac_keyed.get(), bytes(kSecret), kSecret.size(), params) != 1) {
      die("EVP_MAC_init");
    }

    // Ed25519 from a fixed seed.
    unsigned char seed[crypto_sign_ed25519_SEEDBYTES];
    for (unsigned i = 0; i < sizeof seed; ++i) seed[i] = static_cast<unsigned char>(i * 7 + 1);
    crypto_sign_ed25519_seed_keypair(ed_pk, ed_sk, seed);
    crypto_sign_ed25519_detached(ed_sig, nullptr, bytes(signing_input), signing_input.size(),
                                 ed_sk);

    // P-256 and RSA-2048, fresh.
    p256.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    rsa.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
    if (!p256 || !rsa) die("EVP_PKEY_Q_keygen");
    p256_sig = sign_der(p256.get(), "SHA256", signing_input);
    rsa_sig = sign_der(rsa.get(), "SHA256", signing_input);
    if (!verify_der(p256.get(), "SHA256", signing_input, p256_sig) ||
        !verify_der(rsa.get(), "SHA256", signing_input, rsa_sig)) {
      die("a fixture signature does not verify");
    }

    // pyauth's own objects.
    auto hs_key = pyauth::key_from_secret(pyauth::Algorithm::HS256, kSecret);
    hs256_keys.add(hs_key);
    hs256_token = pyauth::sign_compact("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims_json, *hs_key);
    hs256_options.algorithms = {pyauth::Algorithm::HS256};
    hs256_options.audience = {std::string(kAudience)};
    ed_key = pyauth::generate_key(pyauth::Algorithm::EdDSA);
    es_key = pyauth::generate_key(pyauth::Algorithm::ES256);
    ed_jws_sig = ed_key->sign(signing_input);
    es_jws_sig = es_key->sign(signing_input);

    otp = std::make_unique<pyauth::OtpKey>(kOtpSecret);
    otp_counter = static_cast<std::uint64_t>(now / 30);
    otp_code = otp->code(otp_counter);
  }
};

const Fixture& fx() {
  static const Fixture f;
  return f;
}

// ---------------------------------------------------------------- raw primitives

void BM_HmacSha256_CtxDup(benchmark::State& state) {
  const Fixture& f = fx();
  unsigned char out[EVP_MAX_MD_SIZE];
  for (auto _ : state) {
    MacCtxPtr ctx(EVP_MAC_CTX_dup(f.hmac_keyed.get()));
    std::size_t len = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), bytes(f.signing_input), f.signing_input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(f.signing_input.size()) + " bytes");
}
BENCHMARK(BM_HmacSha256_CtxDup);

// The same MAC on one context re-keyed to its initial state by EVP_MAC_init with no key
// (what a per-thread or pooled context costs): the floor under CtxDup.
void BM_HmacSha256_Reinit(benchmark::State& state) {
  const Fixture& f = fx();
  MacCtxPtr ctx(EVP_MAC_CTX_dup(f.hmac_keyed.get()));
  unsigned char out[EVP_MAX_MD_SIZE];
  for (auto _ : state) {
    std::size_t len = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx.get(), bytes(f.signing_input), f.signing_input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(f.signing_input.size()) + " bytes");
}
BENCHMARK(BM_HmacSha256_Reinit);

void BM_Base64urlDecode(benchmark::State& state) {
  const Fixture& f = fx();
  std::string out;
  for (auto _ : state) {
    if (!pyauth::base64url_decode(f.b64_200, out)) {
      state.SkipWithError("decode refused");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::to_string(f.b64_200.size()) + " chars");
}
BENCHMARK(BM_Base64urlDecode);

void BM_Ed25519_Verify(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    const int rc = crypto_sign_ed25519_verify_detached(f.ed_sig, bytes(f.signing_input),
                                                       f.signing_input.size(), f.ed_pk);
    if (rc != 0) {
      state.SkipWithError("verify failed");
      break;
    }
    benchmark::DoNotOptimize(rc);
  }
}
BENCHMARK(BM_Ed25519_Verify);

void BM_Ed25519_Sign(benchmark::State& state) {
  const Fixture& f = fx();
  unsigned char sig[crypto_sign_ed25519_BYTES];
  for (auto _ : state) {
    crypto_sign_ed25519_detached(sig, nullptr, bytes(f.signing_input), f.signing_input.size(),
                                 f.ed_sk);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Ed25519_Sign);

void BM_EcdsaP256_Verify(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    if (!verify_der(f.p256.get(), "SHA256", f.signing_input, f.p256_sig)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
}
BENCHMARK(BM_EcdsaP256_Verify);

void BM_Rsa2048Pkcs1_Verify(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    if (!verify_der(f.rsa.get(), "SHA256", f.signing_input, f.rsa_sig)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
}
BENCHMARK(BM_Rsa2048Pkcs1_Verify);

// Argon2id at OWASP's first option, m = 19456 KiB, t = 2, p = 1 (libsodium creates p = 1).
void BM_Argon2id_Hash(benchmark::State& state) {
  constexpr std::string_view password = "correct horse battery staple";
  unsigned char salt[crypto_pwhash_SALTBYTES];
  randombytes_buf(salt, sizeof salt);
  unsigned char out[32];
  for (auto _ : state) {
    if (crypto_pwhash(out, sizeof out, password.data(), password.size(), salt, 2,
                      static_cast<std::size_t>(19456) * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
      state.SkipWithError("crypto_pwhash failed (out of memory?)");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Argon2id_Hash)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_SimdjsonDomParse_Claims(benchmark::State& state) {
  const Fixture& f = fx();
  simdjson::dom::parser parser;
  const simdjson::padded_string json(f.claims_json);
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(doc);
  }
  state.SetLabel(std::to_string(f.claims_json.size()) + " bytes");
}
BENCHMARK(BM_SimdjsonDomParse_Claims);

// ---------------------------------------------------------------- pyauth's C++ entry points

void BM_Pyauth_TokenDecoder_HS256_ExpAud(benchmark::State& state) {
  const Fixture& f = fx();
  pyauth::TokenDecoder decoder;
  for (auto _ : state) {
    const auto& d = decoder.decode(f.hs256_token, f.hs256_keys, f.hs256_options);
    benchmark::DoNotOptimize(&d);
  }
  state.SetLabel(std::to_string(f.hs256_token.size()) + "-byte token");
}
BENCHMARK(BM_Pyauth_TokenDecoder_HS256_ExpAud);

// A JSON value owned by C++ (strings copied out of the parser): what building a Python
// dict of the claims costs, without Python. Objects keep their members in order.
struct Value;
using Object = std::vector<std::pair<std::string, Value>>;
using Array = std::vector<Value>;
struct Value {
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array,
               Object>
      v;
};

Value to_value(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      Object o;
      for (auto field : simdjson::dom::object(e)) {
        o.emplace_back(std::string(field.key), to_value(field.value));
      }
      return Value{std::move(o)};
    }
    case simdjson::dom::element_type::ARRAY: {
      Array a;
      for (auto item : simdjson::dom::array(e)) a.push_back(to_value(item));
      return Value{std::move(a)};
    }
    case simdjson::dom::element_type::STRING:
      return Value{std::string(std::string_view(e))};
    case simdjson::dom::element_type::INT64:
      return Value{std::int64_t(e)};
    case simdjson::dom::element_type::UINT64:
      return Value{std::uint64_t(e)};
    case simdjson::dom::element_type::DOUBLE:
      return Value{double(e)};
    case simdjson::dom::element_type::BOOL:
      return Value{bool(e)};
    default:
      return Value{nullptr};
  }
}

// The C++ limit of pyauth.jwt.decode from Python: TokenDecoder::decode (HS256, exp and aud
// checked) and the claims copied into an owned map, as the binding builds a dict.
void BM_Pyauth_TokenDecoder_HS256_ExpAud_ClaimsMap(benchmark::State& state) {
  const Fixture& f = fx();
  pyauth::TokenDecoder decoder;
  for (auto _ : state) {
    const auto& d = decoder.decode(f.hs256_token, f.hs256_keys, f.hs256_options);
    Object claims;
    for (auto field : d.claims) claims.emplace_back(std::string(field.key), to_value(field.value));
    benchmark::DoNotOptimize(claims.data());
  }
  state.SetLabel(std::to_string(f.hs256_token.size()) + "-byte token");
}
BENCHMARK(BM_Pyauth_TokenDecoder_HS256_ExpAud_ClaimsMap);

void BM_Pyauth_OtpKey_Match_Window1(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    auto m = f.otp->match(f.otp_code, f.otp_counter, 1, 1);
    if (!m) {
      state.SkipWithError("code did not match");
      break;
    }
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_Pyauth_OtpKey_Match_Window1);

void BM_Pyauth_Key_Verify_EdDSA(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    if (!f.ed_key->verify(f.signing_input, f.ed_jws_sig)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
}
BENCHMARK(BM_Pyauth_Key_Verify_EdDSA);

void BM_Pyauth_Key_Verify_ES256(benchmark::State& state) {
  const Fixture& f = fx();
  for (auto _ : state) {
    if (!f.es_key->verify(f.signing_input, f.es_jws_sig)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
}
BENCHMARK(BM_Pyauth_Key_Verify_ES256);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    fx();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pyauth_bench_primitives: setup failed: %s\n", e.what());
    return 2;
  }
  benchmark::AddCustomContext("openssl_version", OpenSSL_version(OPENSSL_VERSION));
  benchmark::AddCustomContext("libsodium_version", sodium_version_string());
  benchmark::AddCustomContext("simdjson_version",
                              std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
                                  std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                                  std::to_string(simdjson::SIMDJSON_VERSION_REVISION));
  benchmark::AddCustomContext("simdjson_implementation",
                              simdjson::get_active_implementation()->name());
  benchmark::AddCustomContext("signing_input_bytes", std::to_string(fx().signing_input.size()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
