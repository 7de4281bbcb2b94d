// The one translation unit that compiles Boost.Asio (BOOST_ASIO_SEPARATE_COMPILATION):
// everything else includes Asio's headers without its implementation, which keeps builds fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
