// Sealing of key material at rest: XChaCha20-Poly1305 (IETF) from libsodium, keys derived
// with BLAKE2b and crypto_kdf. See pyauth/seal.hpp for the construction and blob layout.
#include "pyauth/seal.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include "pyauth/error.hpp"

namespace pyauth {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kHeaderBytes = 1 + kNonceBytes;
// Personalisation of the master-key hash (BLAKE2b takes exactly 16 bytes).
constexpr std::array<unsigned char, crypto_generichash_blake2b_PERSONALBYTES> kPersonal = {
    'p', 'y', 'a', 'u', 't', 'h', '-', 's', 'e', 'a', 'l', '-', 'k', 'd', 'f', '1'};
// Sealed plaintexts are keys: a 16384-bit RSA PKCS#8 PEM is about 13 KiB.
constexpr std::size_t kMaxBlobBytes = 1024 * 1024;

const unsigned char* bytes(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The associated data actually authenticated: the version byte, then the caller's.
std::string full_aad(std::string_view aad) {
  std::string out(1, static_cast<char>(kVersion));
  out += aad;
  return out;
}

}  // namespace

SealKey::SealKey(std::string_view secret, std::string_view context) {
  static_assert(kKeyBytes >= crypto_kdf_BYTES_MIN && kKeyBytes <= crypto_kdf_BYTES_MAX);
  if (context.size() != kSealContextBytes) {
    fail(SealErrc::invalid_input, "the sealing context must be exactly 8 bytes");
  }
  if (secret.empty()) fail(SealErrc::invalid_input, "the sealing secret is empty");
  ensure_sodium();
  std::array<unsigned char, crypto_kdf_KEYBYTES> master{};
  std::array<unsigned char, kKeyBytes> key{};
  std::array<char, crypto_kdf_CONTEXTBYTES> ctx{};
  std::copy(context.begin(), context.end(), ctx.begin());
  const bool ok =
      crypto_generichash_blake2b_salt_personal(master.data(), master.size(), bytes(secret),
                                               secret.size(), nullptr, 0, nullptr,
                                               kPersonal.data()) == 0 &&
      crypto_kdf_derive_from_key(key.data(), key.size(), 1, ctx.data(), master.data()) == 0;
  wipe(master.data(), master.size());
  if (!ok) {
    wipe(key.data(), key.size());
    throw std::runtime_error("deriving the sealing key failed");
  }
  key_ = SecretBytes(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  wipe(key.data(), key.size());
}

std::string SealKey::seal(std::string_view plaintext, std::string_view aad) const {
  if (plaintext.size() > kMaxBlobBytes) {
    fail(SealErrc::invalid_input, "the data to seal is too large");
  }
  const std::string ad = full_aad(aad);
  std::string blob(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  out[0] = kVersion;
  randombytes_buf(out + 1, kNonceBytes);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + kHeaderBytes, &written, bytes(plaintext),
                                                 plaintext.size(), bytes(ad), ad.size(), nullptr,
                                                 out + 1, key_.data()) != 0 ||
      written != plaintext.size() + kTagBytes) {
    wipe(blob);
    throw std::runtime_error("sealing failed");
  }
  return blob;
}

SecretBytes SealKey::open(std::string_view blob, std::string_view aad) const {
  if (blob.size() < kHeaderBytes + kTagBytes || blob.size() > kMaxBlobBytes + kHeaderBytes + kTagBytes) {
    fail(SealErrc::malformed, "not a sealed blob (wrong size)");
  }
  if (static_cast<unsigned char>(blob[0]) != kVersion) {
    fail(SealErrc::malformed, "not a sealed blob of a version pyauth reads");
  }
  const std::string ad = full_aad(aad);
  const std::size_t cipher_len = blob.size() - kHeaderBytes;
  std::string plain(cipher_len - kTagBytes, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr,
          bytes(blob) + kHeaderBytes, cipher_len, bytes(ad), ad.size(), bytes(blob) + 1,
          key_.data()) != 0) {
    wipe(plain);
    fail(SealErrc::unauthentic,
         "the sealed data could not be opened: it was sealed with another secret or for "
         "another key, or it was modified");
  }
  SecretBytes out(std::string_view(plain.data(), static_cast<std::size_t>(len)));
  wipe(plain);
  return out;
}

std::string seal_private_key(const Key& key, const SealKey& seal, std::string_view aad) {
  const SecretBytes pem = key.private_pkcs8_pem();
  return seal.seal(pem.view(), aad);
}

KeyPtr open_private_key(Algorithm alg, std::string_view blob, const SealKey& seal,
                        std::string_view aad, std::string kid) {
  const SecretBytes pem = seal.open(blob, aad);
  KeyPtr key = key_from_pem(alg, pem.view(), std::move(kid));
  if (!key->is_private()) fail(KeyErrc::invalid_key, "the sealed key is not a private key");
  return key;
}

}  // namespace pyauth
