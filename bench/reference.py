"""Reference implementations, plain PyTorch and float32, of the two encoders the benchmarks compare jetatag against:
Won, Chun, Kum and Serra's HarmonicCNN (2020, "Data-driven harmonic filters for audio representation learning") and
Lee et al.'s SampleCNN (2017, the 3^9 model), each with the same classifier head as jetatag's end-to-end baseline.

Written from the papers' description of the architecture (not from their code), the way a PyTorch user writes a model:
default NCHW / NCL memory format, `torch.stft`, `nn.Conv1d` for the sample-level convolutions, layers in the papers'
order (conv -> BN -> ReLU -> max-pool), PyTorch's default initialisation. Nothing here imports jetatag.

Where the papers leave a size open (the exact layer plan, the pooled features, the dense head), it follows jetatag's
paper-size 'HC' and 'SC' encoders + `Classifier`, so both sides compute the same function with the same parameters:
`python bench/reference.py` asserts the parameter counts are equal, copies jetatag's weights into the reference and
checks that the outputs agree (eval mode), which makes the speed ratios of the benchmarks ratios of implementations.

- HarmonicCNN, input 80,000 samples (5 s at 16 kHz): |STFT| (n_fft 512, hop 256, Hann) -> learnable harmonic
  triangular filterbank (6 harmonics x 128 levels, 2 per semitone from C1, bandwidth (0.1079 f + 24.7) / Q, Q learnable)
  -> dB (80 dB range) -> BatchNorm2d(6) -> 7 blocks of 3x3 convolutions with BN, ReLU and max-pooling
  (Conv 128, Res 128, Res 128, Conv 256, Res 256, Res 256 (pool 2x3), Conv 512 (pool 2x3)) -> global max pool of the
  last three blocks (256 + 256 + 512 = 1024) -> head.
- SampleCNN, input 59,049 = 3^10 samples: Conv1d(1, 128, 3, stride 3) + BN + ReLU, then 9 blocks of Conv1d(k=3) + BN +
  ReLU + MaxPool1d(3) at 128, 128, 256 x 6, 512 channels -> global max pool of the last three (1024) ->
  Linear(1024) + BN + ReLU -> head.
- Head (both): Linear(256) + LeakyReLU(0.3), Linear(256) + LeakyReLU(0.3), L2 normalisation, Dropout(0.5),
  Linear(50): 50 logits (sigmoid outputs; the loss is `BCEWithLogitsLoss`).

(Lee et al.'s own 3^9 model ends in a 1x1 convolution and Linear(50) on the last block only, ~1.9 M parameters; Won et
al.'s benchmark code pools the last block only. Those heads are not what jetatag trains, so they are not used here.)

    python bench/reference.py            # parameter counts (asserted equal to jetatag's) and the same-weights check
"""
import math, sys
import torch
from torch import nn
import torch.nn.functional as F

SR, N_CLASSES = 16000, 50

# ---------------------------------------------------------------------------------------------------------------- head
class Head(nn.Module):
    "Features -> 50 logits: two Linear + LeakyReLU(0.3) of 256 units, L2 normalisation, dropout 0.5, Linear(50)"
    def __init__(self, n_in=1024, hidden=256, n_classes=N_CLASSES, p=0.5):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n_in, hidden), nn.Linear(hidden, hidden)
        self.drop, self.out = nn.Dropout(p), nn.Linear(hidden, n_classes)
    def forward(self, h):
        h = F.leaky_relu(self.fc2(F.leaky_relu(self.fc1(h), 0.3)), 0.3)
        return self.out(self.drop(F.normalize(h, dim=-1)))

# -------------------------------------------------------------------------------------------------------- HarmonicCNN
def _hz_to_midi(f): return 12 * math.log2(f / 440.) + 69

class HarmonicFrontEnd(nn.Module):
    "Waveforms (B, T) -> harmonic spectrogram in dB, (B, n_harmonic, level, frames)"
    def __init__(self, sr=SR, n_fft=512, hop=256, n_harmonic=6, semitone_scale=2, low_midi=24, amin=1e-5, top_db=80.):
        super().__init__()
        self.n_fft, self.hop, self.n_harmonic, self.amin, self.top_db = n_fft, hop, n_harmonic, amin, top_db
        high_midi = round(_hz_to_midi(sr / (2 * n_harmonic)))
        self.level = (high_midi - low_midi) * semitone_scale
        midi = low_midi + torch.arange(self.level, dtype=torch.float64) / semitone_scale
        f0 = 440. * 2 ** ((midi - 69) / 12)
        centres = (torch.arange(1, n_harmonic + 1, dtype=torch.float64)[:, None] * f0).reshape(-1).float()
        self.register_buffer('centres', centres, persistent=False)
        self.register_buffer('bins', torch.linspace(0, sr / 2, n_fft // 2 + 1), persistent=False)
        self.register_buffer('window', torch.hann_window(n_fft), persistent=False)
        self.bw_Q = nn.Parameter(torch.tensor(1.))  # learnable Q of every filter's bandwidth
    def forward(self, x):
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window, center=True, return_complex=True).abs()
        bw = (0.1079 * self.centres + 24.7) / self.bw_Q                                # (n_filters,)
        fb = (1 - 2 * (self.bins[None] - self.centres[:, None]).abs() / bw[:, None]).clamp_min(0)
        h = (fb @ spec).view(x.shape[0], self.n_harmonic, self.level, -1)               # harmonic-major filters
        db = 10 * torch.log10(h.clamp_min(self.amin))
        return torch.maximum(db, db.amax((1, 2, 3), keepdim=True) - self.top_db)

class Conv2dBlock(nn.Module):
    "3x3 conv -> BN -> ReLU -> max-pool"
    def __init__(self, ni, nf, pool):
        super().__init__()
        self.conv, self.bn, self.pool = nn.Conv2d(ni, nf, 3, padding=1), nn.BatchNorm2d(nf), nn.MaxPool2d(pool)
    def forward(self, x): return self.pool(F.relu(self.bn(self.conv(x))))

class Res2dBlock(nn.Module):
    "3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the input -> ReLU -> max-pool"
    def __init__(self, nf, pool):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(nf, nf, 3, padding=1), nn.BatchNorm2d(nf)
        self.conv2, self.bn2 = nn.Conv2d(nf, nf, 3, padding=1), nn.BatchNorm2d(nf)
        self.pool = nn.MaxPool2d(pool)
    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return self.pool(F.relu(y + x))

class RefHarmonicCNN(nn.Module):
    "Won et al.'s HarmonicCNN with the jetatag head: (B, 80000) waveforms -> (B, 50) logits"
    input_length = 80000
    def __init__(self, c=128, n_classes=N_CLASSES):
        super().__init__()
        self.front = HarmonicFrontEnd()
        self.front_bn = nn.BatchNorm2d(6)
        self.layers = nn.ModuleList([Conv2dBlock(6, c, 2), Res2dBlock(c, 2), Res2dBlock(c, 2), Conv2dBlock(c, 2 * c, 2),
                                     Res2dBlock(2 * c, 2), Res2dBlock(2 * c, (2, 3)), Conv2dBlock(2 * c, 4 * c, (2, 3))])
        self.head = Head(8 * c, n_classes=n_classes)
    def features(self, x):
        "(B, T) -> (B, 1024): the encoder's output, before the head"
        x = self.front_bn(self.front(x))
        outs = []
        for layer in self.layers: x = layer(x); outs.append(x)
        return torch.cat([o.amax((2, 3)) for o in outs[-3:]], 1)
    def forward(self, x): return self.head(self.features(x))

# ---------------------------------------------------------------------------------------------------------- SampleCNN
class Conv1dBlock(nn.Module):
    "conv 3 -> BN -> ReLU -> max-pool 3"
    def __init__(self, ni, nf):
        super().__init__()
        self.conv, self.bn, self.pool = nn.Conv1d(ni, nf, 3, padding=1), nn.BatchNorm1d(nf), nn.MaxPool1d(3)
    def forward(self, x): return self.pool(F.relu(self.bn(self.conv(x))))

class RefSampleCNN(nn.Module):
    "Lee et al.'s 3^9 SampleCNN with the jetatag head: (B, 59049) waveforms -> (B, 50) logits"
    input_length = 59049
    def __init__(self, c=128, n_classes=N_CLASSES):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, c, 3, stride=3), nn.BatchNorm1d(c), nn.ReLU())
        chans = [c, c] + [2 * c] * 6 + [4 * c]
        self.blocks = nn.ModuleList(Conv1dBlock(ni, nf) for ni, nf in zip([c] + chans[:-1], chans))
        self.fc = nn.Sequential(nn.Linear(8 * c, 8 * c), nn.BatchNorm1d(8 * c), nn.ReLU())
        self.head = Head(8 * c, n_classes=n_classes)
    def features(self, x):
        "(B, T) -> (B, 1024): the encoder's output, before the head"
        x = self.stem(x[:, None])
        outs = []
        for b in self.blocks: x = b(x); outs.append(x)
        return self.fc(torch.cat([o.amax(2) for o in outs[-3:]], 1))
    def forward(self, x): return self.head(self.features(x))

REFERENCES = {'HC': RefHarmonicCNN, 'SC': RefSampleCNN}

def n_params(m): return sum(p.numel() for p in m.parameters())

def eval_crops(wave, L, n=16):
    "`n` evaluation crops of `L` samples, (n, L): starts i * ((len - L) // n), as Won et al.'s evaluation; a clip no longer than `L` is one crop, zero-padded around it"
    w = torch.as_tensor(wave)
    if len(w) <= L:
        pad = (L - len(w)) // 2
        return F.pad(w, (pad, L - len(w) - pad))[None]
    hop = (len(w) - L) // n
    return torch.stack([w[i * hop:i * hop + L] for i in range(n)])

def predict(model, waves, L, n=16):
    "Clip probabilities (len(waves), 50): each clip's crops in one batch through `model` (eval, no gradient), the mean of their sigmoids"
    model.eval()
    with torch.no_grad():
        return torch.stack([torch.sigmoid(model(eval_crops(w, L, n))).mean(0) for w in waves])

# ------------------------------------------------------------------------------------------------ the check (jetatag)
def jetatag_model(name):
    "jetatag's paper-size encoder + classifier, as the benchmarks build it (the only jetatag import of this file)"
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel
    return JEModel(get_encoder(name, 'basic'), N_CLASSES, with_je=False)

def load_from_jetatag(ref, jm):
    "Copy `jm`'s weights and BatchNorm statistics into `ref`, entry by entry in module order (shapes reshaped, numel checked)"
    src = [(k, v) for k, v in jm.state_dict().items() if k != 'stage_id' and not k.endswith('spec.window')]  # (the STFT window: a buffer, not learnt)
    dst = list(ref.state_dict().items())
    assert len(src) == len(dst), f"{len(src)} jetatag entries vs {len(dst)} reference entries"
    new = {}
    for (ks, vs), (kd, vd) in zip(src, dst):
        assert vs.numel() == vd.numel(), f"{ks} {tuple(vs.shape)} vs {kd} {tuple(vd.shape)}"
        new[kd] = vs.detach().reshape(vd.shape).clone()
    ref.load_state_dict(new)
    return ref

def check(names=('HC', 'SC'), bs=2):
    "Parameter counts of the reference and jetatag's model (asserted equal), and their outputs on the same weights"
    torch.manual_seed(0)
    for name in names:
        ref, jm = REFERENCES[name](), jetatag_model(name)
        nr, nj = n_params(ref), n_params(jm)
        print(f"{name}: reference {nr:,} parameters, jetatag {nj:,} (encoder {n_params(jm.encoder):,} + classifier {n_params(jm.classifier):,})")
        assert nr == nj, f"{name}: parameter counts differ: reference {nr:,}, jetatag {nj:,}"
        for m in jm.modules():  # non-trivial BatchNorm statistics, so that the check covers them
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5)
        load_from_jetatag(ref, jm).eval(); jm.eval()
        x = 0.1 * torch.randn(bs, ref.input_length)
        with torch.no_grad(): a, b, fa, fb = ref(x), jm(x), ref.features(x), jm.encoder(x)
        err = (torch.sigmoid(a) - torch.sigmoid(b)).abs().max().item()
        ferr = ((fa - fb).abs().max() / fb.abs().max()).item()
        print(f"{name}: same weights, eval mode: features (B, {fa.shape[1]}) max |difference| / max |feature| {ferr:.1e}; "
              f"max |sigmoid difference| {err:.1e} over {bs} x {N_CLASSES}")
        assert a.shape == b.shape == (bs, N_CLASSES) and fa.shape == fb.shape and err < 1e-3 and ferr < 1e-4, (a.shape, b.shape, err, ferr)

if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--models', default='HC,SC', help='comma-separated: HC, SC')
    a = p.parse_args()
    torch.set_num_threads(1)
    check(a.models.split(','))
