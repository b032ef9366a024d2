// JOSE signing keys: parsed once (secret, PEM or JWK), each bound to exactly one
// algorithm, holding what signing and verification need (a keyed HMAC context, an
// EVP_PKEY, a libsodium key pair) so the hot path does no parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyauth/secure.hpp"

namespace pyauth {

enum class Algorithm : std::uint8_t {
  HS256, HS384, HS512,
  RS256, RS384, RS512,
  PS256, PS384, PS512,
  ES256, ES384,
  EdDSA,
};

inline constexpr std::size_t kAlgorithmCount = 12;

// "HS256" -> Algorithm::HS256; nullopt for anything else (including "none").
std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept;
std::string_view algorithm_name(Algorithm alg) noexcept;
bool is_hmac(Algorithm alg) noexcept;

class Key {
 public:
  virtual ~Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  Algorithm algorithm() const noexcept { return alg_; }
  const std::string& kid() const noexcept { return kid_; }
  virtual bool is_private() const noexcept = 0;  // can sign (HMAC keys always can)

  // Raw JWS signature over `signing_input` (for ES*, the JOSE r||s form).
  // Throws KeyErrc::not_private for a public key.
  virtual std::string sign(std::string_view signing_input) const = 0;
  // Constant-time for HMAC. Never throws on a wrong or malformed signature: returns false.
  virtual bool verify(std::string_view signing_input, std::string_view signature) const = 0;

  // The public JWK as a JSON object with "kty", the key members, "alg", "use":"sig" and
  // "kid" when set. Throws KeyErrc::invalid_key for HMAC keys (they have no public half).
  virtual std::string public_jwk() const = 0;
  // The public key as SubjectPublicKeyInfo PEM. Throws for HMAC keys.
  virtual std::string public_pem() const = 0;
  // The private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), in memory that is
  // wiped when it dies; key_from_pem reads it back. It exists for seal_private_key
  // (seal.hpp) and is deliberately not bound to Python: a private key leaves the core
  // sealed or not at all. Throws KeyErrc::not_private for a public key and
  // KeyErrc::invalid_key for HMAC keys (a secret has no PKCS#8 form).
  virtual SecretBytes private_pkcs8_pem() const = 0;

 protected:
  Key(Algorithm alg, std::string kid) : alg_(alg), kid_(std::move(kid)) {}

 private:
  Algorithm alg_;
  std::string kid_;
};

using KeyPtr = std::shared_ptr<const Key>;

// HMAC secret for HS256/384/512. Refuses (KeyErrc::weak_key) a secret shorter than the
// hash output, and (KeyErrc::invalid_key) one that is a PEM / SSH public key or
// certificate — the HS-with-public-key confusion.
KeyPtr key_from_secret(Algorithm alg, std::string_view secret, std::string kid = {});

// PEM: PKCS#8 private keys, SubjectPublicKeyInfo public keys, and the traditional
// "RSA PRIVATE KEY" / "EC PRIVATE KEY" forms; X.509 certificates give their public key.
// The key type must fit `alg` (RSA for RS*/PS*, P-256 for ES256, P-384 for ES384,
// Ed25519 for EdDSA); RSA keys under 2048 bits are refused (weak_key).
KeyPtr key_from_pem(Algorithm alg, std::string_view pem, std::string kid = {});

// One JWK (RFC 7517) as JSON: kty oct / RSA / EC / OKP(Ed25519), public or private.
// The algorithm is `alg` if given, else the JWK's "alg" member, else the only one the
// key type allows (EC by its curve, OKP Ed25519 -> EdDSA); when both are given they must
// agree. "kid" is taken from the JWK.
KeyPtr key_from_jwk(std::string_view jwk_json, std::optional<Algorithm> alg = std::nullopt);

// A fresh private key for `alg` (RSA 2048 bits; HMAC: a random secret of the hash size).
KeyPtr generate_key(Algorithm alg, std::string kid = {});

// The RFC 7638 JWK thumbprint of the key's public half: SHA-256 over the canonical JSON
// of its required members (RSA: e, kty, n; EC: crv, kty, x, y; OKP: crv, kty, x),
// base64url without padding (43 characters). It names a key without revealing anything
// beyond its public half, so it makes a good "kid". Throws KeyErrc::invalid_key for HMAC
// keys (whose thumbprint would be a hash of the secret).
std::string jwk_thumbprint(const Key& key);

// Keys for verification, picked by the token's "alg" and "kid".
class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<KeyPtr> keys) : keys_(std::move(keys)) {}

  void add(KeyPtr key) { keys_.push_back(std::move(key)); }
  const std::vector<KeyPtr>& keys() const noexcept { return keys_; }
  bool empty() const noexcept { return keys_.empty(); }
  // True when every key is an HMAC key (verification then is too cheap to be worth
  // releasing the GIL for).
  bool all_hmac() const noexcept;

  // How well `key` fits a token with this alg and kid. The algorithm must be the key's.
  // A token without a kid: every key of its algorithm is an exact fit. A token with a
  // kid: the key with that kid is; a key without a kid (one loaded from a bare secret
  // or PEM, as PyJWT callers pass them) is a fallback, used only when no key has the kid.
  enum class Fit { none, fallback, exact };
  static Fit fit(const Key& key, Algorithm alg, std::string_view kid, bool has_kid) noexcept {
    if (key.algorithm() != alg) return Fit::none;
    if (!has_kid || key.kid() == kid) return Fit::exact;
    return key.kid().empty() ? Fit::fallback : Fit::none;
  }
  // The exact fits, or failing those the fallbacks (see fit()); the token verifies if any
  // of them accepts it. Empty when none fits.
  std::vector<const Key*> candidates(Algorithm alg, std::string_view kid, bool has_kid) const;

  // {"keys":[...]} of the keys that have a public half (HMAC keys are left out).
  std::string public_jwks() const;

 private:
  std::vector<KeyPtr> keys_;
};

// A JWK Set document {"keys":[...]}. Members whose "use" is not "sig" or whose kty /
// algorithm pyauth does not implement are skipped, as RFC 7517 §5 allows; a malformed
// document throws KeyErrc::invalid_key.
KeySet keyset_from_jwks(std::string_view jwks_json);

}  // namespace pyauth
