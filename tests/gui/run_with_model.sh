#!/bin/sh
# Runs the app under Xvfb on a model from $ATTNSCOPE_MODELS, failing loudly when it is not set.
# usage: run_with_model.sh XVFB_RUN MODEL_FOLDER ATTNSCOPE [ARGS...]
# (in ARGS, @MODELS@/NAME becomes $ATTNSCOPE_MODELS/NAME)
set -eu
xvfb_run="$1"
model_name="$2"
exe="$3"
shift 3
if [ -z "${ATTNSCOPE_MODELS:-}" ]; then
    echo "ATTNSCOPE_MODELS is not set: point it at the models folder" >&2
    exit 1
fi
model="$ATTNSCOPE_MODELS/$model_name"
if [ ! -d "$model" ]; then
    echo "model folder missing: $model" >&2
    exit 1
fi
# An argument @MODELS@/NAME names another model folder (e.g. --model-b): expand it.
for arg do
    shift
    case "$arg" in
        @MODELS@/*) arg="$ATTNSCOPE_MODELS/${arg#@MODELS@/}" ;;
    esac
    set -- "$@" "$arg"
done
exec "$xvfb_run" -a -s "-screen 0 1280x1024x24" "$exe" --model "$model" "$@"
