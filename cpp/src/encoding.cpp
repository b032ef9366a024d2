#include "pyauth/encoding.hpp"

#include <array>
#include <cstdint>

#include "pyauth/secure.hpp"

namespace pyauth {
namespace {

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::uint8_t kInvalid = 0xFF;

template <std::size_t N>
constexpr std::array<std::uint8_t, 256> reverse_table(const char (&alphabet)[N], bool casefold) {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    const auto c = static_cast<unsigned char>(alphabet[i]);
    t[c] = static_cast<std::uint8_t>(i);
    if (casefold && c >= 'A' && c <= 'Z') t[c + ('a' - 'A')] = static_cast<std::uint8_t>(i);
  }
  return t;
}

constexpr auto kB64UrlRev = reverse_table(kB64Url, false);
constexpr auto kB64StdRev = reverse_table(kB64Std, false);
constexpr auto kB32Rev = reverse_table(kB32, true);

// The coders size their output once and write through a pointer: byte-at-a-time
// push_back was ~40% of a token decode.
void b64_encode(std::string_view in, std::string& out, const char* alphabet, bool padded) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  const std::size_t rest = n % 3;
  const std::size_t tail = rest == 0 ? 0 : padded ? 4 : rest + 1;
  const std::size_t start = out.size();
  out.resize(start + n / 3 * 4 + tail);
  char* o = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3, o += 4) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
  }
  if (rest == 0) return;
  const std::uint32_t v =
      (std::uint32_t{p[i]} << 16) | (rest == 2 ? std::uint32_t{p[i + 1]} << 8 : 0);
  o[0] = alphabet[(v >> 18) & 63];
  o[1] = alphabet[(v >> 12) & 63];
  if (rest == 2) o[2] = alphabet[(v >> 6) & 63];
  if (padded) {
    if (rest == 1) o[2] = '=';
    o[3] = '=';
  }
}

// Decodes unpadded base64 text with the given reverse table, refusing anything that is
// not the canonical encoding (bad characters, a dangling sextet, non-zero spare bits).
// May leave a partial result in `out` when it refuses: b64_decode_unpadded cleans up.
bool b64_decode_unpadded_raw(std::string_view in, std::string& out,
                             const std::array<std::uint8_t, 256>& rev) {
  const std::size_t n = in.size();
  if (n % 4 == 1) {
    out.clear();
    return false;
  }
  const std::size_t rest = n % 4;
  out.resize(n / 4 * 3 + (rest == 0 ? 0 : rest - 1));
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4, o += 3) {
    const std::uint8_t a = rev[p[i]], b = rev[p[i + 1]], c = rev[p[i + 2]], d = rev[p[i + 3]];
    // kInvalid has its top bits set; every valid sextet has them clear.
    if (((a | b | c | d) & 0xC0) != 0) return false;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | d;
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>((v >> 8) & 0xFF);
    o[2] = static_cast<char>(v & 0xFF);
  }
  if (rest == 2) {
    const std::uint8_t a = rev[p[i]], b = rev[p[i + 1]];
    if (((a | b) & 0xC0) != 0 || (b & 0x0F) != 0) return false;
    o[0] = static_cast<char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint8_t a = rev[p[i]], b = rev[p[i + 1]], c = rev[p[i + 2]];
    if (((a | b | c) & 0xC0) != 0 || (c & 0x03) != 0) return false;
    o[0] = static_cast<char>((a << 2) | (b >> 4));
    o[1] = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
  }
  return true;
}

// A refused input leaves `out` empty, with whatever had been decoded before the bad
// character wiped (the text may have held key material).
bool b64_decode_unpadded(std::string_view in, std::string& out,
                         const std::array<std::uint8_t, 256>& rev) {
  if (b64_decode_unpadded_raw(in, out, rev)) return true;
  wipe(out);
  return false;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  b64_encode(bytes, out, kB64Url, false);
  return out;
}

void base64url_encode_append(std::string_view bytes, std::string& out) {
  b64_encode(bytes, out, kB64Url, false);
}

bool base64url_decode(std::string_view text, std::string& out) {
  return b64_decode_unpadded(text, out, kB64UrlRev);
}

std::string base64_encode(std::string_view bytes, bool padded) {
  std::string out;
  b64_encode(bytes, out, kB64Std, padded);
  return out;
}

bool base64_decode(std::string_view text, std::string& out, bool padded) {
  if (padded) {
    if (text.size() % 4 != 0) {
      out.clear();
      return false;
    }
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
    // "==" must stand for exactly one byte and "=" for two: the unpadded rest checks that.
    if (pad != 0 && text.size() % 4 != 4 - pad) {
      out.clear();
      return false;
    }
  }
  return b64_decode_unpadded(text, out, kB64StdRev);
}

std::string base32_encode(std::string_view bytes, bool padded) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kB32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kB32[(buffer << (5 - bits)) & 31]);
  if (padded) {
    while (out.size() % 8 != 0) out.push_back('=');
  }
  return out;
}

bool base32_decode(std::string_view text, std::string& out) {
  out.clear();
  // Optional padding, but if present it must complete the last 8-character group.
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  const std::size_t tail = end % 8;
  // Valid lengths of the last group: 2, 4, 5, 7 characters (1, 2, 3, 4 bytes) or full.
  if (tail == 1 || tail == 3 || tail == 6) return false;
  // Padding, if any, completes a partial last group exactly: never a whole group of '='
  // after a full one (or alone), never too few or too many.
  if (end != text.size() && (tail == 0 || text.size() - end != 8 - tail)) return false;
  out.reserve(end * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const std::uint8_t v = kB32Rev[static_cast<unsigned char>(text[i])];
    if (v == kInvalid) {
      wipe(out);
      return false;
    }
    buffer = ((buffer << 5) | v) & 0xFFFF;
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  // The spare bits of the last character must be zero (canonical encoding).
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
    wipe(out);
    return false;
  }
  return true;
}

}  // namespace pyauth
