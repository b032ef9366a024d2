// The token parser and verifier on arbitrary text (the seeds are tokens signed by the fixed
// keys, so the fuzzer mutates real ones). Properties:
// - decode and decode_unverified only ever throw pyauth::Error of the token domain;
// - a token decode accepts passes decode_unverified too (the verifier is never looser than
//   the parser), and the parser's verdict does not depend on what it decoded before;
// - a token accepted with a deterministic algorithm (HS*, RS*, EdDSA) carries exactly the
//   signature the key makes over its signing input: no other spelling verifies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "pyauth/encoding.hpp"
#include "pyauth/jwt.hpp"

namespace {

using pyauth::Algorithm;
using pyauth::fuzz::require;

// 2026-01-01T00:00:00Z: the seeds' exp and nbf lie on both sides of it.
constexpr double kNow = 1767225600;

pyauth::VerifyOptions strict_options() {
  pyauth::VerifyOptions o;
  o.algorithms = {Algorithm::HS256, Algorithm::HS512, Algorithm::ES256,
                  Algorithm::EdDSA, Algorithm::RS256, Algorithm::PS256};
  o.now = kNow;
  o.leeway = 30;
  o.audience = {"api", "admin"};
  o.issuer = {"https://issuer.example"};
  o.required = {"exp"};
  o.type_claim = "token_type";
  o.expected_type = "access";
  o.understood_crit = {"exp"};
  return o;
}

pyauth::VerifyOptions lax_options() {
  pyauth::VerifyOptions o = strict_options();
  o.verify_exp = o.verify_nbf = o.verify_iat = o.verify_aud = o.verify_iss = false;
  o.verify_sub = o.verify_jti = false;
  o.audience.clear();
  o.issuer.clear();
  o.required.clear();
  o.type_claim.clear();
  return o;
}

const pyauth::Key* deterministic_key(Algorithm alg) {
  const auto& k = pyauth::fuzz::fixed_keys();
  switch (alg) {
  case Algorithm::HS256:
    return k.hs256.get();
  case Algorithm::HS512:
    return k.hs512.get();
  case Algorithm::EdDSA:
    return k.eddsa.get();
  case Algorithm::RS256:
    return k.rs256.get();
  default:
    return nullptr; // ECDSA and PSS signatures are randomised
  }
}

// Returns whether `decode` accepted the token.
bool try_decode(pyauth::TokenDecoder& decoder, std::string_view token,
                const pyauth::VerifyOptions& options) {
  try {
    const pyauth::DecodedToken& t = decoder.decode(token, pyauth::fuzz::fixed_keys().all, options);
    const std::size_t dot = token.rfind('.');
    const std::string_view signing_input = token.substr(0, dot);
    std::string signature;
    require(pyauth::base64url_decode(token.substr(dot + 1), signature),
            "an accepted token has a signature that is not base64url", token);
    if (const pyauth::Key* key = deterministic_key(t.alg)) {
      require(key->sign(signing_input) == signature,
              "an accepted token's signature is not the key's own", token);
    }
    return true;
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    return false;
  }
}

bool try_decode_unverified(pyauth::TokenDecoder& decoder, std::string_view token) {
  try {
    decoder.decode_unverified(token);
    return true;
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    return false;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const pyauth::VerifyOptions strict = strict_options();
  static const pyauth::VerifyOptions lax = lax_options();
  // One decoder lives across inputs, as in a server thread (its header cache included);
  // a fresh one checks that the verdict does not depend on the previous token.
  static pyauth::TokenDecoder reused;
  pyauth::TokenDecoder fresh;
  const std::string_view token(reinterpret_cast<const char*>(data), size);

  const bool structure_ok = try_decode_unverified(reused, token);
  require(try_decode_unverified(fresh, token) == structure_ok,
          "decode_unverified depends on the decoder's previous token", token);
  const bool lax_ok = try_decode(reused, token, lax);
  require(!lax_ok || structure_ok, "decode accepted what decode_unverified refuses", token);
  const bool strict_ok = try_decode(fresh, token, strict);
  require(!strict_ok || lax_ok, "strict options accepted what lax options refuse", token);
  return 0;
}
