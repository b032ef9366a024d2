// Tests of pyauth/seal.hpp (sealing key material at rest) and of the key exports it
// rests on: Key::private_pkcs8_pem and jwk_thumbprint (RFC 8037 A.3's thumbprint from
// tests/vectors). Every refusal is a typed pyauth::Error, never a crash or plaintext.
#include "pyauth/seal.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <simdjson.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "pyauth/error.hpp"
#include "pyauth/keys.hpp"

namespace pyauth {
namespace {

constexpr std::string_view kSecret = "django-insecure-a-secret-key-of-any-length-0123456789";
constexpr std::string_view kContext = "pyauthky";

template <typename Errc>
void expect_error(Errc code, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected " << make_error_code(code).message();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), make_error_code(code)) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
  }
  EXPECT_EQ(ERR_peek_error(), 0UL) << "stale OpenSSL error left on the queue";
}

const std::vector<Algorithm>& asymmetric() {
  static const std::vector<Algorithm> algs = {Algorithm::EdDSA, Algorithm::ES256,
                                              Algorithm::ES384, Algorithm::RS256,
                                              Algorithm::PS256};
  return algs;
}

// ---------------------------------------------------------------- SealKey

TEST(Seal, RoundTripsAndUsesAFreshNonceEachTime) {
  const SealKey key(kSecret, kContext);
  const std::string a = key.seal("the private key", "kid-1");
  const std::string b = key.seal("the private key", "kid-1");
  EXPECT_NE(a, b);  // random nonces
  EXPECT_EQ(a.size(), 1 + 24 + 15 + 16);
  EXPECT_EQ(a[0], '\x01');
  EXPECT_EQ(a.find("the private key"), std::string::npos);
  EXPECT_EQ(key.open(a, "kid-1").view(), "the private key");
  EXPECT_EQ(key.open(b, "kid-1").view(), "the private key");
  EXPECT_EQ(key.open(key.seal("", "x"), "x").view(), "");
}

TEST(Seal, TheSameSecretAndContextDeriveTheSameKey) {
  const std::string blob = SealKey(kSecret, kContext).seal("data", "ad");
  EXPECT_EQ(SealKey(std::string(kSecret), std::string(kContext)).open(blob, "ad").view(), "data");
}

TEST(Seal, AnotherSecretContextOrAssociatedDataDoesNotOpen) {
  const std::string blob = SealKey(kSecret, kContext).seal("data", "kid-1");
  expect_error(SealErrc::unauthentic,
               [&] { SealKey(std::string(kSecret) + "x", kContext).open(blob, "kid-1"); });
  expect_error(SealErrc::unauthentic, [&] { SealKey(kSecret, "pyauthxx").open(blob, "kid-1"); });
  expect_error(SealErrc::unauthentic, [&] { SealKey(kSecret, kContext).open(blob, "kid-2"); });
  expect_error(SealErrc::unauthentic, [&] { SealKey(kSecret, kContext).open(blob, ""); });
}

TEST(Seal, EveryModifiedByteIsRefused) {
  const SealKey key(kSecret, kContext);
  const std::string blob = key.seal("some key material", "kid");
  for (std::size_t i = 0; i < blob.size(); ++i) {
    std::string bad = blob;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    // The version byte is checked first (malformed); any other byte fails the tag.
    expect_error(i == 0 ? SealErrc::malformed : SealErrc::unauthentic,
                 [&] { key.open(bad, "kid"); });
  }
}

TEST(Seal, TruncatedOrExtendedBlobsAreRefused) {
  const SealKey key(kSecret, kContext);
  const std::string blob = key.seal("some key material", "kid");
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{25}, std::size_t{40}}) {
    expect_error(SealErrc::malformed, [&] { key.open(blob.substr(0, n), "kid"); });
  }
  expect_error(SealErrc::unauthentic, [&] { key.open(blob.substr(0, blob.size() - 1), "kid"); });
  expect_error(SealErrc::unauthentic, [&] { key.open(blob + "x", "kid"); });
  expect_error(SealErrc::malformed, [&] { key.open(std::string(100, '\0'), "kid"); });
}

TEST(Seal, RefusesABadContextOrAnEmptySecret) {
  expect_error(SealErrc::invalid_input, [] { SealKey(kSecret, "short"); });
  expect_error(SealErrc::invalid_input, [] { SealKey(kSecret, "ninebytes"); });
  expect_error(SealErrc::invalid_input, [] { SealKey("", kContext); });
}

// ---------------------------------------------------------------- private keys

TEST(SealPrivateKey, RoundTripsEveryAsymmetricAlgorithm) {
  const SealKey seal(kSecret, kContext);
  for (const Algorithm alg : asymmetric()) {
    SCOPED_TRACE(std::string(algorithm_name(alg)));
    const KeyPtr key = generate_key(alg, "k1");
    const std::string blob = seal_private_key(*key, seal, "k1");
    EXPECT_EQ(blob.find("PRIVATE KEY"), std::string::npos);
    const KeyPtr opened = open_private_key(alg, blob, seal, "k1", "k1");
    EXPECT_TRUE(opened->is_private());
    EXPECT_EQ(opened->kid(), "k1");
    EXPECT_EQ(opened->public_jwk(), key->public_jwk());
    // The opened key signs what the original verifies, and the other way round.
    EXPECT_TRUE(key->verify("input", opened->sign("input")));
    EXPECT_TRUE(opened->verify("input", key->sign("input")));
    expect_error(SealErrc::unauthentic, [&] { open_private_key(alg, blob, seal, "k2", "k1"); });
  }
}

TEST(SealPrivateKey, OpeningForAnotherAlgorithmIsRefused) {
  const SealKey seal(kSecret, kContext);
  const std::string blob = seal_private_key(*generate_key(Algorithm::EdDSA), seal, "k");
  expect_error(KeyErrc::invalid_key, [&] { open_private_key(Algorithm::ES256, blob, seal, "k", ""); });
  expect_error(KeyErrc::invalid_key, [&] { open_private_key(Algorithm::HS256, blob, seal, "k", ""); });
}

TEST(SealPrivateKey, PublicAndHmacKeysCannotBeSealed) {
  const SealKey seal(kSecret, kContext);
  for (const Algorithm alg : asymmetric()) {
    const KeyPtr pub = key_from_pem(alg, generate_key(alg)->public_pem());
    expect_error(KeyErrc::not_private, [&] { seal_private_key(*pub, seal, "k"); });
  }
  expect_error(KeyErrc::invalid_key,
               [&] { seal_private_key(*generate_key(Algorithm::HS256), seal, "k"); });
}

TEST(PrivatePkcs8, IsPkcs8PemThatReadsBackToTheSameKey) {
  for (const Algorithm alg : asymmetric()) {
    SCOPED_TRACE(std::string(algorithm_name(alg)));
    const KeyPtr key = generate_key(alg);
    const SecretBytes pem = key->private_pkcs8_pem();
    EXPECT_TRUE(pem.view().starts_with("-----BEGIN PRIVATE KEY-----\n")) << "not PKCS#8";
    const KeyPtr again = key_from_pem(alg, pem.view());
    EXPECT_TRUE(again->is_private());
    EXPECT_EQ(again->public_jwk(), key->public_jwk());
  }
}

// ---------------------------------------------------------------- thumbprints

TEST(Thumbprint, MatchesRfc8037AppendixA3) {
  simdjson::padded_string json;
  ASSERT_EQ(simdjson::padded_string::load(std::string(PYAUTH_VECTORS_DIR) +
                                          "/rfc8037-appendix-a.json")
                .get(json),
            simdjson::SUCCESS);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  simdjson::dom::object v = root["vectors"].at(0).get_object().value();
  const std::string x(v["public_jwk"]["x"].get_string().value());
  const std::string expected(v["thumbprint"].get_string().value());
  const KeyPtr key = key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + x + R"("})");
  EXPECT_EQ(jwk_thumbprint(*key), expected);
  // kid, alg and use are not part of the thumbprint; private members neither.
  const KeyPtr with_kid =
      key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","kid":"other","use":"sig","x":")" + x + R"("})");
  EXPECT_EQ(jwk_thumbprint(*with_kid), expected);
}

TEST(Thumbprint, IsStableAndDistinctPerKey) {
  std::set<std::string> seen;
  for (const Algorithm alg : asymmetric()) {
    const KeyPtr key = generate_key(alg, "ignored");
    const std::string t = jwk_thumbprint(*key);
    EXPECT_EQ(t.size(), 43U);
    EXPECT_EQ(jwk_thumbprint(*key_from_pem(alg, key->public_pem())), t);
    EXPECT_TRUE(seen.insert(t).second);
  }
  expect_error(KeyErrc::invalid_key, [] { jwk_thumbprint(*generate_key(Algorithm::HS256)); });
}

}  // namespace
}  // namespace pyauth
