// Which commands a user may run: a bit per entry of the command set (command_set.hpp), plus
// Redis's bit for commands to come, which +@all sets and -@all clears. The operations are
// Redis 7.0's (ACLChangeSelectorPerm, ACLSetSelectorCommandBitsForCategory), since ACL LIST
// describes a user by replaying them (user_describe.cpp).
#pragma once

#include "command_set.hpp"

#include <cstdint>
#include <vector>

namespace corio_redis::acl {

class command_bits {
public:
    explicit command_bits(const command_set& commands)
        : commands_(&commands), words_((commands.size() + 1 + 63) / 64, 0) {}

    bool test(command_id id) const noexcept { return (words_[id / 64] >> (id % 64)) & 1u; }
    void set(command_id id, bool on) noexcept {
        const std::uint64_t bit = std::uint64_t{1} << (id % 64);
        if (on)
            words_[id / 64] |= bit;
        else
            words_[id / 64] &= ~bit;
    }
    /// +@all (every bit, commands to come included) or -@all (none).
    void set_all(bool on) noexcept {
        for (auto& w : words_) w = on ? ~std::uint64_t{0} : 0;
    }
    bool future_commands() const noexcept { return test(future_bit()); }
    /// +cmd / -cmd: the command and, for a container, all its subcommands.
    void change(command_id id, bool on) noexcept {
        set(id, on);
        for (command_id s : commands_->at(id).subcommands) set(s, on);
    }
    /// +@cat / -@cat: every command of the category, as change() does, containers before
    /// their subcommands.
    void change_category(std::uint32_t category, bool on) noexcept {
        for (command_id top : commands_->top_level()) {
            if (commands_->at(top).categories & category) change(top, on);
            for (command_id s : commands_->at(top).subcommands)
                if (commands_->at(s).categories & category) change(s, on);
        }
    }
    /// How many commands of the category are allowed and how many are not.
    void count_category(std::uint32_t category, std::size_t& on, std::size_t& off) const noexcept {
        on = off = 0;
        for (command_id id = 0; id < commands_->size(); ++id) {
            if (!(commands_->at(id).categories & category)) continue;
            if (test(id))
                ++on;
            else
                ++off;
        }
    }

private:
    command_id future_bit() const noexcept { return static_cast<command_id>(commands_->size()); }
    const command_set* commands_;
    std::vector<std::uint64_t> words_;
};

} // namespace corio_redis::acl
