"""Kokoro's KModel on several pieces of speech at once, each as it sounds alone.

One piece at a time leaves a GPU mostly idle: every one of the decoder's hundreds of small
kernels runs on a few hundred frames. Batching is more than padding, because Kokoro normalises
over time: its AdaIN layers are instance norms, so padding frames would shift every frame's
statistics, and its BiLSTMs would read the padding backwards. Here each row keeps its own
length at every resolution of the network (frames F, 2F, 20F, 120F+1, samples 600F):
  - instance-norm statistics over a row's own frames only (`_adain`);
  - every tensor a convolution reads is zero past its row's end, as the zero padding of a
    piece alone is (`_mask`);
  - the LSTMs over phonemes and frames are packed to each row's length;
  - the harmonic source and the inverse STFT (cheap, and edge-sensitive) run row by row.
With the source's random phase and noise held at zero, every row equals KModel.forward_with_tokens
on that piece alone up to float rounding (tests/test_speech.py).
"""
from __future__ import annotations

import threading

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Combiner:
    """Calls from several threads answered together: whichever caller finds no batch running runs
    `run` on up to `limit` waiting items (its own among them, or first the ones before it). Each
    caller gets its own result, raised if it is an exception; an exception out of `run` reaches
    every caller of that batch."""

    def __init__(self, run, limit: int):
        self._run, self._limit = run, limit
        self._cond = threading.Condition()
        self._waiting: list[dict] = []
        self._running = False

    def __call__(self, item):
        call = {"item": item}
        with self._cond:
            self._waiting.append(call)
            while "result" not in call:
                if self._running:
                    self._cond.wait()
                    continue
                batch, self._waiting = self._waiting[:self._limit], self._waiting[self._limit:]
                self._running = True
                self._cond.release()
                try:
                    results = self._run([c["item"] for c in batch])
                except BaseException as e:
                    results = [e] * len(batch)
                finally:
                    self._cond.acquire()
                    self._running = False
                    self._cond.notify_all()
                for c, result in zip(batch, results, strict=True):
                    c["result"] = result
        if isinstance(call["result"], BaseException):
            raise call["result"]
        return call["result"]


@torch.no_grad()
def forward_batch(kmodel, ids: list[list[int]], styles: list[torch.Tensor], speeds: list[float]) -> list[torch.Tensor]:
    """Audio for each piece: ids with Kokoro's boundary 0 at both ends, its [1, 256] style vector
    (voice pack row) and speed. Returns 1-D float tensors on the model's device."""
    device = kmodel.device
    tokens_in_row = torch.tensor([len(row) for row in ids])
    tokens = torch.zeros(len(ids), int(tokens_in_row.max()), dtype=torch.long)
    for b, row in enumerate(ids):
        tokens[b, :len(row)] = torch.tensor(row)
    tokens = tokens.to(device)
    pad = (torch.arange(tokens.shape[1]) >= tokens_in_row[:, None]).to(device)       # True past a row's end
    ref = torch.cat(styles).to(device)
    s = ref[:, 128:]

    bert = kmodel.bert(tokens, attention_mask=(~pad).int())
    d = kmodel.predictor.text_encoder(kmodel.bert_encoder(bert).transpose(-1, -2), s, tokens_in_row, pad)
    x = _lstm(kmodel.predictor.lstm, d, tokens_in_row)
    duration = torch.sigmoid(kmodel.predictor.duration_proj(x)).sum(-1)
    duration = torch.stack([row / speed for row, speed in zip(duration, speeds)])    # rounded as alone
    frames = torch.round(duration).clamp(min=1).long().masked_fill(pad, 0)     # per phoneme
    lengths = _Lengths(frames.sum(-1))
    counts = lengths.counts
    alignment = torch.zeros(len(ids), tokens.shape[1], int(counts.max()), device=device)
    for b in range(len(ids)):
        at = torch.repeat_interleave(torch.arange(tokens.shape[1], device=device), frames[b],
                                     output_size=int(counts[b]))     # known: no wait on the GPU
        alignment[b, at, torch.arange(len(at), device=device)] = 1
    en = d.transpose(-1, -2) @ alignment
    f0, noise = _f0n(kmodel.predictor, en, s, lengths)
    asr = kmodel.text_encoder(tokens, tokens_in_row, pad) @ alignment
    return _decode(kmodel.decoder, asr, f0, noise, ref[:, :128], lengths)


def _lstm(lstm, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """A batch-first LSTM over each row's own length; zeros past it."""
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=x.shape[1])[0]


class _Lengths:
    """Each row's valid length at any resolution of the network: frames F scale by 2, 10, 6 and
    the iSTFT's reflection pad adds one (120F+1); so length = k*rows + r for T = k*F + r."""

    def __init__(self, counts: torch.Tensor):
        self.counts = counts.cpu()      # the one wait on the GPU: shapes depend on it
        self.frames, self._on_device, self._masks = int(self.counts.max()), counts, {}

    def mask(self, width: int) -> torch.Tensor:
        """[rows, 1, width]: 1 on a row's frames, 0 past its end (made on the device, once a width)."""
        if width not in self._masks:
            whole, extra = divmod(width, self.frames)
            valid = self._on_device * whole + extra
            positions = torch.arange(width, device=valid.device)
            self._masks[width] = (positions[None] < valid[:, None]).float()[:, None]
        return self._masks[width]

    def valid(self, width: int) -> list[int]:
        whole, extra = divmod(width, self.frames)
        return (self.counts * whole + extra).tolist()


def _mask(x: torch.Tensor, lengths: _Lengths) -> torch.Tensor:
    return x * lengths.mask(x.shape[-1])


def _adain(layer, x: torch.Tensor, s: torch.Tensor, lengths: _Lengths) -> torch.Tensor:
    """AdaIN1d with instance-norm statistics over each row's own frames, in few passes over x:
    sums over time as matrix-vector products with the mask, the norm and the style in one."""
    m = lengths.mask(x.shape[-1])                       # [rows, 1, T]
    over = m.transpose(1, 2) / m.sum(-1, keepdim=True)  # [rows, T, 1]: the mean over a row's frames
    centred = x - torch.bmm(x, over)
    var = torch.bmm(centred * centred, over)
    norm = layer.norm
    gamma, beta = torch.chunk(layer.fc(s)[:, :, None], chunks=2, dim=1)
    scale = (1 + gamma) / torch.sqrt(var + norm.eps)
    shift = beta
    if norm.affine:
        scale, shift = scale * norm.weight[:, None], (1 + gamma) * norm.bias[:, None] + beta
    return torch.addcmul(shift, centred, scale) * m


def _adain_block(block, x: torch.Tensor, s: torch.Tensor, lengths: _Lengths) -> torch.Tensor:
    """istftnet.AdainResBlk1d (dropout is off at inference)."""
    r = block.actv(_adain(block.norm1, x, s, lengths))
    if block.upsample_type != "none":
        r = _mask(block.pool(r), lengths)
    r = block.conv1(r)
    r = block.conv2(block.actv(_adain(block.norm2, r, s, lengths)))
    shortcut = block.upsample(x)
    if block.learned_sc:
        shortcut = block.conv1x1(shortcut)
    return _mask((r + shortcut) * torch.rsqrt(torch.tensor(2.0)), lengths)


def _snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    return x + (1 / alpha) * torch.sin(alpha * x) ** 2


def _res_block(block, x: torch.Tensor, s: torch.Tensor, lengths: _Lengths) -> torch.Tensor:
    """istftnet.AdaINResBlock1."""
    for c1, c2, n1, n2, a1, a2 in zip(block.convs1, block.convs2, block.adain1, block.adain2,
                                      block.alpha1, block.alpha2):
        xt = c1(_snake(_adain(n1, x, s, lengths), a1))
        xt = c2(_snake(_adain(n2, xt, s, lengths), a2))
        x = _mask(xt, lengths) + x
    return x


def _f0n(predictor, en: torch.Tensor, s: torch.Tensor, lengths: _Lengths):
    """ProsodyPredictor.F0Ntrain: the pitch and energy curves, 2 values a frame."""
    x = _lstm(predictor.shared, en.transpose(-1, -2), lengths.counts).transpose(-1, -2)
    curves = []
    for blocks, project in ((predictor.F0, predictor.F0_proj), (predictor.N, predictor.N_proj)):
        y = x
        for block in blocks:
            y = _adain_block(block, y, s, lengths)
        curves.append(_mask(project(y), lengths).squeeze(1))
    return curves


def _decode(decoder, asr, f0_curve, noise, s, lengths: _Lengths) -> list[torch.Tensor]:
    """istftnet.Decoder and its Generator, row lengths kept; the source and iSTFT row by row."""
    f0 = _mask(decoder.F0_conv(f0_curve[:, None]), lengths)
    n = _mask(decoder.N_conv(noise[:, None]), lengths)
    x = _adain_block(decoder.encode, torch.cat([asr, f0, n], 1), s, lengths)
    asr_res = _mask(decoder.asr_res(asr), lengths)
    residual = True
    for block in decoder.decode:
        if residual:
            x = torch.cat([x, asr_res, f0, n], 1)
        x = _adain_block(block, x, s, lengths)
        if block.upsample_type != "none":
            residual = False

    gen = decoder.generator
    harmonics = _source(gen, f0_curve, lengths)
    for i in range(gen.num_upsamples):
        x = F.leaky_relu(x, negative_slope=0.1)
        source = _res_block(gen.noise_res[i], _mask(gen.noise_convs[i](harmonics), lengths), s, lengths)
        x = _mask(gen.ups[i](x), lengths)
        if i == gen.num_upsamples - 1:
            x = gen.reflection_pad(x)
        x = x + source
        x = sum(_res_block(gen.resblocks[i * gen.num_kernels + j], x, s, lengths)
                for j in range(gen.num_kernels)) / gen.num_kernels
    x = gen.conv_post(F.leaky_relu(x))
    bins = gen.post_n_fft // 2 + 1
    return [gen.stft.inverse(torch.exp(x[b:b + 1, :bins, :width]), torch.sin(x[b:b + 1, bins:, :width])).flatten()
            for b, width in enumerate(lengths.valid(x.shape[-1]))]


def _source(gen, f0_curve: torch.Tensor, lengths: _Lengths) -> torch.Tensor:
    """The harmonic source's spectrum for each row over its own length (as alone: the STFT reflects
    at the row's end), zero past it."""
    rows = []
    for b, width in enumerate(lengths.valid(f0_curve.shape[-1])):
        f0 = gen.f0_upsamp(f0_curve[b:b + 1, None, :width]).transpose(1, 2)
        source = gen.m_source(f0)[0].transpose(1, 2).squeeze(1)
        rows.append(torch.cat(gen.stft.transform(source), dim=1))
    harmonics = torch.zeros(len(rows), rows[0].shape[1], max(r.shape[-1] for r in rows), device=f0_curve.device)
    for b, row in enumerate(rows):
        harmonics[b, :, :row.shape[-1]] = row[0]
    return harmonics

