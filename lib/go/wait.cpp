// The waiter's way back to its loop (see <corio/go/wait.hpp> and loop::ready_push).
#include <corio/go/wait.hpp>
#include <corio/loop.hpp>

namespace corio::detail {

loop* waiter::loop_of(const resume_handler& h) noexcept {
    loop* l = loop::current();
    if (!l) return nullptr;
    auto ex = boost::asio::get_associated_executor(h);
    // Only a coroutine on the loop's own executor: a strand (or any other executor) on this
    // thread must get its resumption through that executor.
    auto* own = ex.target<boost::asio::io_context::executor_type>();
    if (!own || *own != l->get_executor()) return nullptr;
    return l;
}

bool waiter::ready_on(loop* l, waiter* w) noexcept {
    if (loop::current() != l) return false;
    l->ready_push(*w);
    return true;
}

} // namespace corio::detail
