"""GPT-2 checkpoint -> ONNX with torch.onnx.export, Optimum's decoder I/O.

/usr/bin/python3 bench/torch/export_gpt2_onnx.py --checkpoint DIR --out FILE.onnx [--opset 14] [--attention eager|sdpa]

DIR holds config.json and model.safetensors (F32, names with or without `transformer.`), as
writeGpt2Checkpoint writes them. The forward is transformers 4.3x's eager GPT2LMHeadModel, op for
op (Conv1D as addmm, split_heads as view+permute, the registered bool `bias` buffer sliced per
step, torch.where with finfo.min, the additive padding mask), so the graph has the node structure
a hub (Optimum) export has: one our own graph builders did not write. Module names mirror HF's so
initializers and node names do too (`transformer.h.0.attn.c_attn.weight`, `/transformer/h.0/...`).

--attention sdpa is transformers 4.4x's GPT2SdpaAttention as torch 2.x's exporter writes it: the
4-D causal + padding mask of _prepare_4d_causal_attention_mask_for_sdpa, and
scaled_dot_product_attention decomposed as torch.onnx's opset-14 symbolic does (torch 1.13 has no
SDPA, so the decomposition is written out here, op for op): the scale is taken from the query's
shape at run time and its square root multiplies the query and the transposed concatenated key.
Bench and fixture tooling only: torch is never a dependency of the product or its tests.
"""

import json
import math

# torch through the common module, whose import says how to install it where it is missing.
from onnx_export_common import export_arg_parser, export_decoder, nn, read_safetensors, torch


class Conv1D(nn.Module):
    """HF's Conv1D: a linear layer with its weight stored (in, out)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def sdpa_onnx_decomposition(query, key, value, attn_mask):
    """torch.onnx's symbolic for F.scaled_dot_product_attention (torch 2.x, opset 14, no dropout).

    query (B, H, S, hd), key/value (B, H, T, hd), attn_mask (B, 1, S, T) additive -> (B, H, S, hd).
    """
    # _attention_scale: Shape -> Slice[-1:] -> Cast -> 1 / Sqrt -> Cast, a 1-element tensor.
    embedding_size = torch._shape_as_tensor(query)[-1:].to(query.dtype)
    scale = (torch.tensor([1.0], dtype=torch.float) / torch.sqrt(embedding_size)).to(query.dtype)
    # √scale on each side (pytorch/pytorch#110620: fewer fp16 overflows), so the key's Mul sits
    # on the Transpose of the concatenated cache, between it and the scores MatMul.
    query_scaled = query * torch.sqrt(scale)
    key_transposed_scaled = key.transpose(-2, -1) * torch.sqrt(scale)  # (B, H, hd, T)
    attn_weight = torch.softmax(torch.matmul(query_scaled, key_transposed_scaled) + attn_mask, dim=-1)  # (B, H, S, T)
    return torch.matmul(attn_weight, value)


class GPT2Attention(nn.Module):
    def __init__(self, cfg, attention="eager"):
        super().__init__()
        self.attention = attention
        n_pos = cfg["n_positions"]
        # (1, 1, n_pos, n_pos) bool: an initializer per layer in the export, as in HF's.
        self.register_buffer("bias", torch.tril(torch.ones((n_pos, n_pos), dtype=torch.bool)).view(1, 1, n_pos, n_pos), persistent=False)
        self.embed_dim = cfg["n_embd"]
        self.num_heads = cfg["n_head"]
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)

    def _attn(self, query, key, value, attention_mask):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))  # (B, H, S, T)
        attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype, device=attn_weights.device)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length : key_length, :key_length]  # (1, 1, S, T)
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype, device=attn_weights.device)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        attn_weights = attn_weights + attention_mask  # (B, 1, 1, T) additive padding mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        return torch.matmul(attn_weights, value)  # (B, H, S, hd)

    def _split_heads(self, tensor):
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)  # (B, H, S, hd)

    def _merge_heads(self, tensor):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (self.num_heads * self.head_dim,)
        return tensor.view(new_shape)  # (B, S, D)

    def forward(self, hidden_states, layer_past, attention_mask):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query = self._split_heads(query)
        key = self._split_heads(key)
        value = self._split_heads(value)
        past_key, past_value = layer_past
        key = torch.cat((past_key, key), dim=-2)  # (B, H, T, hd)
        value = torch.cat((past_value, value), dim=-2)
        present = (key, value)
        if self.attention == "sdpa":
            attn_output = sdpa_onnx_decomposition(query, key, value, attention_mask)
        else:
            attn_output = self._attn(query, key, value, attention_mask)
        return self.c_proj(self._merge_heads(attn_output)), present


class GPT2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        inner = cfg.get("n_inner") or 4 * d
        self.c_fc = Conv1D(inner, d)
        self.c_proj = Conv1D(d, inner)

    def forward(self, x):
        h = self.c_fc(x)
        # gelu_new (transformers' NewGELUActivation): the tanh approximation.
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))
        return self.c_proj(h)


class GPT2Block(nn.Module):
    def __init__(self, cfg, attention):
        super().__init__()
        d, eps = cfg["n_embd"], cfg["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(cfg, attention)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = GPT2MLP(cfg)

    def forward(self, hidden_states, layer_past, attention_mask):
        attn_output, present = self.attn(self.ln_1(hidden_states), layer_past, attention_mask)
        hidden_states = attn_output + hidden_states
        hidden_states = hidden_states + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


def make_causal_mask(batch, tgt_len, dtype, past_key_values_length):
    """AttentionMaskConverter._make_causal_mask: (B, 1, S, P + S), 0 where key j <= P + i, else finfo.min."""
    mask = torch.full((tgt_len, tgt_len), torch.finfo(dtype).min)
    mask_cond = torch.arange(mask.size(-1))
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    # HF branches on past > 0; the trace (past 3) records the Concat, which an empty past also runs.
    if past_key_values_length > 0:
        mask = torch.cat([torch.zeros(tgt_len, past_key_values_length, dtype=dtype), mask], dim=-1)
    return mask[None, None, :, :].expand(batch, 1, tgt_len, tgt_len + past_key_values_length)


def prepare_4d_causal_mask_for_sdpa(attention_mask, query_length, dtype, past_key_values_length):
    """_prepare_4d_causal_attention_mask_for_sdpa while tracing (no None shortcut, no _unmask_unattended): AttentionMaskConverter.to_4d."""
    batch = attention_mask.shape[0]
    causal_4d_mask = make_causal_mask(batch, query_length, dtype, past_key_values_length)  # (B, 1, S, T)
    # _expand_mask: 1 - mask broadcast to (B, 1, S, T), finfo.min where padded.
    src_len = attention_mask.shape[1]
    expanded_mask = attention_mask[:, None, None, :].expand(batch, 1, query_length, src_len).to(dtype)
    inverted_mask = 1.0 - expanded_mask
    expanded_attn_mask = inverted_mask.masked_fill(inverted_mask.to(torch.bool), torch.finfo(dtype).min)
    return causal_4d_mask.masked_fill(expanded_attn_mask.bool(), torch.finfo(dtype).min)


class GPT2Model(nn.Module):
    def __init__(self, cfg, attention):
        super().__init__()
        self.attention = attention
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.h = nn.ModuleList(GPT2Block(cfg, attention) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])

    def forward(self, input_ids, attention_mask, position_ids, past_key_values):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        position_ids = position_ids.view(-1, input_shape[-1])
        batch_size = input_ids.shape[0]
        dtype = self.wte.weight.dtype
        if self.attention == "sdpa":
            past_length = past_key_values[0][0].size(-2)
            attention_mask = prepare_4d_causal_mask_for_sdpa(attention_mask.view(batch_size, -1), input_shape[-1], dtype, past_length)  # (B, 1, S, T)
        else:
            attention_mask = attention_mask.view(batch_size, -1)[:, None, None, :].to(dtype=dtype)  # (B, 1, 1, T)
            attention_mask = (1.0 - attention_mask) * torch.finfo(dtype).min
        # wpe is gathered with the position_ids input, not positions derived from the past length.
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)  # (B, S, D)
        presents = []
        for block, layer_past in zip(self.h, past_key_values):
            hidden_states, present = block(hidden_states, layer_past, attention_mask)
            presents.append(present)
        hidden_states = self.ln_f(hidden_states)
        output_shape = (-1,) + input_shape[1:] + (hidden_states.size(-1),)
        return hidden_states.view(output_shape), presents


class GPT2LMHeadModel(nn.Module):
    def __init__(self, cfg, attention="eager"):
        super().__init__()
        self.n_layer = cfg["n_layer"]
        self.transformer = GPT2Model(cfg, attention)
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as tie_word_embeddings

    def forward(self, input_ids, attention_mask, position_ids, *past):
        # Flat past (key0, value0, key1, ...) so each tensor gets its own ONNX input name.
        pairs = [(past[2 * i], past[2 * i + 1]) for i in range(self.n_layer)]
        hidden_states, presents = self.transformer(input_ids, attention_mask, position_ids, pairs)
        logits = self.lm_head(hidden_states)  # (B, S, V)
        return (logits, *[t for kv in presents for t in kv])


def load_model(checkpoint, attention="eager"):
    cfg = json.loads((checkpoint / "config.json").read_text())
    cfg.setdefault("layer_norm_epsilon", 1e-5)
    if cfg.get("activation_function", "gelu_new") != "gelu_new":
        raise SystemExit(f"activation_function {cfg['activation_function']!r}: only gelu_new is implemented")
    model = GPT2LMHeadModel(cfg, attention).eval()
    tensors = {k.removeprefix("transformer."): v for k, v in read_safetensors(checkpoint / "model.safetensors").items()}
    state = model.transformer.state_dict()
    missing = [k for k in state if k not in tensors]
    if missing:
        raise SystemExit(f"{checkpoint}/model.safetensors lacks {missing[:5]}{'...' if len(missing) > 5 else ''}")
    model.transformer.load_state_dict({k: torch.from_numpy(tensors[k]) for k in state})
    return model, cfg


def main():
    parser = export_arg_parser(__doc__)
    parser.add_argument("--attention", choices=["eager", "sdpa"], default="eager", help="eager GPT2Attention, or SDPA as torch 2.x exports it")
    args = parser.parse_args()
    torch.manual_seed(0)
    model, cfg = load_model(args.checkpoint, args.attention)
    n_head = cfg["n_head"]
    hd = cfg["n_embd"] // n_head
    notes = [f"{args.attention} attention"]
    export_decoder(model, args.out, args.opset, n_layer=cfg["n_layer"], kv_heads=n_head, head_dim=hd, vocab_size=cfg["vocab_size"], notes=notes)


if __name__ == "__main__":
    main()
