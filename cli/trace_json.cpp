#include "trace_json.h"

namespace attnscope::cli {

const char* prediction_kind_name(PredictionKind kind) {
    switch (kind) {
        case PredictionKind::None:
            return "none";
        case PredictionKind::NextToken:
            return "next_token";
        case PredictionKind::MaskFill:
            return "mask_fill";
    }
    return "none";
}

void write_prediction(JsonWriter& out, const Prediction& prediction) {
    out.begin_object();
    out.key("kind").value(prediction_kind_name(prediction.kind));
    out.key("positions").int_array(prediction.positions);
    out.key("top").begin_array();
    for (const auto& candidates : prediction.top) {
        out.begin_array();
        for (const TokenProb& c : candidates) {
            out.begin_object();
            out.key("id").value(int64_t(c.id));
            out.key("token").value(c.token);
            out.key("text").value(c.text);
            out.key("prob").value(c.prob);
            out.key("logit").value(c.logit);
            out.end_object();
        }
        out.end_array();
    }
    out.end_array();
    out.end_object();
}

}  // namespace attnscope::cli
