// Colour decisions (--color, NO_COLOR, CLICOLOR_FORCE, TERM, TTY) and ANSI styling.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <optional>
#include <string>
#include <unistd.h>

#include <core/term.hpp>

using namespace talgpu;

namespace {

// Sets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  ~EnvGuard() {
    for (const auto& [name, old] : m_saved) {
      if (old) {
        ::setenv(name.c_str(), old->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set(const std::string& name, const char* value) {
    if (m_saved.find(name) == m_saved.end()) {
      const char* old = std::getenv(name.c_str());
      m_saved[name] = old == nullptr ? std::nullopt : std::optional<std::string>(old);
    }
    if (value == nullptr) {
      ::unsetenv(name.c_str());
    } else {
      ::setenv(name.c_str(), value, 1);
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> m_saved;
};

// A pseudo-terminal, so "auto" can be tested against a real TTY without needing one attached.
class Pty {
 public:
  Pty() {
    m_master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (m_master >= 0 && ::grantpt(m_master) == 0 && ::unlockpt(m_master) == 0) {
      const char* name = ::ptsname(m_master);
      if (name != nullptr) {
        m_slave = std::fopen(name, "w");
      }
    }
  }
  ~Pty() {
    if (m_slave != nullptr) {
      std::fclose(m_slave);
    }
    if (m_master >= 0) {
      ::close(m_master);
    }
  }
  FILE* stream() const { return m_slave; }

 private:
  int m_master = -1;
  FILE* m_slave = nullptr;
};

// A stream that is certainly not a terminal.
class NotATty {
 public:
  NotATty() : m_file(std::tmpfile()) {}
  ~NotATty() { std::fclose(m_file); }
  FILE* stream() const { return m_file; }

 private:
  FILE* m_file;
};

}  // namespace

TEST(CoreTerm, AlwaysAndNeverIgnoreEnvironmentAndTty) {
  EnvGuard env;
  env.set("NO_COLOR", "1");
  env.set("CLICOLOR_FORCE", "1");
  NotATty file;
  EXPECT_TRUE(use_color(ColorMode::always, file.stream()));
  EXPECT_FALSE(use_color(ColorMode::never, file.stream()));
}

TEST(CoreTerm, AutoIsOffForFilesAndPipes) {
  EnvGuard env;
  env.set("NO_COLOR", nullptr);
  env.set("CLICOLOR_FORCE", nullptr);
  env.set("TERM", "xterm-256color");
  NotATty file;
  EXPECT_FALSE(use_color(ColorMode::auto_detect, file.stream()));
}

TEST(CoreTerm, AutoOnTtyHonoursNoColorAndDumbTerminals) {
  Pty pty;
  if (pty.stream() == nullptr) {
    GTEST_SKIP() << "no pseudo-terminal available";
  }
  EnvGuard env;
  env.set("NO_COLOR", nullptr);
  env.set("CLICOLOR_FORCE", nullptr);
  env.set("TERM", "xterm-256color");
  EXPECT_TRUE(use_color(ColorMode::auto_detect, pty.stream()));
  env.set("NO_COLOR", "1");
  EXPECT_FALSE(use_color(ColorMode::auto_detect, pty.stream()));
  env.set("NO_COLOR", "");  // no-color.org: an empty value does not count
  EXPECT_TRUE(use_color(ColorMode::auto_detect, pty.stream()));
  env.set("TERM", "dumb");
  EXPECT_FALSE(use_color(ColorMode::auto_detect, pty.stream()));
  env.set("TERM", nullptr);
  EXPECT_TRUE(use_color(ColorMode::auto_detect, pty.stream()));
}

TEST(CoreTerm, ClicolorForceTurnsColourOnWithoutTty) {
  EnvGuard env;
  env.set("NO_COLOR", nullptr);
  env.set("TERM", "dumb");
  NotATty file;
  env.set("CLICOLOR_FORCE", "1");
  EXPECT_TRUE(use_color(ColorMode::auto_detect, file.stream()));
  env.set("CLICOLOR_FORCE", "0");
  EXPECT_FALSE(use_color(ColorMode::auto_detect, file.stream()));
  // NO_COLOR is the user's stronger wish and wins over a forced colour.
  env.set("CLICOLOR_FORCE", "1");
  env.set("NO_COLOR", "1");
  EXPECT_FALSE(use_color(ColorMode::auto_detect, file.stream()));
}

TEST(CoreTerm, StyledWrapsOnlyWhenColourIsOn) {
  EXPECT_EQ(styled("x", TextStyle::error, false), "x");
  EXPECT_EQ(styled("x", TextStyle::plain, true), "x");
  EXPECT_EQ(styled("x", TextStyle::bold, true), "\x1b[1mx\x1b[0m");
  EXPECT_EQ(styled("x", TextStyle::error, true), "\x1b[1;31mx\x1b[0m");
  EXPECT_EQ(styled("x", TextStyle::warning, true), "\x1b[1;35mx\x1b[0m");
  EXPECT_EQ(styled("x", TextStyle::note, true), "\x1b[1;36mx\x1b[0m");
  EXPECT_EQ(styled("x", TextStyle::good, true), "\x1b[1;32mx\x1b[0m");
  EXPECT_EQ(styled("x", TextStyle::dim, true), "\x1b[2mx\x1b[0m");
  EXPECT_EQ(styled("", TextStyle::error, false), "");
}

TEST(CoreTerm, ProgressStaysSilentWhenDisabled) {
  // Disabled (or not on a TTY): tick() never writes, and the destructor has nothing to clear.
  Progress p("waiting", false);
  p.tick("detail");
  SUCCEED();
}
