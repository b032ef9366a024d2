// HOTP (RFC 4226) and TOTP (RFC 6238) one-time codes, random secrets and codes from
// libsodium's CSPRNG, and otpauth:// provisioning URIs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pyauth/secure.hpp"

namespace pyauth {

enum class OtpHash { sha1, sha256, sha512 };

std::optional<OtpHash> otp_hash_from_name(std::string_view name) noexcept;  // "SHA1", "sha256"...
std::string_view otp_hash_name(OtpHash h) noexcept;                          // "SHA1"...

inline constexpr std::size_t kOtpMinSecretBytes = 16;   // RFC 4226 R6: at least 128 bits
inline constexpr std::size_t kOtpRandomSecretBytes = 20;  // RFC 4226 recommends 160 bits

// A shared secret with its hash and digit count. The secret is wiped on destruction.
// The HMAC context is keyed once, at construction, and copied for each code, so the
// methods are const and safe to call from several threads at once. Movable, not
// copyable; a moved-from key may only be destroyed or assigned to.
class OtpKey {
 public:
  // Throws OtpErrc::invalid_secret (under 128 bits) / invalid_parameters (digits not 6..8).
  OtpKey(std::string_view secret, OtpHash hash = OtpHash::sha1, unsigned digits = 6);
  // Throws OtpErrc::invalid_secret for text that is not base32 (as base32_decode takes it).
  static OtpKey from_base32(std::string_view secret_b32, OtpHash hash = OtpHash::sha1,
                            unsigned digits = 6);

  OtpKey(OtpKey&&) noexcept;
  OtpKey& operator=(OtpKey&&) noexcept;
  OtpKey(const OtpKey&) = delete;
  OtpKey& operator=(const OtpKey&) = delete;
  ~OtpKey();

  OtpHash hash() const noexcept { return hash_; }
  unsigned digits() const noexcept { return digits_; }

  // The code for a counter, zero-padded to digits().
  std::string code(std::uint64_t counter) const;

  // Checks `code` against the counters center-before .. center+after (clamped at 0),
  // comparing every candidate in constant time without stopping at a match. Returns the
  // matching counter. A code that is not exactly digits() ASCII digits throws
  // OtpErrc::invalid_code. before/after are capped at 10 (invalid_parameters).
  std::optional<std::uint64_t> match(std::string_view code, std::uint64_t center,
                                     unsigned before, unsigned after) const;

 private:
  struct Mac;  // the keyed OpenSSL HMAC context (otp.cpp)

  SecretBytes secret_;
  OtpHash hash_;
  unsigned digits_;
  std::unique_ptr<Mac> mac_;
};

// floor((unix_time - t0) / period), exact; throws invalid_parameters for period 0, a
// time before t0, or a time that is not finite or not below 2^63.
std::uint64_t totp_counter(double unix_time, std::uint32_t period, std::int64_t t0 = 0);

// Base32 (no padding) of `bytes` random bytes; 20 bytes (160 bits) by default. Throws
// invalid_parameters outside 16..1024 bytes.
std::string random_base32_secret(std::size_t bytes = kOtpRandomSecretBytes);
// A uniformly random code of `digits` decimal digits (1..10, else invalid_parameters),
// zero-padded.
std::string random_numeric_code(unsigned digits = 6);

struct OtpAuthUri {
  std::string type;    // "totp" or "hotp"
  std::string label;   // decoded: "Issuer:account" or "account"
  std::string account; // the part after "Issuer:" (or the whole label)
  std::string issuer;  // issuer parameter, else the label prefix, else empty
  std::string secret;  // base32 as given (validated)
  OtpHash hash = OtpHash::sha1;
  unsigned digits = 6;
  std::uint32_t period = 30;   // totp
  std::uint64_t counter = 0;   // hotp
};

// otpauth://TYPE/ISSUER:ACCOUNT?secret=...&issuer=...[&counter=..][&algorithm=..][&digits=..][&period=..]
// Percent-encoded as Google Authenticator's Key Uri Format asks (all but RFC 3986
// unreserved characters, so a space is %20); parameters in pyotp 2.9's order, those at
// their defaults left out (counter is always there for hotp). Built from type, issuer,
// account, secret, hash, digits, period / counter; `label` is not read. Throws
// invalid_parameters (type, empty account -- or only spaces after an issuer, which
// readers skip --, ':' or control characters in issuer or account, digits, period outside
// 1..3600, over 2048 characters) or invalid_secret.
std::string provisioning_uri(const OtpAuthUri& uri);
// Throws OtpErrc::invalid_uri with a message naming what is wrong: over 2048 characters,
// a scheme other than otpauth, a type other than totp / hotp, a malformed percent-escape,
// control characters or invalid UTF-8, an empty account, a missing, non-base32 or short
// secret, an issuer parameter differing from the label's, a duplicated parameter, an
// algorithm / digits / period (1..3600) / counter out of range. Unknown parameters are
// ignored; a missing hotp counter is 0.
OtpAuthUri parse_otpauth_uri(std::string_view uri);

}  // namespace pyauth
