// Attention flow (Abnar & Zuidema 2020): maximum flow through the layered attention graph.
//
// Nodes: token t before layer 0 (the input) and after every layer l, numbered l·T + t for
// l = 0..L. Edges go from token j at level l to token i at level l+1 with capacity Â_l[i][j],
// where Â_l is the residual-augmented head mean (add_residual). The flow from input token j to
// output token i is the max flow from node j to node L·T + i. Dinic's algorithm: breadth-first
// levels, then blocking flows by depth-first search. The graph is small (≤ (L+1)·T nodes,
// ≤ L·T² edges) but there are T² source-sink pairs, so the graph is built once and only the
// flows are reset per pair. Per sink, the search is limited to the nodes that can reach it at
// all: in a causal model those are the tokens up to the sink's, which saves most of the work.
// L = layers, T = tokens.
#include <algorithm>
#include <cassert>
#include <limits>
#include <string>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"

namespace attnscope {

namespace {

// Capacities below this are treated as absent: attention weights of real models go down to
// 1e-40 (exp of very negative scores), and such edges change a flow by far less than float
// precision while making the search visit them. Also the tolerance under which a residual
// capacity counts as saturated, so rounding in double cannot leave endless tiny augmentations.
constexpr double k_epsilon = 1e-12;

class FlowGraph {
  public:
    explicit FlowGraph(int n_node)
        : m_first(size_t(n_node)), m_level(size_t(n_node)), m_next_edge(size_t(n_node)) {}

    void add_edge(int from, int to, double capacity) {
        m_edges.push_back({to, capacity, 0.0});
        m_first[size_t(from)].push_back(int(m_edges.size() - 1));
        m_edges.push_back({from, 0.0, 0.0});  // the reverse edge, carrying returned flow
        m_first[size_t(to)].push_back(int(m_edges.size() - 1));
    }

    // Marks the nodes from which `sink` can be reached through edges of positive capacity; the
    // max flow never uses any other node. Call before max_flow for a new sink.
    void set_sink(int sink) {
        m_useful.assign(m_first.size(), 0);
        std::vector<int> queue{sink};
        m_useful[size_t(sink)] = 1;
        for (size_t head = 0; head < queue.size(); ++head) {
            const int node = queue[head];
            // The reverse edges stored at `node` (odd indices) lead back to the nodes that have
            // an edge into it.
            for (int e : m_first[size_t(node)]) {
                if ((e & 1) == 0 || m_edges[size_t(e ^ 1)].capacity <= k_epsilon) continue;
                const int from = m_edges[size_t(e)].to;
                if (!m_useful[size_t(from)]) {
                    m_useful[size_t(from)] = 1;
                    queue.push_back(from);
                }
            }
        }
    }
    bool can_reach_sink(int node) const { return m_useful[size_t(node)] != 0; }

    // Max flow from source to the sink of set_sink; false if cancelled (the value is then
    // meaningless).
    bool max_flow(int source, int sink, const std::atomic<bool>* cancel, double* value) {
        assert(m_useful.size() == m_first.size() && m_useful[size_t(sink)]);
        for (Edge& e : m_edges) e.flow = 0;
        double total = 0;
        while (build_levels(source, sink)) {
            if (cancel && cancel->load(std::memory_order_relaxed)) return false;
            std::fill(m_next_edge.begin(), m_next_edge.end(), size_t(0));
            while (true) {
                const double pushed = push(source, sink, std::numeric_limits<double>::infinity());
                if (pushed <= k_epsilon) break;
                total += pushed;
            }
        }
        *value = total;
        return true;
    }

  private:
    struct Edge {
        int to;
        double capacity;
        double flow;  // the reverse edge of edge e is e ^ 1 and holds −flow
        double residual() const { return capacity - flow; }
    };

    // Breadth-first distances from the source over edges with residual capacity; true if the
    // sink is reachable.
    bool build_levels(int source, int sink) {
        std::fill(m_level.begin(), m_level.end(), -1);
        std::vector<int> queue{source};
        m_level[size_t(source)] = 0;
        for (size_t head = 0; head < queue.size(); ++head) {
            const int node = queue[head];
            for (int e : m_first[size_t(node)]) {
                const Edge& edge = m_edges[size_t(e)];
                if (edge.residual() > k_epsilon && m_level[size_t(edge.to)] < 0 &&
                    m_useful[size_t(edge.to)]) {
                    m_level[size_t(edge.to)] = m_level[size_t(node)] + 1;
                    queue.push_back(edge.to);
                }
            }
        }
        return m_level[size_t(sink)] >= 0;
    }

    // Pushes up to `limit` from `node` towards the sink along level-increasing edges; returns the
    // amount pushed. m_next_edge skips edges already found useless in this phase, which is what
    // makes a phase O(V·E).
    double push(int node, int sink, double limit) {
        if (node == sink) return limit;
        auto& edges = m_first[size_t(node)];
        for (size_t& k = m_next_edge[size_t(node)]; k < edges.size(); ++k) {
            Edge& edge = m_edges[size_t(edges[k])];
            if (edge.residual() <= k_epsilon ||
                m_level[size_t(edge.to)] != m_level[size_t(node)] + 1)
                continue;
            const double pushed = push(edge.to, sink, std::min(limit, edge.residual()));
            if (pushed > k_epsilon) {
                edge.flow += pushed;
                m_edges[size_t(edges[k] ^ 1)].flow -= pushed;
                return pushed;
            }
        }
        return 0;
    }

    std::vector<Edge> m_edges;
    std::vector<std::vector<int>> m_first;  // [node] indices of its outgoing (and reverse) edges
    std::vector<int> m_level;               // [node] BFS distance in the current phase
    std::vector<size_t> m_next_edge;        // [node] first edge not yet exhausted in this phase
    std::vector<uint8_t> m_useful;          // [node] 1 if the current sink is reachable from it
};

}  // namespace

std::vector<float> attention_flow_of(std::span<const float> layer_attention, int n_layer,
                                     int n_token, const std::atomic<bool>* cancel,
                                     std::atomic<float>* progress) {
    const size_t T = size_t(n_token), tt = T * T;
    if (n_layer < 1 || n_token < 1 || layer_attention.size() != size_t(n_layer) * tt)
        throw InputError("attention flow: expected at least one layer of " + std::to_string(T) +
                         "x" + std::to_string(T) + " values (" + std::to_string(n_layer) +
                         " layers), got " + std::to_string(layer_attention.size()) + " values");

    FlowGraph graph((n_layer + 1) * n_token);
    std::vector<float> residual(tt);
    for (int l = 0; l < n_layer; ++l) {
        add_residual(residual, layer_attention.subspan(size_t(l) * tt, tt), n_token);
        for (int i = 0; i < n_token; ++i)
            for (int j = 0; j < n_token; ++j) {
                const double capacity = residual[size_t(i) * T + j];
                if (capacity > k_epsilon)
                    graph.add_edge(l * n_token + j, (l + 1) * n_token + i, capacity);
            }
    }

    std::vector<float> out(tt, 0.0f);
    const double n_pair = double(tt);
    for (int i = 0; i < n_token; ++i) {
        const int sink = n_layer * n_token + i;
        graph.set_sink(sink);
        for (int j = 0; j < n_token; ++j) {
            if (cancel && cancel->load(std::memory_order_relaxed)) return {};
            double value = 0;  // stays 0 when no path leads from j to i (a later token, causally)
            if (graph.can_reach_sink(j) && !graph.max_flow(j, sink, cancel, &value)) return {};
            out[size_t(i) * T + j] = float(value);
            if (progress)
                progress->store(float(double(size_t(i) * T + j + 1) / n_pair),
                                std::memory_order_relaxed);
        }
    }
    return out;
}

}  // namespace attnscope
