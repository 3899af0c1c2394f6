// Trace buffers: resize() leaves floats unwritten, and big blocks freed by one run are handed to
// the next run of a similar size instead of going back to the kernel (trace_buffer.cpp).

#include <cstdint>
#include <vector>

#include "attnscope/trace.h"
#include "test_util.h"

using namespace attnscope;

TEST_CASE("a big trace buffer freed by one run is reused by the next run of a similar size") {
    detail::release_cached_trace_memory();
    const size_t n = size_t(6) << 20;  // 24 MiB of floats: above the 8 MiB cache threshold
    const float* first = nullptr;
    {
        FloatBuffer a;
        a.resize(n);
        a[n - 1] = 1.0f;
        first = a.data();
    }
    CHECK(detail::cached_trace_bytes() >= n * sizeof(float));
    FloatBuffer b;
    b.resize(n - 1000);  // a few tokens shorter: still fits
    CHECK(b.data() == first);
    CHECK(detail::cached_trace_bytes() == 0);

    // A much smaller request does not take a block more than twice its size; as the engine asks
    // for its biggest buffers first, that block is given back at once rather than held.
    FloatBuffer c;
    c.resize(n);  // a fresh block (b holds the kept one)
    c = FloatBuffer();
    CHECK(detail::cached_trace_bytes() >= n * sizeof(float));
    FloatBuffer d;
    d.resize(n / 3);
    CHECK(detail::cached_trace_bytes() == 0);
    d = FloatBuffer();
    CHECK(detail::cached_trace_bytes() > 0);
    detail::release_cached_trace_memory();
    CHECK(detail::cached_trace_bytes() == 0);
}

TEST_CASE("a run of another size does not hold the last run's blocks through it") {
    detail::release_cached_trace_memory();
    const size_t small = size_t(3) << 20, large = size_t(12) << 20;  // floats: 12 and 48 MiB
    { std::vector<FloatBuffer> run(3, FloatBuffer(small)); }
    CHECK(detail::cached_trace_bytes() >= 3 * small * sizeof(float));
    std::vector<FloatBuffer> next;
    next.emplace_back(large);  // biggest first, as the engine allocates: nothing kept fits
    CHECK(detail::cached_trace_bytes() == 0);
    next.clear();
    detail::release_cached_trace_memory();
}

TEST_CASE("trace buffers start on 64-byte lines, small and large") {
    // Vectorised loops peel up to the first aligned element: unaligned buffers made the last bits
    // of a result depend on where the heap put them.
    for (size_t n : {size_t(1), size_t(3), size_t(1000), size_t(5) << 20}) {
        std::vector<FloatBuffer> buffers(5);
        for (FloatBuffer& b : buffers) {
            b.resize(n);
            CHECK(reinterpret_cast<uintptr_t>(b.data()) % 64 == 0);
        }
    }
    detail::release_cached_trace_memory();
}

TEST_CASE("small trace buffers and copies behave like std::vector") {
    FloatBuffer a(3, 2.5f);
    CHECK(a[0] == 2.5f);
    a.assign(4, 0.0f);
    CHECK(a[3] == 0.0f);
    FloatBuffer b = a;
    CHECK(b == a);
    b.push_back(7);
    CHECK(b.size() == 5);
}
