#pragma once
// A regular-expression matcher whose work is bounded by (pattern size) x (text size), for patterns
// that come from untrusted files (SOPS metadata is not authenticated before its regexes run).
//
// std::regex backtracks (a catastrophic pattern such as `(a*)*b` runs for minutes) and recurses per
// character (a 20 KB subject overflows the stack). This is a Thompson NFA simulated in lock step
// (Pike VM without captures, as RE2 and Go's regexp do), so it cannot do either.
//
// The syntax is the part of RE2 that people write in `.sops.yaml` rules: literals, `.`, classes
// `[a-z_]` / `[^...]`, the escapes \d \D \w \W \s \S and escaped punctuation, \n \r \t, anchors `^` `$`,
// groups `(...)` `(?:...)`, flags `(?i)` `(?s)` (and `(?i:...)`), alternation, `* + ?` (lazy forms
// too: they do not change whether a match exists) and counted repetition `{n}` `{n,}` `{n,m}`
// (n, m <= 100). Anything else (back-references, look-around, \b, Unicode classes) is refused with
// an error naming the construct, never guessed. Matching is byte-wise (`.` is one byte).

#include <core/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu {

class LinearRegex {
 public:
  // Compiles `pattern`; refuses patterns over 1,000 bytes or 5,000 NFA states.
  static Result<LinearRegex> compile(std::string_view pattern);

  // True when the pattern matches somewhere in `text` (Go's regexp.MatchString).
  bool search(std::string_view text) const;

  struct Inst {
    enum Op : uint8_t { set, split, jmp, bol, eol, match } op = match;
    uint32_t x = 0;  // set: index into m_sets; split/jmp: target
    uint32_t y = 0;  // split: second target
  };

 private:
  std::vector<Inst> m_prog;
  std::vector<std::vector<bool>> m_sets;  // 256 entries each
};

}  // namespace talgpu
