// Error codes of the pyauth core, one enum per domain, each with its std::error_category.
// The API edge throws pyauth::Error (a std::system_error); the Python binding maps
// (category, value) to the classes of pyauth/exceptions.py in one translator.
#pragma once

#include <string>
#include <system_error>

namespace pyauth {

// Failures of a token (JWS / JWT) presented for verification or decoding.
enum class TokenErrc {
  malformed = 1,          // not three base64url segments, bad JSON, non-object, duplicate member...
  too_large,              // over the decoder's size cap
  bad_signature,          // signature does not verify
  algorithm_not_allowed,  // alg "none", or outside the caller's allow-list
  unsupported_crit,       // a "crit" header parameter we do not understand
  no_matching_key,        // no key in the set for this alg / kid
  expired,                // exp (with leeway) is past
  not_yet_valid,          // nbf or iat (with leeway) is in the future
  invalid_iat,            // iat is not a number
  bad_audience,           // aud does not match, or is present when none was expected
  bad_issuer,             // iss does not match
  missing_claim,          // a required claim is absent (Error::detail() names it)
  bad_token_type,         // the token-type claim is absent or not the expected one
  bad_subject,            // sub is present but not a string
  bad_jti,                // jti is present but not a string
};

// Failures of key material or of the way a key is used.
enum class KeyErrc {
  invalid_key = 1,        // unparsable PEM / JWK / secret, wrong key type for the algorithm
  weak_key,               // HMAC secret shorter than the hash output, RSA under 2048 bits
  unsupported_algorithm,  // an algorithm name pyauth does not implement
  not_private,            // signing with a public key
};

// Failures of password hashing.
enum class PasswordErrc {
  invalid_hash = 1,    // encoded hash string malformed, unsupported or out of bounds
  invalid_password,    // password too long
  invalid_parameters,  // cost parameters out of bounds
  internal,            // the library failed (out of memory)
};

// Failures of one-time codes.
enum class OtpErrc {
  invalid_secret = 1,  // not base32, or shorter than 128 bits
  invalid_code,        // not a string of the configured number of ASCII digits
  invalid_parameters,  // digits / period / algorithm out of range
  invalid_uri,         // otpauth:// URI malformed
};

// Failures of sealed (encrypted at rest) data, see seal.hpp.
enum class SealErrc {
  malformed = 1,  // not a sealed blob of a version pyauth reads (too short, unknown version)
  unauthentic,    // the tag does not verify: another secret, other associated data, or tampered
  invalid_input,  // a sealing key or context of the wrong size
};

const std::error_category& token_category() noexcept;
const std::error_category& key_category() noexcept;
const std::error_category& password_category() noexcept;
const std::error_category& otp_category() noexcept;
const std::error_category& seal_category() noexcept;

std::error_code make_error_code(TokenErrc e) noexcept;
std::error_code make_error_code(KeyErrc e) noexcept;
std::error_code make_error_code(PasswordErrc e) noexcept;
std::error_code make_error_code(OtpErrc e) noexcept;
std::error_code make_error_code(SealErrc e) noexcept;

// The one exception type thrown at the core's API edge. what() is a message fit for a
// developer (never containing secret material); detail() carries a machine-readable
// extra, e.g. the name of a missing claim.
class Error : public std::system_error {
 public:
  Error(std::error_code code, std::string message, std::string detail = {})
      : std::system_error(code), message_(std::move(message)), detail_(std::move(detail)) {}
  // The message alone (std::system_error would append the category's text).
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string message_;
  std::string detail_;
};

[[noreturn]] inline void fail(TokenErrc e, const std::string& message, std::string detail = {}) {
  throw Error(make_error_code(e), message, std::move(detail));
}
[[noreturn]] inline void fail(KeyErrc e, const std::string& message) {
  throw Error(make_error_code(e), message);
}
[[noreturn]] inline void fail(PasswordErrc e, const std::string& message) {
  throw Error(make_error_code(e), message);
}
[[noreturn]] inline void fail(OtpErrc e, const std::string& message) {
  throw Error(make_error_code(e), message);
}
[[noreturn]] inline void fail(SealErrc e, const std::string& message) {
  throw Error(make_error_code(e), message);
}

}  // namespace pyauth

template <>
struct std::is_error_code_enum<pyauth::TokenErrc> : std::true_type {};
template <>
struct std::is_error_code_enum<pyauth::KeyErrc> : std::true_type {};
template <>
struct std::is_error_code_enum<pyauth::PasswordErrc> : std::true_type {};
template <>
struct std::is_error_code_enum<pyauth::OtpErrc> : std::true_type {};
template <>
struct std::is_error_code_enum<pyauth::SealErrc> : std::true_type {};
