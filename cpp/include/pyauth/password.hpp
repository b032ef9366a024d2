// Password hashing in Django's encoded formats:
//   argon2$argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>   (libsodium)
//   pbkdf2_sha256$<iterations>$<salt>$<hash b64>                 (OpenSSL)
// so Django's own hashers and pyauth verify each other's hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pyauth {

// OWASP Password Storage Cheat Sheet, first Argon2id option.
struct Argon2Params {
  std::uint32_t memory_kib = 19456;  // m = 19 MiB
  std::uint32_t iterations = 2;      // t
  std::uint32_t parallelism = 1;     // p (libsodium creates p = 1 only; verifies any p)
};

inline constexpr std::uint32_t kPbkdf2DefaultIterations = 1'000'000;  // Django 5.2
inline constexpr std::size_t kMaxPasswordBytes = 4096;
// Bounds on hash strings we are asked to verify, so a hostile stored value cannot make
// one verification take minutes or gigabytes.
inline constexpr std::uint32_t kArgon2MaxMemoryKib = 1u << 20;  // 1 GiB
inline constexpr std::uint32_t kArgon2MaxIterations = 64;
inline constexpr std::uint32_t kArgon2MaxParallelism = 64;
inline constexpr std::uint32_t kPbkdf2MaxIterations = 10'000'000;

enum class HashAlgorithm { argon2id, argon2i, pbkdf2_sha256 };

struct HashInfo {
  HashAlgorithm algorithm{};
  std::uint32_t memory_kib = 0;   // argon2 only
  std::uint32_t iterations = 0;   // argon2 t, or PBKDF2 iterations
  std::uint32_t parallelism = 0;  // argon2 only
  std::size_t salt_bytes = 0;
  std::size_t hash_bytes = 0;
};

// Parses and bounds-checks an encoded hash; throws PasswordErrc::invalid_hash.
HashInfo parse_hash(std::string_view encoded);

// Argon2id with a random 16-byte salt and a 32-byte hash, in Django's format.
// Throws PasswordErrc::invalid_password (too long) / invalid_parameters.
std::string hash_argon2id(std::string_view password, const Argon2Params& params = {});

// PBKDF2-HMAC-SHA256 in Django's format; an empty salt draws 22 random alphanumerics
// as Django does. Salts may not contain '$'.
std::string hash_pbkdf2_sha256(std::string_view password,
                               std::uint32_t iterations = kPbkdf2DefaultIterations,
                               std::string_view salt = {});

// Verifies against any supported encoded hash, in constant time with respect to the
// stored hash. Returns false on a mismatch; throws invalid_hash on a malformed string
// and invalid_password on an over-long password.
bool verify_password(std::string_view password, std::string_view encoded);

// True when the hash is not Argon2id at exactly `params` with a salt of at least 16 bytes
// and a hash of at least 32 (so a login should re-hash). Throws invalid_hash like parse_hash.
bool needs_rehash(std::string_view encoded, const Argon2Params& params = {});

}  // namespace pyauth
