// HOTP / TOTP (cpp/src/otp.cpp): the RFC 4226 and RFC 6238 vectors, the verification
// window, every refusal, random secrets and codes, and otpauth:// URIs checked against
// what pyotp 2.9 writes.
#include "pyauth/otp.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"

namespace {

using pyauth::OtpAuthUri;
using pyauth::OtpErrc;
using pyauth::OtpHash;
using pyauth::OtpKey;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
const std::string kRfc4226Secret = "12345678901234567890";

std::string vectors_path(const char* name) { return std::string(PYAUTH_VECTORS_DIR) + "/" + name; }

std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

OtpHash hash_named(std::string_view name) {
  const auto h = pyauth::otp_hash_from_name(name);
  if (!h) throw std::runtime_error("unknown hash in a vector file");
  return *h;
}

std::string hex(std::string_view bytes) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string pad_number(std::uint64_t v, unsigned digits) {
  std::string s = std::to_string(v);
  return std::string(digits > s.size() ? digits - s.size() : 0, '0') + s;
}

// Runs `f`, expecting pyauth::Error with code `e` and a what() containing `message`.
template <typename F>
::testing::AssertionResult throws(F&& f, OtpErrc e, std::string_view message = {}) {
  try {
    f();
  } catch (const pyauth::Error& err) {
    if (err.code() != make_error_code(e)) {
      return ::testing::AssertionFailure()
             << "wrong error code: " << err.code().message() << " (" << err.what() << ")";
    }
    if (std::string_view(err.what()).find(message) == std::string_view::npos) {
      return ::testing::AssertionFailure()
             << "message \"" << err.what() << "\" lacks \"" << message << "\"";
    }
    return ::testing::AssertionSuccess() << err.what();
  } catch (const std::exception& other) {
    return ::testing::AssertionFailure() << "wrong exception: " << other.what();
  }
  return ::testing::AssertionFailure() << "nothing thrown";
}

// What() of the pyauth::Error that `f` throws (empty if none).
template <typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const pyauth::Error& err) {
    return err.what();
  }
  return {};
}

// ---------------------------------------------------------------------- hash names

TEST(OtpHashName, CaseInsensitive) {
  EXPECT_EQ(pyauth::otp_hash_from_name("SHA1"), OtpHash::sha1);
  EXPECT_EQ(pyauth::otp_hash_from_name("sha1"), OtpHash::sha1);
  EXPECT_EQ(pyauth::otp_hash_from_name("Sha256"), OtpHash::sha256);
  EXPECT_EQ(pyauth::otp_hash_from_name("sHA512"), OtpHash::sha512);
  EXPECT_EQ(pyauth::otp_hash_name(OtpHash::sha1), "SHA1");
  EXPECT_EQ(pyauth::otp_hash_name(OtpHash::sha256), "SHA256");
  EXPECT_EQ(pyauth::otp_hash_name(OtpHash::sha512), "SHA512");
}

TEST(OtpHashName, RefusesOthers) {
  for (const char* name : {"", "SHA", "SHA-1", "SHA-256", "SHA384", "MD5", " SHA1", "SHA1 ",
                           "SHA1\n", "SHA2561", "SHA51"}) {
    EXPECT_EQ(pyauth::otp_hash_from_name(name), std::nullopt) << name;
  }
  EXPECT_EQ(pyauth::otp_hash_from_name(std::string_view("SHA1\0", 5)), std::nullopt);
}

// ---------------------------------------------------------------------- RFC 4226

TEST(Rfc4226, AppendixD) {
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.load(vectors_path("rfc4226-appendix-d.json"));
  const std::string secret = str(doc["secret"]);
  ASSERT_EQ(hex(secret), str(doc["secret_hex"]));
  ASSERT_EQ(uint64_t(doc["digits"]), 6u);
  const OtpKey key6(secret, hash_named(str(doc["hash"])), 6);
  const OtpKey key7(secret, OtpHash::sha1, 7);
  const OtpKey key8(secret, OtpHash::sha1, 8);
  const OtpKey from_b32 = OtpKey::from_base32(pyauth::base32_encode(secret, false));
  std::size_t n = 0;
  for (const simdjson::dom::element v : doc["vectors"].get_array()) {
    const std::uint64_t count = v["count"];
    const std::uint64_t truncated = v["truncated_decimal"];
    const std::string hotp = str(v["hotp"]);
    SCOPED_TRACE(count);

    // The intermediate HMAC of Table 1, straight from OpenSSL: checks the file.
    unsigned char msg[8] = {};
    for (int i = 0; i < 8; ++i) msg[7 - i] = static_cast<unsigned char>(count >> (8 * i));
    unsigned char md[EVP_MAX_MD_SIZE];
    std::size_t md_len = 0;
    ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, secret.data(), secret.size(),
                        msg, sizeof msg, md, sizeof md, &md_len),
              nullptr);
    EXPECT_EQ(hex(std::string_view(reinterpret_cast<const char*>(md), md_len)),
              str(v["hmac_sha1_hex"]));
    EXPECT_EQ(std::stoull(str(v["truncated_hex"]), nullptr, 16), truncated);

    EXPECT_EQ(key6.code(count), hotp);
    EXPECT_EQ(from_b32.code(count), hotp);
    // Other lengths are the same truncated value modulo 10^digits, zero-padded.
    EXPECT_EQ(key7.code(count), pad_number(truncated % 10000000, 7));
    EXPECT_EQ(key8.code(count), pad_number(truncated % 100000000, 8));
    EXPECT_EQ(key6.match(hotp, count, 0, 0), count);
    ++n;
  }
  EXPECT_EQ(n, 10u);
}

// ---------------------------------------------------------------------- RFC 6238

TEST(Rfc6238, AppendixB) {
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.load(vectors_path("rfc6238-appendix-b.json"));
  const std::uint64_t step = doc["step"];
  const std::int64_t t0 = doc["t0"];
  const std::uint64_t digits = doc["digits"];
  ASSERT_EQ(step, 30u);
  ASSERT_EQ(digits, 8u);
  std::size_t n = 0;
  for (const simdjson::dom::element v : doc["vectors"].get_array()) {
    const std::string mode = str(v["mode"]);
    const std::int64_t time = v["time"];
    const std::string totp = str(v["totp"]);
    SCOPED_TRACE(mode + " at " + std::to_string(time));
    const std::string seed = str(doc["seeds"][mode]);
    const OtpKey key(seed, hash_named(mode), static_cast<unsigned>(digits));

    const std::uint64_t counter =
        pyauth::totp_counter(static_cast<double>(time), static_cast<std::uint32_t>(step), t0);
    EXPECT_EQ(counter, std::stoull(str(v["t_hex"]), nullptr, 16));
    EXPECT_EQ(key.code(counter), totp);
    EXPECT_EQ(key.match(totp, counter, 1, 1), counter);
    EXPECT_EQ(key.match(totp, counter + 1, 1, 1), counter);  // one step late
    EXPECT_EQ(key.match(totp, counter - 1, 1, 1), counter);  // one step early
    ++n;
  }
  EXPECT_EQ(n, 18u);
}

TEST(Rfc6238, SeedLengths) {
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.load(vectors_path("rfc6238-appendix-b.json"));
  EXPECT_EQ(str(doc["seeds"]["SHA1"]).size(), 20u);
  EXPECT_EQ(str(doc["seeds"]["SHA256"]).size(), 32u);
  EXPECT_EQ(str(doc["seeds"]["SHA512"]).size(), 64u);
}

// ---------------------------------------------------------------------- the key

TEST(OtpKey, MovableNotCopyable) {
  static_assert(!std::is_copy_constructible_v<OtpKey>);
  static_assert(!std::is_copy_assignable_v<OtpKey>);
  static_assert(std::is_nothrow_move_constructible_v<OtpKey>);
  static_assert(std::is_nothrow_move_assignable_v<OtpKey>);
  OtpKey a(kRfc4226Secret);
  OtpKey b = std::move(a);
  EXPECT_EQ(b.code(0), "755224");
  EXPECT_EQ(b.hash(), OtpHash::sha1);
  EXPECT_EQ(b.digits(), 6u);
  OtpKey c(std::string(32, 'x'), OtpHash::sha256, 8);
  c = std::move(b);
  EXPECT_EQ(c.code(1), "287082");
  EXPECT_EQ(c.digits(), 6u);
  EXPECT_THROW((void)a.code(0), std::logic_error);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW((void)a.match("755224", 0, 0, 0), std::logic_error);
}

TEST(OtpKey, RefusesWeakSecret) {
  EXPECT_TRUE(throws([] { OtpKey k("1234567890"); }, OtpErrc::invalid_secret,
                     "one-time-code secret must be at least 128 bits, got 80"));
  EXPECT_TRUE(throws([] { OtpKey k(std::string(15, 's')); }, OtpErrc::invalid_secret,
                     "at least 128 bits, got 120"));
  EXPECT_TRUE(throws([] { OtpKey k(""); }, OtpErrc::invalid_secret, "got 0"));
  EXPECT_NO_THROW(OtpKey k(std::string(16, 's')));
  // The message never holds the secret.
  EXPECT_EQ(message_of([] { OtpKey k("SECRETSECRET"); }).find("SECRET"), std::string::npos);
}

TEST(OtpKey, RefusesDigitsOutsideSixToEight) {
  for (const unsigned d : {0u, 1u, 5u, 9u, 10u, 4294967295u}) {
    EXPECT_TRUE(throws([d] { OtpKey k(kRfc4226Secret, OtpHash::sha1, d); },
                       OtpErrc::invalid_parameters, "6, 7 or 8 digits"))
        << d;
  }
  for (const unsigned d : {6u, 7u, 8u}) {
    EXPECT_EQ(OtpKey(kRfc4226Secret, OtpHash::sha1, d).digits(), d);
  }
  EXPECT_TRUE(throws([] { OtpKey k(kRfc4226Secret, static_cast<OtpHash>(7)); },
                     OtpErrc::invalid_parameters, "hash"));
}

TEST(OtpKey, FromBase32) {
  // "12345678901234567890" in base32, in every form base32_decode takes.
  const OtpKey upper = OtpKey::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const OtpKey lower = OtpKey::from_base32("gezdgnbvgy3tqojqgezdgnbvgy3tqojq");
  EXPECT_EQ(upper.code(0), "755224");
  EXPECT_EQ(lower.code(0), "755224");
  const OtpKey k8 = OtpKey::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", OtpHash::sha1, 8);
  EXPECT_EQ(k8.digits(), 8u);
  const OtpKey padded =
      OtpKey::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====", OtpHash::sha256);
  EXPECT_EQ(padded.hash(), OtpHash::sha256);
}

TEST(OtpKey, FromBase32Refusals) {
  for (const char* bad : {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", "GEZDGNBVGY3TQOJQ GEZDGNBVGY3TQOJQ",
                          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ=", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR0",
                          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG", "not base32!"}) {
    EXPECT_TRUE(throws([bad] { (void)OtpKey::from_base32(bad); }, OtpErrc::invalid_secret,
                       "secret is not valid base32"))
        << bad;
    EXPECT_EQ(message_of([bad] { (void)OtpKey::from_base32(bad); }).find(bad), std::string::npos);
  }
  // Valid base32 of 10 bytes: too short.
  EXPECT_TRUE(throws([] { (void)OtpKey::from_base32("GEZDGNBVGY3TQOJQ"); }, OtpErrc::invalid_secret,
                     "at least 128 bits, got 80"));
  EXPECT_TRUE(throws([] { (void)OtpKey::from_base32(""); }, OtpErrc::invalid_secret, "got 0"));
}

TEST(OtpKey, CodesAreZeroPadded) {
  // RFC 4226 counter 2 truncates to 137359152 (Table 2): 8 digits give "37359152".
  const OtpKey key(kRfc4226Secret, OtpHash::sha1, 8);
  EXPECT_EQ(key.code(2), "37359152");
  // Counter 1 at 8 digits is 94287082 (RFC 6238 SHA1 at T = 1).
  EXPECT_EQ(key.code(1), "94287082");
  // RFC 6238 SHA1 at T = 0x23523EC is 07081804: a leading zero.
  EXPECT_EQ(key.code(0x23523EC), "07081804");
}

TEST(OtpKey, CounterExtremes) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_EQ(key.code(kMax), "094451");  // HMAC-SHA1 over ff..ff, computed with Python's hmac
  EXPECT_EQ(key.code(kMax - 1), "488204");
  EXPECT_EQ(key.code(kMax - 2), "851516");
}

// ---------------------------------------------------------------------- match()

// RFC 4226 Appendix D codes for counters 0..9.
const char* const kHotp[] = {"755224", "287082", "359152", "969429", "338314",
                             "254676", "287922", "162583", "399871", "520489"};

TEST(OtpMatch, FindsTheCounterInsideTheWindow) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_EQ(key.match(kHotp[5], 5, 1, 1), 5u);
  EXPECT_EQ(key.match(kHotp[4], 5, 1, 1), 4u);  // lower edge
  EXPECT_EQ(key.match(kHotp[6], 5, 1, 1), 6u);  // upper edge
  EXPECT_EQ(key.match(kHotp[3], 5, 2, 0), 3u);
  EXPECT_EQ(key.match(kHotp[9], 5, 0, 4), 9u);
  EXPECT_EQ(key.match(kHotp[0], 5, 10, 10), 0u);
}

TEST(OtpMatch, RefusesOutsideTheWindow) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_EQ(key.match(kHotp[3], 5, 1, 1), std::nullopt);
  EXPECT_EQ(key.match(kHotp[7], 5, 1, 1), std::nullopt);
  EXPECT_EQ(key.match(kHotp[4], 5, 0, 0), std::nullopt);
  EXPECT_EQ(key.match(kHotp[6], 5, 0, 0), std::nullopt);
  EXPECT_EQ(key.match(kHotp[6], 5, 3, 0), std::nullopt);  // the window is not symmetric
  EXPECT_EQ(key.match(kHotp[4], 5, 0, 3), std::nullopt);
  EXPECT_EQ(key.match("000000", 5, 10, 10), std::nullopt);
  EXPECT_EQ(key.match(kHotp[5], 5, 0, 0), 5u);
}

TEST(OtpMatch, ClampsAtZero) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_EQ(key.match(kHotp[0], 0, 10, 0), 0u);
  EXPECT_EQ(key.match(kHotp[0], 1, 5, 0), 0u);
  EXPECT_EQ(key.match(kHotp[1], 0, 10, 0), std::nullopt);
  EXPECT_EQ(key.match(kHotp[1], 0, 10, 1), 1u);
  // The code of counter 2^64 - 1 must not come back from an underflowing window.
  EXPECT_EQ(key.match("094451", 0, 10, 0), std::nullopt);
}

TEST(OtpMatch, ClampsAtTheTopWithoutOverflow) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_EQ(key.match("094451", kMax, 0, 10), kMax);
  EXPECT_EQ(key.match("488204", kMax, 1, 10), kMax - 1);
  EXPECT_EQ(key.match("094451", kMax - 2, 0, 5), kMax);
  EXPECT_EQ(key.match("851516", kMax - 2, 0, 10), kMax - 2);
  // Counter 0 must not come back from an overflowing window.
  EXPECT_EQ(key.match(kHotp[0], kMax, 10, 10), std::nullopt);
  EXPECT_EQ(key.match(kHotp[0], kMax - 1, 0, 10), std::nullopt);
}

TEST(OtpMatch, SeveralMatchesGiveTheLowestCounter) {
  // Counters 2386 and 2394 share the code 709847 for the RFC 4226 secret (found with
  // Python's hmac by search).
  const OtpKey key(kRfc4226Secret);
  ASSERT_EQ(key.code(2386), "709847");
  ASSERT_EQ(key.code(2394), "709847");
  EXPECT_EQ(key.match("709847", 2390, 4, 4), 2386u);
  EXPECT_EQ(key.match("709847", 2394, 10, 10), 2386u);
  EXPECT_EQ(key.match("709847", 2394, 7, 0), 2394u);
  EXPECT_EQ(key.match("709847", 2386, 0, 0), 2386u);
}

TEST(OtpMatch, RefusesMalformedCodes) {
  const OtpKey key(kRfc4226Secret);
  const std::vector<std::string> bad = {
      "",
      "75522",    // 5 digits
      "7552240",  // 7 digits for a 6-digit key
      "75522a",
      "abcdef",
      "75522 ",
      " 75522",
      "755 224",
      "755224\n",
      "-75522",
      "+75522",
      "7552.4",
      std::string("75522\0", 6),
      "\xd9\xa7\xd9\xa5\xd9\xa5\xd9\xa2\xd9\xa2\xd9\xa4",  // Arabic-Indic 755224
      "\xef\xbc\x97\xef\xbc\x95\xef\xbc\x95\xef\xbc\x92\xef\xbc\x92\xef\xbc\x94",  // fullwidth
      "\xd9\xa7\xd9\xa5\xd9\xa5",  // 3 Arabic-Indic digits: 6 bytes
      "\xc2\xb2\xc2\xb2\xc2\xb2",  // superscript twos: 6 bytes
  };
  for (const std::string& code : bad) {
    EXPECT_TRUE(throws([&] { (void)key.match(code, 0, 1, 1); }, OtpErrc::invalid_code,
                       "code must be 6 digits"))
        << hex(code);
    // The code itself is not echoed.
    if (code.size() > 1) {
      EXPECT_EQ(message_of([&] { (void)key.match(code, 0, 1, 1); }).find(code), std::string::npos);
    }
  }
  const OtpKey key8(kRfc4226Secret, OtpHash::sha1, 8);
  EXPECT_TRUE(throws([&] { (void)key8.match("755224", 0, 1, 1); }, OtpErrc::invalid_code,
                     "code must be 8 digits"));
  EXPECT_EQ(key8.match("84755224", 0, 1, 1), 0u);
}

TEST(OtpMatch, RefusesWindowsOverTen) {
  const OtpKey key(kRfc4226Secret);
  EXPECT_TRUE(throws([&] { (void)key.match(kHotp[0], 20, 11, 0); }, OtpErrc::invalid_parameters));
  EXPECT_TRUE(throws([&] { (void)key.match(kHotp[0], 20, 0, 11); }, OtpErrc::invalid_parameters));
  EXPECT_TRUE(
      throws([&] { (void)key.match(kHotp[0], 20, 4294967295u, 0); }, OtpErrc::invalid_parameters));
  EXPECT_NO_THROW((void)key.match(kHotp[0], 20, 10, 10));
}

TEST(OtpMatch, ConstMethodsAreThreadSafe) {
  const OtpKey key(kRfc4226Secret);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&key, &failures, t] {
      for (int i = 0; i < 500; ++i) {
        const auto c = static_cast<std::uint64_t>(i % 10);
        if (key.code(c) != kHotp[c] || key.match(kHotp[c], c, 1, 1) != c) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int f : failures) EXPECT_EQ(f, 0);
}

// ---------------------------------------------------------------------- totp_counter

TEST(TotpCounter, Floors) {
  EXPECT_EQ(pyauth::totp_counter(0, 30), 0u);
  EXPECT_EQ(pyauth::totp_counter(29.999, 30), 0u);
  EXPECT_EQ(pyauth::totp_counter(30, 30), 1u);
  EXPECT_EQ(pyauth::totp_counter(59, 30), 1u);
  EXPECT_EQ(pyauth::totp_counter(59.999999, 30), 1u);
  EXPECT_EQ(pyauth::totp_counter(60, 30), 2u);
  EXPECT_EQ(pyauth::totp_counter(1111111109, 30), 0x23523ECu);
  EXPECT_EQ(pyauth::totp_counter(1111111111.5, 30), 0x23523EDu);
  EXPECT_EQ(pyauth::totp_counter(20000000000.0, 30), 0x27BC86AAu);
  EXPECT_EQ(pyauth::totp_counter(119, 60), 1u);
  EXPECT_EQ(pyauth::totp_counter(1e9, 1), 1000000000u);
  EXPECT_EQ(pyauth::totp_counter(1e9, 4294967295u), 0u);
}

TEST(TotpCounter, T0) {
  EXPECT_EQ(pyauth::totp_counter(59, 30, 30), 0u);
  EXPECT_EQ(pyauth::totp_counter(60, 30, 30), 1u);
  EXPECT_EQ(pyauth::totp_counter(30, 30, 30), 0u);
  EXPECT_EQ(pyauth::totp_counter(0, 30, -60), 2u);
  EXPECT_EQ(pyauth::totp_counter(-31, 30, -61), 1u);
  EXPECT_EQ(pyauth::totp_counter(0, 1, std::numeric_limits<std::int64_t>::min()),
            9223372036854775808ull);
  // The largest double below 2^63, exact.
  EXPECT_EQ(pyauth::totp_counter(9223372036854774784.0, 1), 9223372036854774784ull);
}

TEST(TotpCounter, Refusals) {
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(59, 0); }, OtpErrc::invalid_parameters,
                     "period must be positive"));
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(-1, 30); }, OtpErrc::invalid_parameters,
                     "before the TOTP epoch"));
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(-0.5, 30); }, OtpErrc::invalid_parameters));
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(29, 30, 30); }, OtpErrc::invalid_parameters));
  EXPECT_TRUE(
      throws([] { (void)pyauth::totp_counter(29.999, 30, 30); }, OtpErrc::invalid_parameters));
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(-1e300, 30); }, OtpErrc::invalid_parameters));
  for (const double t :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    EXPECT_TRUE(throws([t] { (void)pyauth::totp_counter(t, 30); }, OtpErrc::invalid_parameters,
                       "not a finite number"));
  }
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(9223372036854775808.0, 30); },
                     OtpErrc::invalid_parameters, "out of range"));
  EXPECT_TRUE(throws([] { (void)pyauth::totp_counter(1e300, 30); }, OtpErrc::invalid_parameters));
}

// ---------------------------------------------------------------------- randomness

TEST(RandomSecret, DefaultIs160Bits) {
  const std::string s = pyauth::random_base32_secret();
  EXPECT_EQ(s.size(), 32u);
  EXPECT_EQ(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  std::string raw;
  ASSERT_TRUE(pyauth::base32_decode(s, raw));
  EXPECT_EQ(raw.size(), 20u);
  EXPECT_NE(pyauth::random_base32_secret(), s);  // 2^-160 to flake
  EXPECT_EQ(OtpKey::from_base32(s).code(0).size(), 6u);
}

TEST(RandomSecret, Sizes) {
  for (const std::size_t n : {16u, 17u, 21u, 32u, 64u, 1024u}) {
    std::string raw;
    ASSERT_TRUE(pyauth::base32_decode(pyauth::random_base32_secret(n), raw)) << n;
    EXPECT_EQ(raw.size(), n);
  }
  for (const std::size_t n : {0u, 1u, 10u, 15u, 1025u}) {
    EXPECT_TRUE(throws([n] { (void)pyauth::random_base32_secret(n); }, OtpErrc::invalid_parameters))
        << n;
  }
  EXPECT_TRUE(
      throws([] { (void)pyauth::random_base32_secret(std::numeric_limits<std::size_t>::max()); },
             OtpErrc::invalid_parameters));
}

TEST(RandomCode, LengthAndDigits) {
  for (unsigned d = 1; d <= 10; ++d) {
    for (int i = 0; i < 20; ++i) {
      const std::string c = pyauth::random_numeric_code(d);
      EXPECT_EQ(c.size(), d);
      EXPECT_EQ(c.find_first_not_of("0123456789"), std::string::npos) << c;
    }
  }
  EXPECT_EQ(pyauth::random_numeric_code().size(), 6u);
  for (const unsigned d : {0u, 11u, 20u, 4294967295u}) {
    EXPECT_TRUE(throws([d] { (void)pyauth::random_numeric_code(d); }, OtpErrc::invalid_parameters))
        << d;
  }
}

TEST(RandomCode, NotConstant) {
  // Each check fails by chance with probability below 1e-40.
  std::set<std::string> six;
  for (int i = 0; i < 64; ++i) six.insert(pyauth::random_numeric_code(6));
  EXPECT_GE(six.size(), 2u);

  std::set<char> single;
  for (int i = 0; i < 1000; ++i) single.insert(pyauth::random_numeric_code(1)[0]);
  EXPECT_EQ(single.size(), 10u);  // every digit turns up

  // Ten digits are drawn in two halves: every position, the high ones included, varies.
  std::vector<std::set<char>> positions(10);
  for (int i = 0; i < 200; ++i) {
    const std::string c = pyauth::random_numeric_code(10);
    for (std::size_t p = 0; p < 10; ++p) positions[p].insert(c[p]);
  }
  for (std::size_t p = 0; p < 10; ++p) EXPECT_GE(positions[p].size(), 5u) << p;
}

// ---------------------------------------------------------------------- otpauth URIs

OtpAuthUri uri_from(simdjson::dom::element v) {
  OtpAuthUri u;
  u.type = str(v["type"]);
  u.secret = str(v["secret"]);
  u.account = str(v["account"]);
  u.issuer = str(v["issuer"]);
  u.label = u.issuer.empty() ? u.account : u.issuer + ":" + u.account;
  u.hash = hash_named(str(v["algorithm"]));
  u.digits = static_cast<unsigned>(std::uint64_t(v["digits"]));
  u.period = static_cast<std::uint32_t>(std::uint64_t(v["period"]));
  u.counter = v["counter"];
  return u;
}

void expect_same(const OtpAuthUri& got, const OtpAuthUri& want) {
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.label, want.label);
  EXPECT_EQ(got.account, want.account);
  EXPECT_EQ(got.issuer, want.issuer);
  EXPECT_EQ(got.secret, want.secret);
  EXPECT_EQ(got.hash, want.hash);
  EXPECT_EQ(got.digits, want.digits);
  if (want.type == "totp") {
    EXPECT_EQ(got.period, want.period);
  } else {
    EXPECT_EQ(got.counter, want.counter);
  }
}

TEST(OtpAuthUri, MatchesPyotp) {
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.load(vectors_path("otpauth-uris.json"));
  std::size_t n = 0;
  for (const simdjson::dom::element v : doc["vectors"].get_array()) {
    const std::string expected = str(v["uri"]);
    SCOPED_TRACE(expected);
    const OtpAuthUri u = uri_from(v);
    EXPECT_EQ(pyauth::provisioning_uri(u), expected);
    expect_same(pyauth::parse_otpauth_uri(expected), u);
    ++n;
  }
  EXPECT_EQ(n, 11u);
}

const std::string kS = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

OtpAuthUri parse(const std::string& uri) { return pyauth::parse_otpauth_uri(uri); }

TEST(OtpAuthUri, RoundTripsOddNames) {
  for (const std::string& name :
       {std::string("a/b"), std::string("100% sure"), std::string("x+y=z&w"),
        std::string("\xe6\x97\xa5\xe6\x9c\xac"), std::string("quote\"s'and`ticks"),
        std::string("  leading spaces"), std::string("tilde~dot.under_dash-")}) {
    for (const std::string issuer : {"", "Issuer / Inc + 100%"}) {
      OtpAuthUri u;
      u.type = "totp";
      u.secret = kS;
      u.account = name;
      u.issuer = issuer;
      const std::string text = pyauth::provisioning_uri(u);
      SCOPED_TRACE(text);
      const OtpAuthUri back = parse(text);
      // The Key Uri Format lets spaces follow "Issuer:", so they do not survive there.
      if (issuer.empty() || name[0] != ' ') {
        EXPECT_EQ(back.account, name);
      } else {
        EXPECT_EQ(back.account, name.substr(name.find_first_not_of(' ')));
      }
      EXPECT_EQ(back.issuer, issuer);
    }
  }
}

TEST(OtpAuthUri, EscapesEverythingButUnreserved) {
  OtpAuthUri u;
  u.type = "totp";
  u.secret = kS;
  u.account = "a/b c+d";
  u.issuer = "I&J";
  // pyotp would leave the '/' of the label bare (urllib's quote keeps '/'); we do not.
  EXPECT_EQ(pyauth::provisioning_uri(u),
            "otpauth://totp/I%26J:a%2Fb%20c%2Bd?secret=" + kS + "&issuer=I%26J");
}

TEST(OtpAuthUri, ParsesWhatOthersWrite) {
  // Mixed-case scheme and type, a bare '/' in the label (pyotp), %3A as the separator,
  // spaces after it, '+' for a space in the query, lowercase padded secret, unknown and
  // empty parameters.
  OtpAuthUri u = parse(
      "OTPAUTH://TOTP/Ex%20Co%3A%20%20al/"
      "ice?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojqgeza%3D%3D%3D%3D"
      "&&issuer=Ex+Co&image=https%3A%2F%2Fexample.com%2Flogo.png&foo=bar&algorithm=sha256&");
  EXPECT_EQ(u.type, "totp");
  EXPECT_EQ(u.label, "Ex Co:  al/ice");
  EXPECT_EQ(u.account, "al/ice");
  EXPECT_EQ(u.issuer, "Ex Co");
  EXPECT_EQ(u.secret, "gezdgnbvgy3tqojqgezdgnbvgy3tqojqgeza====");
  EXPECT_EQ(u.hash, OtpHash::sha256);
  EXPECT_EQ(u.digits, 6u);
  EXPECT_EQ(u.period, 30u);

  // Issuer only as a parameter, or only in the label.
  u = parse("otpauth://totp/alice?secret=" + kS + "&issuer=Example");
  EXPECT_EQ(u.issuer, "Example");
  EXPECT_EQ(u.account, "alice");
  EXPECT_EQ(u.label, "alice");
  u = parse("otpauth://totp/Example:alice?secret=" + kS);
  EXPECT_EQ(u.issuer, "Example");
  EXPECT_EQ(u.account, "alice");

  // Only the first ':' splits the label.
  u = parse("otpauth://totp/Example:alice:work?secret=" + kS);
  EXPECT_EQ(u.account, "alice:work");

  // HOTP without a counter starts at 0; the other type's parameter is ignored.
  u = parse("otpauth://hotp/alice?secret=" + kS + "&period=0");
  EXPECT_EQ(u.type, "hotp");
  EXPECT_EQ(u.counter, 0u);
  u = parse("otpauth://totp/alice?secret=" + kS + "&counter=x&period=45&digits=08");
  EXPECT_EQ(u.period, 45u);
  EXPECT_EQ(u.digits, 8u);
  u = parse("otpauth://hotp/alice?counter=18446744073709551615&secret=" + kS);
  EXPECT_EQ(u.counter, kMax);

  // Exactly 2048 characters is allowed.
  std::string max_len = "otpauth://totp/alice?secret=" + kS + "&image=";
  max_len.append(2048 - max_len.size(), 'x');
  EXPECT_EQ(parse(max_len).account, "alice");
}

TEST(OtpAuthUri, Refusals) {
  const std::string q = "?secret=" + kS;
  const std::vector<std::pair<std::string, std::string>> cases = {
      // scheme, type, structure
      {"", "scheme must be otpauth"},
      {"https://totp/alice" + q, "scheme must be otpauth"},
      {"otpauth:/totp/alice" + q, "scheme must be otpauth"},
      {"otpauthx://totp/alice" + q, "scheme must be otpauth"},
      {"otpauth://motp/alice" + q, "type must be totp or hotp"},
      {"otpauth:///alice" + q, "type must be totp or hotp"},
      {"otpauth://totp" + q, "no label"},
      {"otpauth://totp?x=/alice&secret=" + kS, "no label"},
      {"otpauth://totp/alice", "no parameters"},
      {"otpauth://totp/alice" + q + "#frag", "fragment"},
      {"otpauth://totp/" + q, "empty label"},
      {"otpauth://totp/Example:" + q, "no account name"},
      {"otpauth://totp/Example:%20%20" + q, "no account name"},
      {"otpauth://totp/:alice" + q, "empty issuer"},
      // label escapes and characters
      {"otpauth://totp/ali%" + q, "malformed percent-escape in the label"},
      {"otpauth://totp/ali%4" + q, "malformed percent-escape in the label"},
      {"otpauth://totp/ali%G1ce" + q, "malformed percent-escape in the label"},
      {"otpauth://totp/ali%%41" + q, "malformed percent-escape in the label"},
      {"otpauth://totp/ali%00ce" + q, "control characters or invalid UTF-8"},
      {"otpauth://totp/ali%0Ace" + q, "control characters or invalid UTF-8"},
      {"otpauth://totp/ali%7Fce" + q, "control characters or invalid UTF-8"},
      {"otpauth://totp/ali%C3ce" + q, "control characters or invalid UTF-8"},
      {"otpauth://totp/ali%FFce" + q, "control characters or invalid UTF-8"},
      {"otpauth://totp/ali%C0%AFce" + q, "control characters or invalid UTF-8"},  // overlong '/'
      {"otpauth://totp/ali\tce" + q, "contains control characters"},
      {std::string("otpauth://totp/ali\0ce", 21) + q, "contains control characters"},
      {"otpauth://totp/alice" + q + "\n", "contains control characters"},
      // secret
      {"otpauth://totp/alice?issuer=Example", "no secret"},
      {"otpauth://totp/alice?secret", "\"secret\" has no value"},
      {"otpauth://totp/alice?secret=", "at least 128 bits, got 0"},
      {"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP", "at least 128 bits, got 80"},
      {"otpauth://totp/alice?secret=JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP", "not valid base32"},
      {"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP+JBSWY3DPEHPK3PXP", "not valid base32"},
      {"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ%3D", "not valid base32"},
      {"otpauth://totp/alice?secret=%ZZ",
       "malformed percent-escape in the value of the parameter \"secret\""},
      // duplicates
      {"otpauth://totp/alice" + q + "&secret=" + kS, "\"secret\" appears more than once"},
      {"otpauth://totp/alice" + q + "&s%65cret=" + kS, "\"secret\" appears more than once"},
      {"otpauth://totp/alice" + q + "&issuer=A&issuer=A", "\"issuer\" appears more than once"},
      {"otpauth://totp/alice" + q + "&digits=6&digits=6", "\"digits\" appears more than once"},
      {"otpauth://totp/alice" + q + "&period=30&period=30", "\"period\" appears more than once"},
      {"otpauth://hotp/alice" + q + "&counter=1&counter=1", "\"counter\" appears more than once"},
      {"otpauth://totp/alice" + q + "&algorithm=SHA1&algorithm=SHA1", "appears more than once"},
      // issuer
      {"otpauth://totp/A:alice" + q + "&issuer=B", "issuer parameter differs"},
      {"otpauth://totp/Example:alice" + q + "&issuer=example", "issuer parameter differs"},
      {"otpauth://totp/Example:alice" + q + "&issuer=", "issuer parameter differs"},
      {"otpauth://totp/alice" + q + "&issuer=%0A", "control characters"},
      // algorithm, digits, period, counter
      {"otpauth://totp/alice" + q + "&algorithm=MD5", "SHA1, SHA256 or SHA512"},
      {"otpauth://totp/alice" + q + "&algorithm=SHA-1", "SHA1, SHA256 or SHA512"},
      {"otpauth://totp/alice" + q + "&algorithm=", "SHA1, SHA256 or SHA512"},
      {"otpauth://totp/alice" + q + "&digits=5", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=9", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=0", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=six", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=+6", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=-6", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=6%20", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&digits=4294967302", "digits must be 6, 7 or 8"},
      {"otpauth://totp/alice" + q + "&period=0", "period must be"},
      {"otpauth://totp/alice" + q + "&period=3601", "period must be"},
      {"otpauth://totp/alice" + q + "&period=-30", "period must be"},
      {"otpauth://totp/alice" + q + "&period=30s", "period must be"},
      {"otpauth://totp/alice" + q + "&period=4294967326", "period must be"},
      {"otpauth://totp/alice" + q + "&period=99999999999999999999999", "period must be"},
      {"otpauth://hotp/alice" + q + "&counter=-1", "counter must be"},
      {"otpauth://hotp/alice" + q + "&counter=18446744073709551616", "counter must be"},
      {"otpauth://hotp/alice" + q + "&counter=1e3", "counter must be"},
      {"otpauth://hotp/alice" + q + "&counter=", "counter must be"},
      // size
      {"otpauth://totp/alice" + q + "&image=" + std::string(2048, 'x'), "longer than 2048"},
  };
  for (const auto& [uri, message] : cases) {
    EXPECT_TRUE(throws([&] { (void)parse(uri); }, OtpErrc::invalid_uri, message)) << uri;
  }
  // One character over the cap.
  std::string over = "otpauth://totp/alice" + q + "&image=";
  over.append(2049 - over.size(), 'x');
  EXPECT_TRUE(throws([&] { (void)parse(over); }, OtpErrc::invalid_uri, "longer than 2048"));
  // A bad secret is not echoed.
  const std::string bad_secret = "JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP";
  EXPECT_EQ(
      message_of([&] { (void)parse("otpauth://totp/a?secret=" + bad_secret); }).find(bad_secret),
      std::string::npos);
}

TEST(OtpAuthUri, ProvisioningRefusals) {
  const auto base = [] {
    OtpAuthUri u;
    u.type = "totp";
    u.secret = kS;
    u.account = "alice";
    u.issuer = "Example";
    return u;
  };
  EXPECT_NO_THROW((void)pyauth::provisioning_uri(base()));
  struct Case {
    void (*edit)(OtpAuthUri&);
    OtpErrc code;
    const char* message;
  };
  const Case cases[] = {
      {[](OtpAuthUri& u) { u.type = "motp"; }, OtpErrc::invalid_parameters, "\"totp\" or \"hotp\""},
      {[](OtpAuthUri& u) { u.type = "TOTP"; }, OtpErrc::invalid_parameters, "\"totp\" or \"hotp\""},
      {[](OtpAuthUri& u) { u.type = ""; }, OtpErrc::invalid_parameters, "\"totp\" or \"hotp\""},
      {[](OtpAuthUri& u) { u.account = ""; }, OtpErrc::invalid_parameters,
       "account name is required"},
      // Found by the otpauth fuzz target: "Example:%20%20" parses as no account at all.
      {[](OtpAuthUri& u) { u.account = "  "; }, OtpErrc::invalid_parameters,
       "account name is required"},
      {[](OtpAuthUri& u) { u.account = "a:b"; }, OtpErrc::invalid_parameters, "may contain ':'"},
      {[](OtpAuthUri& u) { u.issuer = "Ex:ample"; }, OtpErrc::invalid_parameters,
       "may contain ':'"},
      {[](OtpAuthUri& u) { u.account = "a\nb"; }, OtpErrc::invalid_parameters,
       "control characters"},
      {[](OtpAuthUri& u) { u.account = std::string("a\0b", 3); }, OtpErrc::invalid_parameters,
       "control characters"},
      {[](OtpAuthUri& u) { u.issuer = std::string(1, static_cast<char>(0xff)); },
       OtpErrc::invalid_parameters, "UTF-8"},
      {[](OtpAuthUri& u) { u.secret = "JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP"; },
       OtpErrc::invalid_secret, "not valid base32"},
      {[](OtpAuthUri& u) { u.secret = "JBSWY3DPEHPK3PXP"; }, OtpErrc::invalid_secret,
       "at least 128 bits, got 80"},
      {[](OtpAuthUri& u) { u.secret = ""; }, OtpErrc::invalid_secret, "got 0"},
      {[](OtpAuthUri& u) { u.digits = 5; }, OtpErrc::invalid_parameters, "6, 7 or 8 digits"},
      {[](OtpAuthUri& u) { u.digits = 9; }, OtpErrc::invalid_parameters, "6, 7 or 8 digits"},
      {[](OtpAuthUri& u) { u.period = 0; }, OtpErrc::invalid_parameters, "period"},
      {[](OtpAuthUri& u) { u.period = 3601; }, OtpErrc::invalid_parameters, "period"},
      {[](OtpAuthUri& u) { u.hash = static_cast<OtpHash>(7); }, OtpErrc::invalid_parameters,
       "hash"},
      {[](OtpAuthUri& u) { u.account = std::string(3000, 'a'); }, OtpErrc::invalid_parameters,
       "longer than 2048"},
  };
  for (const Case& c : cases) {
    OtpAuthUri u = base();
    c.edit(u);
    EXPECT_TRUE(throws([&] { (void)pyauth::provisioning_uri(u); }, c.code, c.message)) << c.message;
  }
  // The period means nothing to HOTP.
  OtpAuthUri h = base();
  h.type = "hotp";
  h.period = 0;
  h.counter = 7;
  EXPECT_EQ(pyauth::provisioning_uri(h),
            "otpauth://hotp/Example:alice?secret=" + kS + "&issuer=Example&counter=7");
}

}  // namespace
