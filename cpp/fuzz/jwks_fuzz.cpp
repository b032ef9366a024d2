// JWKs and JWK Sets as a verifier fetches them (a provider's JWKS is input pyauth does not
// control). The input is tried as one JWK and as a JWK Set. Properties:
// - key_from_jwk and keyset_from_jwks throw only pyauth::Error of the key domain;
// - every key they load round-trips through its public JWK: read back under the same
//   algorithm it writes the same JWK and has the same RFC 7638 thumbprint;
// - a loaded key answers a wrong signature with false, never an exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "pyauth/keys.hpp"

namespace {

using pyauth::fuzz::require;

void check_key(const pyauth::Key& key, std::string_view input) {
  require(!key.verify("header.payload", "not a signature"), "a key accepts a junk signature",
          input);
  if (pyauth::is_hmac(key.algorithm())) return; // no public half
  const std::string jwk = key.public_jwk();
  pyauth::KeyPtr again;
  try {
    again = pyauth::key_from_jwk(jwk, key.algorithm());
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::broken("a key's own public JWK does not load", e.what());
  }
  require(again->public_jwk() == jwk, "public JWK does not round-trip", jwk);
  require(pyauth::jwk_thumbprint(*again) == pyauth::jwk_thumbprint(key),
          "thumbprint changes across a round trip", jwk);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    check_key(*pyauth::key_from_jwk(input), input);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::key_category());
  }
  try {
    const pyauth::KeySet set = pyauth::keyset_from_jwks(input);
    for (const pyauth::KeyPtr& key : set.keys())
      check_key(*key, input);
    (void)set.public_jwks();
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::key_category());
  }
  return 0;
}
