// JWS compact serialization, the decoder's refusals and JWT claim validation.
#include "pyauth/jwt.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sodium.h>

#include <cmath>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"
#include "pyauth/keys.hpp"

namespace pyauth {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes
constexpr double kNow = 1'000'000;

// Runs `f`, which must throw pyauth::Error; returns it (a default one when nothing threw).
Error capture(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a pyauth::Error, nothing was thrown";
  return Error(std::error_code(), "nothing thrown");
}

#define EXPECT_TOKEN_ERROR(expr, errc)                                       \
  do {                                                                       \
    const Error err_ = capture([&] { (void)(expr); });                       \
    EXPECT_EQ(err_.code(), make_error_code(TokenErrc::errc)) << err_.what(); \
  } while (0)

#define EXPECT_KEY_ERROR(expr, errc)                                       \
  do {                                                                     \
    const Error err_ = capture([&] { (void)(expr); });                     \
    EXPECT_EQ(err_.code(), make_error_code(KeyErrc::errc)) << err_.what(); \
  } while (0)

// The message given to fail(), without the ": <category message>" std::system_error adds.
std::string msg(const Error& e) {
  std::string what = e.what();
  const std::string suffix = ": " + e.code().message();
  if (what.size() >= suffix.size() &&
      what.compare(what.size() - suffix.size(), suffix.size(), suffix) == 0) {
    what.resize(what.size() - suffix.size());
  }
  return what;
}

std::string b64(std::string_view s) { return base64url_encode(s); }

// A token over arbitrary header / payload bytes with a valid signature by `key`, so a
// refusal can only come from the structure.
std::string forge(std::string_view header, std::string_view payload, const Key& key) {
  std::string input = b64(header) + "." + b64(payload);
  return input + "." + b64(key.sign(input));
}

std::string read_vectors(const std::string& name) {
  simdjson::padded_string json;
  const auto err =
      simdjson::padded_string::load(std::string(PYAUTH_VECTORS_DIR) + "/" + name).get(json);
  if (err) return {};
  return std::string(json.data(), json.size());
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : key_(key_from_secret(Algorithm::HS256, kSecret, "k1")), keys_({key_}) {
    options_.algorithms = {Algorithm::HS256};
    options_.now = kNow;
  }

  std::string token(std::string_view payload,
                    std::string_view header = R"({"alg":"HS256","typ":"JWT","kid":"k1"})") {
    return sign_compact(header, payload, *key_);
  }
  const DecodedToken& decode(std::string_view t) { return decoder_.decode(t, keys_, options_); }

  KeyPtr key_;
  KeySet keys_;
  VerifyOptions options_;
  TokenDecoder decoder_;
};

// ---------------------------------------------------------------------------------------
// Round trips and the decoded view

TEST_F(JwtTest, RoundTripHs256) {
  const std::string t = token(R"({"sub":"u1","exp":1000100,"iat":999900,"n":[1,{"a":true}]})");
  const DecodedToken& d = decode(t);
  EXPECT_EQ(d.alg, Algorithm::HS256);
  EXPECT_TRUE(d.has_kid);
  EXPECT_EQ(d.kid, "k1");
  std::string_view sub, typ;
  ASSERT_EQ(d.claims.at_key("sub").get(sub), simdjson::SUCCESS);
  EXPECT_EQ(sub, "u1");
  ASSERT_EQ(d.header.at_key("typ").get(typ), simdjson::SUCCESS);
  EXPECT_EQ(typ, "JWT");
  // Deterministic: HMAC over the exact bytes given.
  EXPECT_EQ(t.substr(0, t.rfind('.')),
            b64(R"({"alg":"HS256","typ":"JWT","kid":"k1"})") + "." +
                b64(R"({"sub":"u1","exp":1000100,"iat":999900,"n":[1,{"a":true}]})"));
}

TEST_F(JwtTest, DecoderIsReusableAfterSuccessAndFailure) {
  const std::string a = token(R"({"sub":"a"})");
  const std::string b =
      token(R"({"sub":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})");
  for (int i = 0; i < 3; ++i) {
    std::string_view sub;
    ASSERT_EQ(decode(a).claims.at_key("sub").get(sub), simdjson::SUCCESS);
    EXPECT_EQ(sub, "a");
    EXPECT_TOKEN_ERROR(decode("x.y"), malformed);
    ASSERT_EQ(decode(b).claims.at_key("sub").get(sub), simdjson::SUCCESS);
    EXPECT_EQ(sub.size(), 67u);
  }
}

TEST_F(JwtTest, HeaderReuseNeverHidesARefusal) {
  // The decoder skips re-parsing a header identical to the last good one; a refused
  // header must be refused every time, and options are applied afresh on every call.
  const std::string dup = forge(R"({"alg":"HS256","alg":"HS256"})", R"({"sub":"a"})", *key_);
  EXPECT_TOKEN_ERROR(decode(dup), malformed);
  EXPECT_TOKEN_ERROR(decode(dup), malformed);
  const std::string good = token(R"({"sub":"a"})");
  EXPECT_NO_THROW(decode(good));
  EXPECT_TOKEN_ERROR(decode(dup), malformed);
  EXPECT_NO_THROW(decode(good));
  // Same header, payload refused, then the good token again.
  const std::string bad_payload = forge(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", "[]", *key_);
  EXPECT_TOKEN_ERROR(decode(bad_payload), malformed);
  EXPECT_NO_THROW(decode(good));
  // Same header, now outside the allow-list or under an unknown crit rule.
  VerifyOptions rs = options_;
  rs.algorithms = {Algorithm::RS256};
  EXPECT_TOKEN_ERROR(decoder_.decode(good, keys_, rs), algorithm_not_allowed);
  std::string_view kid;
  ASSERT_EQ(decode(good).header.at_key("kid").get(kid), simdjson::SUCCESS);
  EXPECT_EQ(kid, "k1");
  // decode_unverified shares the header state.
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(dup), malformed);
  EXPECT_EQ(decoder_.decode_unverified(good).kid, "k1");
  EXPECT_EQ(decode(good).kid, "k1");
}

TEST_F(JwtTest, MovedDecoderStillDecodes) {
  const std::string good = token(R"({"sub":"a"})");
  TokenDecoder first;
  EXPECT_NO_THROW(first.decode(good, keys_, options_));
  TokenDecoder second(std::move(first));
  std::string_view sub, kid;
  ASSERT_EQ(second.decode(good, keys_, options_).claims.at_key("sub").get(sub), simdjson::SUCCESS);
  ASSERT_EQ(second.decode(good, keys_, options_).header.at_key("kid").get(kid), simdjson::SUCCESS);
  EXPECT_EQ(kid, "k1");
  TokenDecoder third(16);
  third = std::move(second);
  EXPECT_EQ(third.max_token_size(), kDefaultMaxTokenSize);
  ASSERT_EQ(third.decode(good, keys_, options_).header.at_key("kid").get(kid), simdjson::SUCCESS);
  EXPECT_EQ(kid, "k1");
  EXPECT_TOKEN_ERROR(
      third.decode(forge(R"({"alg":"HS256","alg":"x"})", "{}", *key_), keys_, options_), malformed);
}

TEST_F(JwtTest, NoKidMeansEveryKeyOfTheAlgorithmIsTried) {
  const KeyPtr other = key_from_secret(Algorithm::HS256, "ffffffffffffffffffffffffffffffff");
  const KeySet both({other, key_});
  const std::string t = token(R"({"sub":"x"})", R"({"alg":"HS256"})");
  const DecodedToken& d = decoder_.decode(t, both, options_);
  EXPECT_FALSE(d.has_kid);
  EXPECT_TRUE(d.kid.empty());
  // With only the wrong key it fails on the signature.
  EXPECT_TOKEN_ERROR(decoder_.decode(t, KeySet({other}), options_), bad_signature);
}

TEST_F(JwtTest, RoundTripEveryAlgorithm) {
  const Algorithm all[] = {Algorithm::HS256, Algorithm::HS384, Algorithm::HS512, Algorithm::RS256,
                           Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384,
                           Algorithm::PS512, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA};
  for (const Algorithm alg : all) {
    SCOPED_TRACE(std::string(algorithm_name(alg)));
    const KeyPtr key = generate_key(alg, "kid-" + std::string(algorithm_name(alg)));
    const std::string header =
        R"({"alg":")" + std::string(algorithm_name(alg)) + R"(","kid":")" + key->kid() + R"("})";
    const std::string t = sign_compact(header, R"({"sub":"x","exp":1000001})", *key);
    VerifyOptions o;
    o.algorithms = {alg};
    o.now = kNow;
    const DecodedToken& d = decoder_.decode(t, KeySet({key}), o);
    EXPECT_EQ(d.alg, alg);
    // Tampered payload: same header and signature, different claims.
    std::string forged = t;
    const std::size_t dot = forged.find('.');
    forged.replace(dot + 1, forged.rfind('.') - dot - 1, b64(R"({"sub":"y","exp":1000001})"));
    EXPECT_TOKEN_ERROR(decoder_.decode(forged, KeySet({key}), o), bad_signature);
    // Not in the allow-list.
    VerifyOptions none = o;
    none.algorithms = {};
    EXPECT_TOKEN_ERROR(decoder_.decode(t, KeySet({key}), none), algorithm_not_allowed);
  }
}

// ---------------------------------------------------------------------------------------
// Standard vectors (RFC 7515 Appendix A, RFC 8037 Appendix A.4), written by the keys work

std::string text(const dom::element& e, std::string_view member) {
  std::string_view v;
  EXPECT_EQ(e.at_key(member).get(v), simdjson::SUCCESS) << member;
  return std::string(v);
}

TEST_F(JwtTest, Rfc7515AppendixA) {
  const std::string json = read_vectors("rfc7515-appendix-a.json");
  ASSERT_FALSE(json.empty()) << "tests/vectors/rfc7515-appendix-a.json missing";
  dom::parser parser;
  dom::array vectors;
  ASSERT_EQ(parser.parse(json).at_key("vectors").get(vectors), simdjson::SUCCESS);
  int checked = 0;
  for (const dom::element v : vectors) {
    const std::string name = text(v, "name"), alg_name = text(v, "alg");
    SCOPED_TRACE(name);
    const std::string token = text(v, "token");
    bool supported = false, deterministic = false;
    ASSERT_EQ(v.at_key("supported").get(supported), simdjson::SUCCESS);
    ASSERT_EQ(v.at_key("deterministic").get(deterministic), simdjson::SUCCESS);
    VerifyOptions o;
    o.algorithms = {Algorithm::HS256, Algorithm::HS384, Algorithm::HS512, Algorithm::RS256,
                    Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384,
                    Algorithm::PS512, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA};
    o.now = 1300819379;  // exp is 1300819380
    if (!supported) {
      // A.4 (ES512 over the non-JSON payload "Payload") is malformed; A.5 (alg none, empty
      // signature) is refused for its algorithm, which is checked before the signature.
      const std::string header = text(v, "protected_header");
      if (header.find("\"none\"") != std::string::npos) {
        EXPECT_TOKEN_ERROR(decoder_.decode(token, keys_, o), algorithm_not_allowed);
        EXPECT_TOKEN_ERROR(decoder_.decode_unverified(token), algorithm_not_allowed);
      } else {
        EXPECT_TOKEN_ERROR(decoder_.decode(token, keys_, o), malformed);
        EXPECT_TOKEN_ERROR(decoder_.decode_unverified(token), malformed);
      }
      const std::string json_payload = b64(header) + "." + b64("{}") + ".AAAA";
      EXPECT_TOKEN_ERROR(decoder_.decode(json_payload, keys_, o), algorithm_not_allowed);
      ++checked;
      continue;
    }
    const Algorithm alg = *algorithm_from_name(alg_name);
    dom::element jwk;
    ASSERT_EQ(v.at_key("jwk").get(jwk), simdjson::SUCCESS);
    const KeyPtr key = key_from_jwk(simdjson::minify(jwk), alg);
    if (deterministic) {
      EXPECT_EQ(sign_compact(text(v, "protected_header"), text(v, "payload"), *key), token);
    }
    const DecodedToken& d = decoder_.decode(token, KeySet({key}), o);
    EXPECT_EQ(d.alg, alg);
    std::string_view iss;
    ASSERT_EQ(d.claims.at_key("iss").get(iss), simdjson::SUCCESS);
    EXPECT_EQ(iss, "joe");
    bool root = false;
    ASSERT_EQ(d.claims.at_key("http://example.com/is_root").get(root), simdjson::SUCCESS);
    EXPECT_TRUE(root);
    // exp 1300819380: expired from that second on.
    o.now = 1300819380;
    EXPECT_TOKEN_ERROR(decoder_.decode(token, KeySet({key}), o), expired);
    // Only the named algorithm is allowed.
    o.now = 1300819379;
    o.algorithms = {alg == Algorithm::HS256 ? Algorithm::RS256 : Algorithm::HS256};
    EXPECT_TOKEN_ERROR(decoder_.decode(token, KeySet({key}), o), algorithm_not_allowed);
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST_F(JwtTest, Rfc8037AppendixA4EdDSA) {
  const std::string json = read_vectors("rfc8037-appendix-a.json");
  ASSERT_FALSE(json.empty()) << "tests/vectors/rfc8037-appendix-a.json missing";
  dom::parser parser;
  dom::element v, private_jwk, public_jwk;
  ASSERT_EQ(parser.parse(json).at_key("vectors").at(0).get(v), simdjson::SUCCESS);
  ASSERT_EQ(v.at_key("private_jwk").get(private_jwk), simdjson::SUCCESS);
  ASSERT_EQ(v.at_key("public_jwk").get(public_jwk), simdjson::SUCCESS);
  const KeyPtr priv = key_from_jwk(simdjson::minify(private_jwk));
  const KeyPtr pub = key_from_jwk(simdjson::minify(public_jwk));
  ASSERT_EQ(priv->algorithm(), Algorithm::EdDSA);
  const std::string header = text(v, "protected_header"), payload = text(v, "payload");
  const std::string token = text(v, "token");

  // A.4's payload is plain text, not a JWT claims set: sign_compact and the decoder refuse
  // it, so the compact form is checked step by step as sign_compact builds it...
  const std::string signing_input = b64(header) + "." + b64(payload);
  ASSERT_EQ(signing_input, text(v, "signing_input"));
  EXPECT_EQ(signing_input + "." + b64(priv->sign(signing_input)), token);
  std::string sig;
  ASSERT_TRUE(base64url_decode(text(v, "signature"), sig));
  EXPECT_TRUE(pub->verify(signing_input, sig));  // A.5
  const Error e = capture([&] { sign_compact(header, payload, *priv); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(e), "payload is not valid JSON");
  VerifyOptions o;
  o.algorithms = {Algorithm::EdDSA};
  EXPECT_TOKEN_ERROR(decoder_.decode(token, KeySet({pub}), o), malformed);

  // ...and, over a JSON payload with the same key, sign_compact must equal an independent
  // libsodium Ed25519 signature (deterministic), which the decoder then accepts.
  std::string seed;
  ASSERT_TRUE(base64url_decode(text(private_jwk, "d"), seed));
  ASSERT_EQ(seed.size(), crypto_sign_SEEDBYTES);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  ASSERT_EQ(sodium_init() >= 0, true);
  crypto_sign_seed_keypair(pk, sk, reinterpret_cast<const unsigned char*>(seed.data()));
  const std::string claims = R"({"sub":"ed","exp":2000000000})";
  const std::string input = b64(header) + "." + b64(claims);
  unsigned char expected[crypto_sign_BYTES];
  crypto_sign_detached(expected, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), sk);
  sodium_memzero(sk, sizeof sk);
  const std::string jwt = sign_compact(header, claims, *priv);
  EXPECT_EQ(jwt,
            input + "." +
                b64(std::string_view(reinterpret_cast<const char*>(expected), sizeof expected)));
  o.now = kNow;
  EXPECT_EQ(decoder_.decode(jwt, KeySet({pub}), o).alg, Algorithm::EdDSA);
}

// ---------------------------------------------------------------------------------------
// Token-level refusal vectors shared with the Python tests (tests/vectors/jwt-refusals.json)

std::optional<TokenErrc> token_errc_from_name(std::string_view name) {
  static const std::pair<std::string_view, TokenErrc> kNames[] = {
      {"malformed", TokenErrc::malformed},
      {"too_large", TokenErrc::too_large},
      {"bad_signature", TokenErrc::bad_signature},
      {"algorithm_not_allowed", TokenErrc::algorithm_not_allowed},
      {"unsupported_crit", TokenErrc::unsupported_crit},
      {"no_matching_key", TokenErrc::no_matching_key},
      {"expired", TokenErrc::expired},
      {"not_yet_valid", TokenErrc::not_yet_valid},
      {"invalid_iat", TokenErrc::invalid_iat},
      {"bad_audience", TokenErrc::bad_audience},
      {"bad_issuer", TokenErrc::bad_issuer},
      {"missing_claim", TokenErrc::missing_claim},
      {"bad_token_type", TokenErrc::bad_token_type},
  };
  for (const auto& [n, e] : kNames) {
    if (n == name) return e;
  }
  return std::nullopt;
}

std::vector<std::string> strings(const dom::element& v, std::string_view member) {
  std::vector<std::string> out;
  dom::array arr;
  if (v.at_key(member).get(arr) != simdjson::SUCCESS) return out;
  for (const dom::element item : arr) {
    std::string_view s;
    EXPECT_EQ(item.get(s), simdjson::SUCCESS);
    out.emplace_back(s);
  }
  return out;
}

TEST(JwtRefusalVectors, EachVectorGivesItsError) {
  const std::string json = read_vectors("jwt-refusals.json");
  ASSERT_FALSE(json.empty()) << "tests/vectors/jwt-refusals.json missing";
  dom::parser parser;
  dom::array vectors;
  ASSERT_EQ(parser.parse(json).at_key("vectors").get(vectors), simdjson::SUCCESS);
  TokenDecoder decoder;
  int accepted = 0, refused = 0;
  for (const dom::element v : vectors) {
    const std::string description = text(v, "description");
    SCOPED_TRACE(description);
    const KeyPtr key = key_from_secret(Algorithm::HS256, text(v, "secret"), text(v, "kid"));
    VerifyOptions o;
    for (const std::string& name : strings(v, "algorithms")) {
      const auto alg = algorithm_from_name(name);
      ASSERT_TRUE(alg.has_value()) << name;
      o.algorithms.push_back(*alg);
    }
    ASSERT_EQ(v.at_key("now").get(o.now), simdjson::SUCCESS);
    double leeway = 0;
    if (v.at_key("leeway").get(leeway) == simdjson::SUCCESS) o.leeway = leeway;
    o.audience = strings(v, "audience");
    o.issuer = strings(v, "issuer");
    std::string_view type_claim, expected_type;
    if (v.at_key("type_claim").get(type_claim) == simdjson::SUCCESS) {
      o.type_claim = type_claim;
      ASSERT_EQ(v.at_key("expected_type").get(expected_type), simdjson::SUCCESS);
      o.expected_type = expected_type;
    }
    const std::string token = text(v, "token");
    dom::element expected;
    ASSERT_EQ(v.at_key("expected_error").get(expected), simdjson::SUCCESS);
    if (expected.is_null()) {
      EXPECT_NO_THROW(decoder.decode(token, KeySet({key}), o));
      ++accepted;
      continue;
    }
    std::string_view name;
    ASSERT_EQ(expected.get(name), simdjson::SUCCESS);
    const auto errc = token_errc_from_name(name);
    ASSERT_TRUE(errc.has_value()) << name;
    const Error e = capture([&] { decoder.decode(token, KeySet({key}), o); });
    EXPECT_EQ(e.code(), make_error_code(*errc)) << msg(e);
    ++refused;
  }
  EXPECT_GE(accepted, 1);
  EXPECT_GE(refused, 30);
}

// ---------------------------------------------------------------------------------------
// Size and segments

TEST_F(JwtTest, RefusesOversizedTokens) {
  const std::string big(9000, 'a');
  const Error e = capture([&] { decode(big); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::too_large));
  EXPECT_EQ(msg(e), "token is 9000 bytes, over the 8192-byte limit");

  TokenDecoder small(100);
  EXPECT_EQ(small.max_token_size(), 100u);
  const std::string t = token(R"({"sub":"a long enough subject to go over one hundred bytes"})");
  ASSERT_GT(t.size(), 100u);
  EXPECT_TOKEN_ERROR(small.decode(t, keys_, options_), too_large);
  EXPECT_TOKEN_ERROR(small.decode_unverified(t), too_large);
  // Exactly at the limit is fine.
  TokenDecoder exact(t.size());
  EXPECT_NO_THROW(exact.decode(t, keys_, options_));
}

TEST_F(JwtTest, RefusesWrongSegmentCounts) {
  const std::string t = token(R"({"sub":"a"})");
  const std::size_t d1 = t.find('.'), d2 = t.rfind('.');
  EXPECT_TOKEN_ERROR(decode(""), malformed);
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d1)), malformed);             // 1 segment
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d2)), malformed);             // 2 segments
  EXPECT_TOKEN_ERROR(decode(t + "." + t.substr(d2 + 1)), malformed);  // 4 segments
  EXPECT_TOKEN_ERROR(decode(t + "."), malformed);                     // 4, last empty
  EXPECT_TOKEN_ERROR(decode(std::string(".").append(t.substr(d1 + 1))), malformed);  // empty header
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d1) + ".." + t.substr(d2 + 1)), malformed);  // payload
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d2 + 1)), malformed);  // empty signature
  EXPECT_TOKEN_ERROR(decode(".."), malformed);
  EXPECT_TOKEN_ERROR(decode("..."), malformed);
  const Error e = capture([&] { decode(t.substr(0, d2)); });
  EXPECT_EQ(msg(e), "token must have three segments separated by '.'");
}

// ---------------------------------------------------------------------------------------
// Strict base64url

TEST_F(JwtTest, RefusesPaddingAndForeignCharacters) {
  // A header whose encoding would need padding (length not a multiple of 3).
  const std::string header16 = R"({"alg":"HS256" })";
  ASSERT_EQ(header16.size() % 3, 1u);
  const std::string t = forge(header16, R"({"sub":"a"})", *key_);
  EXPECT_NO_THROW(decode(t));
  const std::size_t d1 = t.find('.'), d2 = t.rfind('.');
  const std::string h = t.substr(0, d1), p = t.substr(d1 + 1, d2 - d1 - 1), s = t.substr(d2 + 1);

  const Error e = capture([&] { decode(h + "==." + p + "." + s); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(e), "header is not canonical base64url");
  EXPECT_TOKEN_ERROR(decode(h + "." + p + "=." + s), malformed);
  ASSERT_NE(s.size() % 4, 0u);  // 32-byte MAC: 43 characters
  EXPECT_TOKEN_ERROR(decode(h + "." + p + "." + s + "="), malformed);

  // Standard-alphabet characters, whitespace and other bytes.
  for (const char bad : {'+', '/', ' ', '\n', '*', '\0', static_cast<char>(0xC3)}) {
    SCOPED_TRACE(int(bad));
    std::string sig = s;
    sig[5] = bad;
    EXPECT_TOKEN_ERROR(decode(h + "." + p + "." + sig), malformed);
    std::string head = h;
    head[3] = bad;
    EXPECT_TOKEN_ERROR(decode(head + "." + p + "." + s), malformed);
  }
  // A dangling sextet (length 1 mod 4).
  EXPECT_TOKEN_ERROR(decode(h + "A." + p + "." + s), malformed);
}

TEST_F(JwtTest, RefusesNonCanonicalTrailingBits) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string header16 = R"({"alg":"HS256" })";  // 16 bytes: last char holds 2 spare bits
  const std::string t = forge(header16, R"({"sub":"a"})", *key_);
  const std::size_t d1 = t.find('.'), d2 = t.rfind('.');
  // Header: 16 bytes -> 22 chars, the last carrying 4 spare bits.
  std::string h = t.substr(0, d1);
  ASSERT_EQ(h.size() % 4, 2u);
  const std::size_t v = kAlphabet.find(h.back());
  ASSERT_EQ(v & 0x0F, 0u);
  h.back() = kAlphabet[v | 1];
  EXPECT_TOKEN_ERROR(decode(h + t.substr(d1)), malformed);
  // Signature: 32 bytes -> 43 chars, the last carrying 2 spare bits.
  std::string s = t.substr(d2 + 1);
  ASSERT_EQ(s.size() % 4, 3u);
  const std::size_t w = kAlphabet.find(s.back());
  ASSERT_EQ(w & 0x03, 0u);
  s.back() = kAlphabet[w | 2];
  const Error e = capture([&] { decode(t.substr(0, d2 + 1) + s); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(e), "signature is not canonical base64url");
}

// ---------------------------------------------------------------------------------------
// JSON

TEST_F(JwtTest, RefusesInvalidJson) {
  const std::string good_header = R"({"alg":"HS256"})";
  const std::vector<std::string> cases = {R"({"alg":"HS256")",
                                          R"({"alg":"HS256",})",
                                          R"({'alg':'HS256'})",
                                          R"({"alg":"HS256"} x)",
                                          R"({"alg":"HS256"}{})",
                                          "{\"alg\":\"HS256\",\"x\":\"\xff\"}",
                                          std::string("{\"alg\":\"HS256\",\"x\":\"a\0b\"}", 25),
                                          R"({"alg":"HS256","n":1e999})",
                                          R"({"alg":"HS256","n":01})",
                                          R"({"alg":"HS256","n":NaN})",
                                          " ",
                                          std::string(1, '\0')};
  for (const std::string& bad : cases) {
    SCOPED_TRACE(bad);
    const Error e = capture([&] { decode(forge(bad, R"({"sub":"a"})", *key_)); });
    EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
    EXPECT_EQ(msg(e), "header is not valid JSON");
    EXPECT_TOKEN_ERROR(decode(forge(good_header, bad, *key_)), malformed);
  }
}

TEST_F(JwtTest, RefusesNonObjectHeaderAndPayload) {
  for (const std::string bad : {R"(["HS256"])", R"("HS256")", "123", "null", "true", "[]"}) {
    SCOPED_TRACE(bad);
    const Error e = capture([&] { decode(forge(bad, R"({"sub":"a"})", *key_)); });
    EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
    EXPECT_EQ(msg(e), "header is not a JSON object");
    const Error f = capture([&] { decode(forge(R"({"alg":"HS256"})", bad, *key_)); });
    EXPECT_EQ(f.code(), make_error_code(TokenErrc::malformed));
    EXPECT_EQ(msg(f), "payload is not a JSON object");
  }
}

TEST_F(JwtTest, RefusesDuplicateMembersAtAnyDepth) {
  const std::string h = R"({"alg":"HS256"})";
  const Error e = capture([&] { decode(forge(R"({"alg":"HS256","alg":"HS256"})", "{}", *key_)); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(e), "header has a duplicate member name");
  // The same name spelt with an escape is the same name.
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":"HS256","\u0061lg":"none"})", "{}", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(h, R"({"sub":"a","sub":"b"})", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(h, R"({"x":{"a":1,"b":{"c":1,"c":2}}})", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(h, R"({"x":[1,[{"a":1,"a":1}]]})", *key_)), malformed);
  // Same name in different objects is fine.
  EXPECT_NO_THROW(decode(forge(h, R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})", *key_)));

  // Large objects take the sorting path: no duplicate, then one at the very end.
  std::string many = "{";
  for (int i = 0; i < 200; ++i) many += "\"m" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const std::string unique = many + "\"end\":0}";
  const std::string dup = many + "\"m0\":0}";
  EXPECT_NO_THROW(decode(forge(h, unique, *key_)));
  EXPECT_TOKEN_ERROR(decode(forge(h, dup, *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(h, R"({"n":)" + dup + "}", *key_)), malformed);
  // Boundary of the pairwise path: 8 and 9 members.
  EXPECT_TOKEN_ERROR(
      decode(forge(h, R"({"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"a":1})", *key_)), malformed);
  EXPECT_TOKEN_ERROR(
      decode(forge(h, R"({"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"a":1})", *key_)),
      malformed);
  EXPECT_NO_THROW(
      decode(forge(h, R"({"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1})", *key_)));
}

TEST_F(JwtTest, RefusesExcessiveNesting) {
  const std::string h = R"({"alg":"HS256"})";
  const auto nested = [](int arrays) {
    return R"({"a":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
  };
  EXPECT_NO_THROW(decode(forge(h, nested(31), *key_)));  // depth 32
  const Error e = capture([&] { decode(forge(h, nested(32), *key_)); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(e), "payload nests deeper than 32 levels");
  // Objects count too.
  std::string objects = "{";
  for (int i = 0; i < 32; ++i) objects += R"("o":{)";
  objects += std::string(33, '}');
  EXPECT_TOKEN_ERROR(decode(forge(h, objects, *key_)), malformed);
  // Far deeper than simdjson's own limit, in the header.
  std::string deep =
      R"({"alg":"HS256","x":)" + std::string(2000, '[') + std::string(2000, ']') + "}";
  EXPECT_TOKEN_ERROR(decode(forge(deep, "{}", *key_)), malformed);
}

// ---------------------------------------------------------------------------------------
// Header: alg, kid, crit, b64

TEST_F(JwtTest, RefusesAlgNoneInAnyCase) {
  for (const std::string alg : {"none", "NONE", "None", "nOnE"}) {
    const std::string header = R"({"alg":")" + alg + R"("})";
    const std::string unsigned_token = b64(header) + "." + b64(R"({"sub":"a"})") + ".";
    // Refused for its algorithm before the (empty) signature is looked at.
    EXPECT_TOKEN_ERROR(decode(unsigned_token), algorithm_not_allowed);
    const std::string with_sig = unsigned_token + "AAAA";
    const Error e = capture([&] { decode(with_sig); });
    EXPECT_EQ(e.code(), make_error_code(TokenErrc::algorithm_not_allowed));
    EXPECT_EQ(msg(e), "alg none is never accepted");
    EXPECT_TOKEN_ERROR(decoder_.decode_unverified(with_sig), algorithm_not_allowed);
  }
}

TEST_F(JwtTest, RefusesMissingUnknownAndDisallowedAlg) {
  const Error missing = capture([&] { decode(forge(R"({"typ":"JWT"})", "{}", *key_)); });
  EXPECT_EQ(missing.code(), make_error_code(TokenErrc::malformed));
  EXPECT_EQ(msg(missing), "header has no alg");
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":256})", "{}", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":["HS256"]})", "{}", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":null})", "{}", *key_)), malformed);
  for (const std::string alg : {"HS1024", "hs256", "HS256 ", "", "ES512", "RSA-OAEP"}) {
    SCOPED_TRACE(alg);
    EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":")" + alg + R"("})", "{}", *key_)),
                       algorithm_not_allowed);
  }
  // Known but outside the allow-list.
  const Error e = capture([&] { decode(forge(R"({"alg":"RS256"})", "{}", *key_)); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::algorithm_not_allowed));
  EXPECT_EQ(msg(e), "algorithm RS256 is not allowed");
  VerifyOptions empty = options_;
  empty.algorithms.clear();
  EXPECT_TOKEN_ERROR(decoder_.decode(token("{}"), keys_, empty), algorithm_not_allowed);
  // An attacker-chosen name is cut and cleaned in the message.
  const std::string long_alg(500, 'x');
  const Error l = capture([&] { decode(forge(R"({"alg":")" + long_alg + "\\n\"}", "{}", *key_)); });
  EXPECT_EQ(l.code(), make_error_code(TokenErrc::algorithm_not_allowed));
  EXPECT_LT(msg(l).size(), 120u);
  EXPECT_EQ(std::string(l.what()).find('\n'), std::string::npos);
}

TEST_F(JwtTest, RefusesAlgorithmOfAnotherKeyFamily) {
  // HS256 with an RSA public key's PEM as the secret: the key cannot even be made...
  const KeyPtr rsa = generate_key(Algorithm::RS256, "rsa");
  const std::string pem = rsa->public_pem();
  EXPECT_KEY_ERROR(key_from_secret(Algorithm::HS256, pem), invalid_key);
  // ...and an HS256 token presented to a set holding only that RSA key finds no key.
  VerifyOptions both = options_;
  both.algorithms = {Algorithm::HS256, Algorithm::RS256};
  const std::string hs = token(R"({"sub":"a"})", R"({"alg":"HS256","kid":"rsa"})");
  const Error e = capture([&] { decoder_.decode(hs, KeySet({rsa}), both); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::no_matching_key));
  EXPECT_EQ(msg(e), "no key for alg HS256 and kid 'rsa'");
  // With RS256 only allowed, the HS256 token is refused before any key is looked at.
  VerifyOptions rs_only = options_;
  rs_only.algorithms = {Algorithm::RS256};
  EXPECT_TOKEN_ERROR(decoder_.decode(hs, KeySet({rsa}), rs_only), algorithm_not_allowed);
  // An RS256 header over an HMAC signature does not verify with the RSA key.
  const std::string rs_header = R"({"alg":"RS256","kid":"rsa"})";
  EXPECT_TOKEN_ERROR(
      decoder_.decode(forge(rs_header, R"({"sub":"a"})", *key_), KeySet({rsa}), both),
      bad_signature);
}

TEST_F(JwtTest, KidIsOnlyALookupKey) {
  const Error e = capture([&] { decode(token("{}", R"({"alg":"HS256","kid":"other"})")); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::no_matching_key));
  EXPECT_EQ(msg(e), "no key for alg HS256 and kid 'other'");
  // No key for the algorithm at all, no kid.
  const KeySet empty;
  const Error n =
      capture([&] { decoder_.decode(token("{}", R"({"alg":"HS256"})"), empty, options_); });
  EXPECT_EQ(n.code(), make_error_code(TokenErrc::no_matching_key));
  EXPECT_EQ(msg(n), "no key for alg HS256");
  // kid must be a string.
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":"HS256","kid":1})", "{}", *key_)), malformed);
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":"HS256","kid":null})", "{}", *key_)), malformed);
  // Hostile kids are truncated and cleaned in messages.
  const std::string hostile = R"({"alg":"HS256","kid":"../../etc/passwd\u0000\n\u001b[31m)" +
                              std::string(300, 'k') + R"("})";
  const Error h = capture([&] { decode(forge(hostile, "{}", *key_)); });
  EXPECT_EQ(h.code(), make_error_code(TokenErrc::no_matching_key));
  EXPECT_EQ(msg(h), "no key for alg HS256 and kid '../../etc/passwd???[31m" + std::string(41, 'k') +
                        "...'");
}

TEST_F(JwtTest, CritMustBeUnderstood) {
  const auto with = [&](std::string_view crit_json) {
    return forge(R"({"alg":"HS256","kid":"k1","urn:x":1,"crit":)" + std::string(crit_json) + "}",
                 R"({"sub":"a"})", *key_);
  };
  const Error e = capture([&] { decode(with(R"(["urn:x"])")); });
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::unsupported_crit));
  EXPECT_EQ(msg(e), "critical header parameter 'urn:x' is not understood");
  EXPECT_TOKEN_ERROR(decode(with(R"(["exp"])")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with("[]")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with(R"("urn:x")")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with("[1]")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with("null")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with(R"({"urn:x":true})")), unsupported_crit);

  options_.understood_crit = {"urn:x"};
  EXPECT_NO_THROW(decode(with(R"(["urn:x"])")));
  EXPECT_TOKEN_ERROR(decode(with(R"(["urn:x","urn:y"])")), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(with("[]")), unsupported_crit);
}

TEST_F(JwtTest, UnencodedPayloadIsRefused) {
  options_.understood_crit = {"b64"};
  const std::string h = R"({"alg":"HS256","kid":"k1","b64":false,"crit":["b64"]})";
  EXPECT_TOKEN_ERROR(decode(forge(h, "{}", *key_)), unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":"HS256","kid":"k1","b64":false})", "{}", *key_)),
                     unsupported_crit);
  EXPECT_TOKEN_ERROR(decode(forge(R"({"alg":"HS256","kid":"k1","b64":"no"})", "{}", *key_)),
                     unsupported_crit);
  EXPECT_NO_THROW(
      decode(forge(R"({"alg":"HS256","kid":"k1","b64":true,"crit":["b64"]})", "{}", *key_)));
}

// ---------------------------------------------------------------------------------------
// Signature

TEST_F(JwtTest, RefusesBadSignatures) {
  const std::string t = token(R"({"sub":"a"})");
  const std::size_t d2 = t.rfind('.');
  std::string sig;
  ASSERT_TRUE(base64url_decode(t.substr(d2 + 1), sig));
  for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string flipped = sig;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    const Error e = capture([&] { decode(t.substr(0, d2 + 1) + b64(flipped)); });
    EXPECT_EQ(e.code(), make_error_code(TokenErrc::bad_signature));
    EXPECT_EQ(msg(e), "signature verification failed");
  }
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d2 + 1) + b64(sig.substr(0, 31))), bad_signature);
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d2 + 1) + b64(sig + "x")), bad_signature);
  EXPECT_TOKEN_ERROR(decode(t.substr(0, d2 + 1) + "AAAA"), bad_signature);
  // Another key under the same kid.
  const KeyPtr impostor =
      key_from_secret(Algorithm::HS256, "ffffffffffffffffffffffffffffffff", "k1");
  EXPECT_TOKEN_ERROR(decode(sign_compact(R"({"alg":"HS256","kid":"k1"})", "{}", *impostor)),
                     bad_signature);
  // Signature is checked before claims: an expired forged token reports the signature.
  EXPECT_TOKEN_ERROR(
      decode(sign_compact(R"({"alg":"HS256","kid":"k1"})", R"({"exp":1})", *impostor)),
      bad_signature);
}

// ---------------------------------------------------------------------------------------
// sign_compact

TEST_F(JwtTest, SignCompactRefusals) {
  const Error e = capture([&] { sign_compact(R"({"alg":"HS384"})", "{}", *key_); });
  EXPECT_EQ(e.code(), make_error_code(KeyErrc::invalid_key));
  EXPECT_EQ(msg(e), "header alg HS384 does not match the key's algorithm HS256");
  EXPECT_KEY_ERROR(sign_compact(R"({"typ":"JWT"})", "{}", *key_), invalid_key);
  EXPECT_KEY_ERROR(sign_compact(R"({"alg":1})", "{}", *key_), invalid_key);
  EXPECT_KEY_ERROR(sign_compact(R"({"alg":"none"})", "{}", *key_), invalid_key);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256")", "{}", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"(["HS256"])", "{}", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256","alg":"HS256"})", "{}", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256"})", "[]", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256"})", R"("x")", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256"})", R"({"a":1,"a":2})", *key_), malformed);
  EXPECT_TOKEN_ERROR(sign_compact(R"({"alg":"HS256"})", "{", *key_), malformed);
  // Bytes are used exactly as given, whitespace included.
  const std::string t = sign_compact(" {\"alg\" : \"HS256\"}\r\n", "{ }", *key_);
  EXPECT_EQ(t.substr(0, t.rfind('.')), b64(" {\"alg\" : \"HS256\"}\r\n") + "." + b64("{ }"));
  EXPECT_NO_THROW(decode(t));
}

// ---------------------------------------------------------------------------------------
// decode_unverified

TEST_F(JwtTest, DecodeUnverified) {
  const KeyPtr other = key_from_secret(Algorithm::HS512, std::string(64, 'z'), "x");
  const std::string t = sign_compact(R"({"alg":"HS512","kid":"x","crit":["urn:q"],"urn:q":1})",
                                     R"({"sub":"a","exp":1})", *other);
  const DecodedToken& d = decoder_.decode_unverified(t);
  EXPECT_EQ(d.alg, Algorithm::HS512);
  EXPECT_EQ(d.kid, "x");
  std::string_view sub;
  ASSERT_EQ(d.claims.at_key("sub").get(sub), simdjson::SUCCESS);
  EXPECT_EQ(sub, "a");
  // Structural refusals still apply.
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified("a.b"), malformed);
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(std::string(9000, 'a')), too_large);
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(forge(R"({"alg":"HS256","alg":"x"})", "{}", *key_)),
                     malformed);
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(forge(R"({"alg":"XS256"})", "{}", *key_)),
                     algorithm_not_allowed);
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(forge(R"({"alg":"HS256","crit":[]})", "{}", *key_)),
                     unsupported_crit);
  EXPECT_TOKEN_ERROR(decoder_.decode_unverified(forge(R"({"alg":"HS256"})", "[1]", *key_)),
                     malformed);
}

// ---------------------------------------------------------------------------------------
// Claims

class ClaimsTest : public ::testing::Test {
 protected:
  ClaimsTest() {
    options_.algorithms = {Algorithm::HS256};
    options_.now = 1000;
  }
  void validate(std::string_view json) {
    dom::object obj;
    ASSERT_EQ(parser_.parse(json.data(), json.size()).get(obj), simdjson::SUCCESS) << json;
    validate_claims(obj, options_);
  }
  Error fails(std::string_view json) {
    return capture([&] { validate(json); });
  }
  void expect(std::string_view json, TokenErrc errc) {
    const Error e = fails(json);
    EXPECT_EQ(e.code(), make_error_code(errc)) << json << ": " << e.what();
  }
  void ok(std::string_view json) { EXPECT_NO_THROW(validate(json)) << json; }

  dom::parser parser_;
  VerifyOptions options_;
};

TEST_F(ClaimsTest, ExpWithLeewayBoundaries) {
  const Error e = fails(R"({"exp":1000})");  // exp == now is expired
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::expired));
  EXPECT_EQ(msg(e), "token has expired");
  ok(R"({"exp":1001})");
  ok(R"({"exp":1000.5})");
  expect(R"({"exp":999.999})", TokenErrc::expired);
  expect(R"({"exp":-5})", TokenErrc::expired);
  ok(R"({"exp":18446744073709551615})");  // uint64
  options_.leeway = 10;
  ok(R"({"exp":1000})");
  ok(R"({"exp":991})");
  expect(R"({"exp":990})", TokenErrc::expired);
}

TEST_F(ClaimsTest, ExpMustBeANumber) {
  for (const char* bad : {R"({"exp":"2000"})", R"({"exp":true})", R"({"exp":null})",
                          R"({"exp":[2000]})", R"({"exp":{}})"}) {
    const Error e = fails(bad);
    EXPECT_EQ(e.code(), make_error_code(TokenErrc::malformed)) << bad;
    EXPECT_EQ(msg(e), "exp claim must be a number");
  }
}

TEST_F(ClaimsTest, NbfWithLeewayBoundaries) {
  ok(R"({"nbf":1000})");
  ok(R"({"nbf":999})");
  const Error e = fails(R"({"nbf":1000.001})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::not_yet_valid));
  EXPECT_EQ(msg(e), "token is not yet valid (nbf)");
  expect(R"({"nbf":1001})", TokenErrc::not_yet_valid);
  options_.leeway = 5;
  ok(R"({"nbf":1005})");
  expect(R"({"nbf":1006})", TokenErrc::not_yet_valid);
  expect(R"({"nbf":"1"})", TokenErrc::malformed);
  expect(R"({"nbf":false})", TokenErrc::malformed);
}

TEST_F(ClaimsTest, IatWithLeewayBoundaries) {
  ok(R"({"iat":1000})");
  ok(R"({"iat":0})");
  const Error e = fails(R"({"iat":1001})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::not_yet_valid));
  EXPECT_EQ(msg(e), "token is not yet valid (iat)");
  options_.leeway = 1;
  ok(R"({"iat":1001})");
  expect(R"({"iat":1001.5})", TokenErrc::not_yet_valid);
  for (const char* bad :
       {R"({"iat":"1000"})", R"({"iat":true})", R"({"iat":null})", R"({"iat":[]})"}) {
    expect(bad, TokenErrc::invalid_iat);
  }
}

TEST_F(ClaimsTest, CheckOrder) {
  // required, then exp, nbf, iat, iss, aud, type.
  options_.required = {"sub"};
  options_.issuer = {"me"};
  options_.audience = {"api"};
  options_.type_claim = "typ";
  options_.expected_type = "access";
  expect(R"({"exp":1,"nbf":2000,"iat":"x","iss":"x","aud":"x","typ":"x"})",
         TokenErrc::missing_claim);
  expect(R"({"sub":"s","exp":1,"nbf":2000,"iat":"x","iss":"x","aud":"x","typ":"x"})",
         TokenErrc::expired);
  expect(R"({"sub":"s","nbf":2000,"iat":"x","iss":"x","aud":"x","typ":"x"})",
         TokenErrc::not_yet_valid);
  expect(R"({"sub":"s","iat":"x","iss":"x","aud":"x","typ":"x"})", TokenErrc::invalid_iat);
  expect(R"({"sub":"s","iss":"x","aud":"x","typ":"x"})", TokenErrc::bad_issuer);
  expect(R"({"sub":"s","iss":"me","aud":"x","typ":"x"})", TokenErrc::bad_audience);
  expect(R"({"sub":"s","iss":"me","aud":"api","typ":"x"})", TokenErrc::bad_token_type);
  ok(R"({"sub":"s","iss":"me","aud":"api","typ":"access"})");
}

TEST_F(ClaimsTest, RequiredClaims) {
  options_.required = {"exp", "sub"};
  ok(R"({"exp":2000,"sub":"a"})");
  // null counts as missing, as in PyJWT.
  EXPECT_EQ(fails(R"({"exp":2000,"sub":null})").detail(), "sub");
  const Error e = fails(R"({"sub":"a"})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::missing_claim));
  EXPECT_EQ(msg(e), "token is missing the \"exp\" claim");
  EXPECT_EQ(e.detail(), "exp");
  const Error s = fails(R"({"exp":2000,"nested":{"sub":"a"}})");
  EXPECT_EQ(s.detail(), "sub");
  // Required but not verified: presence is still enforced.
  options_.verify_exp = false;
  EXPECT_EQ(fails("{}").detail(), "exp");
}

TEST_F(ClaimsTest, Issuer) {
  ok(R"({"iss":"anything"})");  // no issuer configured: not checked
  ok(R"({"iss":5})");
  options_.issuer = {"a", "b"};
  ok(R"({"iss":"a"})");
  ok(R"({"iss":"b"})");
  const Error e = fails(R"({"iss":"c"})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::bad_issuer));
  EXPECT_EQ(msg(e), "invalid issuer");
  expect(R"({"iss":"A"})", TokenErrc::bad_issuer);
  expect(R"({"iss":5})", TokenErrc::bad_issuer);
  expect(R"({"iss":["a"]})", TokenErrc::bad_issuer);
  const Error m = fails("{}");
  EXPECT_EQ(m.code(), make_error_code(TokenErrc::missing_claim));
  EXPECT_EQ(m.detail(), "iss");
  options_.verify_iss = false;
  ok(R"({"iss":"c"})");
  ok("{}");
}

TEST_F(ClaimsTest, AudienceExpected) {
  options_.audience = {"api", "web"};
  ok(R"({"aud":"api"})");
  ok(R"({"aud":["x","web"]})");
  const Error e = fails(R"({"aud":"other"})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::bad_audience));
  EXPECT_EQ(msg(e), "token audience does not match");
  expect(R"({"aud":["x","y"]})", TokenErrc::bad_audience);
  const Error f = fails(R"({"aud":5})");
  EXPECT_EQ(f.code(), make_error_code(TokenErrc::bad_audience));
  EXPECT_EQ(msg(f), "invalid aud claim format");
  expect(R"({"aud":["api",5]})", TokenErrc::bad_audience);
  expect(R"({"aud":{"api":true}})", TokenErrc::bad_audience);
  expect(R"({"aud":true})", TokenErrc::bad_audience);
  expect(R"({"aud":[["api"]]})", TokenErrc::bad_audience);
  for (const char* missing : {"{}", R"({"aud":""})", R"({"aud":[]})", R"({"aud":null})"}) {
    const Error m = fails(missing);
    EXPECT_EQ(m.code(), make_error_code(TokenErrc::missing_claim)) << missing;
    EXPECT_EQ(m.detail(), "aud");
  }
  options_.verify_aud = false;
  ok(R"({"aud":"other"})");
  ok("{}");
}

TEST_F(ClaimsTest, UnexpectedAudience) {
  ok("{}");
  ok(R"({"aud":""})");
  ok(R"({"aud":[]})");
  ok(R"({"aud":null})");
  const Error e = fails(R"({"aud":"api"})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::bad_audience));
  expect(R"({"aud":["api"]})", TokenErrc::bad_audience);
  expect(R"({"aud":5})", TokenErrc::bad_audience);
  options_.verify_aud = false;
  ok(R"({"aud":"api"})");
}

TEST_F(ClaimsTest, TokenType) {
  options_.type_claim = "token_type";
  options_.expected_type = "access";
  ok(R"({"token_type":"access"})");
  const Error e = fails(R"({"token_type":"refresh"})");
  EXPECT_EQ(e.code(), make_error_code(TokenErrc::bad_token_type));
  EXPECT_EQ(msg(e), "token has wrong type");
  expect("{}", TokenErrc::bad_token_type);
  expect(R"({"token_type":5})", TokenErrc::bad_token_type);
  expect(R"({"token_type":["access"]})", TokenErrc::bad_token_type);
  expect(R"({"token_type":"Access"})", TokenErrc::bad_token_type);
  expect(R"({"token_type":"access "})", TokenErrc::bad_token_type);
  expect(R"({"nested":{"token_type":"access"}})", TokenErrc::bad_token_type);
}

TEST_F(ClaimsTest, VerifyFlagsOff) {
  options_.verify_exp = false;
  options_.verify_nbf = false;
  options_.verify_iat = false;
  ok(R"({"exp":1,"nbf":5000,"iat":5000})");
  ok(R"({"exp":"x","nbf":"y","iat":"z"})");
  options_.verify_exp = true;
  expect(R"({"exp":1,"nbf":5000,"iat":5000})", TokenErrc::expired);
}

TEST_F(ClaimsTest, ClockIsUsedWhenNowIsUnset) {
  options_.now = -1;
  ok(R"({"exp":99999999999,"iat":1,"nbf":1})");
  expect(R"({"exp":1})", TokenErrc::expired);
  expect(R"({"nbf":99999999999})", TokenErrc::not_yet_valid);
}

TEST_F(ClaimsTest, NonFiniteLeewayIsRefused) {
  options_.leeway = std::nan("");
  dom::object obj;
  ASSERT_EQ(parser_.parse(std::string(R"({"exp":1})")).get(obj), simdjson::SUCCESS);
  EXPECT_THROW(validate_claims(obj, options_), std::invalid_argument);
}

// Claims are validated by decode after the signature.
TEST_F(JwtTest, DecodeValidatesClaims) {
  options_.audience = {"api"};
  options_.leeway = 0;
  EXPECT_NO_THROW(decode(token(R"({"aud":"api","exp":1000001})")));
  EXPECT_TOKEN_ERROR(decode(token(R"({"aud":"api","exp":1000000})")), expired);
  EXPECT_TOKEN_ERROR(decode(token(R"({"aud":"web","exp":1000001})")), bad_audience);
  EXPECT_TOKEN_ERROR(decode(token(R"({"exp":1000001})")), missing_claim);
}

// A key loaded from bare material has no kid and verifies a token that names one (PyJWT
// callers pass a secret while the issuer sets kid), but only when no key has that kid.
TEST(KidFallback, KidlessKeyVerifiesOnlyWhenNoKeyHasTheKid) {
  const KeyPtr named = key_from_secret(Algorithm::HS256, std::string(32, 'n'), "a");
  const KeyPtr bare = key_from_secret(Algorithm::HS256, std::string(32, 'b'));
  const std::string by_bare_as_a = forge(R"({"alg":"HS256","kid":"a"})", R"({"s":1})", *bare);
  const std::string by_bare_as_z = forge(R"({"alg":"HS256","kid":"z"})", R"({"s":1})", *bare);
  VerifyOptions o;
  o.algorithms = {Algorithm::HS256};
  TokenDecoder decoder;
  EXPECT_NO_THROW(decoder.decode(by_bare_as_z, KeySet({named, bare}), o));
  EXPECT_NO_THROW(decoder.decode(by_bare_as_a, KeySet({bare}), o));
  // "a" exists: the bare key is not tried, so the bare key's signature does not verify.
  EXPECT_TOKEN_ERROR(decoder.decode(by_bare_as_a, KeySet({named, bare}), o), bad_signature);
  EXPECT_TOKEN_ERROR(decoder.decode(by_bare_as_z, KeySet({named}), o), no_matching_key);
}

}  // namespace
}  // namespace pyauth
