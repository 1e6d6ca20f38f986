#pragma once
// Native SOPS decryption for the files talhelper users keep encrypted (talenv.sops.yaml,
// talsecret.sops.yaml, `@` patches, machine files): YAML, JSON and dotenv.
//
// How a SOPS file works (getsops/sops: sops.go, aes/cipher.go, stores/*, age/keysource.go):
//  - a random 32-byte data key encrypts every value with AES-256-GCM (32-byte IV); a value reads
//    `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:str|int|float|bool|bytes]` and its
//    additional data is the key path joined with ':' plus a trailing ':' ("a:b:"; list indices
//    are not part of the path);
//  - each age recipient holds the data key encrypted to it (`enc`, ASCII armor); we hand that
//    armor to Debian's `age --decrypt` with the user's identities (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
//    then $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt);
//  - the MAC is SHA-512 over the plaintext of every leaf in document order (ints, floats and
//    bools in Go's canonical text, booleans as True/False), hex upper-case, stored encrypted with
//    `lastmodified` as additional data. `unencrypted_suffix`, `encrypted_suffix`,
//    `unencrypted_regex`, `encrypted_regex` select which leaves are encrypted;
//    `mac_only_encrypted` hashes only those (after a fixed 32-byte prefix).
// A wrong key, a tampered value or a tampered MAC is an error; we never return partial plaintext.

#include <map>
#include <string>
#include <string_view>

#include <core/error.hpp>

namespace talgpu::talhelper {

enum class SopsFormat { yaml, json, dotenv };

// True when `text` carries SOPS metadata: a top-level non-empty `sops` mapping (YAML/JSON) or
// `sops_mac=` / `sops_version=` lines (dotenv). Cheap: no decryption, no key needed.
bool is_sops_encrypted(std::string_view text);

// Decrypts a SOPS YAML (or JSON, detected by a leading '{') document and returns plain YAML text
// without the `sops` section (plain JSON for JSON input). `name` is used in messages.
Result<std::string> sops_decrypt_yaml(std::string_view text, const std::string& name);

// Same, for an explicit format (dotenv returns KEY=value lines).
Result<std::string> sops_decrypt(std::string_view text, const std::string& name, SopsFormat format);

// The format talhelper's DecryptFileWithSops guesses from a file name (.json, .env, else YAML).
SopsFormat sops_format_for_path(std::string_view path);

// Reads `path`; when it is SOPS-encrypted, returns the decrypted text, else the text as-is.
Result<std::string> read_maybe_sops(const std::string& path);

}  // namespace talgpu::talhelper
