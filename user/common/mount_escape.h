#pragma once

#include <string>
#include <string_view>

namespace fsev {

// The escapes of /proc/self/mounts and mountinfo: `\` and three octal
// digits. One module for the mount table's fields, the config listing and
// the paths written back into the config file.

// Escapes space, tab, newline and backslash (`\040`, `\011`, `\012`,
// `\134`), so every field is one word.
std::string escape_mount_field(std::string_view text);

// Decodes every `\ooo` (first digit 0-3); anything else is kept as it is.
std::string unescape_mount_field(std::string_view text);

}  // namespace fsev
