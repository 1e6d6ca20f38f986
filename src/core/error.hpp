#pragma once
// The error model, in two layers (after ccache):
//  - inner layers return `Result<T>` (tl::expected<T, Error>) and propagate with TRY / TRY_ASSIGN;
//  - a command that cannot go on throws `Abort`, which app_main catches exactly once and turns into
//    a message and an exit code.
// Problems in the user's inputs are not Errors: they are Diagnostics, collected for a whole phase
// (see diagnostic.hpp), so the user sees all of them at once.

#include <core/source.hpp>

#include <stdexcept>
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace talgpu {

struct Error {
  std::string message;
  SourceLocation location;  // may be empty
  std::string rule;         // stable rule id when the error is a user-input problem

  Error() = default;
  explicit Error(std::string msg, SourceLocation loc = {}, std::string rule_id = {})
      : message(std::move(msg)), location(std::move(loc)), rule(std::move(rule_id)) {}

  // "file:line:col: message" when located, else just the message.
  std::string describe() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message, SourceLocation loc = {}, std::string rule = {}) {
  return tl::unexpected<Error>(Error(std::move(message), std::move(loc), std::move(rule)));
}

// Exit codes shared by every command.
enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_findings = 1,  // findings or errors in the inputs
  k_exit_usage = 2,     // usage error or unreadable input
};

// Thrown to abort the current command; caught once in app_main.
class Abort : public std::runtime_error {
 public:
  Abort(std::string message, int exit_code) : std::runtime_error(std::move(message)), m_exit_code(exit_code) {}
  int exit_code() const { return m_exit_code; }

 private:
  int m_exit_code;
};

// Unwraps a Result at the top of a command, aborting with `exit_code` on error.
template <typename T>
T value_or_abort(Result<T>&& r, int exit_code = k_exit_usage) {
  if (!r) {
    throw Abort(r.error().describe(), exit_code);
  }
  return std::move(*r);
}

// The same for results that carry no value.
inline void value_or_abort(Result<void>&& r, int exit_code = k_exit_usage) {
  if (!r) {
    throw Abort(r.error().describe(), exit_code);
  }
}

}  // namespace talgpu

#define TALGPU_CONCAT_(a, b) a##b
#define TALGPU_CONCAT(a, b) TALGPU_CONCAT_(a, b)

// TRY(expr): evaluate a Result-returning expression, return its error from the enclosing function.
#define TRY(...)                                                 \
  do {                                                           \
    auto talgpu_try_ = (__VA_ARGS__);                            \
    if (!talgpu_try_) {                                          \
      return tl::unexpected<::talgpu::Error>(talgpu_try_.error()); \
    }                                                            \
  } while (false)

// TRY_ASSIGN(var, expr): like TRY, and move the value into `var` (declared by the caller or `auto x`).
#define TRY_ASSIGN(var, ...) TRY_ASSIGN_IMPL_(TALGPU_CONCAT(talgpu_try_, __LINE__), var, __VA_ARGS__)
#define TRY_ASSIGN_IMPL_(tmp, var, ...)                       \
  auto tmp = (__VA_ARGS__);                                   \
  if (!tmp) {                                                 \
    return tl::unexpected<::talgpu::Error>(tmp.error());      \
  }                                                           \
  var = std::move(*tmp)
