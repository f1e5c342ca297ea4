#include "support/file_text.h"

#include <fstream>
#include <sstream>

namespace fsev::test {

std::string file_text(const std::string &path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace fsev::test
