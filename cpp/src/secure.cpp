#include "pyauth/secure.hpp"

#include <openssl/crypto.h>
#include <sodium.h>

#include <stdexcept>

namespace pyauth {

void ensure_sodium() {
  // sodium_init() is thread-safe and idempotent; the static makes it run once.
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

void wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) sodium_memzero(data, size);
}

void wipe(std::string& s) noexcept {
  // Wipe the whole capacity: the string may have been longer before.
  wipe(s.data(), s.capacity());
  s.clear();
}

bool equal_ct(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SecretBytes::SecretBytes(std::string_view bytes) : bytes_(bytes) {}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() noexcept { pyauth::wipe(bytes_); }

}  // namespace pyauth
