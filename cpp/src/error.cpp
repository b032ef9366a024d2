#include "pyauth/error.hpp"

namespace pyauth {
namespace {

class TokenCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pyauth.token"; }
  std::string message(int ev) const override {
    switch (static_cast<TokenErrc>(ev)) {
      case TokenErrc::malformed: return "malformed token";
      case TokenErrc::too_large: return "token too large";
      case TokenErrc::bad_signature: return "signature verification failed";
      case TokenErrc::algorithm_not_allowed: return "algorithm not allowed";
      case TokenErrc::unsupported_crit: return "unsupported critical header parameter";
      case TokenErrc::no_matching_key: return "no key matches the token";
      case TokenErrc::expired: return "token has expired";
      case TokenErrc::not_yet_valid: return "token is not yet valid";
      case TokenErrc::invalid_iat: return "invalid issued-at claim";
      case TokenErrc::bad_audience: return "invalid audience";
      case TokenErrc::bad_issuer: return "invalid issuer";
      case TokenErrc::missing_claim: return "missing required claim";
      case TokenErrc::bad_token_type: return "wrong token type";
      case TokenErrc::bad_subject: return "invalid subject";
      case TokenErrc::bad_jti: return "invalid token id";
    }
    return "unknown token error";
  }
};

class KeyCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pyauth.key"; }
  std::string message(int ev) const override {
    switch (static_cast<KeyErrc>(ev)) {
      case KeyErrc::invalid_key: return "invalid key";
      case KeyErrc::weak_key: return "key too weak";
      case KeyErrc::unsupported_algorithm: return "unsupported algorithm";
      case KeyErrc::not_private: return "key cannot sign";
    }
    return "unknown key error";
  }
};

class PasswordCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pyauth.password"; }
  std::string message(int ev) const override {
    switch (static_cast<PasswordErrc>(ev)) {
      case PasswordErrc::invalid_hash: return "invalid password hash";
      case PasswordErrc::invalid_password: return "invalid password";
      case PasswordErrc::invalid_parameters: return "invalid hashing parameters";
      case PasswordErrc::internal: return "password hashing failed";
    }
    return "unknown password error";
  }
};

class OtpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pyauth.otp"; }
  std::string message(int ev) const override {
    switch (static_cast<OtpErrc>(ev)) {
      case OtpErrc::invalid_secret: return "invalid one-time-code secret";
      case OtpErrc::invalid_code: return "invalid one-time code";
      case OtpErrc::invalid_parameters: return "invalid one-time-code parameters";
      case OtpErrc::invalid_uri: return "invalid otpauth URI";
    }
    return "unknown one-time-code error";
  }
};

class SealCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pyauth.seal"; }
  std::string message(int ev) const override {
    switch (static_cast<SealErrc>(ev)) {
      case SealErrc::malformed: return "malformed sealed data";
      case SealErrc::unauthentic: return "sealed data could not be authenticated";
      case SealErrc::invalid_input: return "invalid sealing key or context";
    }
    return "unknown sealing error";
  }
};

}  // namespace

const std::error_category& token_category() noexcept {
  static const TokenCategory c;
  return c;
}
const std::error_category& key_category() noexcept {
  static const KeyCategory c;
  return c;
}
const std::error_category& password_category() noexcept {
  static const PasswordCategory c;
  return c;
}
const std::error_category& otp_category() noexcept {
  static const OtpCategory c;
  return c;
}
const std::error_category& seal_category() noexcept {
  static const SealCategory c;
  return c;
}

std::error_code make_error_code(TokenErrc e) noexcept {
  return {static_cast<int>(e), token_category()};
}
std::error_code make_error_code(KeyErrc e) noexcept { return {static_cast<int>(e), key_category()}; }
std::error_code make_error_code(PasswordErrc e) noexcept {
  return {static_cast<int>(e), password_category()};
}
std::error_code make_error_code(OtpErrc e) noexcept { return {static_cast<int>(e), otp_category()}; }
std::error_code make_error_code(SealErrc e) noexcept {
  return {static_cast<int>(e), seal_category()};
}

}  // namespace pyauth
