// Sign-then-verify of fuzzed payloads (jwt-cpp's round-trip style), for every algorithm
// family. Input: one byte picking the algorithm, four describing an edit (operation,
// byte, position), the rest the payload JSON. Properties:
// - the signer and the verifier agree on which JSON they take: a payload sign_compact
//   refuses is refused by the decoder too (in a hand-built token), one it signs decodes;
// - a signed token verifies, and the claims come back as signed;
// - any edit of the token (a byte replaced, deleted or inserted anywhere) is refused,
//   unless the edit leaves the token as it was.
#include <simdjson.h>

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

struct Choice {
  const pyauth::KeyPtr* key;
  std::string_view header;
};

// The slow RSA signers are drawn less often than the others.
const Choice& choose(std::uint8_t b) {
  const auto& k = pyauth::fuzz::fixed_keys();
  static const Choice choices[] = {
      {&k.hs256, R"({"alg":"HS256","typ":"JWT"})"},
      {&k.hs256, R"({"typ":"JWT","alg":"HS256","kid":"a"})"},
      {&k.hs512, R"({"alg":"HS512"})"},
      {&k.eddsa, R"({"alg":"EdDSA","typ":"JWT"})"},
      {&k.es256, R"({"alg":"ES256","typ":"JWT"})"},
      {&k.hs256, R"({"alg":"HS256","crit":["exp"],"exp":1})"},
      {&k.rs256, R"({"alg":"RS256","typ":"JWT"})"},
      {&k.ps256, R"({"alg":"PS256","typ":"JWT"})"},
  };
  constexpr std::size_t kCount = sizeof choices / sizeof choices[0];
  // Indices 6 and 7 (RSA) one time in 16 each.
  const std::size_t i = b % 16 < 14 ? b % 6 : 6 + b % 16 - 14;
  return choices[i < kCount ? i : 0];
}

pyauth::VerifyOptions options_for(Algorithm alg) {
  pyauth::VerifyOptions o;
  o.algorithms = {alg};
  o.verify_exp = o.verify_nbf = o.verify_iat = o.verify_aud = o.verify_iss = false;
  o.verify_sub = o.verify_jti = false;
  o.understood_crit = {"exp"};
  return o;
}

std::string canonical_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    pyauth::fuzz::broken("a signed payload is not JSON", json);
  }
  return simdjson::to_string(root);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pyauth::TokenDecoder decoder;
  pyauth::fuzz::Input input(data, size);
  const Choice& choice = choose(input.byte());
  const std::uint8_t operation = input.byte();
  const auto value = static_cast<char>(input.byte());
  const std::uint16_t where = input.u16();
  const std::string_view payload = input.rest();
  const pyauth::Key& key = **choice.key;
  const pyauth::VerifyOptions options = options_for(key.algorithm());

  std::string token;
  try {
    token = pyauth::sign_compact(choice.header, payload, key);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    // The decoder must refuse the same payload in a token with a valid header.
    const std::string forged = pyauth::base64url_encode(choice.header) + "." +
                               pyauth::base64url_encode(payload) + "." +
                               pyauth::base64url_encode(key.sign("x"));
    try {
      decoder.decode_unverified(forged);
    } catch (const pyauth::Error& refused) {
      pyauth::fuzz::require_domain(refused, pyauth::token_category());
      return 0;
    }
    pyauth::fuzz::broken("the decoder takes a payload that sign_compact refuses", payload);
  }

  try {
    const pyauth::DecodedToken& t = decoder.decode(token, pyauth::fuzz::fixed_keys().all, options);
    require(t.alg == key.algorithm(), "a token decoded under another algorithm", token);
    require(simdjson::to_string(t.claims) == canonical_json(payload),
            "decoded claims differ from the signed payload", payload);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::broken("a freshly signed token does not verify", e.what());
  }

  // One edit of the token: 0 replace, 1 delete, 2 insert a byte at `where`.
  std::string edited = token;
  const std::size_t at = where % (token.size() + 1);
  switch (operation % 3) {
  case 0:
    if (at < edited.size()) edited[at] = value;
    break;
  case 1:
    if (at < edited.size()) edited.erase(at, 1);
    break;
  default:
    edited.insert(at, 1, value);
    break;
  }
  if (edited == token) return 0;
  try {
    decoder.decode(edited, pyauth::fuzz::fixed_keys().all, options);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    return 0;
  }
  pyauth::fuzz::broken("an edited token still verifies", edited);
}
