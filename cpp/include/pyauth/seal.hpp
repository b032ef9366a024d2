// Sealing: authenticated encryption of key material kept at rest (the private halves of
// the signing keys in pyauth.keys' table), with libsodium's XChaCha20-Poly1305 (IETF).
//
// The sealing key is derived from an application secret of any length (Django's
// SECRET_KEY) and a purpose label, so one secret yields independent keys per purpose and
// a database dump alone opens nothing. Every blob is bound to associated data chosen by
// the caller (pyauth.keys uses the kid and algorithm), so a blob copied onto another row
// does not open there.
//
// Blob layout, version 1: 0x01 || nonce (24 random bytes) || ciphertext || tag (16).
// The version byte is authenticated too (it is prefixed to the associated data).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pyauth/keys.hpp"
#include "pyauth/secure.hpp"

namespace pyauth {

// Size of the purpose label (libsodium's crypto_kdf context).
inline constexpr std::size_t kSealContextBytes = 8;

class SealKey {
 public:
  // master = BLAKE2b-256(secret, personal "pyauth-seal-kdf1"); key = crypto_kdf(master,
  // subkey 1, context). `context` must be exactly kSealContextBytes bytes and `secret`
  // non-empty (SealErrc::invalid_input otherwise). Intermediate bytes are wiped.
  SealKey(std::string_view secret, std::string_view context);

  // A fresh blob (random nonce) sealing `plaintext` under `aad`.
  std::string seal(std::string_view plaintext, std::string_view aad) const;
  // The plaintext of a blob, in wiped memory. SealErrc::malformed for a blob of the wrong
  // shape or version, SealErrc::unauthentic when the tag does not verify (another secret,
  // other associated data, or a modified blob). Never returns unauthenticated bytes.
  SecretBytes open(std::string_view blob, std::string_view aad) const;

 private:
  SecretBytes key_;
};

// The private key sealed as PKCS#8 PEM: the plaintext exists only in wiped core memory.
// Throws KeyErrc::not_private / invalid_key as Key::private_pkcs8_pem does.
std::string seal_private_key(const Key& key, const SealKey& seal, std::string_view aad);

// A private key for `alg` from a blob seal_private_key made, with `kid`. Seal errors as
// SealKey::open; KeyErrc::invalid_key when the opened bytes are not a key for `alg`.
KeyPtr open_private_key(Algorithm alg, std::string_view blob, const SealKey& seal,
                        std::string_view aad, std::string kid);

}  // namespace pyauth
