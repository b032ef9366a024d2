// JWS compact serialization and JWT claim validation (RFC 7515, 7519, 8725).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pyauth/keys.hpp"

namespace pyauth {

inline constexpr std::size_t kDefaultMaxTokenSize = 8192;

// Signs and serialises: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(sig).
// `header_json` must be a JSON object whose "alg" is the key's algorithm and `payload_json`
// a JSON object (a JWT claims set); both are used byte for byte as given.
// Throws KeyErrc::invalid_key on a header that does not name the key's algorithm,
// TokenErrc::malformed on JSON that is not an object, has duplicate member names or nests
// deeper than 32 levels (what the decoder would refuse).
std::string sign_compact(std::string_view header_json, std::string_view payload_json,
                         const Key& key);

struct VerifyOptions {
  std::vector<Algorithm> algorithms;  // the allow-list; empty allows nothing
  double now = -1;                    // seconds since the epoch; < 0 means the clock
  double leeway = 0;                  // seconds granted to exp, nbf and iat
  bool verify_exp = true;
  bool verify_nbf = true;
  bool verify_iat = true;
  bool verify_aud = true;
  bool verify_iss = true;
  bool verify_sub = true;  // sub, when present, must be a string (RFC 7519 §4.1.2)
  bool verify_jti = true;  // jti, when present, must be a string (RFC 7519 §4.1.7)
  // Accepted audiences: the token's aud (a string or an array of strings) must contain one.
  // Empty: a token that carries a non-empty aud is refused (nobody asked for it).
  std::vector<std::string> audience;
  // Accepted issuers; empty: iss not checked.
  std::vector<std::string> issuer;
  std::vector<std::string> required;  // claims that must be present
  // When type_claim is set the claim must exist and equal expected_type (string compare).
  std::string type_claim;
  std::string expected_type;
  // "crit" header parameters the caller understands; any other one refuses the token.
  std::vector<std::string> understood_crit;
};

// A decoded token; the views point into the decoder and live until its next call.
struct DecodedToken {
  simdjson::dom::object header;
  simdjson::dom::object claims;
  Algorithm alg{};
  std::string_view kid;  // empty when absent
  bool has_kid = false;
};

// Parses, verifies and validates tokens, reusing its buffers and JSON parsers between
// calls. Not thread-safe: use one per thread.
class TokenDecoder {
 public:
  explicit TokenDecoder(std::size_t max_token_size = kDefaultMaxTokenSize);
  // Movable (a moved decoder forgets its last token: the views pointed into the old
  // object's parsers); not copyable.
  TokenDecoder(TokenDecoder&& other) noexcept;
  TokenDecoder& operator=(TokenDecoder&& other) noexcept;
  TokenDecoder(const TokenDecoder&) = delete;
  TokenDecoder& operator=(const TokenDecoder&) = delete;
  ~TokenDecoder() = default;

  // Everything RFC 8725 asks: strict base64url, JSON objects without duplicate members
  // (at any depth), alg in the allow-list and owned by the key that verifies, crit
  // understood, signature, then the registered claims per `options`.
  const DecodedToken& decode(std::string_view token, const KeySet& keys,
                             const VerifyOptions& options);

  // The same parsing and structural refusals, without signature or claim checks.
  const DecodedToken& decode_unverified(std::string_view token);

  std::size_t max_token_size() const noexcept { return max_token_size_; }

 private:
  // Steps shared by decode and decode_unverified (size, segments, base64url, JSON, header;
  // `options` null: no allow-list); returns the signing input, the signature decoded into
  // signature_buf_.
  std::string_view decode_structure(std::string_view token, const VerifyOptions* options);

  std::size_t max_token_size_;
  std::string header_buf_, payload_buf_, signature_buf_;
  simdjson::dom::parser header_parser_, payload_parser_;
  DecodedToken out_;
  // The header segment whose checked parse header_parser_ holds: tokens from one issuer
  // share their header, so it is decoded and parsed only when it changes.
  std::string last_header_;
  simdjson::dom::object last_header_object_;
  bool last_header_valid_ = false;
};

// Validates the registered claims of an already verified claims set (used by decode;
// public for tests and for callers that verify by other means). Throws
// std::invalid_argument when options.leeway is not finite.
void validate_claims(const simdjson::dom::object& claims, const VerifyOptions& options);

}  // namespace pyauth
