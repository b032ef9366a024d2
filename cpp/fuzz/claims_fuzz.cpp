// The claims JSON: the decoder's structural refusals checked against a plain reference,
// then claim validation under fuzzed options. Input: two bytes of option flags, one of
// leeway, then the payload JSON (put in a token with a fixed header). Properties:
// - the decoder accepts the payload exactly when it is valid UTF-8 JSON whose top level is
//   an object, with no object repeating a member name and no nesting deeper than 32 levels
//   (the reference walks the whole tree with simdjson's own parser, no shortcuts);
// - validate_claims throws only pyauth::Error of the token domain, and a claims set it
//   accepts has every required claim, the expected token type and an accepted audience.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "pyauth/encoding.hpp"
#include "pyauth/jwt.hpp"

namespace {

namespace dom = simdjson::dom;
using pyauth::fuzz::require;

constexpr std::size_t kMaxDepth = 32;

struct Reference {
  bool duplicate = false;
  std::size_t depth = 0;
};

// Depth of `e` counting itself (scalars 0), and whether any object repeats a name:
// every pair compared, no sorting, no early exit.
std::size_t walk(const dom::element& e, Reference& ref) {
  std::size_t deepest = 0;
  dom::object obj;
  dom::array arr;
  if (e.get_object().get(obj) == simdjson::SUCCESS) {
    std::vector<std::string_view> names;
    for (const dom::key_value_pair field : obj) {
      for (const std::string_view seen : names)
        ref.duplicate = ref.duplicate || seen == field.key;
      names.push_back(field.key);
      const std::size_t d = walk(field.value, ref);
      deepest = d > deepest ? d : deepest;
    }
    return deepest + 1;
  }
  if (e.get_array().get(arr) == simdjson::SUCCESS) {
    for (const dom::element item : arr) {
      const std::size_t d = walk(item, ref);
      deepest = d > deepest ? d : deepest;
    }
    return deepest + 1;
  }
  return 0;
}

bool expected_acceptance(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return false;
  if (!root.is_object()) return false;
  Reference ref;
  const std::size_t depth = walk(root, ref);
  return !ref.duplicate && depth <= kMaxDepth;
}

pyauth::VerifyOptions options_from(std::uint16_t flags, std::uint8_t leeway) {
  pyauth::VerifyOptions o;
  o.algorithms = {pyauth::Algorithm::HS256};
  o.now = 1767225600; // 2026-01-01T00:00:00Z
  o.leeway = leeway;
  o.verify_exp = (flags & 1u) != 0;
  o.verify_nbf = (flags & 2u) != 0;
  o.verify_iat = (flags & 4u) != 0;
  o.verify_aud = (flags & 8u) != 0;
  o.verify_iss = (flags & 16u) != 0;
  o.verify_sub = (flags & 32u) != 0;
  o.verify_jti = (flags & 64u) != 0;
  if ((flags & 128u) != 0) o.audience = {"api", "admin"};
  if ((flags & 256u) != 0) o.issuer = {"https://issuer.example"};
  if ((flags & 512u) != 0) o.required = {"exp", "sub"};
  if ((flags & 1024u) != 0) {
    o.type_claim = "token_type";
    o.expected_type = "access";
  }
  return o;
}

bool has_audience(const dom::object& claims, const std::vector<std::string>& accepted) {
  dom::element aud;
  if (claims.at_key("aud").get(aud) != simdjson::SUCCESS) return false;
  std::string_view one;
  if (aud.get_string().get(one) == simdjson::SUCCESS) {
    for (const std::string& a : accepted) {
      if (a == one) return true;
    }
    return false;
  }
  dom::array list;
  if (aud.get_array().get(list) != simdjson::SUCCESS) return false;
  for (const dom::element item : list) {
    if (item.get_string().get(one) != simdjson::SUCCESS) continue;
    for (const std::string& a : accepted) {
      if (a == one) return true;
    }
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pyauth::TokenDecoder decoder;
  pyauth::fuzz::Input input(data, size);
  const std::uint16_t flags = input.u16();
  const std::uint8_t leeway = input.byte();
  const std::string_view payload = input.rest();
  if (payload.empty()) return 0; // an empty segment is a different refusal

  const std::string token = "eyJhbGciOiJIUzI1NiJ9." + pyauth::base64url_encode(payload) + ".c2ln";
  const bool expected = expected_acceptance(payload);
  const pyauth::DecodedToken* decoded = nullptr;
  try {
    decoded = &decoder.decode_unverified(token);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    require(!expected, "the decoder refuses a well-formed claims object", payload);
    return 0;
  }
  require(expected, "the decoder accepts a malformed claims object", payload);

  const pyauth::VerifyOptions options = options_from(flags, leeway);
  try {
    pyauth::validate_claims(decoded->claims, options);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::token_category());
    return 0;
  }
  for (const std::string& name : options.required) {
    dom::element value;
    require(decoded->claims.at_key(name).get(value) == simdjson::SUCCESS && !value.is_null(),
            "claims accepted without a required claim", payload);
  }
  if (!options.type_claim.empty()) {
    std::string_view type;
    require(decoded->claims.at_key(options.type_claim).get_string().get(type) ==
                    simdjson::SUCCESS &&
                type == options.expected_type,
            "claims accepted with the wrong token type", payload);
  }
  if (options.verify_aud && !options.audience.empty()) {
    require(has_audience(decoded->claims, options.audience),
            "claims accepted without an accepted audience", payload);
  }
  return 0;
}
