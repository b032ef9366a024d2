// Owned secret bytes that are wiped when they die, and constant-time comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pyauth {

// A byte string holding key material. The buffer is wiped (sodium_memzero) on
// destruction and on move-from; copying is explicit through the constructor.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes);
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  const unsigned char* data() const noexcept {
    return reinterpret_cast<const unsigned char*>(bytes_.data());
  }
  std::size_t size() const noexcept { return bytes_.size(); }
  std::string_view view() const noexcept { return bytes_; }

 private:
  void wipe() noexcept;
  std::string bytes_;
};

// Wipes a buffer the core owns (sodium_memzero; never optimised away).
void wipe(void* data, std::size_t size) noexcept;
void wipe(std::string& s) noexcept;

// Constant-time equality (CRYPTO_memcmp). Lengths are compared in the clear: they are
// public (a MAC or code length is fixed by the algorithm).
bool equal_ct(std::string_view a, std::string_view b) noexcept;

// Initialises libsodium once; safe to call from any thread, any number of times.
void ensure_sodium();

}  // namespace pyauth
