#!/usr/bin/env python3
"""Reference QA inference in Python, independent of Decant: golden logits for `decant verify --golden` and
expected answers for the `ask`/`eval` tests.

Model (one of):
  --hf DIR      a Hugging Face export (`decant convert --format hf`): transformers MegatronBertForQuestionAnswering.
  --nemo FILE   a Megatron-BERT QA .nemo, run by a port of NeMo 1.x's Megatron forward in plain torch, straight on
                the archive's own tensor names (no conversion): word + position + token-type embeddings without
                LayerNorm, pre-LN blocks, fused QKV split by the archive's layout (v0 [3][heads][d] for NeMo 1.0
                naming or megatron_legacy, else v2 [heads][3][d]), the query-and-key padding mask filled with
                -10000, the GELU Megatron's flags select (--gelu to force one), final LayerNorm, the QA head.

Inputs: the questions of a SQuAD-format file (--squad), preprocessed with a port of NeMo 1.0's SQuAD code
(Tools/gen_qa_expected.py) and the model's vocabulary and QA settings; max_seq_length is cut to the model's
position table, as Decant does.

Outputs:
  --golden OUT   {"cases": [{question, context, input_ids, token_type_ids, attention_mask, start_logits,
                 end_logits}, ...]}: one case per window, float32 logits written exactly.
  --answers OUT  per question: NeMo's prediction (text, no-answer flag, score, character offsets, null score, the
                 n-best list) and the official SQuAD v2.0 EM/F1 of those predictions.

Example (from the repository root):
  python3 Tools/reference_inference.py --hf Tests/Fixtures/nemo/hf_export_reference \
      --squad Tests/Fixtures/squad/tiny_squad.json --golden Tests/Fixtures/golden/tiny_v0_hf_squad_golden.json \
      --answers Tests/Fixtures/golden/tiny_v0_hf_squad_answers.json
"""
import argparse
import io
import json
import math
import sys
import tarfile
import tempfile
from pathlib import Path

import torch

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path.insert(0, str(TOOLS))
import gen_qa_expected as nemo_qa  # noqa: E402  (NeMo 1.0 SQuAD pre/post-processing port)
import squad_v2_official_eval as official  # noqa: E402
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy  # noqa: E402


# ---- Models -----------------------------------------------------------------------------------------------

class HFModel:
    def __init__(self, directory):
        from transformers import MegatronBertForQuestionAnswering
        self.model = MegatronBertForQuestionAnswering.from_pretrained(directory, attn_implementation="eager").eval()
        self.vocab_file = str(Path(directory) / "vocab.txt")
        self.positions = self.model.config.max_position_embeddings
        self.settings = {}
        self.description = f"transformers MegatronBertForQuestionAnswering on {directory} (f32, eager)"

    def logits(self, ids, types, mask):
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types]),
                             attention_mask=torch.tensor([mask]))
        return out.start_logits[0].tolist(), out.end_logits[0].tolist()


class NemoModel:
    """NeMo 1.x Megatron-BERT QA forward pass on the archive's tensors."""

    def __init__(self, path, gelu=None):
        import yaml
        members = {}
        with tarfile.open(path, "r:*") as archive:
            for member in archive.getmembers():
                if member.isfile():
                    members[member.name.lstrip("./")] = archive.extractfile(member).read()
        config = yaml.safe_load(members["model_config.yaml"])
        vocab_member = config["tokenizer"]["vocab_file"].removeprefix("nemo:")
        with tempfile.NamedTemporaryFile("wb", suffix="-vocab.txt", delete=False) as vocab:
            vocab.write(members[vocab_member])
        self.vocab_file = vocab.name
        state = torch.load(io.BytesIO(members["model_weights.ckpt"]), map_location="cpu", weights_only=True)
        self.w = {k: v.float() for k, v in state.items()}
        # Megatron settings: the inline language_model.config first, then the encoder config artifact.
        lm = dict(json.loads(members[config["language_model"]["config_file"].removeprefix("nemo:")])
                  if config.get("language_model", {}).get("config_file") else {})
        lm.update(config.get("language_model", {}).get("config") or {})
        self.settings = config.get("dataset", {}) or {}

        prefix = next(k for k in self.w if k.endswith("embedding.word_embeddings.weight"))
        prefix = prefix[: -len("embedding.word_embeddings.weight")]
        self.prefix = prefix
        legacy_names = any(k.startswith(prefix + "transformer.layers.") for k in self.w)
        self.stack = "transformer" if legacy_names else "encoder"
        self.attention = "attention" if any(".attention.query_key_value." in k for k in self.w) else "self_attention"
        self.layers = 1 + max(int(k[len(prefix + self.stack + ".layers."):].split(".")[0])
                              for k in self.w if k.startswith(prefix + self.stack + ".layers."))
        self.hidden = self.w[prefix + "embedding.word_embeddings.weight"].shape[1]
        self.heads = int(lm.get("num_attention_heads", 16))
        self.positions = self.w[prefix + "embedding.position_embeddings.weight"].shape[0]
        nemo10 = prefix == "bert_model.language_model."
        self.layout = "v0" if nemo10 or lm.get("megatron_legacy", False) else "v2"
        self.gelu = gelu or self.stated_gelu(lm) or self.default_gelu(lm, nemo10)
        self.eps = float(lm.get("layernorm_epsilon", 1e-5))
        self.description = (f"NeMo-style Megatron forward in torch on {path} ({self.stack}/{self.attention} naming, "
                            f"QKV {self.layout}, GELU {self.gelu})")

    @staticmethod
    def stated_gelu(lm):
        """Megatron's precedence among the flags the archive states: fusion, openai_gelu, onnx_safe."""
        if lm.get("bias_gelu_fusion"):
            return "tanh"
        if lm.get("openai_gelu"):
            return "tanh"
        if lm.get("onnx_safe"):
            return "megatron-erf"
        return None

    @staticmethod
    def default_gelu(lm, nemo10):
        """The framework defaults: NeMo 1.0 runs onnx_safe erf, NeMo >= 1.10 the bias-GELU fusion (tanh)."""
        fusion = lm.get("bias_gelu_fusion", not nemo10)
        onnx_safe = lm.get("onnx_safe", nemo10)
        return "tanh" if fusion else "megatron-erf" if onnx_safe else "erf"

    def gelu_fn(self, x):
        if self.gelu == "megatron-erf":
            return x * 0.5 * (torch.erf(x / 1.41421) + 1.0)
        if self.gelu == "tanh":
            return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * x * (1.0 + 0.044715 * x * x)))
        return torch.nn.functional.gelu(x)

    def logits(self, ids, types, mask):
        w, p, h, n = self.w, self.prefix, self.hidden, self.heads
        d = h // n
        ln = lambda x, name: torch.nn.functional.layer_norm(x, (h,), w[name + ".weight"], w[name + ".bias"], self.eps)
        ids_t, types_t = torch.tensor(ids), torch.tensor(types)
        s = len(ids)
        x = (w[p + "embedding.word_embeddings.weight"][ids_t] + w[p + "embedding.position_embeddings.weight"][:s]
             + w[p + "embedding.tokentype_embeddings.weight"][types_t])
        m = torch.tensor(mask, dtype=torch.float32)
        masked = (m[:, None] * m[None, :]) < 0.5  # Megatron: query AND key padding
        for i in range(self.layers):
            layer = f"{p}{self.stack}.layers.{i}."
            a = layer + self.attention + "."
            y = ln(x, layer + "input_layernorm")
            mixed = y @ w[a + "query_key_value.weight"].T + w[a + "query_key_value.bias"]
            if self.layout == "v0":
                q, k, v = mixed.view(s, 3, n, d).unbind(1)
            else:
                q, k, v = mixed.view(s, n, 3, d).unbind(2)
            scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(d)
            scores = scores.masked_fill(masked[None], -10000.0)
            context = torch.einsum("hqk,khd->qhd", torch.softmax(scores, dim=-1), v).reshape(s, h)
            x = x + context @ w[a + "dense.weight"].T + w[a + "dense.bias"]
            y = ln(x, layer + "post_attention_layernorm")
            inner = self.gelu_fn(y @ w[layer + "mlp.dense_h_to_4h.weight"].T + w[layer + "mlp.dense_h_to_4h.bias"])
            x = x + inner @ w[layer + "mlp.dense_4h_to_h.weight"].T + w[layer + "mlp.dense_4h_to_h.bias"]
        x = ln(x, f"{p}{self.stack}.final_layernorm")
        out = x @ w["classifier.mlp.layer0.weight"].T + w["classifier.mlp.layer0.bias"]
        return out[:, 0].tolist(), out[:, 1].tolist()


# ---- Running a SQuAD file -----------------------------------------------------------------------------------

def settings_for(model):
    s = dict(nemo_qa.DEFAULTS)
    for key in s:
        if model.settings.get(key) is not None:
            s[key] = model.settings[key]
    s["max_seq_length"] = min(s["max_seq_length"], model.positions)
    return s


def questions(squad_path):
    dataset = json.loads(Path(squad_path).read_text(encoding="utf-8"))
    for article in dataset["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                yield qa["id"], qa["question"], paragraph["context"]


def f32(values):
    return [float(torch.tensor(v, dtype=torch.float32)) for v in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    model_group = parser.add_mutually_exclusive_group(required=True)
    model_group.add_argument("--hf")
    model_group.add_argument("--nemo")
    parser.add_argument("--gelu", choices=["erf", "megatron-erf", "tanh"])
    parser.add_argument("--squad", required=True)
    parser.add_argument("--golden")
    parser.add_argument("--answers")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = HFModel(args.hf) if args.hf else NemoModel(args.nemo, args.gelu)
    s = settings_for(model)
    tokenizer = BertTokenizerLegacy(model.vocab_file, do_lower_case=s["do_lower_case"])
    cases, answers, predictions = [], {}, {}
    for qid, question, context in questions(args.squad):
        doc_tokens, _, word_starts = nemo_qa.split_into_words(context)
        _, _, _, features = nemo_qa.convert_example_to_features(question, doc_tokens, tokenizer, s)
        starts, ends = [], []
        for f in features:
            start, end = model.logits(f["input_ids"], f["segment_ids"], f["input_mask"])
            starts.append(f32(start))
            ends.append(f32(end))
            cases.append(dict(id=qid, question=question, context=context, input_ids=f["input_ids"],
                              token_type_ids=f["segment_ids"], attention_mask=f["input_mask"],
                              start_logits=starts[-1], end_logits=ends[-1]))
        prediction = nemo_qa.get_prediction(doc_tokens, word_starts, features, starts, ends, s)
        prediction["windows"] = len(features)
        answers[qid] = prediction
        predictions[qid] = prediction["text"]
        print(f"{qid}: {len(features)} window(s), answer {prediction['text']!r}")

    header = dict(generator="Tools/reference_inference.py", model=model.description, squad=args.squad, settings=s)
    if args.golden:
        Path(args.golden).write_text(json.dumps(dict(header, cases=cases)) + "\n")
        print(f"wrote {len(cases)} cases to {args.golden}")
    if args.answers:
        dataset = json.loads(Path(args.squad).read_text(encoding="utf-8"))["data"]
        scores = official.evaluate(dataset, predictions)
        Path(args.answers).write_text(json.dumps(dict(header, answers=answers, predictions=predictions,
                                                      evaluation=scores), ensure_ascii=False, indent=1) + "\n")
        print(f"wrote {len(answers)} answers to {args.answers}: {dict(scores)}")
    if args.nemo:
        Path(model.vocab_file).unlink()


if __name__ == "__main__":
    main()
