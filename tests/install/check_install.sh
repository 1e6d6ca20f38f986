#!/usr/bin/env bash
# Installs the build into a temporary DESTDIR (cmake --install --prefix /usr) and checks what a
# user gets: the binary, the man page (one section per command), the shell completions (valid
# bash that knows every command), and that the installed binary runs.
#   check_install.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" cmake --install "$build" --prefix /usr >/dev/null
fail=0
need() { [ -e "$dest/$1" ] || { echo "missing: /$1"; fail=1; }; }
need usr/bin/talgpu
need usr/share/man/man1/talgpu.1
need usr/share/bash-completion/completions/talgpu
need usr/share/zsh/vendor-completions/_talgpu
need usr/share/fish/vendor_completions.d/talgpu.fish
[ "$fail" = 0 ] || exit 1
bin="$dest/usr/bin/talgpu"
[ -x "$bin" ] || { echo "usr/bin/talgpu is not executable"; exit 1; }
"$bin" version >/dev/null || { echo "the installed binary does not run"; exit 1; }
head -1 "$dest/usr/share/man/man1/talgpu.1" | grep -q '^\.TH TALGPU 1 ' || { echo "man page lacks .TH"; exit 1; }
bash -n "$dest/usr/share/bash-completion/completions/talgpu" || { echo "bash completion: syntax error"; exit 1; }
# Every command of `talgpu help` has a man section and is in the bash completion.
commands=$("$bin" help | awk '/^Commands:/{on=1; next} /^$/{on=0} on {print $1}')
[ -n "$commands" ] || { echo "no commands in talgpu help"; exit 1; }
for c in $commands; do
  [ "$c" = help ] && continue
  grep -q "^\.SS \"talgpu $c\"" "$dest/usr/share/man/man1/talgpu.1" || { echo "man page: no section for $c"; fail=1; }
  grep -m1 "^  \['talgpu'\]=" "$dest/usr/share/bash-completion/completions/talgpu" | grep -qw -- "$c" || { echo "bash completion: no $c"; fail=1; }
done
exit $fail
