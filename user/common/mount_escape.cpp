#include "common/mount_escape.h"

namespace fsev {

namespace {

bool is_octal(char c) {
    return c >= '0' && c <= '7';
}

}  // namespace

std::string escape_mount_field(std::string_view text) {
    std::string escaped;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
            auto byte = static_cast<unsigned char>(c);
            escaped += '\\';
            escaped += static_cast<char>('0' + ((byte >> 6) & 7));
            escaped += static_cast<char>('0' + ((byte >> 3) & 7));
            escaped += static_cast<char>('0' + (byte & 7));
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string unescape_mount_field(std::string_view text) {
    std::string decoded;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] <= '3' && is_octal(text[i + 1]) &&
            is_octal(text[i + 2]) && is_octal(text[i + 3])) {
            decoded.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                                (text[i + 3] - '0')));
            i += 3;
        } else {
            decoded.push_back(text[i]);
        }
    }
    return decoded;
}

}  // namespace fsev
