#include "crossing.h"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "common/system_error.h"

namespace fsev::bench {

namespace {
constexpr uint64_t kBlock = 4096;
}

LevelCrosser::LevelCrosser(const test::LoopExt4 &fs, const std::string &name)
    : fs_(fs), path_(fs.path(name)) {
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd_.valid()) throw last_system_error("open " + path_);
}

LevelCrosser::~LevelCrosser() {
    fd_.reset();
    ::unlink(path_.c_str());
}

bool LevelCrosser::park_above(uint64_t level) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        uint64_t available = fs_.available_blocks();
        if (available == level + 1) return true;
        if (available > level + 1) {
            std::vector<char> data((available - level - 1) * kBlock, 'p');
            if (::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_)) !=
                static_cast<ssize_t>(data.size()))
                throw last_system_error("write " + path_);
            size_ += data.size();
        } else {
            uint64_t give = (level + 1 - available) * kBlock;
            if (give > size_) return false;
            size_ -= give;
            if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0)
                throw last_system_error("truncate " + path_);
        }
    }
    return false;
}

void LevelCrosser::take_one_block() {
    static const std::vector<char> block(kBlock, 't');
    if (::pwrite(fd_.get(), block.data(), kBlock, static_cast<off_t>(size_)) !=
        static_cast<ssize_t>(kBlock))
        throw last_system_error("write " + path_);
    size_ += kBlock;
}

void LevelCrosser::give_one_block() {
    size_ -= kBlock;
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0)
        throw last_system_error("truncate " + path_);
}

}  // namespace fsev::bench
