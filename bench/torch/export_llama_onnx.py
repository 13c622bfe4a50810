"""Llama checkpoint -> ONNX with torch.onnx.export, Optimum's decoder I/O.

/usr/bin/python3 bench/torch/export_llama_onnx.py --checkpoint DIR --out FILE.onnx [--opset 14]

DIR holds config.json and model.safetensors (F32, `model.`-prefixed names, lm_head.weight when
untied), as writeLlamaCheckpoint writes them. The forward is transformers 4.38-4.44's eager
LlamaForCausalLM, op for op: q/k/v as view+transpose, RoPE computed from position_ids in the
attention (inv_freq @ position_ids, cos/sin of cat(freqs, freqs), rotate_half), the cache
appended with torch.cat before repeat_kv (expand + reshape of the concatenation), scores divided
by sqrt(head_dim), softmax in float32, the 4-D additive mask of _update_causal_mask (finfo.min,
causal over past + new via cache_position, the padding mask filled in), RMSNorm in float32, SiLU
gated MLP. Module names mirror HF's, so initializers and node names do too
(`model.layers.0.self_attn.q_proj.weight`, `/model/layers.0/self_attn/...`).
Bench and fixture tooling only: torch is never a dependency of the product or its tests.
"""

import json
import math

# torch through the common module, whose import says how to install it where it is missing.
from onnx_export_common import export_arg_parser, export_decoder, nn, read_safetensors, torch


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class LlamaRotaryEmbedding(nn.Module):
    """rope_type 'default': angles from position_ids at run time, no precomputed table."""

    def __init__(self, dim, base):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)  # (B, hd/2, 1)
        position_ids_expanded = position_ids[:, None, :].float()  # (B, 1, S)
        freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)  # (B, S, hd/2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (B, S, hd)
        return emb.cos().to(dtype=x.dtype), emb.sin().to(dtype=x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)  # (B, 1, S, hd)
    sin = sin.unsqueeze(unsqueeze_dim)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def repeat_kv(hidden_states, n_rep):
    """(B, KV, T, hd) -> (B, KV * n_rep, T, hd): each K/V head copied for its n_rep query heads."""
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.hidden_size = cfg["hidden_size"]
        self.num_heads = cfg["num_attention_heads"]
        self.head_dim = cfg.get("head_dim") or self.hidden_size // self.num_heads
        self.num_key_value_heads = cfg.get("num_key_value_heads") or self.num_heads
        self.num_key_value_groups = self.num_heads // self.num_key_value_heads
        self.q_proj = nn.Linear(self.hidden_size, self.num_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(self.hidden_size, self.num_key_value_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(self.hidden_size, self.num_key_value_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, self.hidden_size, bias=False)
        self.rotary_emb = LlamaRotaryEmbedding(self.head_dim, cfg.get("rope_theta", 10000.0))

    def forward(self, hidden_states, attention_mask, position_ids, past_key_value):
        bsz, q_len, _ = hidden_states.size()
        query_states = self.q_proj(hidden_states).view(bsz, q_len, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, S, hd)
        key_states = self.k_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)  # (B, KV, S, hd)
        value_states = self.v_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)
        cos, sin = self.rotary_emb(value_states, position_ids)
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)
        # DynamicCache.update: the past first, then this step's rows.
        past_key, past_value = past_key_value
        key_states = torch.cat([past_key, key_states], dim=-2)  # (B, KV, T, hd)
        value_states = torch.cat([past_value, value_states], dim=-2)
        present = (key_states, value_states)
        key_states = repeat_kv(key_states, self.num_key_value_groups)  # (B, H, T, hd)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) / math.sqrt(self.head_dim)  # (B, H, S, T)
        causal_mask = attention_mask[:, :, :, : key_states.shape[-2]]
        attn_weights = attn_weights + causal_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)  # (B, H, S, hd)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(bsz, q_len, -1)  # (B, S, H * hd)
        return self.o_proj(attn_output), present


class LlamaMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["rms_norm_eps"]
        self.self_attn = LlamaAttention(cfg)
        self.mlp = LlamaMLP(cfg)
        self.input_layernorm = LlamaRMSNorm(d, eps)
        self.post_attention_layernorm = LlamaRMSNorm(d, eps)

    def forward(self, hidden_states, attention_mask, position_ids, past_key_value):
        residual = hidden_states
        hidden_states, present = self.self_attn(self.input_layernorm(hidden_states), attention_mask, position_ids, past_key_value)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = residual + self.mlp(self.post_attention_layernorm(hidden_states))
        return hidden_states, present


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = LlamaRMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def _update_causal_mask(self, attention_mask, input_tensor, cache_position):
        """(B, 1, S, T) additive: finfo.min where key j > cache_position[i] or attention_mask[b, j] == 0."""
        dtype = input_tensor.dtype
        min_dtype = torch.finfo(dtype).min
        sequence_length = input_tensor.shape[1]
        target_length = attention_mask.shape[-1]
        causal_mask = torch.full((sequence_length, target_length), fill_value=min_dtype, dtype=dtype)
        # HF's branch on a Python int: the trace (S = 2) keeps the triu; a decode step's row is then
        # decided by the cache_position product below alone, which gives the same mask.
        if sequence_length != 1:
            causal_mask = torch.triu(causal_mask, diagonal=1)
        causal_mask *= torch.arange(target_length) > cache_position.reshape(-1, 1)
        causal_mask = causal_mask[None, None, :, :].expand(input_tensor.shape[0], 1, -1, -1)
        causal_mask = causal_mask.clone()
        mask_length = attention_mask.shape[-1]
        padding_mask = causal_mask[:, :, :, :mask_length] + attention_mask[:, None, None, :]
        padding_mask = padding_mask == 0
        causal_mask[:, :, :, :mask_length] = causal_mask[:, :, :, :mask_length].masked_fill(padding_mask, min_dtype)
        return causal_mask

    def forward(self, input_ids, attention_mask, position_ids, past_key_values):
        inputs_embeds = self.embed_tokens(input_ids)  # (B, S, D)
        past_seen_tokens = past_key_values[0][0].shape[-2]
        cache_position = torch.arange(past_seen_tokens, past_seen_tokens + inputs_embeds.shape[1])
        causal_mask = self._update_causal_mask(attention_mask, inputs_embeds, cache_position)
        hidden_states = inputs_embeds
        presents = []
        for layer, layer_past in zip(self.layers, past_key_values):
            hidden_states, present = layer(hidden_states, causal_mask, position_ids, layer_past)
            presents.append(present)
        return self.norm(hidden_states), presents


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_layer = cfg["num_hidden_layers"]
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        if cfg["tie_word_embeddings"]:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids, attention_mask, position_ids, *past):
        # Flat past (key0, value0, key1, ...) so each tensor gets its own ONNX input name.
        pairs = [(past[2 * i], past[2 * i + 1]) for i in range(self.n_layer)]
        hidden_states, presents = self.model(input_ids, attention_mask, position_ids, pairs)
        logits = self.lm_head(hidden_states).float()  # (B, S, V)
        return (logits, *[t for kv in presents for t in kv])


def load_model(checkpoint):
    cfg = json.loads((checkpoint / "config.json").read_text())
    cfg.setdefault("rms_norm_eps", 1e-6)
    cfg.setdefault("tie_word_embeddings", False)  # LlamaConfig's default
    if cfg.get("hidden_act", "silu") != "silu":
        raise SystemExit(f"hidden_act {cfg['hidden_act']!r}: only silu is implemented")
    rope = cfg.get("rope_scaling")
    if rope and (rope.get("rope_type") or rope.get("type") or "default") != "default":
        raise SystemExit(f"rope_scaling {rope!r}: only unscaled ('default') RoPE is implemented")
    if cfg.get("attention_bias") or cfg.get("mlp_bias"):
        raise SystemExit("attention_bias / mlp_bias: only bias-free Llama checkpoints are implemented")
    model = LlamaForCausalLM(cfg).eval()
    tensors = read_safetensors(checkpoint / "model.safetensors")
    state = model.state_dict()
    if cfg["tie_word_embeddings"]:
        tensors.setdefault("lm_head.weight", tensors.get("model.embed_tokens.weight"))
    missing = [k for k in state if tensors.get(k) is None]
    if missing:
        raise SystemExit(f"{checkpoint}/model.safetensors lacks {missing[:5]}{'...' if len(missing) > 5 else ''}")
    model.load_state_dict({k: torch.from_numpy(tensors[k]) for k in state})
    return model, cfg


def main():
    args = export_arg_parser(__doc__).parse_args()
    torch.manual_seed(0)
    model, cfg = load_model(args.checkpoint)
    n_head = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or n_head
    hd = cfg.get("head_dim") or cfg["hidden_size"] // n_head
    export_decoder(model, args.out, args.opset, n_layer=cfg["num_hidden_layers"], kv_heads=kv_heads, head_dim=hd, vocab_size=cfg["vocab_size"])


if __name__ == "__main__":
    main()
