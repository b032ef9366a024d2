// Password hashing: interop with Django 5.2 and argon2-cffi through
// tests/vectors/django-password-hashes.json, round trips, refusals and threads.
#include "pyauth/password.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pyauth/error.hpp"

namespace {

using pyauth::Argon2Params;
using pyauth::HashAlgorithm;
using pyauth::PasswordErrc;

struct HashVector {
  std::string algorithm, password, encoded, source;
  bool valid = false;
};

struct InvalidVector {
  std::string encoded, error, message;
};

struct Vectors {
  std::vector<HashVector> hashes;
  std::vector<InvalidVector> invalid;
};

const Vectors& vectors() {
  static const Vectors v = [] {
    Vectors out;
    simdjson::dom::parser parser;
    const simdjson::dom::element doc =
        parser.load(std::string(PYAUTH_VECTORS_DIR) + "/django-password-hashes.json");
    for (const simdjson::dom::object h : doc["hashes"].get_array()) {
      out.hashes.push_back({std::string(h["algorithm"].get_string().value()),
                            std::string(h["password"].get_string().value()),
                            std::string(h["encoded"].get_string().value()),
                            std::string(h["source"].get_string().value()),
                            h["valid"].get_bool().value()});
    }
    for (const simdjson::dom::object h : doc["invalid"].get_array()) {
      out.invalid.push_back({std::string(h["encoded"].get_string().value()),
                             std::string(h["error"].get_string().value()),
                             std::string(h["message"].get_string().value())});
    }
    return out;
  }();
  return v;
}

const HashVector& find_vector(std::string_view source_prefix) {
  for (const auto& h : vectors().hashes) {
    if (h.valid && std::string_view(h.source).starts_with(source_prefix)) return h;
  }
  throw std::runtime_error("no vector with source " + std::string(source_prefix));
}

HashAlgorithm algorithm_named(std::string_view name) {
  if (name == "argon2id") return HashAlgorithm::argon2id;
  if (name == "argon2i") return HashAlgorithm::argon2i;
  if (name == "pbkdf2_sha256") return HashAlgorithm::pbkdf2_sha256;
  throw std::runtime_error("unknown algorithm in vectors: " + std::string(name));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  std::size_t pos;
  while ((pos = s.find(sep)) != std::string_view::npos) {
    parts.emplace_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  parts.emplace_back(s);
  return parts;
}

void expect_error(const std::function<void()>& f, PasswordErrc code, std::string_view message) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected: " << message;
  } catch (const pyauth::Error& e) {
    EXPECT_EQ(e.code(), pyauth::make_error_code(code)) << e.what();
    EXPECT_NE(std::string_view(e.what()).find(message), std::string_view::npos)
        << "message: " << e.what() << "\nexpected to contain: " << message;
  }
}

// Small costs so the suite stays fast; libsodium only needs m >= 8 KiB.
constexpr Argon2Params kFast{64, 1, 1};

TEST(PasswordVectors, FileIsComplete) {
  const auto& v = vectors();
  const auto count = [&](std::string_view alg, bool valid) {
    return std::count_if(v.hashes.begin(), v.hashes.end(), [&](const HashVector& h) {
      return h.algorithm == alg && h.valid == valid;
    });
  };
  for (const char* alg : {"argon2id", "argon2i", "pbkdf2_sha256"}) {
    EXPECT_GE(count(alg, true), 1) << alg;
    EXPECT_GE(count(alg, false), 1) << alg;
  }
  EXPECT_GE(v.invalid.size(), 50u);
}

TEST(PasswordVectors, VerifyEveryHash) {
  for (const auto& h : vectors().hashes) {
    SCOPED_TRACE(h.source + " | " + h.encoded);
    EXPECT_EQ(pyauth::verify_password(h.password, h.encoded), h.valid);
    EXPECT_EQ(pyauth::parse_hash(h.encoded).algorithm, algorithm_named(h.algorithm));
  }
}

TEST(PasswordVectors, ParsedParametersMatchTheString) {
  for (const auto& h : vectors().hashes) {
    SCOPED_TRACE(h.encoded);
    const pyauth::HashInfo info = pyauth::parse_hash(h.encoded);
    const auto f = split(h.encoded, '$');
    if (h.algorithm == "pbkdf2_sha256") {
      ASSERT_EQ(f.size(), 4u);
      EXPECT_EQ(std::to_string(info.iterations), f[1]);
      EXPECT_EQ(info.salt_bytes, f[2].size());
      EXPECT_EQ(info.hash_bytes, 32u);
    } else {
      ASSERT_EQ(f.size(), 6u);
      EXPECT_EQ("m=" + std::to_string(info.memory_kib) + ",t=" + std::to_string(info.iterations) +
                    ",p=" + std::to_string(info.parallelism),
                f[3]);
      EXPECT_EQ(info.salt_bytes, f[4].size() * 3 / 4);  // unpadded base64
      EXPECT_EQ(info.hash_bytes, f[5].size() * 3 / 4);
    }
  }
}

// Django hashes we can recompute exactly: same password, salt and iterations give the same
// string, byte for byte.
TEST(PasswordVectors, Pbkdf2HashingReproducesDjango) {
  int checked = 0;
  for (const auto& h : vectors().hashes) {
    if (h.algorithm != "pbkdf2_sha256" || !h.valid) continue;
    SCOPED_TRACE(h.encoded);
    const auto f = split(h.encoded, '$');
    ASSERT_EQ(f.size(), 4u);
    const auto iterations = static_cast<std::uint32_t>(std::stoul(f[1]));
    EXPECT_EQ(pyauth::hash_pbkdf2_sha256(h.password, iterations, f[2]), h.encoded);
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(PasswordVectors, RefuseEveryInvalidString) {
  for (const auto& v : vectors().invalid) {
    SCOPED_TRACE(v.encoded);
    ASSERT_EQ(v.error, "invalid_hash");
    expect_error([&] { pyauth::parse_hash(v.encoded); }, PasswordErrc::invalid_hash, v.message);
    expect_error([&] { pyauth::verify_password("password", v.encoded); },
                 PasswordErrc::invalid_hash, v.message);
    expect_error([&] { pyauth::needs_rehash(v.encoded); }, PasswordErrc::invalid_hash, v.message);
  }
}

TEST(PasswordVerify, TamperedHashesDoNotVerify) {
  for (const char* source : {"argon2-cffi PasswordHasher(time_cost=2, memory_cost=19456",
                             "Django PBKDF2PasswordHasher().encode(password, 'seasalt', 1000)"}) {
    const HashVector& h = find_vector(source);
    ASSERT_TRUE(pyauth::verify_password(h.password, h.encoded));
    // Change the first character of the hash field: still canonical base64, wrong bytes.
    std::string tampered = h.encoded;
    const std::size_t pos = tampered.rfind('$') + 1;
    tampered[pos] = tampered[pos] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(pyauth::verify_password(h.password, tampered)) << tampered;
    // And the salt: the hash no longer matches either.
    std::string salted = h.encoded;
    const std::size_t salt_pos = salted.rfind('$', pos - 2) + 1;
    salted[salt_pos] = salted[salt_pos] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(pyauth::verify_password(h.password, salted)) << salted;
  }
}

TEST(PasswordVerify, DjangoDefaultArgon2ParametersAreVerified) {
  // p = 8 (Django's default) through libsodium, which creates only p = 1.
  const HashVector& h = find_vector("Django Argon2PasswordHasher().encode(password, salt())");
  const pyauth::HashInfo info = pyauth::parse_hash(h.encoded);
  EXPECT_EQ(info.algorithm, HashAlgorithm::argon2id);
  EXPECT_EQ(info.memory_kib, 102400u);
  EXPECT_EQ(info.iterations, 2u);
  EXPECT_EQ(info.parallelism, 8u);
  EXPECT_EQ(info.salt_bytes, 22u);  // Django passes its 22-character salt string
  EXPECT_EQ(info.hash_bytes, 32u);
  EXPECT_TRUE(pyauth::verify_password(h.password, h.encoded));
}

TEST(PasswordParse, BoundsAreInclusive) {
  const std::string salt = "c29tZXNhbHRzb21lc2FsdA";                       // 16 bytes
  const std::string hash = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";  // 32 bytes
  const pyauth::HashInfo info = pyauth::parse_hash("argon2$argon2id$v=19$m=1048576,t=64,p=64$" +
                                                   salt + "$" + hash);  // parsed, not computed
  EXPECT_EQ(info.memory_kib, pyauth::kArgon2MaxMemoryKib);
  EXPECT_EQ(info.iterations, pyauth::kArgon2MaxIterations);
  EXPECT_EQ(info.parallelism, pyauth::kArgon2MaxParallelism);
  EXPECT_EQ(pyauth::parse_hash("argon2$argon2i$v=19$m=8,t=1,p=1$" + salt + "$" + hash).memory_kib,
            8u);
  EXPECT_EQ(
      pyauth::parse_hash("pbkdf2_sha256$10000000$s$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")
          .iterations,
      pyauth::kPbkdf2MaxIterations);
  expect_error(
      [&] { pyauth::parse_hash("argon2$argon2id$v=19$m=1048577,t=2,p=1$" + salt + "$" + hash); },
      PasswordErrc::invalid_hash, "m=1048577 KiB is over the 1048576 KiB limit");
}

// Every truncation and many one-byte changes of every vector either parse (and then agree
// with a re-parse) or are refused as invalid_hash: never a crash or another error.
TEST(PasswordParse, MutationsAreParsedOrRefused) {
  std::size_t parsed = 0, refused = 0;
  const auto probe = [&](const std::string& s) {
    try {
      const pyauth::HashInfo info = pyauth::parse_hash(s);
      EXPECT_EQ(pyauth::parse_hash(s).algorithm, info.algorithm);
      ++parsed;
    } catch (const pyauth::Error& e) {
      EXPECT_EQ(e.code(), pyauth::make_error_code(PasswordErrc::invalid_hash)) << e.what();
      ++refused;
    }
  };
  for (const auto& h : vectors().hashes) {
    if (!h.valid) continue;
    for (std::size_t n = 0; n <= h.encoded.size(); ++n) probe(h.encoded.substr(0, n));
    for (std::size_t i = 0; i < h.encoded.size(); ++i) {
      for (const char c : {'$', ',', '=', '0', '9', 'A', '+', '\0', '\xff'}) {
        std::string m = h.encoded;
        m[i] = c;
        probe(m);
      }
    }
  }
  EXPECT_GT(parsed, 100u);
  EXPECT_GT(refused, 1000u);
}

TEST(PasswordArgon2, RoundTrip) {
  const std::string a = pyauth::hash_argon2id("correct horse", kFast);
  const std::string b = pyauth::hash_argon2id("correct horse", kFast);
  EXPECT_TRUE(a.starts_with("argon2$argon2id$v=19$m=64,t=1,p=1$")) << a;
  EXPECT_NE(a, b);  // random salts
  const pyauth::HashInfo info = pyauth::parse_hash(a);
  EXPECT_EQ(info.algorithm, HashAlgorithm::argon2id);
  EXPECT_EQ(info.salt_bytes, 16u);
  EXPECT_EQ(info.hash_bytes, 32u);
  EXPECT_TRUE(pyauth::verify_password("correct horse", a));
  EXPECT_TRUE(pyauth::verify_password("correct horse", b));
  EXPECT_FALSE(pyauth::verify_password("correct horse!", a));
  EXPECT_FALSE(pyauth::verify_password("", a));

  const std::string empty = pyauth::hash_argon2id("", kFast);
  EXPECT_TRUE(pyauth::verify_password("", empty));
  EXPECT_TRUE(pyauth::verify_password(std::string_view{}, empty));  // null data pointer
  EXPECT_FALSE(pyauth::verify_password(std::string(1, '\0'), empty));
  EXPECT_TRUE(pyauth::verify_password("", pyauth::hash_argon2id(std::string_view{}, kFast)));
  EXPECT_TRUE(pyauth::verify_password(std::string_view{}, pyauth::hash_pbkdf2_sha256({}, 1, "s")));
}

TEST(PasswordArgon2, DefaultParametersAreOwasp) {
  const std::string h = pyauth::hash_argon2id("hunter2");
  EXPECT_TRUE(h.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$")) << h;
  EXPECT_TRUE(pyauth::verify_password("hunter2", h));
  EXPECT_FALSE(pyauth::needs_rehash(h));
}

TEST(PasswordArgon2, RefusesBadParameters) {
  const auto refuse = [](Argon2Params p, std::string_view message) {
    expect_error([&] { pyauth::hash_argon2id("pw", p); }, PasswordErrc::invalid_parameters,
                 message);
  };
  refuse({64, 1, 2}, "parallelism must be 1");
  refuse({64, 1, 0}, "parallelism must be 1");
  refuse({64, 0, 1}, "time cost t=0 is not in 1..64");
  refuse({64, 65, 1}, "time cost t=65 is not in 1..64");
  refuse({7, 1, 1}, "memory cost m=7 KiB is not in 8..1048576 KiB");
  refuse({0, 1, 1}, "memory cost m=0 KiB");
  refuse({pyauth::kArgon2MaxMemoryKib + 1, 1, 1}, "memory cost m=1048577 KiB");
  // The lowest accepted costs work.
  EXPECT_TRUE(pyauth::verify_password("pw", pyauth::hash_argon2id("pw", {8, 1, 1})));
}

TEST(PasswordPbkdf2, RoundTripWithRandomSalt) {
  const std::string a = pyauth::hash_pbkdf2_sha256("correct horse", 1000);
  const std::string b = pyauth::hash_pbkdf2_sha256("correct horse", 1000);
  EXPECT_NE(a, b);
  const auto f = split(a, '$');
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], "pbkdf2_sha256");
  EXPECT_EQ(f[1], "1000");
  EXPECT_EQ(f[2].size(), 22u);
  EXPECT_TRUE(std::all_of(f[2].begin(), f[2].end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  })) << f[2];
  EXPECT_EQ(f[3].size(), 44u);  // 32 bytes, padded base64
  EXPECT_TRUE(pyauth::verify_password("correct horse", a));
  EXPECT_FALSE(pyauth::verify_password("correct horsE", a));
  EXPECT_EQ(pyauth::parse_hash(a).iterations, 1000u);
}

TEST(PasswordPbkdf2, DefaultIterationsAreDjangos) {
  const std::string h =
      pyauth::hash_pbkdf2_sha256("pw", pyauth::kPbkdf2DefaultIterations, "seasalt");
  EXPECT_TRUE(h.starts_with("pbkdf2_sha256$1000000$seasalt$")) << h;
}

TEST(PasswordPbkdf2, RefusesBadParameters) {
  expect_error([] { pyauth::hash_pbkdf2_sha256("pw", 0, "salt"); },
               PasswordErrc::invalid_parameters, "iteration count 0 is not in 1..10000000");
  expect_error([] { pyauth::hash_pbkdf2_sha256("pw", pyauth::kPbkdf2MaxIterations + 1, "salt"); },
               PasswordErrc::invalid_parameters, "iteration count 10000001 is not in 1..10000000");
  expect_error([] { pyauth::hash_pbkdf2_sha256("pw", 1000, "sea$salt"); },
               PasswordErrc::invalid_parameters, "salt cannot contain '$'");
}

TEST(PasswordLength, LimitIsEnforcedEverywhere) {
  const std::string longest(pyauth::kMaxPasswordBytes, 'x');
  const std::string too_long(pyauth::kMaxPasswordBytes + 1, 'x');
  const std::string argon = pyauth::hash_argon2id(longest, kFast);
  const std::string pbkdf2 = pyauth::hash_pbkdf2_sha256(longest, 1, "salt");
  EXPECT_TRUE(pyauth::verify_password(longest, argon));
  EXPECT_TRUE(pyauth::verify_password(longest, pbkdf2));
  constexpr std::string_view message = "password cannot be longer than 4096 bytes";
  expect_error([&] { pyauth::hash_argon2id(too_long, kFast); }, PasswordErrc::invalid_password,
               message);
  expect_error([&] { pyauth::hash_pbkdf2_sha256(too_long, 1, "salt"); },
               PasswordErrc::invalid_password, message);
  expect_error([&] { pyauth::verify_password(too_long, argon); }, PasswordErrc::invalid_password,
               message);
  expect_error([&] { pyauth::verify_password(too_long, pbkdf2); }, PasswordErrc::invalid_password,
               message);
}

TEST(PasswordErrors, MessagesDoNotEchoThePassword) {
  const std::string secret = "s3cret-Passw0rd";
  const std::string bad =
      "argon2$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";
  for (const std::string& encoded : {bad, std::string("md5$x$y")}) {
    try {
      pyauth::verify_password(secret, encoded);
      ADD_FAILURE() << "no exception for " << encoded;
    } catch (const pyauth::Error& e) {
      EXPECT_EQ(std::string_view(e.what()).find(secret), std::string_view::npos) << e.what();
    }
  }
}

#if defined(__SANITIZE_ADDRESS__)
#define PYAUTH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PYAUTH_ASAN 1
#endif
#endif

// Out of memory never verifies: an address-space limit makes libsodium's 1 GiB allocation
// fail. Hashing reports PasswordErrc::internal; verifying reports internal on libsodium after
// 1.0.18 and a mismatch on 1.0.18 itself (which maps the failure to ARGON2_VERIFY_MISMATCH).
TEST(PasswordErrors, OutOfMemoryIsInternal) {
#ifdef PYAUTH_ASAN
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space";
#else
  std::size_t pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  ASSERT_GT(pages, 0u);
  const auto in_use = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < in_use + (256u << 20)) {
    GTEST_SKIP() << "address-space hard limit too low";
  }
  rlimit limited = saved;
  limited.rlim_cur = in_use + (256u << 20);
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limited), 0);
  const std::string huge =
      "argon2$argon2id$v=19$m=1048576,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";
  try {
    EXPECT_FALSE(pyauth::verify_password("pw", huge));
    EXPECT_LE(sodium_library_version_major() * 100 + sodium_library_version_minor(), 1003)
        << "only libsodium 1.0.18 (library 10.3) and older read out of memory as a mismatch";
  } catch (const pyauth::Error& e) {
    EXPECT_EQ(e.code(), pyauth::make_error_code(PasswordErrc::internal)) << e.what();
  }
  expect_error(
      [&] {
        pyauth::hash_argon2id("pw", {pyauth::kArgon2MaxMemoryKib, 1, 1});
      },
      PasswordErrc::internal, "argon2id hashing failed");
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);
#endif
}

TEST(PasswordRehash, OnlyArgon2idAtExactlyTheParameters) {
  const std::string current = pyauth::hash_argon2id("pw", kFast);
  EXPECT_FALSE(pyauth::needs_rehash(current, kFast));
  EXPECT_TRUE(pyauth::needs_rehash(current));               // defaults differ
  EXPECT_TRUE(pyauth::needs_rehash(current, {128, 1, 1}));  // m
  EXPECT_TRUE(pyauth::needs_rehash(current, {64, 2, 1}));   // t
  EXPECT_TRUE(pyauth::needs_rehash(current, {64, 1, 2}));   // p

  const HashVector& django = find_vector("Django Argon2PasswordHasher().encode(password, salt())");
  EXPECT_FALSE(pyauth::needs_rehash(django.encoded, {102400, 2, 8}));  // 22-byte salt is fine
  EXPECT_TRUE(pyauth::needs_rehash(django.encoded));

  const HashVector& owasp =
      find_vector("argon2-cffi PasswordHasher(time_cost=2, memory_cost=19456");
  EXPECT_FALSE(pyauth::needs_rehash(owasp.encoded));  // the same hash libsodium would make

  // argon2i, PBKDF2 at any count, short salts or hashes: re-hash.
  const HashVector& legacy = find_vector("argon2-cffi hash_secret(type=Type.I");
  EXPECT_TRUE(pyauth::needs_rehash(legacy.encoded, {512, 2, 2}));
  const HashVector& pbkdf2 = find_vector("Django make_password(password, hasher='pbkdf2_sha256')");
  EXPECT_TRUE(pyauth::needs_rehash(pbkdf2.encoded));
  const HashVector& edges = find_vector("argon2-cffi PasswordHasher(t=1, m=8, p=1, salt_len=8");
  EXPECT_TRUE(pyauth::needs_rehash(edges.encoded, {8, 1, 1}));  // 8-byte salt, 16-byte hash
}

TEST(PasswordThreads, ConcurrentHashingAndVerifying) {
  constexpr int kThreads = 2;
  constexpr int kRounds = 4;
  std::vector<std::vector<std::string>> hashes(kThreads);
  std::vector<int> verified(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string password = "password-" + std::to_string(t);
      for (int r = 0; r < kRounds; ++r) {
        std::string a = pyauth::hash_argon2id(password, kFast);
        std::string p = pyauth::hash_pbkdf2_sha256(password, 1000);
        if (pyauth::verify_password(password, a) && pyauth::verify_password(password, p) &&
            !pyauth::verify_password(password + "x", a) &&
            !pyauth::verify_password(password + "x", p)) {
          ++verified[t];
        }
        hashes[t].push_back(std::move(a));
        hashes[t].push_back(std::move(p));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(verified[t], kRounds) << "thread " << t;
    const std::string mine = "password-" + std::to_string(t);
    const std::string other = "password-" + std::to_string((t + 1) % kThreads);
    for (const auto& h : hashes[t]) {
      EXPECT_TRUE(pyauth::verify_password(mine, h)) << h;
      EXPECT_FALSE(pyauth::verify_password(other, h)) << h;
    }
  }
}

}  // namespace
