#include "app_args.h"

#include <charconv>
#include <cstring>

#include "attnscope/softmax_steps.h"
#include "attnscope/trace_export.h"
#include "backend.h"

namespace attnscope::app {

namespace {

bool parse_int(const std::string& s, int lo, int hi, int* out) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
    *out = v;
    return true;
}

bool parse_float(const std::string& s, float lo, float hi, float* out) {
    char* end = nullptr;
    float v = std::strtof(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

bool parse_point(const std::string& s, ScriptPoint* out) {
    const auto comma = s.find(',');
    if (comma == std::string::npos) return false;
    return parse_float(s.substr(0, comma), 0.0f, 16384.0f, &out->x) &&
           parse_float(s.substr(comma + 1), 0.0f, 16384.0f, &out->y);
}

bool takes_value(const std::string& flag) {
    static const char* const k_flags[] = {
        "--model",        "--shape",      "--text",    "--pair",   "--n-tokens",   "--view",
        "--layer",        "--head",       "--token",   "--mode",   "--zoom",       "--colormap",
        "--scale",        "--font-scale", "--size",    "--frames", "--screenshot", "--export",
        "--export-scale", "--type",       "--timeout", "--click",  "--mouse",
        "--step",
        "--import",       "--export-svg", "--save-trace",
        "--pin",          "--text-b",     "--to",      "--rank",   "--model-b",    "--lens",
        "--models-mode"};
    for (const char* f : k_flags)
        if (flag == f) return true;
    return false;
}

}  // namespace

const char* app_usage() {
    return R"(usage: attnscope [options]
       attnscope tokenize|dump|predict|info|bench ...   (command-line tool; see --help there)

Opens the first model found in $ATTNSCOPE_MODELS, ./models or the Hugging Face cache
(~/.cache/huggingface/hub) unless told otherwise.

  --model DIR          open this Hugging Face model folder
  --import FILE.npz    open attention saved by another program instead of a model: 'attention'
                       [L,H,T,T] (or [L,1,H,T,T], or attention_0, attention_1 ...) and 'tokens'
  --shape NAME         random weights of a known shape instead (gpt2-small; benchmarks)
  --text TEXT          the sentence (default: an example sentence)
  --pair TEXT          a second sentence (BERT-style sentence pairs)
  --n-tokens N         repeat the text's tokens to exactly N tokens (benchmarks)
  --view VIEW          grid | heatmap | headview
                       compare | diff | models | search | rollout (heads side by side, two
                       sentences, two models, head search, attention rollout and flow)
                       qkv | softmax (teaching: Q/K/V breakdown, softmax stepper)
  --pin L:H,L:H,...    heads for the compare view (0-based, at most 6)
  --text-b TEXT        sentence B for the diff view (same head on both, and A - B)
  --model-b DIR        a second model for the models view: the same sentence in both, one head
                       of each side by side (--layer/--head pick A's, and B's when it has them),
                       and A - B when the shapes and the tokenisations are equal
  --models-mode MODE   what the models view shows of each model: head (the selected head, the
                       default) | rollout (attention rollout after each model's last layer, or
                       after --layer; A - B whenever the tokenisations are equal)
  --to J               head search: rank heads by the weight from --token I to token J
  --rank NAME          head search by a pattern: previous | self | sink | special | broad |
                       distance | max
  --layer L --head H   select a head (0-based)
  --token I            select a token (0-based index into the model's tokens)
  --mode MODE          heatmap contents: head | mean | diff
  --step K             softmax stepper stage to show, 1 .. 8 (with --view softmax or qkv)
  --classroom          classroom mode: large text, high contrast (F11 toggles it)
  --zoom PX            heatmap cell size in pixels (default: fit the view)
  --hide-special       hide [CLS], [SEP], BOS... and renormalise the rows
  --words              merge sub-word tokens into words in every attention view (rows: mean
                       over a word's pieces, columns: sum; special tokens are words of their own)
  --lens LENS          attention (the weights) | value (value-weighted, Kobayashi et al. 2020:
                       w_ij * |v_j W_O|, each row rescaled to sum 1)
  --one-based          label layers and heads from 1
  --colormap NAME      viridis | magma | rdbu
  --scale SCALE        unit (0..1) | max (0..largest weight of each head)
  --font-scale S       text size multiplier (0.5 .. 3)
  --size WxH           window size (default 1280x800)
  --open-model-picker  start with the model picker open
  --frames N           scripted run: once the model and text are shown, render N frames, exit
  --screenshot FILE    with --frames: save the last frame as PNG
  --export FILE        with --frames: save the view in front as PNG
  --export-scale S     scale of --export (default 1 = on-screen size)
  --export-svg FILE    with --frames: save the view in front as SVG (heatmap, grid, head view)
  --save-trace FILE    with --frames: save the trace as .json, .npz or .csv (the selected head)
  --check-pixels       with --frames: check heatmap pixels against the colour map (exit 3 if not)
  --print-frame-times  with --frames: print each frame's time and a summary
  --type TEXT          with --frames: type TEXT one key at a time, report keystroke-to-grid latency
  --click X,Y          with --frames: click there once settled (repeatable; before --type)
  --mouse X,Y          with --frames: leave the mouse there for the measured frames
  --timeout SECONDS    with --frames: give up (exit 4) if not settled by then (default 120)
  --help, --version
)";
}

bool parse_app_args(int argc, const char* const* argv, AppArgs* out, std::string* error) {
    AppArgs a;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        auto value = [&](std::string* v) {
            if (i + 1 >= argc) {
                *error = flag + " needs a value";
                return false;
            }
            *v = argv[++i];
            return true;
        };
        auto bad = [&](const std::string& v, const char* expected) {
            *error = "bad value '" + v + "' for " + flag + " (expected " + expected + ")";
            return false;
        };
        std::string v;
        if (flag == "--help" || flag == "-h") {
            a.help = true;
        } else if (flag == "--version") {
            a.version = true;
        } else if (flag == "--hide-special") {
            a.options.hide_special = true;
        } else if (flag == "--one-based") {
            a.options.one_based = true;
        } else if (flag == "--check-pixels") {
            a.check_pixels = true;
        } else if (flag == "--print-frame-times") {
            a.print_frame_times = true;
        } else if (flag == "--open-model-picker") {
            a.open_model_picker = true;
        } else if (flag == "--classroom") {
            a.classroom = true;
        } else if (flag == "--words") {
            a.options.words = true;
        } else if (!takes_value(flag)) {
            *error = (flag.starts_with("-") ? "unknown option " : "unexpected argument ") + flag +
                     " (see --help)";
            return false;
        } else if (!value(&v)) {
            return false;
        } else if (flag == "--model") {
            a.model = v;
        } else if (flag == "--shape") {
            if (!is_known_shape(v)) return bad(v, known_shapes());
            a.shape = v;
        } else if (flag == "--text") {
            a.text = v;
        } else if (flag == "--pair") {
            a.pair = v;
        } else if (flag == "--n-tokens") {
            if (!parse_int(v, 1, 1 << 16, &a.n_tokens)) return bad(v, "a token count");
        } else if (flag == "--view") {
            ViewKind k;
            if (!parse_view(v, &k)) {
                std::string names;  // every view, so the message never goes stale
                for (int i = 0; i < k_view_count; ++i)
                    names += std::string(i ? ", " : "") + view_name(ViewKind(i));
                return bad(v, names.c_str());
            }
            a.view = k;
        } else if (flag == "--layer" || flag == "--head" || flag == "--token") {
            int n = 0;
            if (!parse_int(v, 0, 1 << 20, &n)) return bad(v, "an index >= 0");
            (flag == "--layer" ? a.layer : flag == "--head" ? a.head : a.token) = n;
        } else if (flag == "--step") {
            if (!parse_int(v, 1, k_softmax_stage_count, &a.step))
                return bad(v, "a softmax stage 1 .. 8");
        } else if (flag == "--pin") {
            std::string why;
            if (!parse_pins(v, &a.pins, &why)) return bad(v, ("L:H,L:H,...; " + why).c_str());
        } else if (flag == "--text-b") {
            a.text_b = v;
        } else if (flag == "--model-b") {
            a.model_b = v;
        } else if (flag == "--models-mode") {
            ModelsMode m;
            if (!parse_models_mode(v, &m)) return bad(v, "head or rollout");
            a.models_mode = m;
        } else if (flag == "--lens") {
            if (!parse_lens(v, &a.options.lens)) return bad(v, "attention or value");
        } else if (flag == "--to") {
            int n = 0;
            if (!parse_int(v, 0, 1 << 20, &n)) return bad(v, "a token index >= 0");
            a.to_token = n;
        } else if (flag == "--rank") {
            HeadStatistic s;
            if (!parse_head_statistic(v, &s))
                return bad(v, "previous, self, sink, special, broad, distance or max");
            a.rank = s;
        } else if (flag == "--mode") {
            HeatmapMode m;
            if (!parse_heatmap_mode(v, &m)) return bad(v, "head, mean or diff");
            a.heatmap_mode = m;
        } else if (flag == "--zoom") {
            if (!parse_float(v, 0.25f, 96.0f, &a.zoom))
                return bad(v, "pixels per cell, 0.25 .. 96");
        } else if (flag == "--colormap") {
            if (!parse_colormap(v, &a.options.colormap)) return bad(v, "viridis, magma or rdbu");
        } else if (flag == "--scale") {
            if (v == "unit") {
                a.options.scale = ValueScale::Unit;
            } else if (v == "max") {
                a.options.scale = ValueScale::HeadMax;
            } else {
                return bad(v, "unit or max");
            }
        } else if (flag == "--font-scale") {
            if (!parse_float(v, 0.5f, 3.0f, &a.options.font_scale)) return bad(v, "0.5 .. 3");
        } else if (flag == "--size") {
            auto x = v.find('x');
            if (x == std::string::npos || !parse_int(v.substr(0, x), 320, 8192, &a.width) ||
                !parse_int(v.substr(x + 1), 240, 8192, &a.height))
                return bad(v, "WxH, e.g. 1280x800");
        } else if (flag == "--frames") {
            if (!parse_int(v, 1, 1000000, &a.frames)) return bad(v, "a frame count >= 1");
        } else if (flag == "--screenshot") {
            a.screenshot = v;
        } else if (flag == "--export") {
            a.export_path = v;
        } else if (flag == "--import") {
            a.import_file = v;
        } else if (flag == "--export-svg") {
            a.export_svg = v;
        } else if (flag == "--save-trace") {
            TraceFormat format;
            if (!trace_format_of_path(v, &format)) return bad(v, "a file ending in .json, .npz or .csv");
            a.save_trace = v;
        } else if (flag == "--export-scale") {
            if (!parse_float(v, 0.25f, 8.0f, &a.export_scale)) return bad(v, "0.25 .. 8");
        } else if (flag == "--click" || flag == "--mouse") {
            ScriptPoint p;
            if (!parse_point(v, &p)) return bad(v, "X,Y in window pixels");
            if (flag == "--click") {
                a.clicks.push_back(p);
            } else {
                a.mouse = p;
            }
        } else if (flag == "--type") {
            a.type_text = v;
        } else if (flag == "--timeout") {
            float t = 0;
            if (!parse_float(v, 1.0f, 3600.0f, &t)) return bad(v, "seconds");
            a.timeout = t;
        }
    }
    if (a.model && !a.shape.empty()) {
        *error = "--model and --shape cannot be used together";
        return false;
    }
    if (a.import_file && (a.model || !a.shape.empty())) {
        *error = "--import opens attention from a file instead of a model: drop --model / --shape";
        return false;
    }
    const bool needs_frames = !a.screenshot.empty() || !a.export_path.empty() ||
                              !a.export_svg.empty() || !a.save_trace.empty() || a.check_pixels ||
                              a.print_frame_times || !a.type_text.empty() || !a.clicks.empty() ||
                              a.mouse.has_value();
    if (needs_frames && a.frames == 0) {
        *error =
            "--screenshot, --export, --export-svg, --save-trace, --check-pixels, "
            "--print-frame-times and --type need --frames N";
        return false;
    }
    *out = std::move(a);
    return true;
}

}  // namespace attnscope::app
