// Tests of pyauth/keys.hpp: the RFC 7515 Appendix A and RFC 8037 Appendix A vectors
// (tests/vectors/*.json), round trips for every algorithm, PEM / JWK import, and every
// refusal with its error code.
#include "pyauth/keys.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"

namespace pyauth {
namespace {

// ---------------------------------------------------------------- fixtures
// PEM forms of the RFC keys (RFC 7515 A.2 RSA, A.3 EC P-256; RFC 8037 A.1 Ed25519), written
// with Python's `cryptography` 48 from the JWKs in tests/vectors, plus a few keys pyauth
// must refuse (RSA 1024, secp256k1, encrypted). The certificate is self-signed with the
// RFC 7515 A.2 key.

constexpr const char *kRsaPkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCh+BYK4uPJtGXO
jS1lYmM2K5J9vinh8CR3/BYlzJChNuOL2TSXxbbqY913EeZ8dCn5VrD7io8ImtxL
aYk8wTM/U+3QGbh3hCUv7JFP5IV3aVlL6kKA0ywPVb9ilE8TA5a8bpvfbr3SvaNn
juygxmj3AbONv/s4yDQs4v5tJ/reSlpIdJed1LnPmt7Ex1sFhSwsD174pcF1A5L5
ROjtZMEQxrZHYJqkeDrrnGya11UxMFBji4NmXG9veoKjlnAqH2QbgtPr8jkiGUkf
toaHLFcW9Qr4NY2ai50Xw0Byj3+H2JoY2PyrZ62EWQwuz3WTOTY8BwNNb2BvniHg
VFbK5emhAgMBAAECggEAEq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyW
PEAeP88vLNO97IjlA7/GQ5sLKMgvfTeXZx9SE+7YwVol2NXOoAJe46sui395IW/G
O+pWJ1O0BkTGoVEn2bKVRUCgu+GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzj
kn439X0M/V51gfpRLI9JYanrC4D4qAdGcopV/0ZHHzQlBjudU2QvXt4ehNYTCBr6
XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl/x/jTj3ccPDVZFD9pIuhLhBOneufuBiB
4cS98l2SR/RQyGWSeWjnczT0QU91p1DhOVRuOopznQKBgQDgHMQQ60imZV1URk0K
pLttoLhyt3SmqdEf/kgHePDdtzEafpAu+cS191R2JiuoF2yzWXnwFDcqGigp5BNr
0AHQfD8/Lk8l1Mk09jxxCfui5nYooNyac8YFjm3vItzVCVDnEd3BbVWG8qf6deqE
lMGAg+C2V0L4oNXnP7LZcPAZRwKBgQC5A8R+CZW2MvRTLLHzwZkUXV866cff7tx6
kqa0finGG0KgeqlaZPxgCZnFp7AeAcCMtiynVlJ7vMVgePsLq6XtON4tB5kP9jAP
rq3rbAOal78eUH5OcED6eNuCV8ixEu1eWcPNCS/l1OW1EnXUEoEHKl54Xrrz2uNw
kgMTP1FZ1wKBgAcCn1dwJKufzBWQxWQp1vsM5fggqPN1qGb5y0MAk3g7/Ls5bkUp
5u9SN0Ai3Ya6hNnvWJMb7sXQX6U/zyO2M/hTip7tUeh7CXgwo59dkpN75gJLVds2
9+DAncu3KXU4f2Fa+7bLNrur53k8KwPOq2bbuTG69QtV7Jr5MR0AHWKNAoGBAIf/
evpitUf+4JYbLpvNXWcY052Mpz22aR84mY3nh3F2LF2mjMJDpTg7FmuyPcVw6EcG
yoAe9fa65iNqCq+jdw6PVNGo2hxfjSiZ8IIzHdsPXI89//pMjZcQK9r+CCoRjaZj
OYiIDktVWZzmevJuv6WywUqd57LE3Zar3dLSIkx1AoGAIYd7DHOhrWvxkwPQsRM2
tOgrjbcrfvtQJipd+DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd/QJQ3
ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp/gh6A56
03k2+ZQwVK0JKSHuLFkuQ3U=
-----END PRIVATE KEY-----
)PEM";

constexpr const char *kRsaTraditional = R"PEM(-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd/wWJcyQoTbji9k0
l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL+yRT+SFd2lZS+pC
gNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb/7OMg0LOL+bSf63kpaSHSX
ndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uD
Zlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxXFvUK+DWNmoudF8NAco9/h9iaGNj8
q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQIDAQABAoIBABKucaRpzQorw35S
bEUAVx8dYXUdZOlJcHtiWQ+dC6V8ljxAHj/PLyzTveyI5QO/xkObCyjIL303l2cf
UhPu2MFaJdjVzqACXuOrLot/eSFvxjvqVidTtAZExqFRJ9mylUVAoLvhowVWmC1O
n95fZCXxTUtxNEG1Xcc7m0rtzJKs45J+N/V9DP1edYH6USyPSWGp6wuA+KgHRnKK
Vf9GRx80JQY7nVNkL17eHoTWEwga+lwi0FEoW9Y7lDtWXYmKBWhUE+U8PGxlJf8f
40493HDw1WRQ/aSLoS4QTp3rn7gYgeHEvfJdkkf0UMhlknlo53M09EFPdadQ4TlU
bjqKc50CgYEA4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH/5IB3jw3bcxGn6QLvnE
tfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw/Py5PJdTJNPY8cQn7ouZ2KKDcmnPG
BY5t7yLc1QlQ5xHdwW1VhvKn+nXqhJTBgIPgtldC+KDV5z+y2XDwGUcCgYEAuQPE
fgmVtjL0Uyyx88GZFF1fOunH3+7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYs
p1ZSe7zFYHj7C6ul7TjeLQeZD/YwD66t62wDmpe/HlB+TnBA+njbglfIsRLtXlnD
zQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdcCgYAHAp9XcCSrn8wVkMVkKdb7
DOX4IKjzdahm+ctDAJN4O/y7OW5FKebvUjdAIt2GuoTZ71iTG+7F0F+lP88jtjP4
U4qe7VHoewl4MKOfXZKTe+YCS1XbNvfgwJ3Ltyl1OH9hWvu2yza7q+d5PCsDzqtm
27kxuvULVeya+TEdAB1ijQKBgQCH/3r6YrVH/uCWGy6bzV1nGNOdjKc9tmkfOJmN
54dxdixdpozCQ6U4OxZrsj3FcOhHBsqAHvX2uuYjagqvo3cOj1TRqNocX40omfCC
Mx3bD1yPPf/6TI2XECva/ggqEY2mYzmIiA5LVVmc5nrybr+lssFKneeyxN2Wq93S
0iJMdQKBgCGHewxzoa1r8ZMD0LETNrToK423K377UCYqXfg5XMclbrjPbEC3YI1Z
NqMtuhdBJqUnBi6tjKMF+34Xf0CUN8ncuXGO2CAYvO8PdyCixHX52ybaDjy1FtCE
6yUXjoKNXKvUm7MWGsAYH6f4IegOetN5NvmUMFStCSkh7ixZLkN1
-----END RSA PRIVATE KEY-----
)PEM";

constexpr const char *kRsaSpki = R"PEM(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj
NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz
P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo
9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB
EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX
FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp
oQIDAQAB
-----END PUBLIC KEY-----
)PEM";

constexpr const char *kRsaPkcs1Public = R"PEM(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd/wWJcyQoTbji9k0l8W2
6mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMs
D1W/YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5
z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxv
b3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxXFvUK+DWNmoudF8NAco9/h9iaGNj8q2et
hFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQIDAQAB
-----END RSA PUBLIC KEY-----
)PEM";

constexpr const char *kRsaCert = R"PEM(-----BEGIN CERTIFICATE-----
MIICpzCCAY+gAwIBAgIBATANBgkqhkiG9w0BAQsFADAWMRQwEgYDVQQDDAtweWF1
dGggdGVzdDAgFw0yNDAxMDEwMDAwMDBaGA8yMTIzMTIwODAwMDAwMFowFjEUMBIG
A1UEAwwLcHlhdXRoIHRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIB
AQCh+BYK4uPJtGXOjS1lYmM2K5J9vinh8CR3/BYlzJChNuOL2TSXxbbqY913EeZ8
dCn5VrD7io8ImtxLaYk8wTM/U+3QGbh3hCUv7JFP5IV3aVlL6kKA0ywPVb9ilE8T
A5a8bpvfbr3SvaNnjuygxmj3AbONv/s4yDQs4v5tJ/reSlpIdJed1LnPmt7Ex1sF
hSwsD174pcF1A5L5ROjtZMEQxrZHYJqkeDrrnGya11UxMFBji4NmXG9veoKjlnAq
H2QbgtPr8jkiGUkftoaHLFcW9Qr4NY2ai50Xw0Byj3+H2JoY2PyrZ62EWQwuz3WT
OTY8BwNNb2BvniHgVFbK5emhAgMBAAEwDQYJKoZIhvcNAQELBQADggEBAF6Uj2E9
DhmMUuyKwfarEhKv5pgbFo6zDBuz2cS1xQtGJXd8EbH22kya++Z7jFrAFXoV2U2f
lY7gqm5HMYk15AB3FhkI2Ola52OJowAsDgHpIdHZ1sYCkI4/qW+NbgpYzuLNORRw
fRojERkcvjMrN+aeuO0XiOrreb2YwvO4m89t4Dn0tvN3veP3qYN82Y4jAwQQ3zpg
m7kxL4Z8vJf7GFtV5svXZFhosiSrCCHulF8tD5DvgECVJ9mLU1QtWLmbrtmh0a1z
3wH1FpFDJ/Qq1kGSgx+8NtFBv6+bo3irnGTwXRGq4Mgj2+xGhTfUaffBG8De1x0k
e3kWQ09TlPGCIvU=
-----END CERTIFICATE-----
)PEM";

constexpr const char *kEcPkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff
H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp
7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt
-----END PRIVATE KEY-----
)PEM";

constexpr const char *kEcTraditional = R"PEM(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSyoAoGCCqGSM49
AwEHoUQDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72b
focs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END EC PRIVATE KEY-----
)PEM";

constexpr const char *kEcSpki = R"PEM(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7
6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END PUBLIC KEY-----
)PEM";

constexpr const char *kEcEncrypted = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBC4i2KEjP3C4UuyUUP+
iy0CAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQD7ZIM35KPHmIk1tz
jtJPpQSBkIvvjUUxYsLgI2GE3u8LCte0xEMlTyzXeAKa/l+ZulqUcGiSobFbff43
MYEfvSxcE7/5u3p2aBVbohFdMEjMs12mM9iQFsAnCyrfCbX4zScacyigXFNfx5fj
28pz3DOLkaeah+B3an47aAncvyvndp1mlAEe6drmCFcC0dZisxxOcR7sAUYcNR2R
DKs9HGubag==
-----END ENCRYPTED PRIVATE KEY-----
)PEM";

constexpr const char *kEdPkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
)PEM";

constexpr const char *kEdSpki = R"PEM(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
)PEM";

constexpr const char *kRsa1024Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7zV7wwDfXv+0UBziHZcJvru7j
blmx28zw0j8RVXdwMci3157ZtcMXqsIloHga6oFdthZwNkKrop8boB6pxIOaksxK
vXvlYAjiq4BRiws+YX+9WHKPEF1HdQG00X76vUHT5O7PfG7TlISS1LJV2wo2MX9l
mG0HVUcr4Gklv8P25wIDAQAB
-----END PUBLIC KEY-----
)PEM";

constexpr const char *kSecp256k1Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE/5wA9Y9CPRayLovygYrEff/LoOPLDlop
O0JAHwvVZO1wf6/YtocLD06R1kdH6/L9w96i3stUFx5lNK547oA/5A==
-----END PUBLIC KEY-----
)PEM";

constexpr const char *kEcTraditionalEncrypted = R"PEM(-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-256-CBC,868F29D7D01B3FED614B325E6D3C25B8

eu4t0xT5nn/wlToWPHyNt+bsYO0aeDBF1uhQYcjA/CvfBDbD6G6hPuZAkS672JPX
NALzFZ91a2tKW/X1uPBtOuSejR2RqFtIC0A41JEHTEW9mPy5kU1Pgzpp70jfoqxv
JqMANldQZeY8N8pzJno+6f45ks0P62yK6a1YmhR4DZo=
-----END EC PRIVATE KEY-----
)PEM";

// ---------------------------------------------------------------- helpers

std::string b64d(std::string_view text) {
  std::string out;
  EXPECT_TRUE(base64url_decode(text, out)) << text;
  return out;
}

// Runs `f`, which must throw pyauth::Error with `code`; returns the message. Also checks
// that the failure left nothing on OpenSSL's error queue.
std::string expect_error(KeyErrc code, const std::function<void()> &f) {
  std::string what;
  try {
    f();
    ADD_FAILURE() << "no exception, expected " << make_error_code(code).message();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), make_error_code(code)) << e.what();
    // std::system_error::what() is "<message>: <category message>"; keep the message.
    what = e.what();
    const std::string suffix = ": " + e.code().message();
    if (what.ends_with(suffix))
      what.resize(what.size() - suffix.size());
  } catch (const std::exception &e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
  }
  EXPECT_EQ(ERR_peek_error(), 0UL) << "stale OpenSSL error left on the queue";
  return what;
}

struct Vectors {
  simdjson::padded_string json;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Vectors(const std::string &name) {
    const std::string path = std::string(PYAUTH_VECTORS_DIR) + "/" + name;
    if (simdjson::padded_string::load(path).get(json) != simdjson::SUCCESS) {
      throw std::runtime_error("cannot read " + path);
    }
    root = parser.parse(json).value();
  }
  // The vector named `name` in "vectors".
  simdjson::dom::object get(std::string_view name) const {
    simdjson::dom::array vectors;
    if (root["vectors"].get_array().get(vectors) != simdjson::SUCCESS) {
      throw std::runtime_error("no \"vectors\" array");
    }
    for (simdjson::dom::element v : vectors) {
      if (v["name"].get_string().value() == name)
        return v.get_object().value();
    }
    throw std::runtime_error("no vector " + std::string(name));
  }
};

const Vectors &rfc7515() {
  static const Vectors v("rfc7515-appendix-a.json");
  return v;
}
const Vectors &rfc8037() {
  static const Vectors v("rfc8037-appendix-a.json");
  return v;
}

std::string str(simdjson::dom::object o, std::string_view key) {
  return std::string(o[key].get_string().value());
}
std::string json_of(simdjson::dom::object o, std::string_view key) {
  return simdjson::minify(o[key]);
}

const std::vector<Algorithm> &all_algorithms() {
  static const std::vector<Algorithm> algs = {Algorithm::HS256, Algorithm::HS384, Algorithm::HS512,
                                              Algorithm::RS256, Algorithm::RS384, Algorithm::RS512,
                                              Algorithm::PS256, Algorithm::PS384, Algorithm::PS512,
                                              Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA};
  return algs;
}

// One generated key per algorithm, made on first use (RSA generation is slow). Called
// from the main thread only.
KeyPtr generated(Algorithm alg) {
  static std::vector<KeyPtr> keys(kAlgorithmCount);
  KeyPtr &key = keys.at(static_cast<std::size_t>(alg));
  if (!key)
    key = generate_key(alg, "gen-" + std::string(algorithm_name(alg)));
  return key;
}

std::string flip_bit(std::string s, std::size_t byte, int bit = 0) {
  s[byte] = static_cast<char>(s[byte] ^ (1 << bit));
  return s;
}

// ---------------------------------------------------------------- algorithm names

TEST(Algorithms, NamesRoundTrip) {
  ASSERT_EQ(all_algorithms().size(), kAlgorithmCount);
  for (Algorithm alg : all_algorithms()) {
    const auto back = algorithm_from_name(algorithm_name(alg));
    ASSERT_TRUE(back.has_value()) << algorithm_name(alg);
    EXPECT_EQ(*back, alg);
  }
  EXPECT_EQ(algorithm_name(Algorithm::EdDSA), "EdDSA");
  EXPECT_EQ(algorithm_name(Algorithm::PS384), "PS384");
}

TEST(Algorithms, UnknownNamesAreRefused) {
  for (std::string_view name :
       {std::string_view("none"), std::string_view("None"), std::string_view("NONE"),
        std::string_view(""), std::string_view("hs256"), std::string_view("HS256 "),
        std::string_view("ES512"), std::string_view("RS1"), std::string_view("Ed25519"),
        std::string_view("EdDSA\0", 6)}) {
    EXPECT_FALSE(algorithm_from_name(name).has_value()) << name;
  }
}

TEST(Algorithms, IsHmac) {
  for (Algorithm alg : all_algorithms()) {
    const bool hs = alg == Algorithm::HS256 || alg == Algorithm::HS384 || alg == Algorithm::HS512;
    EXPECT_EQ(is_hmac(alg), hs) << algorithm_name(alg);
  }
}

// ---------------------------------------------------------------- RFC 7515 Appendix A

TEST(Rfc7515, SigningInputsAndTokensAreSelfConsistent) {
  for (std::string_view name : {"A.1", "A.2", "A.3", "A.4", "A.5"}) {
    const auto v = rfc7515().get(name);
    const std::string si =
        base64url_encode(str(v, "protected_header")) + "." + base64url_encode(str(v, "payload"));
    EXPECT_EQ(si, str(v, "signing_input")) << name;
    EXPECT_EQ(si + "." + str(v, "signature"), str(v, "token")) << name;
  }
}

TEST(Rfc7515, A1Hs256ExactSignature) {
  const auto v = rfc7515().get("A.1");
  const auto key = key_from_jwk(json_of(v, "jwk"), Algorithm::HS256);
  EXPECT_EQ(key->algorithm(), Algorithm::HS256);
  const std::string sig = b64d(str(v, "signature"));
  EXPECT_EQ(key->sign(str(v, "signing_input")), sig);
  EXPECT_TRUE(key->verify(str(v, "signing_input"), sig));
  EXPECT_FALSE(key->verify(str(v, "signing_input") + "x", sig));
  EXPECT_FALSE(key->verify(str(v, "signing_input"), flip_bit(sig, 31, 7)));

  // The same secret given raw, and with the algorithm taken from a JWK "alg" member.
  const std::string secret = b64d(v["jwk"]["k"].get_string().value());
  EXPECT_EQ(key_from_secret(Algorithm::HS256, secret)->sign(str(v, "signing_input")), sig);
  const auto with_alg = key_from_jwk(R"({"kty":"oct","alg":"HS256","k":")" +
                                     std::string(v["jwk"]["k"].get_string().value()) + "\"}");
  EXPECT_EQ(with_alg->algorithm(), Algorithm::HS256);
  EXPECT_TRUE(with_alg->verify(str(v, "signing_input"), sig));
}

TEST(Rfc7515, A2Rs256ExactSignatureFromJwkAndPem) {
  const auto v = rfc7515().get("A.2");
  const std::string si = str(v, "signing_input");
  const std::string sig = b64d(str(v, "signature"));
  const auto jwk_key = key_from_jwk(json_of(v, "jwk"), Algorithm::RS256);
  EXPECT_TRUE(jwk_key->is_private());
  EXPECT_EQ(jwk_key->sign(si), sig); // PKCS#1 v1.5 is deterministic
  EXPECT_TRUE(jwk_key->verify(si, sig));

  for (const char *pem : {kRsaPkcs8, kRsaTraditional}) {
    const auto key = key_from_pem(Algorithm::RS256, pem);
    EXPECT_TRUE(key->is_private());
    EXPECT_EQ(key->sign(si), sig);
    EXPECT_EQ(key->public_jwk(), jwk_key->public_jwk());
  }
  for (const char *pem : {kRsaSpki, kRsaPkcs1Public, kRsaCert}) {
    const auto key = key_from_pem(Algorithm::RS256, pem);
    EXPECT_FALSE(key->is_private());
    EXPECT_TRUE(key->verify(si, sig));
    EXPECT_FALSE(key->verify(si, flip_bit(sig, 100)));
    EXPECT_FALSE(key->verify(flip_bit(si, 10), sig));
    EXPECT_EQ(key->public_pem(), kRsaSpki);
    EXPECT_EQ(key->public_jwk(), jwk_key->public_jwk());
  }
  const std::string expected_jwk = R"({"kty":"RSA","n":")" +
                                   std::string(v["jwk"]["n"].get_string().value()) +
                                   R"(","e":"AQAB","alg":"RS256","use":"sig"})";
  EXPECT_EQ(jwk_key->public_jwk(), expected_jwk);
  EXPECT_EQ(jwk_key->public_pem(), kRsaSpki);
}

TEST(Rfc7515, A3Es256VerifiesTheRfcSignatureAndRoundTrips) {
  const auto v = rfc7515().get("A.3");
  const std::string si = str(v, "signing_input");
  const std::string sig = b64d(str(v, "signature"));
  ASSERT_EQ(sig.size(), 64u);
  const auto jwk_key = key_from_jwk(json_of(v, "jwk")); // ES256 from the curve
  EXPECT_EQ(jwk_key->algorithm(), Algorithm::ES256);
  EXPECT_TRUE(jwk_key->is_private());
  EXPECT_TRUE(jwk_key->verify(si, sig));
  EXPECT_FALSE(jwk_key->verify(si, flip_bit(sig, 0)));
  EXPECT_FALSE(jwk_key->verify(si, flip_bit(sig, 63)));
  EXPECT_FALSE(jwk_key->verify(flip_bit(si, 0), sig));

  const std::string mine = jwk_key->sign(si);
  EXPECT_EQ(mine.size(), 64u);
  EXPECT_TRUE(jwk_key->verify(si, mine));

  const std::string expected_jwk = R"({"kty":"EC","crv":"P-256","x":")" +
                                   std::string(v["jwk"]["x"].get_string().value()) + R"(","y":")" +
                                   std::string(v["jwk"]["y"].get_string().value()) +
                                   R"(","alg":"ES256","use":"sig"})";
  EXPECT_EQ(jwk_key->public_jwk(), expected_jwk);
  EXPECT_EQ(jwk_key->public_pem(), kEcSpki);

  for (const char *pem : {kEcPkcs8, kEcTraditional, kEcSpki}) {
    const auto key = key_from_pem(Algorithm::ES256, pem);
    EXPECT_TRUE(key->verify(si, sig));
    EXPECT_TRUE(key->verify(si, mine));
    EXPECT_EQ(key->public_jwk(), expected_jwk);
    if (key->is_private()) {
      EXPECT_TRUE(jwk_key->verify(si, key->sign(si)));
    }
  }
}

TEST(Rfc7515, A4Es512IsNotImplemented) {
  const auto v = rfc7515().get("A.4");
  EXPECT_FALSE(algorithm_from_name(str(v, "alg")).has_value());
  const std::string msg =
      expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(json_of(v, "jwk")); });
  EXPECT_NE(msg.find("curve"), std::string::npos) << msg;
  // In a JWK Set it is skipped, not an error.
  const KeySet set = keyset_from_jwks(R"({"keys":[)" + json_of(v, "jwk") + "]}");
  EXPECT_TRUE(set.empty());
}

TEST(Rfc7515, A5NoneIsNotAnAlgorithm) {
  const auto v = rfc7515().get("A.5");
  EXPECT_EQ(str(v, "alg"), "none");
  EXPECT_FALSE(algorithm_from_name(str(v, "alg")).has_value());
  expect_error(KeyErrc::unsupported_algorithm, [] {
    key_from_jwk(
        R"({"kty":"oct","alg":"none","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})");
  });
}

// ---------------------------------------------------------------- RFC 8037 Appendix A

TEST(Rfc8037, Ed25519ExactSignatureAndPublicKeyDerivation) {
  const auto v = rfc8037().get("A.1-A.5");
  const std::string si = str(v, "signing_input");
  EXPECT_EQ(
      base64url_encode(str(v, "protected_header")) + "." + base64url_encode(str(v, "payload")), si);
  const std::string sig = b64d(str(v, "signature"));
  EXPECT_EQ(si + "." + str(v, "signature"), str(v, "token"));

  const auto priv = key_from_jwk(json_of(v, "private_jwk"));
  EXPECT_EQ(priv->algorithm(), Algorithm::EdDSA);
  EXPECT_TRUE(priv->is_private());
  EXPECT_EQ(priv->sign(si), sig); // Ed25519 is deterministic
  EXPECT_TRUE(priv->verify(si, sig));

  // The public key derived from d is the x of A.1 / A.2.
  const std::string x(v["public_jwk"]["x"].get_string().value());
  const std::string expected_jwk =
      R"({"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","alg":"EdDSA","use":"sig"})";
  EXPECT_EQ(priv->public_jwk(), expected_jwk);

  const auto pub = key_from_jwk(json_of(v, "public_jwk"));
  EXPECT_FALSE(pub->is_private());
  EXPECT_TRUE(pub->verify(si, sig)); // A.5
  EXPECT_FALSE(pub->verify(si, flip_bit(sig, 0)));
  EXPECT_FALSE(pub->verify(si, flip_bit(sig, 63, 7)));
  EXPECT_FALSE(pub->verify(si + ".", sig));
  EXPECT_FALSE(pub->verify(si, sig.substr(0, 63)));
  EXPECT_EQ(pub->public_jwk(), expected_jwk);
  expect_error(KeyErrc::not_private, [&] { pub->sign(si); });

  // PEM forms of the same key.
  const auto pem_priv = key_from_pem(Algorithm::EdDSA, kEdPkcs8);
  EXPECT_TRUE(pem_priv->is_private());
  EXPECT_EQ(pem_priv->sign(si), sig);
  EXPECT_EQ(pem_priv->public_jwk(), expected_jwk);
  const auto pem_pub = key_from_pem(Algorithm::EdDSA, kEdSpki);
  EXPECT_FALSE(pem_pub->is_private());
  EXPECT_TRUE(pem_pub->verify(si, sig));
  EXPECT_EQ(priv->public_pem(), kEdSpki);
  EXPECT_EQ(pem_pub->public_pem(), kEdSpki);
}

TEST(Rfc8037, HexFormsMatchTheJwk) {
  const auto v = rfc8037().get("A.1-A.5");
  auto hex = [](const std::string &bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    return out;
  };
  EXPECT_EQ(hex(b64d(v["private_jwk"]["d"].get_string().value())), str(v, "private_key_hex"));
  EXPECT_EQ(hex(b64d(v["public_jwk"]["x"].get_string().value())), str(v, "public_key_hex"));
}

// ---------------------------------------------------------------- round trips

TEST(RoundTrip, EveryAlgorithmSignsAndVerifies) {
  const std::string input = "eyJhbGciOiJ4In0.eyJzdWIiOiIxMjM0NTY3ODkwIn0";
  for (Algorithm alg : all_algorithms()) {
    SCOPED_TRACE(std::string(algorithm_name(alg)));
    const KeyPtr key = generated(alg);
    EXPECT_EQ(key->algorithm(), alg);
    EXPECT_TRUE(key->is_private());
    const std::string sig = key->sign(input);
    EXPECT_TRUE(key->verify(input, sig));
    EXPECT_TRUE(key->verify(input, key->sign(input)));
    EXPECT_FALSE(key->verify(input + "x", sig));
    EXPECT_FALSE(key->verify(flip_bit(input, 5), sig));
    EXPECT_FALSE(key->verify(input, flip_bit(sig, 0)));
    EXPECT_FALSE(key->verify(input, flip_bit(sig, sig.size() - 1, 3)));
    EXPECT_FALSE(key->verify(input, sig.substr(1)));
    EXPECT_FALSE(key->verify(input, sig + '\0'));
    EXPECT_FALSE(key->verify(input, ""));
    EXPECT_FALSE(key->verify(input, std::string(sig.size(), '\0')));
    EXPECT_FALSE(key->verify(input, std::string(sig.size(), '\xff')));
    EXPECT_EQ(ERR_peek_error(), 0UL);
    // Another key of the same algorithm does not verify it.
    EXPECT_FALSE(generate_key(alg)->verify(input, sig));
  }
}

TEST(RoundTrip, SignatureSizes) {
  EXPECT_EQ(generated(Algorithm::HS256)->sign("a").size(), 32u);
  EXPECT_EQ(generated(Algorithm::HS384)->sign("a").size(), 48u);
  EXPECT_EQ(generated(Algorithm::HS512)->sign("a").size(), 64u);
  EXPECT_EQ(generated(Algorithm::RS256)->sign("a").size(), 256u);
  EXPECT_EQ(generated(Algorithm::PS512)->sign("a").size(), 256u);
  EXPECT_EQ(generated(Algorithm::ES256)->sign("a").size(), 64u);
  EXPECT_EQ(generated(Algorithm::ES384)->sign("a").size(), 96u);
  EXPECT_EQ(generated(Algorithm::EdDSA)->sign("a").size(), 64u);
}

TEST(RoundTrip, PublicJwkAndPemImportVerify) {
  const std::string input = "header.payload";
  for (Algorithm alg : all_algorithms()) {
    if (is_hmac(alg))
      continue;
    SCOPED_TRACE(std::string(algorithm_name(alg)));
    const KeyPtr key = generated(alg);
    const std::string sig = key->sign(input);

    const KeyPtr from_jwk = key_from_jwk(key->public_jwk());
    EXPECT_EQ(from_jwk->algorithm(), alg);
    EXPECT_EQ(from_jwk->kid(), key->kid());
    EXPECT_FALSE(from_jwk->is_private());
    EXPECT_TRUE(from_jwk->verify(input, sig));
    EXPECT_FALSE(from_jwk->verify(input, flip_bit(sig, 1)));
    EXPECT_EQ(from_jwk->public_jwk(), key->public_jwk());
    expect_error(KeyErrc::not_private, [&] { from_jwk->sign(input); });

    const KeyPtr from_pem = key_from_pem(alg, key->public_pem(), "k1");
    EXPECT_EQ(from_pem->kid(), "k1");
    EXPECT_FALSE(from_pem->is_private());
    EXPECT_TRUE(from_pem->verify(input, sig));
    EXPECT_EQ(from_pem->public_pem(), key->public_pem());
    expect_error(KeyErrc::not_private, [&] { from_pem->sign(input); });
  }
}

TEST(RoundTrip, PssUsesADigestLongSaltAndIsRandomised) {
  // Salt length = hash length: two signatures differ, both verify, and an RS key of the
  // same RSA key does not accept a PS signature (different padding).
  const KeyPtr ps = generated(Algorithm::PS256);
  const std::string a = ps->sign("x"), b = ps->sign("x");
  EXPECT_NE(a, b);
  EXPECT_TRUE(ps->verify("x", a));
  const KeyPtr rs =
      key_from_jwk(ps->public_jwk().replace(ps->public_jwk().find("PS256"), 5, "RS256"));
  EXPECT_FALSE(rs->verify("x", a));
  EXPECT_FALSE(ps->verify("x", generated(Algorithm::RS256)->sign("x")));
}

// RSASSA-PSS over SHA-256 with MGF1-SHA-256 and the given salt length, made with OpenSSL
// directly (pyauth itself only ever uses a salt as long as the hash).
std::string pss_sign(const char *pem, std::string_view input, int salt_length) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem, -1), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX *pctx = nullptr;
  std::size_t len = 0;
  const auto *in = reinterpret_cast<const unsigned char *>(input.data());
  if (!pkey || !ctx ||
      EVP_DigestSignInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, pkey.get(), nullptr) !=
          1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, in,
                     input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  sig.resize(len);
  return sig;
}

TEST(RoundTrip, PssVerificationRequiresASaltAsLongAsTheHash) {
  const auto ps256 = key_from_pem(Algorithm::PS256, kRsaSpki);
  const std::string input = "eyJhbGciOiJQUzI1NiJ9.e30";
  const std::string good = pss_sign(kRsaPkcs8, input, 32);
  ASSERT_EQ(good.size(), 256u);
  EXPECT_TRUE(ps256->verify(input, good)); // the helper signs correctly
  for (int salt : {0, 20, 31, 33, 64, RSA_PSS_SALTLEN_MAX}) {
    const std::string sig = pss_sign(kRsaPkcs8, input, salt);
    ASSERT_EQ(sig.size(), 256u) << salt;
    EXPECT_FALSE(ps256->verify(input, sig)) << "salt length " << salt;
  }
  // And pyauth's own PS256 signatures use that salt: OpenSSL verifies them with it.
  const auto signer = key_from_pem(Algorithm::PS256, kRsaPkcs8);
  EXPECT_TRUE(ps256->verify(input, signer->sign(input)));
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(RoundTrip, EcdsaSignaturesOfTheOtherSizeAreRefused) {
  const KeyPtr es256 = generated(Algorithm::ES256);
  const std::string sig = es256->sign("m");
  EXPECT_FALSE(es256->verify("m", sig + sig.substr(0, 32))); // 96 bytes
  // A DER signature (what OpenSSL produces natively) is not a JOSE signature.
  EXPECT_FALSE(es256->verify("m", std::string("\x30\x44\x02\x20", 4) + sig.substr(0, 32) +
                                      std::string("\x02\x20", 2) + sig.substr(32)));
  // r = 0 and r = s = n-ish garbage are refused without throwing.
  EXPECT_FALSE(es256->verify("m", std::string(32, '\0') + sig.substr(32)));
}

TEST(RoundTrip, HmacSecretsOfEveryLengthAbovetheMinimum) {
  for (Algorithm alg : {Algorithm::HS256, Algorithm::HS384, Algorithm::HS512}) {
    for (std::size_t extra : {0u, 1u, 64u, 200u}) {
      const std::size_t min = alg == Algorithm::HS256 ? 32 : alg == Algorithm::HS384 ? 48 : 64;
      const auto key = key_from_secret(alg, std::string(min + extra, 'k'));
      const auto sig = key->sign("input");
      EXPECT_EQ(sig.size(), min);
      EXPECT_TRUE(key->verify("input", sig));
      // Repeated use (pooled contexts) gives the same answer.
      EXPECT_EQ(key->sign("input"), sig);
      EXPECT_EQ(key->sign("other"),
                key_from_secret(alg, std::string(min + extra, 'k'))->sign("other"));
    }
  }
}

TEST(RoundTrip, HmacKeysHaveNoPublicForm) {
  const KeyPtr key = generated(Algorithm::HS256);
  expect_error(KeyErrc::invalid_key, [&] { key->public_jwk(); });
  expect_error(KeyErrc::invalid_key, [&] { key->public_pem(); });
}

TEST(RoundTrip, KidIsEscapedInTheJwkAndSurvivesImport) {
  const std::string kid = "a\"b\\c\n\x01 é/</script>";
  const KeyPtr key = generate_key(Algorithm::EdDSA, kid);
  EXPECT_EQ(key->kid(), kid);
  const std::string jwk = key->public_jwk();
  EXPECT_NE(jwk.find(R"("kid":"a\"b\\c\n\u0001 é/</script>")"), std::string::npos) << jwk;
  EXPECT_EQ(key_from_jwk(jwk)->kid(), kid);
}

TEST(RoundTrip, ConcurrentUseOfOneKey) {
  // Keys are shared between threads (the binding releases the GIL): every thread must get
  // correct answers from the same key at once.
  const std::vector<KeyPtr> keys = {generated(Algorithm::HS256), generated(Algorithm::HS512),
                                    generated(Algorithm::PS256), generated(Algorithm::ES384),
                                    generated(Algorithm::EdDSA)};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        for (const auto &key : keys) {
          const std::string input = "thread " + std::to_string(t) + " call " + std::to_string(i);
          const std::string sig = key->sign(input);
          if (!key->verify(input, sig) || key->verify(input + "!", sig))
            ++failures;
        }
      }
    });
  }
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---------------------------------------------------------------- HMAC refusals

TEST(Refusals, ShortHmacSecret) {
  std::string msg = expect_error(KeyErrc::weak_key,
                                 [] { key_from_secret(Algorithm::HS256, std::string(20, 's')); });
  EXPECT_EQ(msg, "HS256 secret must be at least 32 bytes, got 20");
  msg = expect_error(KeyErrc::weak_key,
                     [] { key_from_secret(Algorithm::HS384, std::string(47, 's')); });
  EXPECT_EQ(msg, "HS384 secret must be at least 48 bytes, got 47");
  msg = expect_error(KeyErrc::weak_key,
                     [] { key_from_secret(Algorithm::HS512, std::string(63, 's')); });
  EXPECT_EQ(msg, "HS512 secret must be at least 64 bytes, got 63");
  expect_error(KeyErrc::weak_key, [] { key_from_secret(Algorithm::HS256, ""); });
  // The same rule through a JWK.
  expect_error(KeyErrc::weak_key, [] {
    key_from_jwk(R"({"kty":"oct","k":")" + base64url_encode(std::string(31, 'k')) + "\"}",
                 Algorithm::HS256);
  });
}

TEST(Refusals, AsymmetricKeyAsHmacSecret) {
  const std::string ssh_rsa =
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7" + std::string(300, 'A') + " user@host";
  const std::string ssh_ed =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK" + std::string(40, 'A') + " user@host";
  const std::string ecdsa =
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI" + std::string(100, 'A');
  const std::string indented_pem = "\n  " + std::string(kRsaSpki);
  for (const std::string &secret :
       {std::string(kRsaSpki), std::string(kRsaCert), std::string(kEcPkcs8),
        std::string(kRsaPkcs1Public), ssh_rsa, ssh_ed, ecdsa, indented_pem, "\t" + ssh_rsa}) {
    for (Algorithm alg : {Algorithm::HS256, Algorithm::HS512}) {
      const std::string msg =
          expect_error(KeyErrc::invalid_key, [&] { key_from_secret(alg, secret); });
      EXPECT_EQ(
          msg,
          "the key is an asymmetric key or certificate and must not be used as an HMAC secret");
    }
  }
}

TEST(Refusals, SecretForANonHmacAlgorithm) {
  expect_error(KeyErrc::invalid_key,
               [] { key_from_secret(Algorithm::RS256, std::string(64, 'k')); });
  expect_error(KeyErrc::invalid_key,
               [] { key_from_secret(Algorithm::EdDSA, std::string(64, 'k')); });
}

// ---------------------------------------------------------------- PEM refusals

TEST(Refusals, RsaUnder2048Bits) {
  const std::string msg =
      expect_error(KeyErrc::weak_key, [] { key_from_pem(Algorithm::RS256, kRsa1024Spki); });
  EXPECT_EQ(msg, "RSA keys must be at least 2048 bits, got 1024");
  expect_error(KeyErrc::weak_key, [] { key_from_pem(Algorithm::PS512, kRsa1024Spki); });
  // Through a JWK: the A.2 modulus cut to 1024 bits.
  const auto v = rfc7515().get("A.2");
  const std::string n = b64d(v["jwk"]["n"].get_string().value());
  expect_error(KeyErrc::weak_key, [&] {
    key_from_jwk(R"({"kty":"RSA","alg":"RS256","e":"AQAB","n":")" +
                 base64url_encode(n.substr(0, 128)) + "\"}");
  });
}

TEST(Refusals, WrongCurve) {
  const std::string p384 = generated(Algorithm::ES384)->public_pem();
  std::string msg =
      expect_error(KeyErrc::invalid_key, [&] { key_from_pem(Algorithm::ES256, p384); });
  EXPECT_EQ(msg, "an EC P-384 key cannot be used with ES256");
  msg = expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::ES384, kEcSpki); });
  EXPECT_EQ(msg, "an EC P-256 key cannot be used with ES384");
  msg = expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::ES256, kSecp256k1Spki); });
  EXPECT_EQ(msg, "an EC secp256k1 key cannot be used with ES256");
  // Through a JWK: a P-256 key asked for ES384.
  msg = expect_error(KeyErrc::invalid_key, [] {
    key_from_jwk(simdjson::minify(rfc7515().get("A.3")["jwk"]), Algorithm::ES384);
  });
  EXPECT_EQ(msg, "an EC P-256 key cannot be used with ES384");
}

TEST(Refusals, KeyTypeNotFittingTheAlgorithm) {
  std::string msg =
      expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::ES256, kRsaSpki); });
  EXPECT_EQ(msg, "an RSA key cannot be used with ES256");
  msg = expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::RS256, kEdSpki); });
  EXPECT_EQ(msg, "an Ed25519 key cannot be used with RS256");
  msg = expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::EdDSA, kEcPkcs8); });
  EXPECT_EQ(msg, "an EC P-256 key cannot be used with EdDSA");
  msg = expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::PS256, kEcSpki); });
  EXPECT_EQ(msg, "an EC P-256 key cannot be used with PS256");
  expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::HS256, kRsaSpki); });
  // JWKs
  const auto a2 = simdjson::minify(rfc7515().get("A.2")["jwk"]);
  msg = expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(a2, Algorithm::ES256); });
  EXPECT_EQ(msg, "an RSA key cannot be used with ES256");
  msg = expect_error(KeyErrc::invalid_key, [] {
    key_from_jwk(simdjson::minify(rfc8037().get("A.1-A.5")["public_jwk"]), Algorithm::RS256);
  });
  EXPECT_EQ(msg, "an Ed25519 key cannot be used with RS256");
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(a2, Algorithm::HS256); });
  expect_error(KeyErrc::invalid_key, [] {
    key_from_jwk(simdjson::minify(rfc7515().get("A.1")["jwk"]), Algorithm::RS256);
  });
}

TEST(Refusals, MalformedPem) {
  const std::string body_only = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";
  std::string truncated(kRsaSpki);
  truncated.erase(truncated.size() / 2, 40);
  for (const std::string &pem :
       {std::string(), std::string("garbage"), body_only, truncated,
        std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        std::string("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
        std::string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
        std::string("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n"),
        std::string("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END "
                    "OPENSSH PRIVATE KEY-----\n"),
        std::string(kRsaSpki).substr(0, 30)}) {
    const std::string msg =
        expect_error(KeyErrc::invalid_key, [&] { key_from_pem(Algorithm::RS256, pem); });
    EXPECT_EQ(msg, "could not parse PEM key") << pem;
  }
}

TEST(Refusals, CorruptedPrivateKeyPem) {
  // One base64 character changed inside the PKCS#8 body: still DER, but the RSA parts no
  // longer belong together, which the consistency check catches.
  std::string corrupted(kRsaPkcs8);
  corrupted[100] = corrupted[100] == 'A' ? 'B' : 'A';
  expect_error(KeyErrc::invalid_key, [&] { key_from_pem(Algorithm::RS256, corrupted); });
  std::string corrupted_ec(kEcTraditional);
  corrupted_ec[60] = corrupted_ec[60] == 'A' ? 'B' : 'A';
  expect_error(KeyErrc::invalid_key, [&] { key_from_pem(Algorithm::ES256, corrupted_ec); });
}

TEST(Refusals, EncryptedPemNeverPrompts) {
  std::string msg =
      expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::ES256, kEcEncrypted); });
  EXPECT_NE(msg.find("encrypted"), std::string::npos) << msg;
  msg = expect_error(KeyErrc::invalid_key,
                     [] { key_from_pem(Algorithm::ES256, kEcTraditionalEncrypted); });
  EXPECT_EQ(msg, "could not parse PEM key");
}

TEST(Refusals, SignWithAPublicKey) {
  const std::string si = "a.b";
  for (const char *pem : {kRsaSpki, kRsaCert, kRsaPkcs1Public}) {
    const auto key = key_from_pem(Algorithm::RS256, pem);
    const std::string msg = expect_error(KeyErrc::not_private, [&] { key->sign(si); });
    EXPECT_EQ(msg, "a public key cannot sign");
  }
  expect_error(KeyErrc::not_private, [] { key_from_pem(Algorithm::ES256, kEcSpki)->sign("a.b"); });
  expect_error(KeyErrc::not_private, [] { key_from_pem(Algorithm::EdDSA, kEdSpki)->sign("a.b"); });
}

TEST(Refusals, ErrorQueueStaysCleanAfterFailures) {
  ERR_clear_error();
  expect_error(KeyErrc::invalid_key, [] {
    key_from_pem(Algorithm::RS256, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  });
  const auto key = key_from_pem(Algorithm::RS256, kRsaSpki);
  EXPECT_FALSE(key->verify("x", std::string(256, 'z')));
  EXPECT_FALSE(key->verify("x", "short"));
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

// ---------------------------------------------------------------- JWK refusals

TEST(Refusals, MalformedJwkJson) {
  for (std::string_view json :
       {"", "{", "[]", "null", "\"oct\"", "{\"kty\":\"oct\",}", "{kty:\"oct\"}",
        "{\"kty\":\"oct\"} x", "{\"kty\":\"oct\",\"k\":\"\xff\"}"}) {
    expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(json, Algorithm::HS256); });
  }
}

TEST(Refusals, JwkMembersMissingOrIllTyped) {
  const std::string k = base64url_encode(std::string(32, 'k'));
  for (const std::string &json :
       {std::string(R"({"k":")") + k + "\"}",                       // no kty
        std::string(R"({"kty":"oct"})"),                            // no k
        std::string(R"({"kty":1,"k":")") + k + "\"}",               // kty not a string
        std::string(R"({"kty":"oct","k":32})"),                     // k not a string
        std::string(R"({"kty":"oct","k":")") + k + R"(","kid":7})", // kid not a string
        std::string(R"({"kty":"oct","k":")") + k + R"(","alg":["HS256"]})",
        std::string(R"({"kty":"oct","k":")") + k + R"(","use":true})",
        std::string(R"({"kty":"oct","k":")") + k + R"(","key_ops":"sign"})",
        std::string(R"({"kty":"oct","k":")") + k + "\"}",      // no algorithm at all
        std::string(R"({"kty":"RSA","n":"AQAB","e":"AQAB"})"), // RSA without an algorithm
        std::string(R"({"kty":"EC","crv":"P-256","x":"AA"})"), // no y
        std::string(R"({"kty":"OKP","crv":"Ed25519"})"),       // no x
        std::string(R"({"kty":"OKP","crv":"X25519","x":")") + k + "\"}",
        std::string(R"({"kty":"EC","crv":"secp256k1","x":")") + k + R"(","y":")" + k + "\"}",
        std::string(R"({"kty":"oct ","k":")") + k + "\"}",
        std::string(R"({"kty":"RSA-PSS","k":")") + k + "\"}"}) {
    expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(json); });
  }
}

TEST(Refusals, DuplicateJwkMember) {
  const std::string k = base64url_encode(std::string(32, 'k'));
  std::string msg = expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"oct","k":")" + k + R"(","k":")" + k + "\"}", Algorithm::HS256);
  });
  EXPECT_NE(msg.find("duplicate"), std::string::npos) << msg;
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"oct","kty":"oct","k":")" + k + "\"}", Algorithm::HS256);
  });
  // Nested too, and in a JWK Set.
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"oct","k":")" + k + R"(","ext":{"a":1,"a":2}})", Algorithm::HS256);
  });
  expect_error(KeyErrc::invalid_key, [&] {
    keyset_from_jwks(R"({"keys":[{"kty":"oct","alg":"HS256","k":")" + k + R"(","alg":"HS256"}]})");
  });
  expect_error(KeyErrc::invalid_key, [&] { keyset_from_jwks(R"({"keys":[],"keys":[]})"); });
}

TEST(Refusals, NonCanonicalBase64UrlInJwk) {
  const std::string k = base64url_encode(std::string(32, 'k')); // 43 chars, one '=' short
  for (const std::string &bad :
       {k + "=", k + "==", std::string("+") + k.substr(1), std::string("/") + k.substr(1),
        k.substr(0, 42) + "l", // non-zero trailing bits
        k + " ", k.substr(0, 41) + "\\n" + k.substr(41)}) {
    expect_error(KeyErrc::invalid_key,
                 [&] { key_from_jwk(R"({"kty":"oct","k":")" + bad + "\"}", Algorithm::HS256); });
  }
  // A padded EC coordinate, and a padded Ed25519 x.
  const std::string a3 = simdjson::minify(rfc7515().get("A.3")["jwk"]);
  const auto xpos = a3.find("VEU\"") + 3;
  const std::string a3_padded = a3.substr(0, xpos) + "=" + a3.substr(xpos);
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(a3_padded); });
  const std::string ed = simdjson::minify(rfc8037().get("A.1-A.5")["public_jwk"]);
  const std::string ed_padded = ed.substr(0, ed.size() - 2) + "=" + ed.substr(ed.size() - 2);
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(ed_padded); });
}

TEST(Refusals, EcPointOffTheCurve) {
  const auto a3 = rfc7515().get("A.3");
  const std::string x(a3["jwk"]["x"].get_string().value());
  std::string y = b64d(a3["jwk"]["y"].get_string().value());
  y = flip_bit(y, 31);
  const std::string pub =
      R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + base64url_encode(y) + "\"}";
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(pub); });
  // In a JWK Set, a broken key of a supported type is an error, not skipped.
  expect_error(KeyErrc::invalid_key, [&] { keyset_from_jwks(R"({"keys":[)" + pub + "]}"); });
  // The point at infinity / all zero, and coordinates of the wrong length.
  const std::string zero = base64url_encode(std::string(32, '\0'));
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"EC","crv":"P-256","x":")" + zero + R"(","y":")" + zero + "\"}");
  });
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"EC","crv":"P-256","x":")" + base64url_encode(b64d(x).substr(1)) +
                 R"(","y":")" + base64url_encode(y) + "\"}");
  });
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"EC","crv":"P-384","x":")" + x + R"(","y":")" +
                 std::string(a3["jwk"]["y"].get_string().value()) + "\"}");
  });
}

TEST(Refusals, EcPrivateKeyNotMatchingThePoint) {
  const auto a3 = rfc7515().get("A.3");
  const std::string d_one = base64url_encode(std::string(31, '\0') + '\x01'); // d = 1: the point G
  const std::string jwk = R"({"kty":"EC","crv":"P-256","x":")" +
                          std::string(a3["jwk"]["x"].get_string().value()) + R"(","y":")" +
                          std::string(a3["jwk"]["y"].get_string().value()) + R"(","d":")" + d_one +
                          "\"}";
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(jwk); });
  // d of the wrong length.
  const std::string short_d =
      R"({"kty":"EC","crv":"P-256","x":")" + std::string(a3["jwk"]["x"].get_string().value()) +
      R"(","y":")" + std::string(a3["jwk"]["y"].get_string().value()) + R"(","d":")" +
      base64url_encode(b64d(a3["jwk"]["d"].get_string().value()).substr(1)) + "\"}";
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(short_d); });
}

TEST(Refusals, OkpPrivateKeyNotMatchingX) {
  const auto v = rfc8037().get("A.1-A.5");
  const std::string x(v["public_jwk"]["x"].get_string().value());
  const std::string other_d = base64url_encode(std::string(32, '\x07'));
  const std::string msg = expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","d":")" + other_d + "\"}");
  });
  EXPECT_NE(msg.find("does not match"), std::string::npos) << msg;
  // x or d of the wrong length, x not a valid point (all zero: a point of small order).
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + base64url_encode(b64d(x).substr(1)) +
                 "\"}");
  });
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","d":")" +
                 base64url_encode(std::string(31, 'd')) + "\"}");
  });
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + base64url_encode(std::string(32, '\0')) +
                 "\"}");
  });
}

TEST(Refusals, RsaJwkPartialOrInconsistentPrivateKey) {
  const auto a2 = rfc7515().get("A.2")["jwk"];
  auto member = [&](std::string_view name) { return std::string(a2[name].get_string().value()); };
  auto build = [&](const std::vector<std::pair<std::string, std::string>> &members) {
    std::string out = R"({"kty":"RSA","alg":"RS256")";
    for (const auto &[k, val] : members)
      out += ",\"" + k + "\":\"" + val + "\"";
    return out + "}";
  };
  const std::vector<std::string> names = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
  // The whole key loads; every key with one private member missing is refused.
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto &n : names)
    all.emplace_back(n, member(n));
  EXPECT_TRUE(key_from_jwk(build(all))->is_private());
  for (std::size_t skip = 2; skip < names.size(); ++skip) {
    auto partial = all;
    partial.erase(partial.begin() + static_cast<std::ptrdiff_t>(skip));
    expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(build(partial)); });
  }
  // dp and dq swapped: every part is there but they do not belong together.
  auto swapped = all;
  std::swap(swapped[5].second, swapped[6].second);
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(build(swapped)); });
  // Multi-prime keys are not supported.
  auto oth = build(all);
  oth.insert(oth.size() - 1, R"(,"oth":[])");
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(oth); });
  // An even public exponent, and a public exponent of 1.
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(build({{"n", member("n")}, {"e", "AQAA"}}));
  });
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(build({{"n", member("n")}, {"e", "AQ"}}));
  });
  // Missing or empty modulus.
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(build({{"e", "AQAB"}})); });
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(build({{"n", ""}, {"e", "AQAB"}})); });
}

TEST(Refusals, RsaModulusOver16384Bits) {
  const std::string n = "\xc1" + std::string(2048, '\x5b') + "\x01"; // 16392 bits, odd
  const std::string msg = expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"RSA","alg":"RS256","e":"AQAB","n":")" + base64url_encode(n) + "\"}");
  });
  EXPECT_NE(msg.find("16384"), std::string::npos) << msg;
}

TEST(Refusals, JwkAlgDisagreeingWithTheArgument) {
  const auto a2 = simdjson::minify(rfc7515().get("A.2")["jwk"]);
  std::string with_alg = a2;
  with_alg.insert(1, R"("alg":"RS256",)");
  EXPECT_EQ(key_from_jwk(with_alg, Algorithm::RS256)->algorithm(), Algorithm::RS256);
  EXPECT_EQ(key_from_jwk(with_alg)->algorithm(), Algorithm::RS256);
  const std::string msg =
      expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(with_alg, Algorithm::PS256); });
  EXPECT_EQ(msg, "the JWK is for RS256, not PS256");
  const std::string ed =
      R"({"alg":"ES256",)" + simdjson::minify(rfc8037().get("A.1-A.5")["public_jwk"]).substr(1);
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(ed); });
  // An algorithm pyauth does not implement.
  std::string oaep = a2;
  oaep.insert(1, R"("alg":"RSA-OAEP",)");
  expect_error(KeyErrc::unsupported_algorithm, [&] { key_from_jwk(oaep); });
}

TEST(Refusals, JwkForEncryption) {
  std::string a3 = simdjson::minify(rfc7515().get("A.3")["jwk"]);
  a3.insert(1, R"("use":"enc",)");
  expect_error(KeyErrc::invalid_key, [&] { key_from_jwk(a3); });
  std::string sig = simdjson::minify(rfc7515().get("A.3")["jwk"]);
  sig.insert(1, R"("use":"sig","key_ops":["sign","verify"],"kid":"k")");
  sig.insert(sig.find("\"kid\":\"k\"") + 9, ",");
  const auto key = key_from_jwk(sig);
  EXPECT_EQ(key->kid(), "k");
}

TEST(Refusals, KidThatIsNotUtf8) {
  expect_error(KeyErrc::invalid_key, [] { generate_key(Algorithm::HS256, "\xff\xfe"); });
  expect_error(KeyErrc::invalid_key,
               [] { key_from_secret(Algorithm::HS256, std::string(32, 'k'), "\xc3"); });
  expect_error(KeyErrc::invalid_key, [] { key_from_pem(Algorithm::RS256, kRsaSpki, "\x80"); });
}

TEST(Refusals, OversizedDocuments) {
  const std::string big(70 * 1024, ' ');
  expect_error(KeyErrc::invalid_key,
               [&] { key_from_jwk("{\"kty\":\"oct\"" + big + "}", Algorithm::HS256); });
  // Trailing text after the PEM block is fine, up to 1 MiB.
  EXPECT_TRUE(key_from_pem(Algorithm::RS256, std::string(kRsaSpki) + big)->verify("a", "b") ==
              false);
  const std::string huge(1100 * 1024, ' ');
  expect_error(KeyErrc::invalid_key,
               [&] { key_from_pem(Algorithm::RS256, std::string(kRsaSpki) + huge); });
  // Nesting deeper than a JWK needs.
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  expect_error(KeyErrc::invalid_key, [&] {
    key_from_jwk(R"({"kty":"oct","k":")" + base64url_encode(std::string(32, 'k')) + R"(","x":)" +
                     deep + "}",
                 Algorithm::HS256);
  });
  expect_error(KeyErrc::invalid_key,
               [&] { keyset_from_jwks("{\"keys\":[]" + std::string(1100 * 1024, ' ') + "}"); });
}

// ---------------------------------------------------------------- key sets

TEST(KeySets, CandidatesByAlgorithmAndKid) {
  const KeyPtr a = key_from_secret(Algorithm::HS256, std::string(32, 'a'), "a");
  const KeyPtr b = key_from_secret(Algorithm::HS256, std::string(32, 'b'), "b");
  const KeyPtr c = key_from_secret(Algorithm::HS512, std::string(64, 'c'), "a");
  const KeyPtr d = key_from_secret(Algorithm::HS256, std::string(32, 'd'));
  const KeySet set({a, b, c, d});
  EXPECT_TRUE(set.all_hmac());
  EXPECT_EQ(set.candidates(Algorithm::HS256, "a", true), (std::vector<const Key *>{a.get()}));
  EXPECT_EQ(set.candidates(Algorithm::HS512, "a", true), (std::vector<const Key *>{c.get()}));
  EXPECT_TRUE(set.candidates(Algorithm::HS384, "a", true).empty());
  // d has no kid: the fallback for a kid no key has (keys loaded from bare material).
  EXPECT_EQ(set.candidates(Algorithm::HS256, "z", true), (std::vector<const Key *>{d.get()}));
  EXPECT_EQ(set.candidates(Algorithm::HS256, "", true), (std::vector<const Key *>{d.get()}));
  const KeySet with_kids({a, b, c});
  EXPECT_TRUE(with_kids.candidates(Algorithm::HS256, "z", true).empty());
  EXPECT_EQ(set.candidates(Algorithm::HS256, "ignored", false),
            (std::vector<const Key *>{a.get(), b.get(), d.get()}));
  EXPECT_TRUE(set.candidates(Algorithm::RS256, "", false).empty());
  EXPECT_TRUE(KeySet().all_hmac());
  EXPECT_TRUE(KeySet().empty());
}

TEST(KeySets, PublicJwksSkipsHmacAndRoundTrips) {
  KeySet set;
  set.add(generated(Algorithm::HS256));
  set.add(generated(Algorithm::RS256));
  set.add(generated(Algorithm::ES256));
  set.add(generated(Algorithm::EdDSA));
  EXPECT_FALSE(set.all_hmac());
  const std::string jwks = set.public_jwks();
  EXPECT_EQ(jwks.find("\"oct\""), std::string::npos);
  EXPECT_EQ(jwks, "{\"keys\":[" + generated(Algorithm::RS256)->public_jwk() + "," +
                      generated(Algorithm::ES256)->public_jwk() + "," +
                      generated(Algorithm::EdDSA)->public_jwk() + "]}");
  const KeySet back = keyset_from_jwks(jwks);
  ASSERT_EQ(back.keys().size(), 3u);
  for (Algorithm alg : {Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA}) {
    const std::string kid = "gen-" + std::string(algorithm_name(alg));
    const auto found = back.candidates(alg, kid, true);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_TRUE(found[0]->verify("m", generated(alg)->sign("m")));
  }
  EXPECT_EQ(KeySet().public_jwks(), "{\"keys\":[]}");
}

TEST(KeySets, UnusableEntriesAreSkipped) {
  const std::string ed = simdjson::minify(rfc8037().get("A.1-A.5")["public_jwk"]);
  const std::string k = base64url_encode(std::string(32, 'k'));
  const std::string jwks = R"({"keys":[)"
                           R"({"kty":"RSA","use":"enc","alg":"RSA-OAEP","n":"AQAB","e":"AQAB"},)"
                           R"({"kty":"EC","crv":"P-521","x":"AA","y":"AA"},)"
                           R"({"kty":"OKP","crv":"X25519","x":"AA"},)"
                           R"({"kty":"OKP","crv":"Ed448","x":"AA"},)"
                           R"({"kty":"oct","alg":"A128KW","k":"AA"},)"
                           R"({"kty":"oct","use":"enc","alg":"HS256","k":")" +
                           k +
                           R"("},)"
                           R"({"kty":"RSA","n":"AQAB","e":"AQAB"},)"
                           R"({"kty":"oct","k":")" +
                           k +
                           R"("},)"
                           R"({"kty":"DSA","y":"AA"},)"
                           R"({"kty":"oct","alg":"HS256","kid":"h","k":")" +
                           k + R"("},)" + ed + "]}";
  const KeySet set = keyset_from_jwks(jwks);
  ASSERT_EQ(set.keys().size(), 2u);
  EXPECT_EQ(set.keys()[0]->algorithm(), Algorithm::HS256);
  EXPECT_EQ(set.keys()[0]->kid(), "h");
  EXPECT_EQ(set.keys()[1]->algorithm(), Algorithm::EdDSA);
}

TEST(KeySets, MalformedDocumentsAreRefused) {
  for (std::string_view json :
       {"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":\"x\"}", "{\"keys\":[1]}", "{\"keys\":[[]]}",
        "{\"keys\":[{}]}", "{\"keys\":[{\"kty\":5}]}", "{\"keys\":[}"}) {
    expect_error(KeyErrc::invalid_key, [&] { keyset_from_jwks(json); });
  }
  EXPECT_TRUE(keyset_from_jwks(R"({"keys":[]})").empty());
}

} // namespace
} // namespace pyauth
