// base64url, base64 (padded and unpadded) and base32: any text the decoders accept is the
// one canonical encoding of what they return (re-encoding gives the same text back, so a
// token or hash has exactly one accepted spelling), a refused text leaves nothing behind,
// and decode(encode(x)) == x for any bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "pyauth/encoding.hpp"

namespace {

using pyauth::fuzz::require;

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out = "left over";

  // base64url (JWS segments).
  if (pyauth::base64url_decode(in, out)) {
    require(pyauth::base64url_encode(out) == in, "base64url accepted a non-canonical text", in);
  } else {
    require(out.empty(), "a refused base64url text left output behind", in);
  }
  out = "left over";
  require(pyauth::base64url_decode(pyauth::base64url_encode(in), out) && out == in,
          "base64url decode(encode(x)) != x", in);
  std::string appended = "prefix.";
  pyauth::base64url_encode_append(in, appended);
  require(appended == "prefix." + pyauth::base64url_encode(in),
          "base64url_encode_append differs from base64url_encode", in);

  // base64, standard alphabet (Django's PBKDF2 hashes padded, PHC strings unpadded).
  for (const bool padded : {false, true}) {
    out = "left over";
    if (pyauth::base64_decode(in, out, padded)) {
      require(pyauth::base64_encode(out, padded) == in, "base64 accepted a non-canonical text", in);
    } else {
      require(out.empty(), "a refused base64 text left output behind", in);
    }
    require(pyauth::base64_decode(pyauth::base64_encode(in, padded), out, padded) && out == in,
            "base64 decode(encode(x)) != x", in);
  }

  // base32 (one-time-code secrets): case-insensitive, padding optional but exact.
  out = "left over";
  if (pyauth::base32_decode(in, out)) {
    const bool padded = !in.empty() && in.back() == '=';
    require(pyauth::base32_encode(out, padded) == upper_ascii(in),
            "base32 accepted a non-canonical text", in);
  } else {
    require(out.empty(), "a refused base32 text left output behind", in);
  }
  for (const bool padded : {false, true}) {
    require(pyauth::base32_decode(pyauth::base32_encode(in, padded), out) && out == in,
            "base32 decode(encode(x)) != x", in);
  }
  return 0;
}
