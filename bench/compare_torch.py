#!/usr/bin/python3
"""attnscope vs PyTorch eager on GPT-2 small: a development benchmark, not a test.

The torch side is a plain nn.Module GPT-2 (the shapes of ../shared/models/gpt2/config.json, random
weights) written the way Hugging Face's eager GPT2Attention computes with output_attentions=True:
each layer materialises softmax(q·kᵀ/√d + causal mask) for every head and keeps it, together with
q, k and v; the LM head runs on the last position only (as attnscope's engine does). Timing covers
one full forward pass on N random token ids, like `attnscope bench --shape gpt2-small`.

    bench/compare_torch.py --tokens 20,128,512,1024
    bench/compare_torch.py --attnscope build/release/cli/attnscope-cli --tokens 20,128,512,1024

Without --attnscope it prints the JSON lines of `attnscope bench` for torch. With it, it also runs
`PATH bench --shape gpt2-small` with the same thread count, repeat and warm-up (several --attnscope
compare several builds), and prints a table with the ratios. Torch runs twice by default: with
OpenMP's default wait policy (its pool spins after every element-wise op and fights OpenBLAS's
threads for the cores) and with OMP_WAIT_POLICY=passive (torch's best case on this machine).

peak_rss_mb is the process peak (weights included); --isolate runs every N in a fresh process on
every side (alternating), so each N gets its own peak. Each result also carries busy_pct, the CPU
share other processes took during it: on a shared 2-core machine a neighbour's compile turns a
2-thread timing into noise. --wait-idle waits for a quiet machine before each measurement and
--retries re-runs those that were disturbed anyway. Needs Debian's python3-torch and, for a fair
comparison, libopenblas0-pthread (see docs/stack.md, section 8).
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

# GPT-2 small: ../shared/models/gpt2/config.json.
N_LAYER, N_HEAD, D_MODEL, N_VOCAB, N_POSITIONS, EPS = 12, 12, 768, 50257, 1024, 1e-5


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tokens", default="20,128,512,1024", help="input lengths, comma-separated")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per N (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per N first (default 1)")
    p.add_argument("--threads", type=int, default=2, help="threads on both sides (default 2)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--attnscope", metavar="PATH", action="append",
                   help="attnscope-cli (or attnscope) to compare; repeat to compare several builds")
    p.add_argument("--torch-omp-wait", default="default,passive", metavar="LIST",
                   help="torch runs once per OMP_WAIT_POLICY in LIST (default: default,passive). "
                        "With the default policy torch's OpenMP threads spin after each "
                        "element-wise op and fight OpenBLAS's own threads for the 2 cores; "
                        "passive is torch's best case")
    p.add_argument("--isolate", action="store_true", help="one fresh process per N, both sides")
    p.add_argument("--max-busy", type=float, default=5.0, metavar="PCT",
                   help="re-run a measurement if other processes used more than PCT%% of the "
                        "CPU meanwhile (default 5)")
    p.add_argument("--retries", type=int, default=0, help="how often to re-run (default 0)")
    p.add_argument("--wait-idle", type=float, default=0, metavar="S",
                   help="before each measurement wait up to S seconds for an idle machine")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.token_counts = [int(n) for n in args.tokens.split(",") if n]
    args.torch_omp_wait = [p for p in args.torch_omp_wait.split(",") if p]
    if any(p not in ("default", "passive", "active") for p in args.torch_omp_wait):
        p.error("--torch-omp-wait takes default, passive and/or active")
    if not args.token_counts or min(args.token_counts) < 1 or max(args.token_counts) > N_POSITIONS:
        p.error(f"--tokens must be between 1 and {N_POSITIONS}")
    return args


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def torch_bench(args):
    """Prints one `attnscope bench`-style JSON line per N for the torch model."""
    # OpenBLAS reads its thread count when loaded, so set it before importing torch.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    class Conv1D(nn.Module):
        """HF GPT-2's Conv1D: weight [in][out], y = x·W + b via addmm."""

        def __init__(self, n_in, n_out):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.02)
            self.bias = nn.Parameter(torch.zeros(n_out))

        def forward(self, x):
            shape = x.shape[:-1] + (self.weight.shape[1],)
            return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(D_MODEL, eps=EPS)
            self.c_attn = Conv1D(D_MODEL, 3 * D_MODEL)
            self.c_proj = Conv1D(D_MODEL, D_MODEL)
            self.ln_2 = nn.LayerNorm(D_MODEL, eps=EPS)
            self.c_fc = Conv1D(D_MODEL, 4 * D_MODEL)
            self.mlp_proj = Conv1D(4 * D_MODEL, D_MODEL)

        def heads(self, x):  # [B][T][C] -> [B][H][T][D]
            b, t, _ = x.shape
            return x.view(b, t, N_HEAD, D_MODEL // N_HEAD).permute(0, 2, 1, 3)

        def forward(self, x, causal, record):
            b, t, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(D_MODEL, dim=2)
            q, k, v = self.heads(q), self.heads(k), self.heads(v)
            # HF GPT2Attention._attn (eager): scaled scores, finfo.min where masked, softmax.
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
            scores = torch.where(causal[:, :, :t, :t], scores,
                                 torch.tensor(torch.finfo(scores.dtype).min))
            probs = F.softmax(scores, dim=-1)
            out = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(b, t, D_MODEL)
            x = x + self.c_proj(out)
            # The fused tanh GELU: faster than HF's Python NewGELUActivation, so torch's best case.
            x = x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
            record.append((q, k, v, probs))  # output_attentions=True plus the q/k/v a viewer shows
            return x

    class Gpt2(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(N_VOCAB, D_MODEL)
            self.wpe = nn.Embedding(N_POSITIONS, D_MODEL)
            nn.init.normal_(self.wte.weight, std=0.02)
            nn.init.normal_(self.wpe.weight, std=0.01)
            self.h = nn.ModuleList(Block() for _ in range(N_LAYER))
            self.ln_f = nn.LayerNorm(D_MODEL, eps=EPS)
            # The causal mask buffer, as HF keeps it ("h.N.attn.bias").
            causal = torch.tril(torch.ones(N_POSITIONS, N_POSITIONS, dtype=torch.bool))
            self.register_buffer("causal", causal.view(1, 1, N_POSITIONS, N_POSITIONS))

        def forward(self, ids):
            t = ids.shape[1]
            x = self.wte(ids) + self.wpe(torch.arange(t).unsqueeze(0))
            record = []
            for block in self.h:
                x = block(x, self.causal, record)
            logits = self.ln_f(x[:, -1]) @ self.wte.weight.t()  # last position only
            return logits, record

    model = Gpt2().eval()
    gen = torch.Generator().manual_seed(args.seed)
    for n in args.token_counts:
        ids = torch.randint(0, N_VOCAB, (1, n), generator=gen)
        times = []
        with torch.inference_mode():
            for r in range(args.warmup + args.repeat):
                start = time.perf_counter()
                logits, record = model(ids)
                elapsed = (time.perf_counter() - start) * 1000.0
                del logits, record
                if r >= args.warmup:
                    times.append(elapsed)
        print(json.dumps({"model": "torch-gpt2-small", "tokens": n,
                          "median_ms": round(statistics.median(times), 3),
                          "min_ms": round(min(times), 3), "peak_rss_mb": round(peak_rss_mb(), 1),
                          "threads": torch.get_num_threads(), "repeat": args.repeat}), flush=True)


def cpu_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return total - idle, total


def run_measured(cmd, env=None):
    """Runs one bench process. Returns its JSON lines and the share of the machine's CPU time that
    other processes used meanwhile (0..1): on a shared machine a busy neighbour, not the code
    under test, can dominate a multi-threaded timing, so every result carries this number."""
    busy0, total0 = cpu_ticks()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, total1 = cpu_ticks()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    ours = usage.ru_utime + usage.ru_stime - run_measured.children_cpu
    run_measured.children_cpu = usage.ru_utime + usage.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    n_cpu = os.cpu_count() or 1
    other = max(0.0, (busy1 - busy0) / tick - ours) / max(wall * n_cpu, 1e-9)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return lines, other


run_measured.children_cpu = 0.0


def wait_for_idle(limit_s):
    """Waits (at most limit_s) until the CPUs were at least 90% idle over two seconds."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        busy0, total0 = cpu_ticks()
        time.sleep(2)
        busy1, total1 = cpu_ticks()
        if busy1 - busy0 <= 0.1 * max(total1 - total0, 1):
            return


def measure(cmd, counts, args, env):
    """{N: line} for one process over `counts`, re-run while other processes were busy."""
    for attempt in range(args.retries + 1):
        if args.wait_idle:
            wait_for_idle(args.wait_idle)
        lines, other = run_measured(cmd + ["--tokens", ",".join(map(str, counts))], env)
        if other * 100 <= args.max_busy:
            break
        print(f"# {os.path.basename(cmd[0])} N={counts}: other processes used {other:.0%} of the "
              f"CPU; {'retrying' if attempt < args.retries else 'keeping it'}", file=sys.stderr)
    for line in lines:
        line["busy_pct"] = round(other * 100, 1)
    return {line["tokens"]: line for line in lines}


def main(argv):
    args = parse_args(argv)
    if args.worker or not (args.attnscope or args.isolate):
        torch_bench(args)
        return 0
    common = ["--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    torch_cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads",
                 str(args.threads), "--seed", str(args.seed)] + common
    # The sides: torch once per OpenMP wait policy, then each attnscope binary.
    sides = []  # (label, command, environment)
    for policy in args.torch_omp_wait:
        env = dict(os.environ)
        if policy != "default":
            env["OMP_WAIT_POLICY"] = policy
        sides.append((f"torch ({policy})", torch_cmd, env))
    for i, path in enumerate(args.attnscope or []):
        label = "attnscope" if i == 0 else f"attnscope #{i + 1}"
        cmd = [path, "bench", "--shape", "gpt2-small", "--seed", str(args.seed)] + common
        sides.append((label, cmd, dict(os.environ, OMP_NUM_THREADS=str(args.threads))))

    # With --isolate the sides alternate per N, so all see the same machine conditions.
    groups = [[n] for n in args.token_counts] if args.isolate else [args.token_counts]
    results = {label: {} for label, _, _ in sides}
    for group in groups:
        for label, cmd, env in sides:
            results[label].update(measure(cmd, group, args, env))
    for label, _, _ in sides:
        for n in args.token_counts:
            print(json.dumps(dict(results[label][n], side=label)), flush=True)
    if not args.attnscope:
        return 0

    torch_sides = [label for label, _, _ in sides if label.startswith("torch")]
    our_sides = [label for label, _, _ in sides if not label.startswith("torch")]
    print()
    print(f"GPT-2 small, full forward with every attention map kept, {args.threads} threads, "
          f"median of {args.repeat} ms{' (one process per N)' if args.isolate else ''}")
    for i, path in enumerate(args.attnscope):
        print(f"  {our_sides[i]} = {path}")
    header = ["tokens"] + [f"{label} ms" for label, _, _ in sides]
    header += [f"{t} / {o}" for o in our_sides for t in torch_sides]
    header += [f"{label} peak RSS MB" for label, _, _ in sides] + ["others' CPU % (max)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for n in args.token_counts:
        row = [str(n)] + [f"{results[label][n]['median_ms']:.1f}" for label, _, _ in sides]
        row += [f"{results[t][n]['median_ms'] / results[o][n]['median_ms']:.2f}x"
                for o in our_sides for t in torch_sides]
        row += [f"{results[label][n]['peak_rss_mb']:.0f}" for label, _, _ in sides]
        row.append(f"{max(results[label][n]['busy_pct'] for label, _, _ in sides):.0f}")
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
