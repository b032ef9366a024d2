// The password-hash string parser on arbitrary stored values, and hash-then-verify round
// trips. Properties:
// - parse_hash, needs_rehash and verify_password only throw pyauth::Error of the password
//   domain, and agree on which strings are well formed;
// - an accepted string is the one canonical spelling of what parse_hash reports: printed
//   back from the parsed numbers and the (canonical base64) salt and hash it is identical;
// - a string parse_hash accepts is one libsodium / OpenSSL can check (verify_password gives
//   true or false, never invalid_hash or an internal error) -- checked when it is cheap;
// - hash_pbkdf2_sha256 / hash_argon2id of a fuzzed password and salt verify, a different
//   password does not, and any one-byte edit of the encoded hash never verifies.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "pyauth/encoding.hpp"
#include "pyauth/password.hpp"

namespace {

using pyauth::HashAlgorithm;
using pyauth::fuzz::require;

template <std::size_t N>
bool split(std::string_view text, std::array<std::string_view, N>& fields) {
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t at = i + 1 < N ? text.find('$') : std::string_view::npos;
    if (i + 1 < N && at == std::string_view::npos) return false;
    fields[i] = text.substr(0, at);
    text.remove_prefix(at == std::string_view::npos ? text.size() : at + 1);
  }
  return true;
}

// The canonical spelling of an accepted hash, rebuilt from parse_hash's numbers.
void check_canonical(std::string_view encoded, const pyauth::HashInfo& info) {
  std::string decoded;
  if (info.algorithm == HashAlgorithm::pbkdf2_sha256) {
    std::array<std::string_view, 4> f;
    require(split(encoded, f), "an accepted pbkdf2 hash has fewer than 4 fields", encoded);
    require(f[3].find('$') == std::string_view::npos, "an accepted pbkdf2 hash has a '$' in it",
            encoded);
    require(std::string("pbkdf2_sha256$") + std::to_string(info.iterations) + "$" +
                    std::string(f[2]) + "$" + std::string(f[3]) ==
                encoded,
            "an accepted pbkdf2 hash is not in canonical form", encoded);
    require(f[2].size() == info.salt_bytes && !f[2].empty(), "pbkdf2 salt size misreported",
            encoded);
    require(pyauth::base64_decode(f[3], decoded, true) && decoded.size() == info.hash_bytes &&
                info.hash_bytes == 32,
            "pbkdf2 hash size misreported", encoded);
    return;
  }
  std::array<std::string_view, 6> f;
  require(split(encoded, f), "an accepted argon2 hash has fewer than 6 fields", encoded);
  const char* variant = info.algorithm == HashAlgorithm::argon2id ? "argon2id" : "argon2i";
  require(std::string("argon2$") + variant + "$v=19$m=" + std::to_string(info.memory_kib) + ",t=" +
                  std::to_string(info.iterations) + ",p=" + std::to_string(info.parallelism) + "$" +
                  std::string(f[4]) + "$" + std::string(f[5]) ==
              encoded,
          "an accepted argon2 hash is not in canonical form", encoded);
  require(pyauth::base64_decode(f[4], decoded, false) && decoded.size() == info.salt_bytes,
          "argon2 salt size misreported", encoded);
  require(pyauth::base64_decode(f[5], decoded, false) && decoded.size() == info.hash_bytes,
          "argon2 hash size misreported", encoded);
  require(info.memory_kib >= 8 * info.parallelism && info.iterations >= 1 &&
              info.parallelism >= 1 && info.memory_kib <= pyauth::kArgon2MaxMemoryKib,
          "argon2 parameters out of bounds accepted", encoded);
}

bool cheap(const pyauth::HashInfo& info) {
  if (info.algorithm == HashAlgorithm::pbkdf2_sha256) return info.iterations <= 2000;
  return std::uint64_t{info.memory_kib} * info.iterations <= 4096;
}

// verify_password's verdict, with a malformed or unverifiable hash as nullopt-like -1.
int verdict(std::string_view password, std::string_view encoded) {
  try {
    return pyauth::verify_password(password, encoded) ? 1 : 0;
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::password_category());
    require(e.code() == pyauth::PasswordErrc::invalid_hash,
            "verify_password failed other than by refusing the hash", e.what());
    return -1;
  }
}

// A hash made here verifies its password, not another, and no one-byte edit of it does.
void round_trip(std::string_view password, const std::string& encoded, std::size_t where,
                char value) {
  require(verdict(password, encoded) == 1, "a fresh hash does not verify its password", encoded);
  require(verdict(std::string(password) + "x", encoded) == 0,
          "a fresh hash verifies another password", encoded);
  std::string edited = encoded;
  edited[where % edited.size()] = value;
  if (edited == encoded) return;
  try {
    const pyauth::HashInfo info = pyauth::parse_hash(edited);
    if (!cheap(info)) return; // e.g. t=2 edited to t=9 at m=19456: valid, merely slow
  } catch (const pyauth::Error&) {
  }
  require(verdict(password, edited) != 1, "an edited hash still verifies", edited);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view encoded(reinterpret_cast<const char*>(data), size);

  bool parsed = false;
  pyauth::HashInfo info;
  try {
    info = pyauth::parse_hash(encoded);
    parsed = true;
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::password_category());
    require(e.code() == pyauth::PasswordErrc::invalid_hash, "parse_hash: not invalid_hash",
            e.what());
  }
  try {
    pyauth::needs_rehash(encoded);
    require(parsed, "needs_rehash accepts what parse_hash refuses", encoded);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::password_category());
    require(!parsed, "needs_rehash refuses what parse_hash accepts", encoded);
  }
  if (parsed) {
    check_canonical(encoded, info);
    if (cheap(info)) {
      require(verdict("password", encoded) >= 0,
              "parse_hash accepts a hash that verify_password cannot check", encoded);
    }
  } else {
    require(verdict("password", encoded) == -1, "verify_password takes what parse_hash refuses",
            encoded);
  }

  // Round trips, with the input as password and salt material.
  pyauth::fuzz::Input input(data, size);
  const std::uint8_t choice = input.byte();
  const auto value = static_cast<char>(input.byte());
  const std::uint16_t where = input.u16();
  std::string salt(input.take(24));
  for (char& c : salt)
    c = c == '$' ? '_' : c;
  // Room for the "x" round_trip appends.
  const std::string_view password = input.take(pyauth::kMaxPasswordBytes - 1);
  if ((choice & 3) == 0) {
    round_trip(password, pyauth::hash_argon2id(password, {8, 1, 1}), where, value);
  } else {
    const std::uint32_t iterations = 1 + choice % 32;
    const std::string hashed = pyauth::hash_pbkdf2_sha256(password, iterations, salt);
    const pyauth::HashInfo made = pyauth::parse_hash(hashed);
    require(made.iterations == iterations && (salt.empty() || made.salt_bytes == salt.size()),
            "a fresh pbkdf2 hash misreports its parameters", hashed);
    round_trip(password, hashed, where, value);
  }
  return 0;
}
