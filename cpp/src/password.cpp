// Password hashing in Django's encoded formats: Argon2 through libsodium, PBKDF2-HMAC-SHA256
// through OpenSSL. Every stored string is parsed and bounds-checked here before any work is
// done on it, so a hostile value cannot cost gigabytes or minutes. No shared mutable state:
// every function may run on many threads at once (the binding releases the GIL).
#include "pyauth/password.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"
#include "pyauth/secure.hpp"

namespace pyauth {
namespace {

constexpr std::string_view kArgon2Prefix = "argon2";  // Django's algorithm name
constexpr std::string_view kPbkdf2Name = "pbkdf2_sha256";
constexpr std::size_t kPbkdf2HashBytes = 32;     // SHA-256 output, Django's dklen
constexpr std::size_t kArgon2MinSaltBytes = 8;   // ARGON2_MIN_SALT_LENGTH
constexpr std::size_t kArgon2MinHashBytes = 16;  // libsodium's crypto_pwhash_BYTES_MIN
constexpr std::size_t kArgon2MaxHashBytes = 64;
constexpr std::uint32_t kArgon2LaneMinKib = 8;  // argon2 needs m >= 8 * p
constexpr std::size_t kDjangoSaltChars = 22;    // Django's salt(): ~131 bits
constexpr std::size_t kRehashMinSaltBytes = 16;
constexpr std::size_t kRehashMinHashBytes = 32;
constexpr std::size_t kEchoMax = 32;  // bytes of stored data echoed in a message

[[noreturn]] void invalid_hash(const std::string& message) {
  fail(PasswordErrc::invalid_hash, message);
}

// Quotes stored data for an error message: at most kEchoMax bytes, non-printable bytes and
// quote/backslash escaped as \xNN, "..." when cut.
std::string echo(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kEchoMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  if (text.size() > kEchoMax) out.append("...");
  out.push_back('\'');
  return out;
}

// A non-null pointer for the library calls: libsodium declares its password arguments
// nonnull, and a default-constructed string_view has a null data().
const char* bytes_of(std::string_view s) noexcept { return s.empty() ? "" : s.data(); }

void check_password_length(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    fail(PasswordErrc::invalid_password,
         "password cannot be longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
}

// A canonical unsigned decimal: one or more ASCII digits, no sign, no leading zero (but "0"
// itself), no spaces. Returns the value when it fits in 32 bits; `overflow` tells a canonical
// number that does not fit from a non-canonical one.
std::optional<std::uint32_t> parse_decimal(std::string_view text, bool& overflow) {
  overflow = false;
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (!overflow) {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      if (value > UINT32_MAX) overflow = true;
    }
  }
  if (overflow) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// Splits on '$' into at most N fields; returns the number of fields found (N + 1 means "more").
template <std::size_t N>
std::size_t split_dollar(std::string_view text, std::array<std::string_view, N>& fields) {
  std::size_t count = 0;
  while (true) {
    const std::size_t pos = text.find('$');
    if (count == N) return N + 1;
    fields[count++] = text.substr(0, pos);
    if (pos == std::string_view::npos) return count;
    text.remove_prefix(pos + 1);
  }
}

struct Pbkdf2Parts {
  std::uint32_t iterations = 0;
  std::string_view salt;
  std::string hash;  // decoded, 32 bytes
};

// "pbkdf2_sha256$<iterations>$<salt>$<base64 hash, padded>".
Pbkdf2Parts parse_pbkdf2(std::string_view encoded) {
  std::array<std::string_view, 4> f;
  const std::size_t count = split_dollar(encoded, f);
  // More fields means a '$' in the hash field (Django splits at most 3 times): not base64.
  if (count > 4) invalid_hash("pbkdf2_sha256 hash is not canonical padded base64");
  if (count < 4) {
    invalid_hash("malformed pbkdf2_sha256 hash: expected pbkdf2_sha256$<iterations>$<salt>$<hash>");
  }
  Pbkdf2Parts parts;
  bool overflow = false;
  const auto iterations = parse_decimal(f[1], overflow);
  const std::string limit = std::to_string(kPbkdf2MaxIterations);
  if (overflow) invalid_hash("pbkdf2_sha256 iteration count is over the " + limit + " limit");
  if (!iterations) invalid_hash("pbkdf2_sha256 iteration count is not a canonical decimal number");
  if (*iterations < 1) {
    invalid_hash("pbkdf2_sha256 iteration count " + std::to_string(*iterations) +
                 " is under the minimum of 1");
  }
  if (*iterations > kPbkdf2MaxIterations) {
    invalid_hash("pbkdf2_sha256 iteration count " + std::to_string(*iterations) + " is over the " +
                 limit + " limit");
  }
  parts.iterations = *iterations;
  // Django refuses an empty salt ("salt must be provided"); any other salt without '$' is
  // hashed as its bytes (Django: UTF-8 of the str).
  if (f[2].empty()) invalid_hash("pbkdf2_sha256 salt is empty");
  if (f[2].size() > static_cast<std::size_t>(INT_MAX)) {
    invalid_hash("pbkdf2_sha256 salt is too long");
  }
  parts.salt = f[2];
  if (!base64_decode(f[3], parts.hash, true)) {
    invalid_hash("pbkdf2_sha256 hash is not canonical padded base64");
  }
  if (parts.hash.size() != kPbkdf2HashBytes) {
    invalid_hash("pbkdf2_sha256 hash is " + std::to_string(parts.hash.size()) + " bytes, not " +
                 std::to_string(kPbkdf2HashBytes));
  }
  return parts;
}

struct Argon2Parts {
  HashAlgorithm algorithm{};
  std::uint32_t m = 0, t = 0, p = 0;
  std::size_t salt_bytes = 0, hash_bytes = 0;
  std::string_view phc;  // the PHC string after Django's "argon2" prefix, for libsodium
};

std::uint32_t argon2_param(std::string_view text, char name) {
  bool overflow = false;
  const auto value = parse_decimal(text, overflow);
  if (overflow) {
    if (name == 'm') {
      invalid_hash("argon2 memory cost is over the " + std::to_string(kArgon2MaxMemoryKib) +
                   " KiB limit");
    }
    invalid_hash(std::string("argon2 parameter ") + name + " is over the limit");
  }
  if (!value) {
    invalid_hash(std::string("argon2 parameter ") + name + " is not a canonical decimal number");
  }
  return *value;
}

// "argon2" + "$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt b64>$<hash b64>" (unpadded base64).
Argon2Parts parse_argon2(std::string_view encoded) {
  Argon2Parts parts;
  parts.phc = encoded.substr(kArgon2Prefix.size());
  std::array<std::string_view, 6> f;
  const std::size_t count = split_dollar(parts.phc, f);
  if (count == 5 && f[0].empty() && f[2].starts_with("m=")) {
    // Legacy argon2-cffi strings "argon2$argon2i$m=...": version 0x10, which we do not verify.
    invalid_hash("argon2 hash has no version (v=19 required)");
  }
  if (count != 6 || !f[0].empty()) {
    invalid_hash(
        "malformed argon2 hash: expected argon2$<variant>$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>");
  }
  if (f[1] == "argon2id") {
    parts.algorithm = HashAlgorithm::argon2id;
  } else if (f[1] == "argon2i") {
    parts.algorithm = HashAlgorithm::argon2i;
  } else {
    invalid_hash("unsupported argon2 variant " + echo(f[1]));
  }
  if (f[2] != "v=19") invalid_hash("unsupported argon2 version " + echo(f[2]) + " (only v=19)");

  // Exactly "m=<n>,t=<n>,p=<n>", in that order, as libsodium and argon2-cffi write it.
  std::string_view params = f[3];
  const std::size_t c1 = params.find(',');
  const std::size_t c2 = c1 == std::string_view::npos ? c1 : params.find(',', c1 + 1);
  if (c2 == std::string_view::npos || params.find(',', c2 + 1) != std::string_view::npos ||
      !params.starts_with("m=") || params.substr(c1 + 1, 2) != "t=" ||
      params.substr(c2 + 1, 2) != "p=") {
    invalid_hash("argon2 parameters are not 'm=<n>,t=<n>,p=<n>'");
  }
  parts.m = argon2_param(params.substr(2, c1 - 2), 'm');
  parts.t = argon2_param(params.substr(c1 + 3, c2 - c1 - 3), 't');
  parts.p = argon2_param(params.substr(c2 + 3), 'p');
  const auto str = [](std::uint32_t v) { return std::to_string(v); };
  if (parts.m > kArgon2MaxMemoryKib) {
    invalid_hash("argon2 memory cost m=" + str(parts.m) + " KiB is over the " +
                 str(kArgon2MaxMemoryKib) + " KiB limit");
  }
  if (parts.t < 1) {
    invalid_hash("argon2 time cost t=" + str(parts.t) + " is under the minimum of 1");
  }
  if (parts.t > kArgon2MaxIterations) {
    invalid_hash("argon2 time cost t=" + str(parts.t) + " is over the limit of " +
                 str(kArgon2MaxIterations));
  }
  if (parts.p < 1) {
    invalid_hash("argon2 parallelism p=" + str(parts.p) + " is under the minimum of 1");
  }
  if (parts.p > kArgon2MaxParallelism) {
    invalid_hash("argon2 parallelism p=" + str(parts.p) + " is over the limit of " +
                 str(kArgon2MaxParallelism));
  }
  if (parts.m < kArgon2LaneMinKib * parts.p) {
    invalid_hash("argon2 memory cost m=" + str(parts.m) + " KiB is under " +
                 str(kArgon2LaneMinKib) + " KiB per lane (" + str(kArgon2LaneMinKib * parts.p) +
                 " KiB for p=" + str(parts.p) + ")");
  }

  std::string bytes;
  if (!base64_decode(f[4], bytes, false)) {
    invalid_hash("argon2 salt is not canonical unpadded base64");
  }
  parts.salt_bytes = bytes.size();
  if (parts.salt_bytes < kArgon2MinSaltBytes) {
    invalid_hash("argon2 salt is " + std::to_string(parts.salt_bytes) +
                 " bytes, under the minimum of " + std::to_string(kArgon2MinSaltBytes));
  }
  if (!base64_decode(f[5], bytes, false)) {
    invalid_hash("argon2 hash is not canonical unpadded base64");
  }
  parts.hash_bytes = bytes.size();
  if (parts.hash_bytes < kArgon2MinHashBytes || parts.hash_bytes > kArgon2MaxHashBytes) {
    invalid_hash("argon2 hash is " + std::to_string(parts.hash_bytes) + " bytes, not " +
                 std::to_string(kArgon2MinHashBytes) + " to " +
                 std::to_string(kArgon2MaxHashBytes));
  }
  return parts;
}

enum class Scheme { argon2, pbkdf2_sha256 };

Scheme identify(std::string_view encoded) {
  if (encoded.empty()) invalid_hash("password hash is empty");
  const std::string_view algorithm = encoded.substr(0, encoded.find('$'));
  if (algorithm == kArgon2Prefix) return Scheme::argon2;
  if (algorithm == kPbkdf2Name) return Scheme::pbkdf2_sha256;
  invalid_hash("unsupported hash algorithm " + echo(algorithm));
}

// PBKDF2-HMAC-SHA256 of `password` over the salt's bytes, 32 bytes into `out`.
void pbkdf2_sha256(std::string_view password, std::string_view salt, std::uint32_t iterations,
                   std::array<unsigned char, kPbkdf2HashBytes>& out) {
  // Lengths are bounded by the callers: password <= kMaxPasswordBytes, salt <= INT_MAX,
  // iterations <= kPbkdf2MaxIterations.
  if (PKCS5_PBKDF2_HMAC(bytes_of(password), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(bytes_of(salt)),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    wipe(out.data(), out.size());
    fail(PasswordErrc::internal, "PBKDF2-HMAC-SHA256 failed");
  }
}

std::string random_django_salt() {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string salt(kDjangoSaltChars, '\0');
  for (char& c : salt) {
    c = kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(sizeof kAlphabet - 1))];
  }
  return salt;
}

}  // namespace

HashInfo parse_hash(std::string_view encoded) {
  HashInfo info;
  if (identify(encoded) == Scheme::pbkdf2_sha256) {
    const Pbkdf2Parts parts = parse_pbkdf2(encoded);
    info.algorithm = HashAlgorithm::pbkdf2_sha256;
    info.iterations = parts.iterations;
    info.salt_bytes = parts.salt.size();
    info.hash_bytes = parts.hash.size();
    return info;
  }
  const Argon2Parts parts = parse_argon2(encoded);
  info.algorithm = parts.algorithm;
  info.memory_kib = parts.m;
  info.iterations = parts.t;
  info.parallelism = parts.p;
  info.salt_bytes = parts.salt_bytes;
  info.hash_bytes = parts.hash_bytes;
  return info;
}

std::string hash_argon2id(std::string_view password, const Argon2Params& params) {
  check_password_length(password);
  if (params.parallelism != 1) {
    fail(PasswordErrc::invalid_parameters,
         "argon2id parallelism must be 1 (libsodium creates p=1 hashes only)");
  }
  if (params.iterations < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      params.iterations > kArgon2MaxIterations) {
    fail(PasswordErrc::invalid_parameters,
         "argon2id time cost t=" + std::to_string(params.iterations) + " is not in 1.." +
             std::to_string(kArgon2MaxIterations));
  }
  if (std::size_t{params.memory_kib} * 1024 < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      params.memory_kib < kArgon2LaneMinKib * params.parallelism ||
      params.memory_kib > kArgon2MaxMemoryKib) {
    fail(PasswordErrc::invalid_parameters,
         "argon2id memory cost m=" + std::to_string(params.memory_kib) + " KiB is not in " +
             std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024) + ".." +
             std::to_string(kArgon2MaxMemoryKib) + " KiB");
  }
  ensure_sodium();
  std::array<char, crypto_pwhash_argon2id_STRBYTES> out{};
  // libsodium draws a random 16-byte salt and writes "$argon2id$v=19$m=..,t=..,p=1$salt$hash"
  // with a 32-byte hash. With the parameters checked above it fails only for lack of memory.
  if (crypto_pwhash_argon2id_str(out.data(), bytes_of(password), password.size(), params.iterations,
                                 std::size_t{params.memory_kib} * 1024) != 0) {
    fail(PasswordErrc::internal, "argon2id hashing failed (out of memory)");
  }
  std::string encoded(kArgon2Prefix);
  encoded.append(out.data());
  return encoded;
}

std::string hash_pbkdf2_sha256(std::string_view password, std::uint32_t iterations,
                               std::string_view salt) {
  check_password_length(password);
  if (iterations < 1 || iterations > kPbkdf2MaxIterations) {
    fail(PasswordErrc::invalid_parameters, "pbkdf2_sha256 iteration count " +
                                               std::to_string(iterations) + " is not in 1.." +
                                               std::to_string(kPbkdf2MaxIterations));
  }
  if (salt.find('$') != std::string_view::npos) {
    fail(PasswordErrc::invalid_parameters, "pbkdf2_sha256 salt cannot contain '$'");
  }
  if (salt.size() > static_cast<std::size_t>(INT_MAX)) {
    fail(PasswordErrc::invalid_parameters, "pbkdf2_sha256 salt is too long");
  }
  std::string drawn;
  if (salt.empty()) {
    ensure_sodium();
    drawn = random_django_salt();
    salt = drawn;
  }
  std::array<unsigned char, kPbkdf2HashBytes> derived{};
  pbkdf2_sha256(password, salt, iterations, derived);
  std::string encoded(kPbkdf2Name);
  encoded.push_back('$');
  encoded.append(std::to_string(iterations));
  encoded.push_back('$');
  encoded.append(salt);
  encoded.push_back('$');
  encoded.append(base64_encode(
      std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()), true));
  wipe(derived.data(), derived.size());
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  check_password_length(password);
  if (identify(encoded) == Scheme::pbkdf2_sha256) {
    const Pbkdf2Parts parts = parse_pbkdf2(encoded);
    std::array<unsigned char, kPbkdf2HashBytes> derived{};
    pbkdf2_sha256(password, parts.salt, parts.iterations, derived);
    const bool ok =
        equal_ct(std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()),
                 parts.hash);
    wipe(derived.data(), derived.size());
    return ok;
  }

  const Argon2Parts parts = parse_argon2(encoded);
  ensure_sodium();
  // libsodium wants a NUL-terminated string; parse_argon2 has refused any NUL byte.
  const std::string phc(parts.phc);
  // crypto_pwhash_argon2*_str_verify returns -1 for a mismatch AND for any other failure,
  // setting errno = EINVAL for ARGON2_VERIFY_MISMATCH only. After our validation the only
  // other failure left is running out of memory. libsodium 1.0.18 (Debian 12) reports that as
  // a mismatch too (argon2_verify maps any argon2_hash failure to ARGON2_VERIFY_MISMATCH; fixed
  // upstream after 1.0.18 by jedisct1/libsodium#1039), so there it reads as a wrong password:
  // it fails closed. Newer libsodium returns -1 with errno left at ENOMEM, which we report as
  // PasswordErrc::internal. Never true on -1. errno is thread-local: safe with many threads.
  errno = 0;
  const int rc =
      parts.algorithm == HashAlgorithm::argon2id
          ? crypto_pwhash_argon2id_str_verify(phc.c_str(), bytes_of(password), password.size())
          : crypto_pwhash_argon2i_str_verify(phc.c_str(), bytes_of(password), password.size());
  if (rc == 0) return true;
  if (errno == EINVAL) return false;
  fail(PasswordErrc::internal, errno == ENOMEM ? "argon2 verification failed (out of memory)"
                                               : "argon2 verification failed");
}

bool needs_rehash(std::string_view encoded, const Argon2Params& params) {
  const HashInfo info = parse_hash(encoded);
  return !(info.algorithm == HashAlgorithm::argon2id && info.memory_kib == params.memory_kib &&
           info.iterations == params.iterations && info.parallelism == params.parallelism &&
           info.salt_bytes >= kRehashMinSaltBytes && info.hash_bytes >= kRehashMinHashBytes);
}

}  // namespace pyauth
