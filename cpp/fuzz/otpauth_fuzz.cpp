// otpauth:// URIs and base32 one-time-code secrets. Properties:
// - parse_otpauth_uri of any text throws only OtpErrc::invalid_uri;
// - what it accepts can be used: the secret makes an OtpKey whose codes match themselves,
//   and, when provisioning_uri can write it, parse(build(parse(x))) == parse(x);
// - build-then-parse of fuzzed fields (issuer, account, secret bytes, parameters) gives
//   the same fields back whenever provisioning_uri accepts them (an account's leading
//   spaces after an issuer excepted: see account_read_back).
// The input is tried both ways: whole as a URI, and split into fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "pyauth/encoding.hpp"
#include "pyauth/otp.hpp"

namespace {

using pyauth::OtpAuthUri;
using pyauth::OtpErrc;
using pyauth::fuzz::require;

// The account as a reader gets it back: the Key Uri Format lets spaces follow "Issuer:",
// so readers (parse_otpauth_uri, pyotp, authenticator apps) skip them, and
// provisioning_uri, like pyotp's, writes such a name as it is (a documented loss,
// OtpAuthUri.RoundTripsOddNames).
std::string_view account_read_back(const OtpAuthUri& u) {
  std::string_view account = u.account;
  if (!u.issuer.empty()) {
    const std::size_t first = account.find_first_not_of(' ');
    account.remove_prefix(first == std::string_view::npos ? account.size() : first);
  }
  return account;
}

bool same(const OtpAuthUri& a, const OtpAuthUri& b) {
  const bool totp = a.type == "totp";
  return a.type == b.type && account_read_back(a) == b.account && a.issuer == b.issuer &&
         a.secret == b.secret && a.hash == b.hash && a.digits == b.digits &&
         (!totp || a.period == b.period) && (totp || a.counter == b.counter);
}

std::string describe(const OtpAuthUri& u) {
  return u.type + "|" + u.issuer + "|" + u.account + "|" + u.secret + "|" +
         std::to_string(u.digits) + "|" + std::to_string(u.period) + "|" +
         std::to_string(u.counter);
}

// provisioning_uri, or empty when it refuses (invalid_parameters / invalid_secret only).
std::string build(const OtpAuthUri& uri) {
  try {
    return pyauth::provisioning_uri(uri);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::otp_category());
    require(e.code() == OtpErrc::invalid_parameters || e.code() == OtpErrc::invalid_secret,
            "provisioning_uri failed with an unexpected code", e.what());
    return {};
  }
}

void check_parsed(const OtpAuthUri& parsed, std::string_view text) {
  require(parsed.type == "totp" || parsed.type == "hotp", "parsed an unknown type", text);
  require(!parsed.account.empty(), "parsed an empty account", text);
  require(parsed.digits >= 6 && parsed.digits <= 8, "parsed digits out of range", text);
  require(parsed.period >= 1 && parsed.period <= 3600, "parsed period out of range", text);
  // The secret is usable as it stands.
  const pyauth::OtpKey key = pyauth::OtpKey::from_base32(parsed.secret, parsed.hash, parsed.digits);
  const std::string code = key.code(parsed.counter);
  require(code.size() == parsed.digits, "a code of the wrong length", text);
  const auto matched = key.match(code, parsed.counter, 0, 0);
  require(matched == parsed.counter, "a key does not match its own code", text);

  const std::string rebuilt = build(parsed);
  if (rebuilt.empty()) return;
  OtpAuthUri again;
  try {
    again = pyauth::parse_otpauth_uri(rebuilt);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::broken("parse refuses what provisioning_uri wrote", e.what());
  }
  require(same(parsed, again), "parse(build(parse(x))) != parse(x)",
          describe(parsed) + " vs " + describe(again));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_parsed(pyauth::parse_otpauth_uri(text), text);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::require_domain(e, pyauth::otp_category());
    require(e.code() == OtpErrc::invalid_uri, "parse_otpauth_uri: not invalid_uri", e.what());
  }

  // Fields: flags, digits, period, 8 counter bytes, then issuer '\n' account '\n' secret.
  pyauth::fuzz::Input input(data, size);
  OtpAuthUri uri;
  const std::uint8_t flags = input.byte();
  uri.type = (flags & 1) != 0 ? "hotp" : "totp";
  uri.hash = flags >> 1 & 1   ? pyauth::OtpHash::sha256
             : flags >> 2 & 1 ? pyauth::OtpHash::sha512
                              : pyauth::OtpHash::sha1;
  uri.digits = 5 + input.byte() % 5; // 5..9: the ends are refused
  uri.period = input.u16() % 3700;   // 0 and over 3600 are refused
  for (int i = 0; i < 4; ++i)
    uri.counter = uri.counter << 16 | input.u16();
  uri.issuer = std::string(input.until('\n'));
  uri.account = std::string(input.until('\n'));
  const std::string_view secret_bytes = input.rest();
  uri.secret = pyauth::base32_encode(secret_bytes, (flags & 8) != 0);
  if ((flags & 16) != 0) {
    for (char& c : uri.secret) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  const std::string built = build(uri);
  if (built.empty()) return 0;
  OtpAuthUri parsed;
  try {
    parsed = pyauth::parse_otpauth_uri(built);
  } catch (const pyauth::Error& e) {
    pyauth::fuzz::broken("parse refuses what provisioning_uri wrote", e.what());
  }
  require(same(uri, parsed), "parse(build(x)) != x", describe(uri) + " vs " + describe(parsed));
  return 0;
}
