// Storage for trace buffers: see detail::allocate_trace_bytes in trace.h.
//
// Why a cache: a 1024-token GPT-2 trace is 1.3 GiB in a few large blocks. malloc gives blocks
// that large straight from the kernel and returns them on free, so every run faulted in 330,000
// fresh pages (the kernel zeroing each one), about a tenth of the run. The app and `bench` run
// the same sizes again and again; handing back a block freed by the previous run skips all that.

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "attnscope/trace.h"

namespace attnscope::detail {

namespace {

// Every block starts on a 64-byte boundary (an AVX-512 register, a cache line). Eigen's
// vectorised loops peel elements up to the first aligned address, so with malloc's 16-byte
// alignment the order of additions, and the last bits of every score, depended on where a buffer
// happened to land: the same model opened through a longer path gave different bits.
constexpr size_t k_alignment = 64;

void* aligned_block(size_t bytes) {
    const size_t rounded =
        (std::max<size_t>(bytes, 1) + k_alignment - 1) / k_alignment * k_alignment;
    return std::aligned_alloc(k_alignment, rounded);
}

// Smaller blocks are left to malloc, which already recycles them.
constexpr size_t k_cached_min_bytes = size_t(8) << 20;
// At most this much freed memory is kept for reuse; the oldest blocks go first.
constexpr size_t k_cache_limit_bytes = size_t(1536) << 20;
// A kept block passed over by this many large allocations in a row is from an input of another
// size (a run makes about ten): it goes back to the system.
constexpr int k_max_misses = 24;

struct Block {
    void* p;
    size_t bytes;    // capacity
    int misses = 0;  // large allocations since it was freed that did not take it
};

// Capacities are rounded up to steps of 1/8 octave, so a run a few tokens longer than the last one
// still fits its blocks. Only virtual size grows: pages never touched cost no memory.
size_t capacity_for(size_t bytes) {
    size_t step = size_t(1) << 20;
    while (step * 16 <= bytes) step *= 2;  // step = 1/8 .. 1/16 of the size
    return (bytes + step - 1) / step * step;
}

struct BlockCache {
    std::mutex mutex;
    std::vector<Block> free_blocks;  // oldest first
    std::vector<Block> live_blocks;  // handed out, with their real capacity
    size_t free_bytes = 0;

    ~BlockCache() {
        for (const Block& b : free_blocks) std::free(b.p);
    }
};

BlockCache& cache() {
    static BlockCache c;
    return c;
}

}  // namespace

void* allocate_trace_bytes(size_t bytes) {
    if (bytes < k_cached_min_bytes) {
        if (void* p = aligned_block(bytes)) return p;
        throw std::bad_alloc();
    }
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    // The smallest free block that fits without wasting more than half of it.
    int best = -1;
    for (int i = 0; i < int(c.free_blocks.size()); ++i) {
        const Block& b = c.free_blocks[i];
        if (b.bytes >= bytes && b.bytes / 2 <= bytes &&
            (best < 0 || b.bytes < c.free_blocks[best].bytes))
            best = i;
    }
    Block block;
    if (best >= 0) {
        block = c.free_blocks[best];
        c.free_blocks.erase(c.free_blocks.begin() + best);
        c.free_bytes -= block.bytes;
    }
    for (size_t i = 0; i < c.free_blocks.size();) {
        if (++c.free_blocks[i].misses <= k_max_misses) {
            ++i;
            continue;
        }
        c.free_bytes -= c.free_blocks[i].bytes;
        std::free(c.free_blocks[i].p);
        c.free_blocks.erase(c.free_blocks.begin() + i);
    }
    if (best < 0) {
        // A miss means the last run had another size. The engine asks for its biggest buffers
        // first, so no kept block fits the rest of this run either: give them all back now
        // rather than hold the old run's memory through this one (a 512-token run's blocks
        // added 0.4 GB to the peak of a 1024-token run after it).
        for (const Block& b : c.free_blocks) std::free(b.p);
        c.free_blocks.clear();
        c.free_bytes = 0;
        const size_t capacity = capacity_for(bytes);
        block = {aligned_block(capacity), capacity};
        if (!block.p) throw std::bad_alloc();
    }
    c.live_blocks.push_back(block);
    return block.p;
}

void free_trace_bytes(void* p, size_t bytes) noexcept {
    if (!p) return;
    if (bytes < k_cached_min_bytes) {
        std::free(p);
        return;
    }
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    Block block{p, bytes};  // (always found below)
    for (size_t i = 0; i < c.live_blocks.size(); ++i)
        if (c.live_blocks[i].p == p) {
            block = c.live_blocks[i];
            c.live_blocks.erase(c.live_blocks.begin() + i);
            break;
        }
    block.misses = 0;
    c.free_blocks.push_back(block);
    c.free_bytes += block.bytes;
    while (c.free_bytes > k_cache_limit_bytes) {
        c.free_bytes -= c.free_blocks.front().bytes;
        std::free(c.free_blocks.front().p);
        c.free_blocks.erase(c.free_blocks.begin());
    }
}

void release_cached_trace_memory() noexcept {
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    for (const Block& b : c.free_blocks) std::free(b.p);
    c.free_blocks.clear();
    c.free_bytes = 0;
}

size_t cached_trace_bytes() noexcept {
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    return c.free_bytes;
}

}  // namespace attnscope::detail
