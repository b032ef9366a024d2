// HOTP (RFC 4226) / TOTP (RFC 6238) codes on OpenSSL's HMAC, random secrets and codes
// from libsodium, and otpauth:// URIs (Google Authenticator's Key Uri Format).
#include "pyauth/otp.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <simdjson.h>
#include <sodium.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"

namespace pyauth {

namespace {

using MacPtr = std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

constexpr unsigned kMinDigits = 6;
constexpr unsigned kMaxDigits = 8;
constexpr unsigned kMaxWindow = 10;
constexpr std::uint32_t kMaxPeriod = 3600;
constexpr std::size_t kMaxRandomSecretBytes = 1024;
constexpr std::size_t kMaxUriLength = 2048;

constexpr std::array<std::uint32_t, 11> kPow10 = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u, 0u};

const char* digest_name(OtpHash h) noexcept {
  switch (h) {
    case OtpHash::sha1:
      return "SHA1";
    case OtpHash::sha256:
      return "SHA256";
    case OtpHash::sha512:
      return "SHA512";
  }
  return "SHA1";
}

// The HMAC implementation, fetched once for the process (EVP_MAC objects are
// reference-counted and safe to share between threads).
EVP_MAC* hmac_algorithm() {
  static const MacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr), &EVP_MAC_free);
  if (!mac) throw std::runtime_error("OpenSSL has no HMAC implementation");
  return mac.get();
}

// Writes `value` as exactly `digits` decimal digits, zero-padded on the left.
void put_digits(std::uint64_t value, unsigned digits, char* out) noexcept {
  for (unsigned i = digits; i > 0; --i) {
    out[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

void check_digits(unsigned digits) {
  if (digits < kMinDigits || digits > kMaxDigits) {
    fail(OtpErrc::invalid_parameters,
         "one-time codes must have 6, 7 or 8 digits, got " + std::to_string(digits));
  }
}

// Wipes a buffer of secret bytes when it goes out of scope, however the scope is left.
struct WipeOnExit {
  std::string& s;
  ~WipeOnExit() { wipe(s); }
};

}  // namespace

// --------------------------------------------------------------------------- hashes

std::optional<OtpHash> otp_hash_from_name(std::string_view name) noexcept {
  auto is = [name](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != want[i]) return false;
    }
    return true;
  };
  if (is("SHA1")) return OtpHash::sha1;
  if (is("SHA256")) return OtpHash::sha256;
  if (is("SHA512")) return OtpHash::sha512;
  return std::nullopt;
}

std::string_view otp_hash_name(OtpHash h) noexcept { return digest_name(h); }

// --------------------------------------------------------------------------- OtpKey

struct OtpKey::Mac {
  MacCtxPtr ctx{nullptr, &EVP_MAC_CTX_free};
};

OtpKey::OtpKey(OtpKey&&) noexcept = default;
OtpKey& OtpKey::operator=(OtpKey&&) noexcept = default;
OtpKey::~OtpKey() = default;

OtpKey::OtpKey(std::string_view secret, OtpHash hash, unsigned digits)
    : secret_(secret), hash_(hash), digits_(digits) {
  if (secret_.size() < kOtpMinSecretBytes) {
    fail(OtpErrc::invalid_secret, "one-time-code secret must be at least 128 bits, got " +
                                      std::to_string(secret_.size() * 8));
  }
  check_digits(digits);
  if (hash != OtpHash::sha1 && hash != OtpHash::sha256 && hash != OtpHash::sha512) {
    fail(OtpErrc::invalid_parameters, "unknown one-time-code hash");
  }

  auto mac = std::make_unique<Mac>();
  mac->ctx.reset(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!mac->ctx) throw std::runtime_error("OpenSSL could not allocate an HMAC context");
  // OSSL_PARAM takes a non-const char*; OpenSSL only reads it.
  char* md = const_cast<char*>(digest_name(hash));
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(mac->ctx.get(), secret_.data(), secret_.size(), params) != 1) {
    throw std::runtime_error("OpenSSL could not key the HMAC context");
  }
  mac_ = std::move(mac);
}

OtpKey OtpKey::from_base32(std::string_view secret_b32, OtpHash hash, unsigned digits) {
  std::string raw;
  const WipeOnExit guard{raw};
  if (!base32_decode(secret_b32, raw)) fail(OtpErrc::invalid_secret, "secret is not valid base32");
  return OtpKey(raw, hash, digits);
}

namespace {

// A private copy of the shared keyed context (which is never mutated, so keys are safe
// to use from several threads).
MacCtxPtr working_copy(const EVP_MAC_CTX* base) {
  MacCtxPtr ctx(EVP_MAC_CTX_dup(base), &EVP_MAC_CTX_free);
  if (!ctx) throw std::runtime_error("OpenSSL could not copy the HMAC context");
  return ctx;
}

// HOTP(K, C) per RFC 4226 §5.3 on `ctx`, a working copy of the keyed context; returns the
// code as a number below 10^digits. `reuse` re-initialises a copy that has already
// produced a MAC (EVP_MAC_init with no key keeps the key): a window of codes costs one
// copy, not one per code.
std::uint32_t hotp_value(EVP_MAC_CTX* ctx, bool reuse, std::uint64_t counter, unsigned digits) {
  std::array<unsigned char, 8> msg{};
  for (std::size_t i = 0; i < msg.size(); ++i) {
    msg[7 - i] = static_cast<unsigned char>(counter >> (8 * i));
  }
  if (reuse && EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not re-initialise the HMAC context");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  std::size_t len = 0;
  if (EVP_MAC_update(ctx, msg.data(), msg.size()) != 1 ||
      EVP_MAC_final(ctx, md.data(), &len, md.size()) != 1 || len < 20) {
    OPENSSL_cleanse(md.data(), md.size());
    throw std::runtime_error("OpenSSL HMAC computation failed");
  }
  // Dynamic truncation: the low 4 bits of the last byte pick 4 bytes, top bit cleared.
  const std::size_t offset = md[len - 1] & 0x0F;
  const std::uint32_t bin = (std::uint32_t{md[offset]} & 0x7F) << 24 |
                            std::uint32_t{md[offset + 1]} << 16 |
                            std::uint32_t{md[offset + 2]} << 8 | std::uint32_t{md[offset + 3]};
  OPENSSL_cleanse(md.data(), md.size());
  return bin % kPow10[digits];
}

}  // namespace

std::string OtpKey::code(std::uint64_t counter) const {
  if (!mac_) throw std::logic_error("OtpKey used after it was moved from");
  std::string out(digits_, '0');
  const MacCtxPtr ctx = working_copy(mac_->ctx.get());
  put_digits(hotp_value(ctx.get(), false, counter, digits_), digits_, out.data());
  return out;
}

std::optional<std::uint64_t> OtpKey::match(std::string_view code, std::uint64_t center,
                                           unsigned before, unsigned after) const {
  if (!mac_) throw std::logic_error("OtpKey used after it was moved from");
  if (before > kMaxWindow || after > kMaxWindow) {
    fail(OtpErrc::invalid_parameters, "the verification window is at most 10 steps each side");
  }
  bool well_formed = code.size() == digits_;
  for (const char c : code) well_formed = well_formed && c >= '0' && c <= '9';
  if (!well_formed) {
    fail(OtpErrc::invalid_code, "code must be " + std::to_string(digits_) + " digits");
  }

  const std::uint64_t first = center >= before ? center - before : 0;
  const std::uint64_t last = center <= std::numeric_limits<std::uint64_t>::max() - after
                                 ? center + after
                                 : std::numeric_limits<std::uint64_t>::max();
  // Every candidate is computed and compared; a match does not end the loop early.
  std::optional<std::uint64_t> found;
  std::array<char, kMaxDigits> candidate{};
  const MacCtxPtr ctx = working_copy(mac_->ctx.get());
  for (std::uint64_t counter = first;; ++counter) {
    put_digits(hotp_value(ctx.get(), counter != first, counter, digits_), digits_,
               candidate.data());
    const bool equal = equal_ct(std::string_view(candidate.data(), digits_), code);
    if (equal && !found) found = counter;
    if (counter == last) break;
  }
  wipe(candidate.data(), candidate.size());
  return found;
}

// --------------------------------------------------------------------------- TOTP

std::uint64_t totp_counter(double unix_time, std::uint32_t period, std::int64_t t0) {
  if (period == 0) fail(OtpErrc::invalid_parameters, "the TOTP period must be positive");
  if (!std::isfinite(unix_time)) {
    fail(OtpErrc::invalid_parameters, "the time is not a finite number");
  }
  // floor((t - t0) / period) == floor((floor(t) - t0) / period) for integer t0 and
  // period, and the right-hand side is exact in integers. Doubles at or beyond
  // +-2^63 are out of int64 range.
  constexpr double kTwo63 = 9223372036854775808.0;
  const double whole = std::floor(unix_time);
  if (whole >= kTwo63) fail(OtpErrc::invalid_parameters, "the time is out of range");
  if (whole < -kTwo63 || static_cast<std::int64_t>(whole) < t0) {
    fail(OtpErrc::invalid_parameters, "the time is before the TOTP epoch t0");
  }
  const std::uint64_t elapsed =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(whole)) - static_cast<std::uint64_t>(t0);
  return elapsed / period;
}

// --------------------------------------------------------------------------- randomness

std::string random_base32_secret(std::size_t bytes) {
  if (bytes < kOtpMinSecretBytes || bytes > kMaxRandomSecretBytes) {
    fail(OtpErrc::invalid_parameters,
         "a one-time-code secret must be 16 to 1024 bytes (128 to 8192 bits), got " +
             std::to_string(bytes) + " bytes");
  }
  ensure_sodium();
  std::string raw(bytes, '\0');
  const WipeOnExit guard{raw};
  randombytes_buf(raw.data(), raw.size());
  return base32_encode(raw, false);
}

std::string random_numeric_code(unsigned digits) {
  if (digits < 1 || digits > 10) {
    fail(OtpErrc::invalid_parameters,
         "a random code must have 1 to 10 digits, got " + std::to_string(digits));
  }
  ensure_sodium();
  std::uint64_t value = 0;
  if (digits <= 9) {
    value = randombytes_uniform(kPow10[digits]);
  } else {
    // 10^10 does not fit in 32 bits: two independent uniform halves of 5 digits make a
    // uniform 10-digit number.
    value =
        std::uint64_t{randombytes_uniform(kPow10[5])} * kPow10[5] + randombytes_uniform(kPow10[5]);
  }
  std::string out(digits, '0');
  put_digits(value, digits, out.data());
  return out;
}

// --------------------------------------------------------------------------- otpauth URIs

namespace {

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but the unreserved characters (a space is %20).
void percent_encode(std::string_view in, std::string& out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Text we put in or take out of a URI: valid UTF-8 with no control characters.
bool is_clean_text(std::string_view s) noexcept {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return simdjson::validate_utf8(s.data(), s.size());
}

[[noreturn]] void bad_uri(const std::string& message) { fail(OtpErrc::invalid_uri, message); }

// Percent-decodes `in` (`what` names it in errors). In a query, '+' stands for a space
// (application/x-www-form-urlencoded, as pyotp and most parsers read it).
std::string percent_decode(std::string_view in, bool plus_is_space, const std::string& what) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      const int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) bad_uri("malformed percent-escape in the " + what);
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!is_clean_text(out)) {
    bad_uri(std::string("the ") + what + " contains control characters or invalid UTF-8");
  }
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// A plain decimal number (ASCII digits only, no sign, no spaces) up to `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) noexcept {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > max / 10 || (v == max / 10 && d > max % 10)) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// Checks a secret as it appears in a URI; `invalid` is the error code to raise.
void check_uri_secret(std::string_view secret, OtpErrc invalid) {
  std::string raw;
  const WipeOnExit guard{raw};
  if (!base32_decode(secret, raw)) fail(invalid, "secret is not valid base32");
  if (raw.size() < kOtpMinSecretBytes) {
    fail(invalid,
         "one-time-code secret must be at least 128 bits, got " + std::to_string(raw.size() * 8));
  }
}

}  // namespace

std::string provisioning_uri(const OtpAuthUri& uri) {
  const bool totp = uri.type == "totp";
  if (!totp && uri.type != "hotp") {
    fail(OtpErrc::invalid_parameters, "the OTP type must be \"totp\" or \"hotp\"");
  }
  // Readers skip the spaces after "Issuer:" (the Key Uri Format allows them), so after an
  // issuer an account of spaces alone would read back as no account at all.
  if (uri.account.empty() ||
      (!uri.issuer.empty() && uri.account.find_first_not_of(' ') == std::string::npos)) {
    fail(OtpErrc::invalid_parameters, "the account name is required");
  }
  if (uri.account.find(':') != std::string::npos || uri.issuer.find(':') != std::string::npos) {
    fail(OtpErrc::invalid_parameters, "neither the issuer nor the account name may contain ':'");
  }
  if (!is_clean_text(uri.account) || !is_clean_text(uri.issuer)) {
    fail(OtpErrc::invalid_parameters,
         "the issuer and account name must be UTF-8 without control characters");
  }
  check_uri_secret(uri.secret, OtpErrc::invalid_secret);
  check_digits(uri.digits);
  if (totp && (uri.period == 0 || uri.period > kMaxPeriod)) {
    fail(OtpErrc::invalid_parameters, "the TOTP period must be 1 to 3600 seconds");
  }
  if (uri.hash != OtpHash::sha1 && uri.hash != OtpHash::sha256 && uri.hash != OtpHash::sha512) {
    fail(OtpErrc::invalid_parameters, "unknown one-time-code hash");
  }

  // Parameter order and defaults as pyotp 2.9 writes them.
  std::string out = totp ? "otpauth://totp/" : "otpauth://hotp/";
  if (!uri.issuer.empty()) {
    percent_encode(uri.issuer, out);
    out.push_back(':');
  }
  percent_encode(uri.account, out);
  out.append("?secret=");
  percent_encode(uri.secret, out);
  if (!uri.issuer.empty()) {
    out.append("&issuer=");
    percent_encode(uri.issuer, out);
  }
  if (!totp) out.append("&counter=").append(std::to_string(uri.counter));
  if (uri.hash != OtpHash::sha1) out.append("&algorithm=").append(otp_hash_name(uri.hash));
  if (uri.digits != 6) out.append("&digits=").append(std::to_string(uri.digits));
  if (totp && uri.period != 30) out.append("&period=").append(std::to_string(uri.period));
  if (out.size() > kMaxUriLength) {
    fail(OtpErrc::invalid_parameters, "the otpauth URI would be longer than 2048 characters");
  }
  return out;
}

OtpAuthUri parse_otpauth_uri(std::string_view uri) {
  if (uri.size() > kMaxUriLength) bad_uri("the otpauth URI is longer than 2048 characters");
  for (const char ch : uri) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) bad_uri("the otpauth URI contains control characters");
  }

  const std::size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos ||
      !iequals_ascii(uri.substr(0, scheme_end), "otpauth")) {
    bad_uri("the URI scheme must be otpauth://");
  }
  const std::string_view rest = uri.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) bad_uri("the otpauth URI must not have a fragment");

  OtpAuthUri out;
  const std::size_t slash = rest.find('/');
  const std::size_t query_at = rest.find('?');
  if (slash == std::string_view::npos || (query_at != std::string_view::npos && query_at < slash)) {
    bad_uri("the otpauth URI has no label");
  }
  const std::string_view type = rest.substr(0, slash);
  if (iequals_ascii(type, "totp")) {
    out.type = "totp";
  } else if (iequals_ascii(type, "hotp")) {
    out.type = "hotp";
  } else {
    bad_uri("the OTP type must be totp or hotp");
  }
  if (query_at == std::string_view::npos) {
    bad_uri("the otpauth URI has no parameters (secret is required)");
  }
  const std::string_view raw_label = rest.substr(slash + 1, query_at - slash - 1);
  const std::string_view query = rest.substr(query_at + 1);

  out.label = percent_decode(raw_label, false, "label");
  if (out.label.empty()) bad_uri("the otpauth URI has an empty label");
  std::string label_issuer;
  const std::size_t colon = out.label.find(':');
  if (colon == std::string::npos) {
    out.account = out.label;
  } else {
    label_issuer = out.label.substr(0, colon);
    // The Key Uri Format allows spaces between "Issuer:" and the account name.
    const std::size_t account_at = out.label.find_first_not_of(' ', colon + 1);
    if (account_at != std::string::npos) out.account = out.label.substr(account_at);
    if (label_issuer.empty()) bad_uri("the label has an empty issuer before ':'");
  }
  if (out.account.empty()) bad_uri("the label has no account name");

  std::optional<std::string> secret, issuer, algorithm, digits, period, counter;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string key = percent_decode(pair.substr(0, eq), true, "parameter name");
    std::optional<std::string>* slot = nullptr;
    if (key == "secret") {
      slot = &secret;
    } else if (key == "issuer") {
      slot = &issuer;
    } else if (key == "algorithm") {
      slot = &algorithm;
    } else if (key == "digits") {
      slot = &digits;
    } else if (key == "period" && out.type == "totp") {
      slot = &period;
    } else if (key == "counter" && out.type == "hotp") {
      slot = &counter;
    }
    if (slot == nullptr) continue;  // unknown parameters (image, ...) are ignored
    if (slot->has_value()) bad_uri("the parameter \"" + key + "\" appears more than once");
    if (eq == std::string_view::npos) bad_uri("the parameter \"" + key + "\" has no value");
    *slot = percent_decode(pair.substr(eq + 1), true, "value of the parameter \"" + key + "\"");
  }

  if (!secret) bad_uri("the otpauth URI has no secret parameter");
  check_uri_secret(*secret, OtpErrc::invalid_uri);
  out.secret = std::move(*secret);

  if (issuer) {
    if (colon != std::string::npos && *issuer != label_issuer) {
      bad_uri("the issuer parameter differs from the issuer in the label");
    }
    out.issuer = std::move(*issuer);
  } else {
    out.issuer = std::move(label_issuer);
  }
  if (algorithm) {
    const auto h = otp_hash_from_name(*algorithm);
    if (!h) bad_uri("the algorithm must be SHA1, SHA256 or SHA512");
    out.hash = *h;
  }
  if (digits) {
    const auto d = parse_decimal(*digits, kMaxDigits);
    if (!d || *d < kMinDigits) bad_uri("digits must be 6, 7 or 8");
    out.digits = static_cast<unsigned>(*d);
  }
  if (period) {
    const auto p = parse_decimal(*period, kMaxPeriod);
    if (!p || *p == 0) bad_uri("the period must be a whole number of seconds from 1 to 3600");
    out.period = static_cast<std::uint32_t>(*p);
  }
  if (counter) {
    const auto c = parse_decimal(*counter, std::numeric_limits<std::uint64_t>::max());
    if (!c) bad_uri("the counter must be a whole number from 0 to 2^64-1");
    out.counter = *c;
  }
  return out;
}

}  // namespace pyauth
