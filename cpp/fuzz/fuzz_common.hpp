// Shared by the fuzz targets: reading the fuzzer's bytes, the property checks, and the fixed
// keys in cpp/fuzz/keys/ (fixed, not generated, so a crashing input replays identically).
//
// A broken property is reported and abort()s: libFuzzer saves the input as a crash, and the
// replay driver (replay_main.cpp) fails its ctest test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "pyauth/error.hpp"
#include "pyauth/keys.hpp"

#ifndef PYAUTH_FUZZ_DIR
#error "PYAUTH_FUZZ_DIR must name cpp/fuzz (set by cpp/fuzz/CMakeLists.txt)"
#endif

namespace pyauth::fuzz {

// A property of the code under test does not hold: report it and stop.
[[noreturn]] inline void broken(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property broken: %s", what);
  if (!detail.empty()) {
    std::fprintf(stderr, " [");
    for (const char ch : detail.substr(0, 200)) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x20 && c < 0x7F) {
        std::fputc(c, stderr);
      } else {
        std::fprintf(stderr, "\\x%02x", c);
      }
    }
    std::fprintf(stderr, "]");
  }
  std::fprintf(stderr, "\n");
  std::abort();
}

inline void require(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) broken(what, detail);
}

// An exception from the core must be pyauth::Error of the expected domain: anything else
// (std::out_of_range, a simdjson exception, ...) is a bug the binding would turn into a 500.
inline void require_domain(const pyauth::Error& e, const std::error_category& category) {
  if (e.code().category() != category) broken("error from an unexpected domain", e.what());
}

// Reads the fuzzer's bytes front to back; past the end every read gives zeros / empty.
class Input {
public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::uint16_t u16() {
    const std::uint16_t hi = byte();
    return static_cast<std::uint16_t>(hi << 8 | byte());
  }
  // Up to `n` bytes.
  std::string_view take(std::size_t n) {
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  // Bytes up to (not including) the next `sep`, which is consumed; the rest if none.
  std::string_view until(char sep) {
    const std::size_t at = rest_.find(sep);
    const std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return out;
  }
  std::string_view rest() {
    const std::string_view out = rest_;
    rest_ = {};
    return out;
  }

private:
  std::string_view rest_;
};

inline std::string read_fixture(const char* name) {
  const std::string path = std::string(PYAUTH_FUZZ_DIR) + "/keys/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) broken("cannot read a fixed fuzzing key", path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The fixed keys, parsed once per process.
struct FixedKeys {
  KeyPtr hs256, hs512, es256, eddsa, rs256, ps256;
  KeySet all;

  FixedKeys() {
    const std::string secret = read_fixture("hs.key");
    hs256 = key_from_secret(Algorithm::HS256, secret);
    hs512 = key_from_secret(Algorithm::HS512, secret);
    es256 = key_from_pem(Algorithm::ES256, read_fixture("es256.pem"));
    eddsa = key_from_pem(Algorithm::EdDSA, read_fixture("eddsa.pem"));
    const std::string rsa = read_fixture("rsa.pem");
    rs256 = key_from_pem(Algorithm::RS256, rsa);
    ps256 = key_from_pem(Algorithm::PS256, rsa);
    for (const KeyPtr& k : {hs256, hs512, es256, eddsa, rs256, ps256})
      all.add(k);
  }
};

inline const FixedKeys& fixed_keys() {
  static const FixedKeys keys;
  return keys;
}

} // namespace pyauth::fuzz
