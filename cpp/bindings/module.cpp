// pyauth._core: the pybind11 binding of the C++ core, and the only file that includes
// pybind11. Arguments are positional and bytes-like (the Python facade in pyauth/ does
// keyword handling and str/bytes conversion); the GIL is released around every password
// hash and every asymmetric signature operation; every pyauth::Error becomes the class
// of pyauth/exceptions.py that its (domain, code) names, in one function (raise_error).
// pyauth.jwt.decode's hot path, the Decoder type, is written with the CPython API alone
// (a vectorcall type): a decode costs a few hundred nanoseconds over the C++ core, and
// pybind11's dispatch would be a large share of that.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <structmember.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyauth/encoding.hpp"
#include "pyauth/error.hpp"
#include "pyauth/jwt.hpp"
#include "pyauth/keys.hpp"
#include "pyauth/otp.hpp"
#include "pyauth/password.hpp"
#include "pyauth/seal.hpp"
#include "pyauth/secure.hpp"

namespace py = pybind11;

namespace {

using pyauth::Algorithm;

// ---------------------------------------------------------------------------------
// Errors

struct ExceptionClasses {
  py::object token[16];
  py::object key[8];
  py::object password[8];
  py::object otp[8];
  py::object seal[4];
};

ExceptionClasses& exception_classes() {
  // Leaked on purpose: the translator may run during interpreter shutdown.
  static auto* classes = new ExceptionClasses();
  return *classes;
}

void load_exception_classes() {
  py::module_ exc = py::module_::import("pyauth.exceptions");
  auto& c = exception_classes();
  using pyauth::KeyErrc;
  using pyauth::OtpErrc;
  using pyauth::PasswordErrc;
  using pyauth::SealErrc;
  using pyauth::TokenErrc;
  auto set_token = [&](TokenErrc e, const char* name) {
    c.token[static_cast<int>(e)] = exc.attr(name);
  };
  set_token(TokenErrc::malformed, "DecodeError");
  set_token(TokenErrc::too_large, "TokenTooLargeError");
  set_token(TokenErrc::bad_signature, "InvalidSignatureError");
  set_token(TokenErrc::algorithm_not_allowed, "InvalidAlgorithmError");
  set_token(TokenErrc::unsupported_crit, "UnsupportedCriticalHeaderError");
  set_token(TokenErrc::no_matching_key, "NoMatchingKeyError");
  set_token(TokenErrc::expired, "ExpiredSignatureError");
  set_token(TokenErrc::not_yet_valid, "ImmatureSignatureError");
  set_token(TokenErrc::invalid_iat, "InvalidIssuedAtError");
  set_token(TokenErrc::bad_audience, "InvalidAudienceError");
  set_token(TokenErrc::bad_issuer, "InvalidIssuerError");
  set_token(TokenErrc::missing_claim, "MissingRequiredClaimError");
  set_token(TokenErrc::bad_token_type, "InvalidTokenTypeError");
  set_token(TokenErrc::bad_subject, "InvalidSubjectError");
  set_token(TokenErrc::bad_jti, "InvalidJTIError");
  c.key[static_cast<int>(KeyErrc::invalid_key)] = exc.attr("InvalidKeyError");
  c.key[static_cast<int>(KeyErrc::weak_key)] = exc.attr("WeakKeyError");
  c.key[static_cast<int>(KeyErrc::unsupported_algorithm)] = exc.attr("UnsupportedAlgorithmError");
  c.key[static_cast<int>(KeyErrc::not_private)] = exc.attr("KeyCannotSignError");
  c.password[static_cast<int>(PasswordErrc::invalid_hash)] = exc.attr("InvalidHashError");
  c.password[static_cast<int>(PasswordErrc::invalid_password)] = exc.attr("InvalidPasswordError");
  c.password[static_cast<int>(PasswordErrc::invalid_parameters)] =
      exc.attr("InvalidHashParametersError");
  c.password[static_cast<int>(PasswordErrc::internal)] = exc.attr("HashingError");
  c.otp[static_cast<int>(OtpErrc::invalid_secret)] = exc.attr("InvalidSecretError");
  c.otp[static_cast<int>(OtpErrc::invalid_code)] = exc.attr("InvalidCodeError");
  c.otp[static_cast<int>(OtpErrc::invalid_parameters)] = exc.attr("InvalidOTPParametersError");
  c.otp[static_cast<int>(OtpErrc::invalid_uri)] = exc.attr("InvalidURIError");
  c.seal[static_cast<int>(SealErrc::malformed)] = exc.attr("MalformedSealError");
  c.seal[static_cast<int>(SealErrc::unauthentic)] = exc.attr("UnsealError");
  c.seal[static_cast<int>(SealErrc::invalid_input)] = exc.attr("InvalidSealInputError");
}

const py::object* class_for(const std::error_code& code) {
  auto& c = exception_classes();
  const int v = code.value();
  const auto pick = [v](const py::object* table, int size) -> const py::object* {
    return v > 0 && v < size && table[v] ? &table[v] : nullptr;
  };
  if (code.category() == pyauth::token_category()) return pick(c.token, 16);
  if (code.category() == pyauth::key_category()) return pick(c.key, 8);
  if (code.category() == pyauth::password_category()) return pick(c.password, 8);
  if (code.category() == pyauth::otp_category()) return pick(c.otp, 8);
  if (code.category() == pyauth::seal_category()) return pick(c.seal, 4);
  return nullptr;
}

// Sets the Python exception of `e` (may throw py::error_already_set).
void raise_error(const pyauth::Error& e) {
  const py::object* cls = class_for(e.code());
  if (cls == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return;
  }
  // MissingRequiredClaimError takes the claim's name, as PyJWT's does.
  const bool by_detail = e.code() == pyauth::TokenErrc::missing_claim;
  py::object instance = (*cls)(py::str(by_detail ? e.detail() : std::string(e.what())));
  PyErr_SetObject(cls->ptr(), instance.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const pyauth::Error& e) {
    raise_error(e);
  }
}

// ---------------------------------------------------------------------------------
// Algorithms

Algorithm parse_algorithm(std::string_view name) {
  if (auto alg = pyauth::algorithm_from_name(name)) return *alg;
  std::string shown(name.substr(0, 32));
  for (char& ch : shown) {
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
  }
  pyauth::fail(pyauth::KeyErrc::unsupported_algorithm,
               "algorithm '" + shown + "' is not supported");
}

std::vector<Algorithm> parse_algorithms(const std::vector<std::string>& names) {
  std::vector<Algorithm> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(parse_algorithm(n));
  return out;
}

// ---------------------------------------------------------------------------------
// JSON (simdjson DOM) -> Python objects, with the raw C API: this runs on every decode.
//
// A claims dict is most of what a decode costs over the C++ core, so it is built with as
// little work as CPython allows: the dict sized up front, member names taken from a cache
// of ready str objects (below), ASCII strings copied straight into a new str.

// Member names as Python strings, made once. The tokens a service verifies come in a few
// shapes, so the same dozen names recur on every decode; each is kept here as an interned
// str (hash computed, and identical to the literals of Python code that reads the dict)
// and handed out with a new reference instead of being decoded, hashed and allocated
// again. Names are learnt only from the header and top-level claims of tokens whose
// signature verified -- never from unverified input, so a forger cannot fill the table --
// up to kMaxNames names of at most kMaxNameBytes bytes; past that, names are made per call
// as before. Used with the GIL held only (that is its lock).
class NameCache {
 public:
  static constexpr std::size_t kMaxNameBytes = 32;

  // A new reference to the cached str for `name`, or nullptr.
  PyObject* find(std::string_view name) const noexcept {
    if (name.size() > kMaxNameBytes) return nullptr;
    for (std::size_t i = slot_of(name);; i = (i + 1) & (kSlots - 1)) {
      const Slot& s = slots_[i];
      if (s.str == nullptr) return nullptr;
      if (s.size == name.size() && std::memcmp(s.bytes.data(), name.data(), name.size()) == 0) {
        Py_INCREF(s.str);
        return s.str;
      }
    }
  }

  // Keeps `str` (the str of `name`, interned in place) when there is room; the cache
  // holds its own reference, for the life of the process.
  void learn(std::string_view name, PyObject*& str) noexcept {
    if (count_ >= kMaxNames || name.size() > kMaxNameBytes) return;
    PyUnicode_InternInPlace(&str);
    std::size_t i = slot_of(name);
    while (slots_[i].str != nullptr) i = (i + 1) & (kSlots - 1);
    Slot& s = slots_[i];
    std::memcpy(s.bytes.data(), name.data(), name.size());
    s.size = static_cast<std::uint8_t>(name.size());
    Py_INCREF(str);
    s.str = str;
    ++count_;
  }

 private:
  static constexpr std::size_t kSlots = 128;  // a power of two; at most half of them used
  static constexpr std::size_t kMaxNames = kSlots / 2;

  static std::size_t slot_of(std::string_view name) noexcept {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h & (kSlots - 1);
  }

  struct Slot {
    std::array<char, kMaxNameBytes> bytes{};
    std::uint8_t size = 0;
    PyObject* str = nullptr;
  };
  std::array<Slot, kSlots> slots_{};
  std::size_t count_ = 0;
};

NameCache& name_cache() {
  // Leaked on purpose, as the strs it holds: dicts may outlive the module.
  static auto* cache = new NameCache();
  return *cache;
}

bool is_ascii(std::string_view s) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t bits = 0;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    bits |= word;
  }
  for (; n > 0; ++p, --n) bits |= static_cast<unsigned char>(*p);
  return (bits & 0x8080808080808080ull) == 0;
}

// A new str of the UTF-8 text `s` (simdjson has validated it).
PyObject* new_str(std::string_view s) {
  if (is_ascii(s)) {
    PyObject* str = PyUnicode_New(static_cast<Py_ssize_t>(s.size()), 127);
    if (str != nullptr && !s.empty()) std::memcpy(PyUnicode_1BYTE_DATA(str), s.data(), s.size());
    return str;
  }
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
}

// The str of a member name; `learn`: the name comes from a verified token (see NameCache).
PyObject* name_str(std::string_view name, bool learn) {
  NameCache& cache = name_cache();
  if (PyObject* str = cache.find(name)) return str;
  PyObject* str = new_str(name);
  if (str != nullptr && learn) cache.learn(name, str);
  return str;
}

PyObject* to_python(simdjson::dom::element el);

// `learn`: the object is a verified header or claims set (nested objects never teach).
PyObject* object_to_dict(simdjson::dom::object obj, bool learn = false) {
  // Sized for its members up front: a dict made empty grows (rehashes) at the sixth.
  const std::size_t members = std::min<std::size_t>(obj.size(), 64);
  PyObject* dict = _PyDict_NewPresized(static_cast<Py_ssize_t>(members));
  if (dict == nullptr) return nullptr;
  for (auto field : obj) {
    PyObject* key = name_str(field.key, learn);
    if (key == nullptr) {
      Py_DECREF(dict);
      return nullptr;
    }
    PyObject* value = to_python(field.value);
    if (value == nullptr || PyDict_SetItem(dict, key, value) < 0) {
      Py_DECREF(key);
      Py_XDECREF(value);
      Py_DECREF(dict);
      return nullptr;
    }
    Py_DECREF(key);
    Py_DECREF(value);
  }
  return dict;
}

PyObject* to_python(simdjson::dom::element el) {
  using simdjson::dom::element_type;
  switch (el.type()) {
    case element_type::OBJECT:
      return object_to_dict(el.get_object().value_unsafe());
    case element_type::ARRAY: {
      auto arr = el.get_array().value_unsafe();
      PyObject* list = PyList_New(static_cast<Py_ssize_t>(arr.size()));
      if (list == nullptr) return nullptr;
      Py_ssize_t i = 0;
      for (auto item : arr) {
        PyObject* value = to_python(item);
        if (value == nullptr) {
          Py_DECREF(list);
          return nullptr;
        }
        PyList_SET_ITEM(list, i++, value);
      }
      return list;
    }
    case element_type::STRING:
      return new_str(el.get_string().value_unsafe());
    case element_type::INT64:
      return PyLong_FromLongLong(el.get_int64().value_unsafe());
    case element_type::UINT64:
      return PyLong_FromUnsignedLongLong(el.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return PyFloat_FromDouble(el.get_double().value_unsafe());
    case element_type::BOOL:
      return PyBool_FromLong(el.get_bool().value_unsafe() ? 1 : 0);
    case element_type::NULL_VALUE:
      Py_RETURN_NONE;
  }
  PyErr_SetString(PyExc_RuntimeError, "unexpected JSON element");
  return nullptr;
}

py::object dict_from(simdjson::dom::object obj, bool learn) {
  PyObject* d = object_to_dict(obj, learn);
  if (d == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(d);
}

// ---------------------------------------------------------------------------------
// Tokens

// The calling thread's decoder, which owns reusable buffers and parsers (the GIL may be
// released while it works), lent for one decode and the building of its result: the
// decoded token points into the decoder. Building the dicts allocates, an allocation may
// run the garbage collector, and a finaliser may decode a token on this same thread; such
// a nested decode gets a decoder of its own instead of overwriting the one in use.
class DecoderLease {
 public:
  DecoderLease() {
    Slot& s = slot();
    if (s.busy) {
      nested_.emplace();
      decoder_ = &*nested_;
    } else {
      s.busy = true;
      decoder_ = &s.decoder;
    }
  }
  ~DecoderLease() {
    if (!nested_) slot().busy = false;
  }
  DecoderLease(const DecoderLease&) = delete;
  DecoderLease& operator=(const DecoderLease&) = delete;

  pyauth::TokenDecoder& operator*() const noexcept { return *decoder_; }
  pyauth::TokenDecoder* operator->() const noexcept { return decoder_; }

 private:
  struct Slot {
    pyauth::TokenDecoder decoder;
    bool busy = false;
  };
  static Slot& slot() {
    thread_local Slot s;
    return s;
  }
  pyauth::TokenDecoder* decoder_;
  std::optional<pyauth::TokenDecoder> nested_;
};

// A prepared, immutable set of verification options (the facade caches them).
struct Options {
  pyauth::VerifyOptions opts;
};

// Token text as str (ASCII) or bytes. A str that is not ASCII cannot be a JWS.
std::string_view token_view(PyObject* token) {
  if (PyUnicode_Check(token)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(token, &size);
    if (data == nullptr) {
      PyErr_Clear();
      pyauth::fail(pyauth::TokenErrc::malformed, "token is not valid text");
    }
    return {data, static_cast<std::size_t>(size)};
  }
  if (PyBytes_Check(token)) {
    return {PyBytes_AS_STRING(token), static_cast<std::size_t>(PyBytes_GET_SIZE(token))};
  }
  throw py::type_error("token must be str or bytes");
}

// Verifies `token` with `decoder`: with the GIL held when every key is an HMAC key
// (microseconds, less than releasing it costs), released otherwise. `now` >= 0 replaces
// the clock.
const pyauth::DecodedToken& verify(pyauth::TokenDecoder& decoder, PyObject* token,
                                   const pyauth::KeySet& keys,
                                   const pyauth::VerifyOptions& options, double now) {
  std::string_view text = token_view(token);
  pyauth::VerifyOptions const* opts = &options;
  pyauth::VerifyOptions with_now;
  if (now >= 0) {
    with_now = options;
    with_now.now = now;
    opts = &with_now;
  }
  if (keys.all_hmac()) return decoder.decode(text, keys, *opts);
  py::gil_scoped_release release;
  return decoder.decode(text, keys, *opts);
}

py::object decode(const py::handle& token, const pyauth::KeySet& keys, const Options& options,
                  double now) {
  DecoderLease decoder;
  return dict_from(verify(*decoder, token.ptr(), keys, options.opts, now).claims, true);
}

py::tuple decode_complete(const py::handle& token, const pyauth::KeySet& keys,
                          const Options& options, double now) {
  DecoderLease decoder;
  const auto& d = verify(*decoder, token.ptr(), keys, options.opts, now);
  return py::make_tuple(dict_from(d.header, true), dict_from(d.claims, true));
}

py::tuple decode_unverified(const py::handle& token) {
  DecoderLease decoder;
  const auto& d = decoder->decode_unverified(token_view(token.ptr()));
  return py::make_tuple(dict_from(d.header, false), dict_from(d.claims, false));
}

std::string sign_compact(py::bytes header, py::bytes payload, const pyauth::Key& key) {
  std::string_view h = header;
  std::string_view p = payload;
  if (pyauth::is_hmac(key.algorithm())) return pyauth::sign_compact(h, p, key);
  py::gil_scoped_release release;
  return pyauth::sign_compact(h, p, key);
}

// ---------------------------------------------------------------------------------
// Decoder: pyauth.jwt.decode's hot path, a plain CPython type without pybind11.
//
// The facade prepares a KeySet and a VerifyOptions once per distinct call and keeps them;
// a Decoder binds the two, so that each decode is one vectorcall taking the token: no
// overload dispatch, no argument casting, no keyword handling. It keeps the KeySet
// object itself (not a copy), so keys added to it later verify too, as with decode().

struct DecoderObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* keys_obj;     // the KeySet and VerifyOptions objects, kept alive ...
  PyObject* options_obj;
  const pyauth::KeySet* keys;  // ... and what they hold
  const pyauth::VerifyOptions* options;
};

// Sets the Python error for the C++ exception being handled, as pybind11's dispatcher
// would (call it from a catch block only).
void set_python_error() noexcept {
  try {
    throw;
  } catch (const pyauth::Error& e) {
    try {
      raise_error(e);
    } catch (py::error_already_set& err) {
      err.restore();
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception in pyauth._core.Decoder");
  }
}

// decoder(token) or decoder(token, now): the verified claims as a dict.
PyObject* decoder_call(PyObject* self, PyObject* const* args, std::size_t nargsf,
                       PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs < 1 || nargs > 2 || (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0)) {
    PyErr_SetString(PyExc_TypeError,
                    "Decoder takes the token and, optionally, the time now, positionally");
    return nullptr;
  }
  double now = -1;
  if (nargs == 2) {
    now = PyFloat_AsDouble(args[1]);
    if (now == -1.0 && PyErr_Occurred()) return nullptr;
  }
  const auto* d = reinterpret_cast<const DecoderObject*>(self);
  try {
    DecoderLease decoder;
    return object_to_dict(verify(*decoder, args[0], *d->keys, *d->options, now).claims, true);
  } catch (...) {
    set_python_error();
    return nullptr;
  }
}

PyObject* decoder_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0) {
    PyErr_SetString(PyExc_TypeError, "Decoder takes its arguments positionally");
    return nullptr;
  }
  PyObject* keys = nullptr;
  PyObject* options = nullptr;
  if (!PyArg_ParseTuple(args, "OO:Decoder", &keys, &options)) return nullptr;
  const pyauth::KeySet* key_set = nullptr;
  const pyauth::VerifyOptions* verify_options = nullptr;
  try {
    key_set = &py::cast<const pyauth::KeySet&>(py::handle(keys));
    verify_options = &py::cast<const Options&>(py::handle(options)).opts;
  } catch (const py::cast_error&) {
    PyErr_SetString(PyExc_TypeError, "Decoder(keys, options) takes a KeySet and a VerifyOptions");
    return nullptr;
  } catch (...) {
    set_python_error();
    return nullptr;
  }
  auto* self = reinterpret_cast<DecoderObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->vectorcall = decoder_call;
  Py_INCREF(keys);
  self->keys_obj = keys;
  Py_INCREF(options);
  self->options_obj = options;
  self->keys = key_set;
  self->options = verify_options;
  return reinterpret_cast<PyObject*>(self);
}

void decoder_dealloc(PyObject* self) {
  auto* d = reinterpret_cast<DecoderObject*>(self);
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(d->keys_obj);
  Py_XDECREF(d->options_obj);
  type->tp_free(self);
  Py_DECREF(type);  // instances of heap types own a reference to their type
}

PyMemberDef decoder_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(DecoderObject, vectorcall), READONLY, nullptr},
    {"keys", T_OBJECT_EX, offsetof(DecoderObject, keys_obj), READONLY,
     "The KeySet that verifies the signatures."},
    {"options", T_OBJECT_EX, offsetof(DecoderObject, options_obj), READONLY,
     "The VerifyOptions that check the claims."},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot decoder_slots[] = {
    {Py_tp_doc,
     const_cast<char*>("Decoder(keys, options): decoder(token[, now]) verifies a token with "
                       "the KeySet and VerifyOptions bound once, and returns its claims.")},
    {Py_tp_new, reinterpret_cast<void*>(decoder_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(decoder_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_members, decoder_members},
    {0, nullptr},
};

PyType_Spec decoder_spec = {
    "pyauth._core.Decoder",
    sizeof(DecoderObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_IMMUTABLETYPE,
    decoder_slots,
};

// ---------------------------------------------------------------------------------
// One-time codes

pyauth::OtpHash parse_otp_hash(std::string_view name) {
  if (auto h = pyauth::otp_hash_from_name(name)) return *h;
  pyauth::fail(pyauth::OtpErrc::invalid_parameters,
               "one-time-code algorithm must be SHA1, SHA256 or SHA512");
}

py::dict uri_to_dict(const pyauth::OtpAuthUri& u) {
  py::dict d;
  d["type"] = u.type;
  d["label"] = u.label;
  d["account"] = u.account;
  d["issuer"] = u.issuer;
  d["secret"] = u.secret;
  d["algorithm"] = std::string(pyauth::otp_hash_name(u.hash));
  d["digits"] = u.digits;
  d["period"] = u.period;
  d["counter"] = u.counter;
  return d;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "pyauth's C++ core (OpenSSL, libsodium, simdjson). Use the pyauth package, "
            "not this module: its functions take positional bytes-like arguments only.";
  m.attr("__version__") = PYAUTH_VERSION;
  pyauth::ensure_sodium();
  load_exception_classes();
  py::register_exception_translator(&translate);

  // --- keys ---
  py::class_<pyauth::Key, std::shared_ptr<pyauth::Key>>(m, "Key",
      "A signing or verification key bound to one JWS algorithm, parsed once.")
      .def_property_readonly("algorithm",
                             [](const pyauth::Key& k) { return std::string(pyauth::algorithm_name(k.algorithm())); })
      .def_property_readonly("kid",
                             [](const pyauth::Key& k) -> std::optional<std::string> {
                               if (k.kid().empty()) return std::nullopt;
                               return k.kid();
                             })
      .def_property_readonly("is_private", &pyauth::Key::is_private)
      .def("sign",
           [](const pyauth::Key& k, py::bytes data) {
             std::string_view d = data;
             std::string sig;
             if (pyauth::is_hmac(k.algorithm())) {
               sig = k.sign(d);
             } else {
               py::gil_scoped_release release;
               sig = k.sign(d);
             }
             return py::bytes(sig);
           })
      .def("verify",
           [](const pyauth::Key& k, py::bytes data, py::bytes signature) {
             std::string_view d = data;
             std::string_view s = signature;
             if (pyauth::is_hmac(k.algorithm())) return k.verify(d, s);
             py::gil_scoped_release release;
             return k.verify(d, s);
           })
      .def("public_jwk", &pyauth::Key::public_jwk)
      .def("public_pem", &pyauth::Key::public_pem)
      .def("thumbprint", [](const pyauth::Key& k) { return pyauth::jwk_thumbprint(k); })
      .def("__repr__", [](const pyauth::Key& k) {
        std::string r = "<pyauth Key ";
        r += pyauth::algorithm_name(k.algorithm());
        r += k.is_private() ? " private" : " public";
        if (!k.kid().empty()) r += " kid=" + k.kid().substr(0, 64);
        return r + ">";
      });

  m.def("key_from_secret", [](std::string_view alg, py::bytes secret, std::string kid) {
    std::string_view s = secret;
    return std::const_pointer_cast<pyauth::Key>(
        pyauth::key_from_secret(parse_algorithm(alg), s, std::move(kid)));
  });
  m.def("key_from_pem", [](std::string_view alg, py::bytes pem, std::string kid) {
    std::string_view p = pem;
    return std::const_pointer_cast<pyauth::Key>(
        pyauth::key_from_pem(parse_algorithm(alg), p, std::move(kid)));
  });
  m.def("key_from_jwk", [](py::bytes jwk, std::optional<std::string_view> alg) {
    std::string_view j = jwk;
    std::optional<Algorithm> a;
    if (alg) a = parse_algorithm(*alg);
    return std::const_pointer_cast<pyauth::Key>(pyauth::key_from_jwk(j, a));
  });
  m.def("generate_key", [](std::string_view alg, std::string kid) {
    const Algorithm a = parse_algorithm(alg);
    py::gil_scoped_release release;
    return std::const_pointer_cast<pyauth::Key>(pyauth::generate_key(a, std::move(kid)));
  });
  m.def("algorithms", [] {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < pyauth::kAlgorithmCount; ++i) {
      names.emplace_back(pyauth::algorithm_name(static_cast<Algorithm>(i)));
    }
    return names;
  });
  m.def("is_hmac", [](std::string_view alg) { return pyauth::is_hmac(parse_algorithm(alg)); });

  py::class_<pyauth::KeySet>(m, "KeySet", "Keys for verification, picked by alg and kid.")
      .def(py::init([](const std::vector<std::shared_ptr<pyauth::Key>>& keys) {
        std::vector<pyauth::KeyPtr> ks(keys.begin(), keys.end());
        return pyauth::KeySet(std::move(ks));
      }))
      .def("add", [](pyauth::KeySet& s, std::shared_ptr<pyauth::Key> k) { s.add(std::move(k)); })
      .def_property_readonly("keys",
                             [](const pyauth::KeySet& s) {
                               std::vector<std::shared_ptr<pyauth::Key>> out;
                               for (const auto& k : s.keys()) {
                                 out.push_back(std::const_pointer_cast<pyauth::Key>(k));
                               }
                               return out;
                             })
      .def("public_jwks", &pyauth::KeySet::public_jwks)
      .def("__len__", [](const pyauth::KeySet& s) { return s.keys().size(); });
  m.def("keyset_from_jwks", [](py::bytes jwks) {
    std::string_view j = jwks;
    return pyauth::keyset_from_jwks(j);
  });

  // --- sealing private keys at rest (seal.hpp): the plaintext never reaches Python ---
  py::class_<pyauth::SealKey>(m, "SealKey",
      "A sealing key derived from a secret and an 8-byte purpose label (opaque).")
      .def(py::init([](py::bytes secret, py::bytes context) {
        std::string_view s = secret;
        std::string_view c = context;
        return pyauth::SealKey(s, c);
      }))
      .def("__repr__", [](const pyauth::SealKey&) { return std::string("<pyauth SealKey>"); })
      // Small secrets Python must hold anyway (a TOTP secret the authenticator app shares):
      // sealed and opened here so the AEAD and its nonce stay the core's.
      .def("seal",
           [](const pyauth::SealKey& seal, py::bytes plaintext, py::bytes aad) {
             std::string_view p = plaintext;
             std::string_view a = aad;
             return py::bytes(seal.seal(p, a));
           })
      .def("open", [](const pyauth::SealKey& seal, py::bytes blob, py::bytes aad) {
        std::string_view b = blob;
        std::string_view a = aad;
        const pyauth::SecretBytes plain = seal.open(b, a);
        return py::bytes(reinterpret_cast<const char*>(plain.data()), plain.size());
      });
  m.def("seal_private_key", [](const pyauth::Key& key, const pyauth::SealKey& seal, py::bytes aad) {
    std::string_view a = aad;
    std::string blob;
    {
      py::gil_scoped_release release;
      blob = pyauth::seal_private_key(key, seal, a);
    }
    return py::bytes(blob);
  });
  m.def("open_private_key", [](std::string_view alg, py::bytes blob, const pyauth::SealKey& seal,
                               py::bytes aad, std::string kid) {
    const Algorithm a = parse_algorithm(alg);
    std::string_view b = blob;
    std::string_view d = aad;
    py::gil_scoped_release release;
    return std::const_pointer_cast<pyauth::Key>(
        pyauth::open_private_key(a, b, seal, d, std::move(kid)));
  });

  // --- tokens ---
  py::class_<Options>(m, "VerifyOptions", "Prepared verification options (immutable).")
      .def(py::init([](const std::vector<std::string>& algorithms, double leeway, bool verify_exp,
                       bool verify_nbf, bool verify_iat, bool verify_aud, bool verify_iss,
                       bool verify_sub, bool verify_jti, std::vector<std::string> audience, std::vector<std::string> issuer,
                       std::vector<std::string> required, std::string type_claim,
                       std::string expected_type, std::vector<std::string> understood_crit) {
        if (!std::isfinite(leeway) || leeway < 0) {
          throw py::value_error("leeway must be a non-negative number of seconds");
        }
        Options o;
        o.opts.algorithms = parse_algorithms(algorithms);
        o.opts.leeway = leeway;
        o.opts.verify_exp = verify_exp;
        o.opts.verify_nbf = verify_nbf;
        o.opts.verify_iat = verify_iat;
        o.opts.verify_aud = verify_aud;
        o.opts.verify_iss = verify_iss;
        o.opts.verify_sub = verify_sub;
        o.opts.verify_jti = verify_jti;
        o.opts.audience = std::move(audience);
        o.opts.issuer = std::move(issuer);
        o.opts.required = std::move(required);
        o.opts.type_claim = std::move(type_claim);
        o.opts.expected_type = std::move(expected_type);
        o.opts.understood_crit = std::move(understood_crit);
        return o;
      }));

  m.def("sign_compact", &sign_compact);
  m.def("decode", &decode);
  m.def("decode_complete", &decode_complete);
  m.def("decode_unverified", &decode_unverified);
  PyObject* decoder_type = PyType_FromModuleAndSpec(m.ptr(), &decoder_spec, nullptr);
  if (decoder_type == nullptr) throw py::error_already_set();
  m.add_object("Decoder", py::reinterpret_steal<py::object>(decoder_type));
  m.attr("DEFAULT_MAX_TOKEN_SIZE") = pyauth::kDefaultMaxTokenSize;

  // --- passwords ---
  m.def("hash_argon2id", [](py::bytes password, std::uint32_t m_kib, std::uint32_t t,
                            std::uint32_t p) {
    std::string_view pw = password;
    const pyauth::Argon2Params params{m_kib, t, p};
    py::gil_scoped_release release;
    return pyauth::hash_argon2id(pw, params);
  });
  m.def("hash_pbkdf2_sha256", [](py::bytes password, std::uint32_t iterations, std::string salt) {
    std::string_view pw = password;
    py::gil_scoped_release release;
    return pyauth::hash_pbkdf2_sha256(pw, iterations, salt);
  });
  m.def("verify_password", [](py::bytes password, std::string encoded) {
    std::string_view pw = password;
    py::gil_scoped_release release;
    return pyauth::verify_password(pw, encoded);
  });
  m.def("needs_rehash", [](std::string_view encoded, std::uint32_t m_kib, std::uint32_t t,
                           std::uint32_t p) {
    return pyauth::needs_rehash(encoded, pyauth::Argon2Params{m_kib, t, p});
  });
  m.def("parse_hash", [](std::string_view encoded) {
    const pyauth::HashInfo info = pyauth::parse_hash(encoded);
    const char* name = info.algorithm == pyauth::HashAlgorithm::argon2id  ? "argon2id"
                       : info.algorithm == pyauth::HashAlgorithm::argon2i ? "argon2i"
                                                                          : "pbkdf2_sha256";
    return py::make_tuple(name, info.memory_kib, info.iterations, info.parallelism,
                          info.salt_bytes, info.hash_bytes);
  });
  m.attr("ARGON2_DEFAULT_MEMORY_KIB") = pyauth::Argon2Params{}.memory_kib;
  m.attr("ARGON2_DEFAULT_ITERATIONS") = pyauth::Argon2Params{}.iterations;
  m.attr("ARGON2_DEFAULT_PARALLELISM") = pyauth::Argon2Params{}.parallelism;
  m.attr("PBKDF2_DEFAULT_ITERATIONS") = pyauth::kPbkdf2DefaultIterations;
  m.attr("MAX_PASSWORD_BYTES") = pyauth::kMaxPasswordBytes;

  // --- one-time codes ---
  py::class_<pyauth::OtpKey>(m, "OtpKey", "An HOTP/TOTP shared secret with its algorithm and digits.")
      .def(py::init([](py::bytes secret, std::string_view hash, unsigned digits) {
        std::string_view s = secret;
        return pyauth::OtpKey(s, parse_otp_hash(hash), digits);
      }))
      .def_static("from_base32",
                  [](std::string_view secret, std::string_view hash, unsigned digits) {
                    return pyauth::OtpKey::from_base32(secret, parse_otp_hash(hash), digits);
                  })
      .def_property_readonly("digits", &pyauth::OtpKey::digits)
      .def_property_readonly("algorithm",
                             [](const pyauth::OtpKey& k) { return std::string(pyauth::otp_hash_name(k.hash())); })
      .def("code", &pyauth::OtpKey::code)
      .def("match", &pyauth::OtpKey::match);
  m.def("totp_counter", &pyauth::totp_counter);
  m.def("random_base32_secret", &pyauth::random_base32_secret);
  m.def("random_numeric_code", &pyauth::random_numeric_code);
  m.def("provisioning_uri", [](std::string type, std::string account, std::string issuer,
                               std::string secret, std::string_view hash, unsigned digits,
                               std::uint32_t period, std::uint64_t counter) {
    pyauth::OtpAuthUri u;
    u.type = std::move(type);
    u.account = std::move(account);
    u.issuer = std::move(issuer);
    u.secret = std::move(secret);
    u.hash = parse_otp_hash(hash);
    u.digits = digits;
    u.period = period;
    u.counter = counter;
    return pyauth::provisioning_uri(u);
  });
  m.def("parse_otpauth_uri",
        [](std::string_view uri) { return uri_to_dict(pyauth::parse_otpauth_uri(uri)); });

  // --- utilities ---
  m.def("compare_digest", [](py::bytes a, py::bytes b) {
    return pyauth::equal_ct(std::string_view(a), std::string_view(b));
  });
}
