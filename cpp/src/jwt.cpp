// JWS compact serialization and JWT claim validation (RFC 7515, 7519, 8725).
//
// The decoder keeps its base64url buffers and simdjson parsers between calls, so a
// decode of a typical token allocates nothing of its own: the header and claims it hands
// back are views into those parsers.
#include "pyauth/jwt.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"

namespace pyauth {
namespace {

namespace dom = simdjson::dom;

// Objects and arrays may nest this deep, the top-level object counting as 1.
constexpr std::size_t kMaxDepth = 32;
// Objects with at most this many members are checked for duplicates pairwise; larger
// ones (only a hostile or unusual token has them) by sorting their names.
constexpr std::size_t kPairwiseLimit = 8;
// Attacker-supplied text quoted in an error message is cut to this many characters.
constexpr std::size_t kMaxQuoted = 64;

// Attacker-controlled text made fit for an error message: at most kMaxQuoted characters,
// anything but printable ASCII (and the quote and backslash) replaced by '?'.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxQuoted) + 3);
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7F && c != '\'' && c != '\\' ? static_cast<char>(c) : '?');
  }
  if (text.size() > kMaxQuoted) out.append("...");
  return out;
}

std::string quoted(std::string_view text) { return '\'' + printable(text) + '\''; }

enum class Shape { ok, duplicate, too_deep };

// Scratch space for sorting member names of large objects; reused by each thread.
std::vector<std::string_view>& name_scratch() {
  thread_local std::vector<std::string_view> names;
  return names;
}

bool is_container(const dom::element& e) noexcept {
  const dom::element_type t = e.type();
  return t == dom::element_type::OBJECT || t == dom::element_type::ARRAY;
}

Shape check_container(const dom::element& element, std::size_t depth);

// Duplicate member names in `obj` and, recursively, in what it holds. Small objects (all
// a normal token has) are checked pairwise in the same pass that visits the values; large
// ones by sorting their names, so a hostile 8 KiB object costs O(n log n), not O(n^2).
Shape check_object(const dom::object& obj, std::size_t depth) {
  if (obj.size() > kPairwiseLimit) {
    auto& names = name_scratch();
    names.clear();
    for (const dom::key_value_pair field : obj) names.push_back(field.key);
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) != names.end()) return Shape::duplicate;
    for (const dom::key_value_pair field : obj) {
      if (is_container(field.value)) {
        const Shape s = check_container(field.value, depth + 1);
        if (s != Shape::ok) return s;
      }
    }
    return Shape::ok;
  }
  std::array<std::string_view, kPairwiseLimit> seen{};
  std::size_t count = 0;
  for (const dom::key_value_pair field : obj) {
    // size() is exact for anything this small; the bound only keeps the array safe.
    if (count == seen.size()) return Shape::duplicate;
    for (std::size_t j = 0; j < count; ++j) {
      if (seen[j] == field.key) return Shape::duplicate;
    }
    seen[count++] = field.key;
    if (is_container(field.value)) {
      const Shape s = check_container(field.value, depth + 1);
      if (s != Shape::ok) return s;
    }
  }
  return Shape::ok;
}

// An object or array at nesting level `depth` (the top-level object is 1). Recursion is
// bounded by kMaxDepth.
Shape check_container(const dom::element& element, std::size_t depth) {
  if (depth > kMaxDepth) return Shape::too_deep;
  dom::object obj;
  if (element.get_object().get(obj) == simdjson::SUCCESS) return check_object(obj, depth);
  dom::array arr;
  if (element.get_array().get(arr) != simdjson::SUCCESS) return Shape::ok;
  for (const dom::element item : arr) {
    if (is_container(item)) {
      const Shape s = check_container(item, depth + 1);
      if (s != Shape::ok) return s;
    }
  }
  return Shape::ok;
}

// Parses `len` bytes at `data` as a JSON object and checks its shape. `padded`: the
// buffer has SIMDJSON_PADDING readable bytes after `len` (otherwise simdjson copies it).
dom::object parse_object(dom::parser& parser, const char* data, std::size_t len, bool padded,
                         std::string_view what) {
  dom::element root;
  const simdjson::error_code err = parser.parse(data, len, !padded).get(root);
  if (err == simdjson::DEPTH_ERROR) {
    fail(TokenErrc::malformed,
         std::string(what) + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (err != simdjson::SUCCESS)
    fail(TokenErrc::malformed, std::string(what) + " is not valid JSON");
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    fail(TokenErrc::malformed, std::string(what) + " is not a JSON object");
  }
  switch (check_object(obj, 1)) {
    case Shape::ok:
      break;
    case Shape::duplicate:
      fail(TokenErrc::malformed, std::string(what) + " has a duplicate member name");
    case Shape::too_deep:
      fail(TokenErrc::malformed,
           std::string(what) + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  return obj;
}

// Decodes one base64url segment into `buf` followed by SIMDJSON_PADDING zero bytes, so
// simdjson can read it in place; returns the decoded length.
std::size_t decode_json_segment(std::string_view segment, std::string& buf, std::string_view what) {
  buf.reserve(segment.size() / 4 * 3 + 3 + simdjson::SIMDJSON_PADDING);
  if (!base64url_decode(segment, buf)) {
    fail(TokenErrc::malformed, std::string(what) + " is not canonical base64url");
  }
  const std::size_t len = buf.size();
  buf.resize(len + simdjson::SIMDJSON_PADDING);
  return len;
}

bool is_none(std::string_view name) noexcept {
  if (name.size() != 4) return false;
  constexpr std::string_view kNone = "none";
  for (std::size_t i = 0; i < 4; ++i) {
    const char c = name[i];
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kNone[i]) return false;
  }
  return true;
}

// A JSON number (not a bool) as a double.
bool number_value(const dom::element& e, double& out) noexcept {
  switch (e.type()) {
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return e.get_double().get(out) == simdjson::SUCCESS;
    default:
      return false;
  }
}

// Header checks: alg, kid, crit, b64. `options` is null for decode_unverified (any known
// algorithm, crit only checked for shape).
void check_header(const dom::object& header, const VerifyOptions* options, DecodedToken& out) {
  dom::element alg_el, crit_el, b64_el;
  bool has_alg = false, has_crit = false, has_b64 = false;
  for (const dom::key_value_pair field : header) {
    const std::string_view k = field.key;
    if (k == "alg") {
      has_alg = true;
      alg_el = field.value;
    } else if (k == "kid") {
      if (field.value.get_string().get(out.kid) != simdjson::SUCCESS) {
        fail(TokenErrc::malformed, "header kid must be a string");
      }
      out.has_kid = true;
    } else if (k == "crit") {
      has_crit = true;
      crit_el = field.value;
    } else if (k == "b64") {
      has_b64 = true;
      b64_el = field.value;
    }
  }

  if (!has_alg) fail(TokenErrc::malformed, "header has no alg");
  std::string_view alg_name;
  if (alg_el.get_string().get(alg_name) != simdjson::SUCCESS) {
    fail(TokenErrc::malformed, "header alg must be a string");
  }
  if (is_none(alg_name)) fail(TokenErrc::algorithm_not_allowed, "alg none is never accepted");
  const std::optional<Algorithm> alg = algorithm_from_name(alg_name);
  if (!alg) {
    fail(TokenErrc::algorithm_not_allowed, "algorithm " + quoted(alg_name) + " is not supported");
  }
  if (options != nullptr && std::find(options->algorithms.begin(), options->algorithms.end(),
                                      *alg) == options->algorithms.end()) {
    fail(TokenErrc::algorithm_not_allowed,
         "algorithm " + std::string(algorithm_name(*alg)) + " is not allowed");
  }
  out.alg = *alg;

  if (has_crit) {
    dom::array crit;
    if (crit_el.get_array().get(crit) != simdjson::SUCCESS || crit.size() == 0) {
      fail(TokenErrc::unsupported_crit, "header crit must be a non-empty array of strings");
    }
    for (const dom::element item : crit) {
      std::string_view name;
      if (item.get_string().get(name) != simdjson::SUCCESS) {
        fail(TokenErrc::unsupported_crit, "header crit must be a non-empty array of strings");
      }
      if (options != nullptr &&
          std::find(options->understood_crit.begin(), options->understood_crit.end(), name) ==
              options->understood_crit.end()) {
        fail(TokenErrc::unsupported_crit,
             "critical header parameter " + quoted(name) + " is not understood");
      }
    }
  }
  // RFC 7797 unencoded payloads change what is signed; we only implement b64 = true.
  if (has_b64) {
    bool b64 = false;
    if (b64_el.get_bool().get(b64) != simdjson::SUCCESS || !b64) {
      fail(TokenErrc::unsupported_crit, "header b64 (RFC 7797 unencoded payload) is not supported");
    }
  }
}

struct Segments {
  std::string_view signing_input;
  std::string_view header, payload, signature;
};

Segments split_token(std::string_view token, std::size_t max_size) {
  if (token.size() > max_size) {
    fail(TokenErrc::too_large, "token is " + std::to_string(token.size()) + " bytes, over the " +
                                   std::to_string(max_size) + "-byte limit");
  }
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    fail(TokenErrc::malformed, "token must have three segments separated by '.'");
  }
  Segments s;
  s.header = token.substr(0, first);
  s.payload = token.substr(first + 1, second - first - 1);
  s.signature = token.substr(second + 1);
  s.signing_input = token.substr(0, second);
  if (s.header.empty()) fail(TokenErrc::malformed, "token header segment is empty");
  if (s.payload.empty()) fail(TokenErrc::malformed, "token payload segment is empty");
  // An empty signature is refused after the header is checked (decode_structure), so an
  // unsecured "alg":"none" token is reported as the algorithm refusal it is.
  return s;
}

double current_time() noexcept {
  using std::chrono::duration;
  using std::chrono::system_clock;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

bool is_empty_aud(const dom::element& aud) noexcept {
  switch (aud.type()) {
    case dom::element_type::NULL_VALUE:
      return true;
    case dom::element_type::STRING: {
      std::string_view s;
      return aud.get_string().get(s) == simdjson::SUCCESS && s.empty();
    }
    case dom::element_type::ARRAY: {
      dom::array arr;
      return aud.get_array().get(arr) == simdjson::SUCCESS && arr.size() == 0;
    }
    default:
      return false;
  }
}

bool listed(const std::vector<std::string>& list, std::string_view value) noexcept {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void check_audience(const dom::element* aud, const VerifyOptions& options) {
  if (options.audience.empty()) {
    // PyJWT: a token that names an audience is refused when the caller expects none.
    if (aud != nullptr && !is_empty_aud(*aud)) {
      fail(TokenErrc::bad_audience, "token has an audience but none was expected");
    }
    return;
  }
  if (aud == nullptr || is_empty_aud(*aud)) {
    fail(TokenErrc::missing_claim, "token is missing the \"aud\" claim", "aud");
  }
  std::string_view one;
  if (aud->get_string().get(one) == simdjson::SUCCESS) {
    if (!listed(options.audience, one))
      fail(TokenErrc::bad_audience, "token audience does not match");
    return;
  }
  dom::array list;
  if (aud->get_array().get(list) != simdjson::SUCCESS) {
    fail(TokenErrc::bad_audience, "invalid aud claim format");
  }
  bool match = false;
  for (const dom::element item : list) {
    std::string_view value;
    if (item.get_string().get(value) != simdjson::SUCCESS) {
      fail(TokenErrc::bad_audience, "invalid aud claim format");
    }
    match = match || listed(options.audience, value);
  }
  if (!match) fail(TokenErrc::bad_audience, "token audience does not match");
}

}  // namespace

std::string sign_compact(std::string_view header_json, std::string_view payload_json,
                         const Key& key) {
  thread_local dom::parser parser;
  {
    const dom::object header =
        parse_object(parser, header_json.data(), header_json.size(), false, "header");
    std::string_view alg;
    if (header.at_key("alg").get_string().get(alg) != simdjson::SUCCESS) {
      fail(KeyErrc::invalid_key, "header has no alg string");
    }
    const std::string_view expected = algorithm_name(key.algorithm());
    if (alg != expected) {
      fail(KeyErrc::invalid_key, "header alg " + printable(alg) +
                                     " does not match the key's algorithm " +
                                     std::string(expected));
    }
  }
  parse_object(parser, payload_json.data(), payload_json.size(), false, "payload");

  const auto b64_len = [](std::size_t n) { return (n * 4 + 2) / 3; };
  std::string out;
  out.reserve(b64_len(header_json.size()) + b64_len(payload_json.size()) + b64_len(512) + 2);
  base64url_encode_append(header_json, out);
  out.push_back('.');
  base64url_encode_append(payload_json, out);
  const std::string signature = key.sign(out);
  out.push_back('.');
  base64url_encode_append(signature, out);
  return out;
}

TokenDecoder::TokenDecoder(std::size_t max_token_size) : max_token_size_(max_token_size) {
  // Room for the largest acceptable token up front (within reason), so decoding does not
  // allocate later.
  constexpr std::size_t kMaxPrealloc = std::size_t{64} * 1024;
  const std::size_t json_capacity = std::min(max_token_size, kMaxPrealloc) / 4 * 3 + 3;
  header_buf_.reserve(json_capacity + simdjson::SIMDJSON_PADDING);
  payload_buf_.reserve(json_capacity + simdjson::SIMDJSON_PADDING);
  signature_buf_.reserve(json_capacity);
  if (header_parser_.allocate(std::max<std::size_t>(json_capacity, 64)) != simdjson::SUCCESS ||
      payload_parser_.allocate(std::max<std::size_t>(json_capacity, 64)) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}

TokenDecoder::TokenDecoder(TokenDecoder&& other) noexcept
    : max_token_size_(other.max_token_size_),
      header_buf_(std::move(other.header_buf_)),
      payload_buf_(std::move(other.payload_buf_)),
      signature_buf_(std::move(other.signature_buf_)),
      header_parser_(std::move(other.header_parser_)),
      payload_parser_(std::move(other.payload_parser_)) {
  // Views into the parsers hold the address of the parser's document, which has changed.
  other.out_ = DecodedToken{};
  other.last_header_valid_ = false;
}

TokenDecoder& TokenDecoder::operator=(TokenDecoder&& other) noexcept {
  if (this != &other) {
    max_token_size_ = other.max_token_size_;
    header_buf_ = std::move(other.header_buf_);
    payload_buf_ = std::move(other.payload_buf_);
    signature_buf_ = std::move(other.signature_buf_);
    header_parser_ = std::move(other.header_parser_);
    payload_parser_ = std::move(other.payload_parser_);
    out_ = DecodedToken{};
    last_header_.clear();
    last_header_valid_ = false;
    other.out_ = DecodedToken{};
    other.last_header_valid_ = false;
  }
  return *this;
}

std::string_view TokenDecoder::decode_structure(std::string_view token,
                                                const VerifyOptions* options) {
  out_ = DecodedToken{};
  const Segments seg = split_token(token, max_token_size_);
  // Both segments are checked for canonical base64url before either is parsed.
  const bool same_header = last_header_valid_ && seg.header == last_header_;
  std::size_t header_len = 0;
  if (!same_header) {
    last_header_valid_ = false;
    header_len = decode_json_segment(seg.header, header_buf_, "header");
  }
  const std::size_t payload_len = decode_json_segment(seg.payload, payload_buf_, "payload");
  if (!base64url_decode(seg.signature, signature_buf_)) {
    fail(TokenErrc::malformed, "signature is not canonical base64url");
  }
  if (!same_header) {
    last_header_object_ =
        parse_object(header_parser_, header_buf_.data(), header_len, true, "header");
    last_header_.assign(seg.header);
    last_header_valid_ = true;
  }
  out_.header = last_header_object_;
  out_.claims = parse_object(payload_parser_, payload_buf_.data(), payload_len, true, "payload");
  check_header(out_.header, options, out_);
  if (seg.signature.empty()) fail(TokenErrc::malformed, "token signature segment is empty");
  return seg.signing_input;
}

const DecodedToken& TokenDecoder::decode(std::string_view token, const KeySet& keys,
                                         const VerifyOptions& options) {
  const std::string_view signing_input = decode_structure(token, &options);

  // As KeySet::candidates, without building the list: exact fits, else fallbacks.
  bool any_key = false;
  bool verified = false;
  for (const KeySet::Fit wanted : {KeySet::Fit::exact, KeySet::Fit::fallback}) {
    for (const KeyPtr& key : keys.keys()) {
      if (KeySet::fit(*key, out_.alg, out_.kid, out_.has_kid) != wanted) continue;
      any_key = true;
      if (key->verify(signing_input, signature_buf_)) {
        verified = true;
        break;
      }
    }
    if (any_key) break;
  }
  if (!any_key) {
    std::string message = "no key for alg " + std::string(algorithm_name(out_.alg));
    if (out_.has_kid) message += " and kid " + quoted(out_.kid);
    fail(TokenErrc::no_matching_key, message);
  }
  if (!verified) fail(TokenErrc::bad_signature, "signature verification failed");

  validate_claims(out_.claims, options);
  return out_;
}

const DecodedToken& TokenDecoder::decode_unverified(std::string_view token) {
  decode_structure(token, nullptr);
  return out_;
}

void validate_claims(const simdjson::dom::object& claims, const VerifyOptions& options) {
  if (!std::isfinite(options.leeway)) throw std::invalid_argument("leeway must be a finite number");

  for (const std::string& name : options.required) {
    dom::element value;
    if (claims.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) {
      fail(TokenErrc::missing_claim, "token is missing the \"" + name + "\" claim", name);
    }
  }

  // One pass over the claims picks out the registered ones.
  dom::element exp, nbf, iat, iss, aud, sub, jti, typ;
  bool has_exp = false, has_nbf = false, has_iat = false, has_iss = false, has_aud = false,
       has_sub = false, has_jti = false, has_typ = false;
  const bool want_typ = !options.type_claim.empty();
  for (const dom::key_value_pair field : claims) {
    const std::string_view k = field.key;
    if (k.size() == 3) {
      if (k == "exp") {
        exp = field.value;
        has_exp = true;
      } else if (k == "nbf") {
        nbf = field.value;
        has_nbf = true;
      } else if (k == "iat") {
        iat = field.value;
        has_iat = true;
      } else if (k == "iss") {
        iss = field.value;
        has_iss = true;
      } else if (k == "aud") {
        aud = field.value;
        has_aud = true;
      } else if (k == "sub") {
        sub = field.value;
        has_sub = true;
      } else if (k == "jti") {
        jti = field.value;
        has_jti = true;
      }
    }
    if (want_typ && k == options.type_claim) {
      typ = field.value;
      has_typ = true;
    }
  }

  const bool timed = (options.verify_exp && has_exp) || (options.verify_nbf && has_nbf) ||
                     (options.verify_iat && has_iat);
  const double now = !timed ? 0 : options.now >= 0 ? options.now : current_time();
  const double leeway = options.leeway;
  double value = 0;
  if (options.verify_exp && has_exp) {
    if (!number_value(exp, value)) fail(TokenErrc::malformed, "exp claim must be a number");
    if (value <= now - leeway) fail(TokenErrc::expired, "token has expired");
  }
  if (options.verify_nbf && has_nbf) {
    if (!number_value(nbf, value)) fail(TokenErrc::malformed, "nbf claim must be a number");
    if (value > now + leeway) fail(TokenErrc::not_yet_valid, "token is not yet valid (nbf)");
  }
  if (options.verify_iat && has_iat) {
    if (!number_value(iat, value)) fail(TokenErrc::invalid_iat, "iat claim must be a number");
    if (value > now + leeway) fail(TokenErrc::not_yet_valid, "token is not yet valid (iat)");
  }
  if (options.verify_iss && !options.issuer.empty()) {
    if (!has_iss) fail(TokenErrc::missing_claim, "token is missing the \"iss\" claim", "iss");
    std::string_view issuer;
    if (iss.get_string().get(issuer) != simdjson::SUCCESS || !listed(options.issuer, issuer)) {
      fail(TokenErrc::bad_issuer, "invalid issuer");
    }
  }
  if (options.verify_aud) check_audience(has_aud ? &aud : nullptr, options);
  if (options.verify_sub && has_sub && !sub.is_string()) {
    fail(TokenErrc::bad_subject, "sub claim must be a string");
  }
  if (options.verify_jti && has_jti && !jti.is_string()) {
    fail(TokenErrc::bad_jti, "jti claim must be a string");
  }
  if (want_typ) {
    std::string_view type;
    if (!has_typ || typ.get_string().get(type) != simdjson::SUCCESS ||
        type != options.expected_type) {
      fail(TokenErrc::bad_token_type, "token has wrong type");
    }
  }
}

}  // namespace pyauth
