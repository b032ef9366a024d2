// Strict text encodings of binary data: base64url (JWS), base64 (Django / PHC hash
// strings), base32 (one-time-code secrets). Decoders return false on any input that is
// not the canonical encoding of some byte string; they never throw.
#pragma once

#include <string>
#include <string_view>

namespace pyauth {

// RFC 4648 §5 without padding, as JWS uses it.
std::string base64url_encode(std::string_view bytes);
void base64url_encode_append(std::string_view bytes, std::string& out);
// Refuses '=' padding, characters outside the alphabet, a length of 1 mod 4 and
// non-zero trailing bits (non-canonical). `out` is overwritten.
bool base64url_decode(std::string_view text, std::string& out);

// RFC 4648 §4 (standard alphabet). With `padded`, output carries '=' padding and the
// decoder requires it; without, the decoder refuses it (PHC strings use no padding).
std::string base64_encode(std::string_view bytes, bool padded);
bool base64_decode(std::string_view text, std::string& out, bool padded);

// RFC 4648 §6. The decoder is what one-time-code secrets need: case-insensitive,
// '=' padding optional (but, if present, exactly right), non-canonical trailing bits
// refused.
std::string base32_encode(std::string_view bytes, bool padded);
bool base32_decode(std::string_view text, std::string& out);

}  // namespace pyauth
