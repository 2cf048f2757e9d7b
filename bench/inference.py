"""Inference throughput of `Tagger.predict` (all crops of a batch of clips in one forward pass) against a naive
one-crop-at-a-time loop, interleaved, for 29 s clips (16 crops each) and 1 s clips, with a paper-size encoder;
the forward throughput of every paper-size model at batch 16 (as built, and with BatchNorm folded into the
convolutions by `fold_bn`) against Won et al.'s inference figures on this machine;
and the peak resident memory of training a small configuration for 1, 3 and 6 epochs (each in a fresh process).

    python bench/inference.py --threads 1
    python bench/inference.py --model HC --clips 4
"""
import json, subprocess, sys, tempfile, shutil
from pathlib import Path
from _common import parser, setup, header, footer, interleave, make_cache, peak_rss_mb

def naive(model, waves, L, n_crops, torch):
    "the reference way: every crop through the model on its own, then the mean of the probabilities"
    from jetatag.data import eval_crops
    out = []
    with torch.no_grad():
        model.eval()
        for w in waves:
            crops = eval_crops(w, L, n_crops if len(w) > L else 1)
            out.append(torch.stack([torch.sigmoid(model(torch.from_numpy(c[None])))[0] for c in crops]).mean(0))
    return torch.stack(out).numpy()

def train_memory(epochs):
    "peak RSS (MB) of a fresh process training SMALL_CONFIGS['SC'] for `epochs` epochs, and its RSS after each epoch"
    code = f"""
import sys, json, tempfile, psutil; sys.path.insert(0, {str(Path(__file__).parent)!r})
import _common as c, torch
torch.set_num_threads({torch_threads})
from fastai.callback.core import Callback
from jetatag.data import je_dataloaders
from jetatag.learner import je_learner
from jetatag.encoders import SMALL_CONFIGS
root = c.make_cache(tempfile.mkdtemp(), n_train=64, n_valid=8, seconds=3.0)
kw = SMALL_CONFIGS['SC']
dls = je_dataloaders(root, input_length=kw['input_length'], bs=16, seed=0)
rss = []
class R(Callback):
    def after_epoch(self): rss.append(psutil.Process().memory_info().rss / 2**20)
learn = je_learner(dls, 'SC', with_je=True, encoder_kwargs=kw, path=tempfile.mkdtemp(), cbs=[R()])
with learn.no_bar(), learn.no_logging(): learn.fit_je('one_cycle', epochs={epochs}, checkpoint=False)
print(json.dumps(dict(peak=c.peak_rss_mb(), rss=rss)))
"""
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

torch_threads = 0

WON_INFERENCE = {'HC': 11.9, 'SC': 21.7, 'SC-se': 8.15}  # clips/s (2 threads, batch 16, one input per clip)
MODELS = {'HC': ('HC', 'basic'), 'SC': ('SC', 'basic'), 'SC-se': ('SC', 'se'), 'MS': ('MS', 'basic')}

def encoders_section(torch, np, reps):
    "forward clips/s of each paper-size model (batch 16, eval, no_grad): as built vs fold_bn, and vs Won et al."
    from jetatag.encoders import get_encoder, fold_bn
    from jetatag.learner import JEModel
    for name, (enc, block) in MODELS.items():
        m = JEModel(get_encoder(enc, block), 50, with_je=False).eval()
        f = JEModel(fold_bn(m.encoder), 50, with_je=False).eval(); f.classifier.load_state_dict(m.classifier.state_dict())
        x = torch.randn(16, m.encoder.input_length)
        with torch.no_grad():
            err = (torch.sigmoid(m(x)) - torch.sigmoid(f(x))).abs().max().item()
            med, runs = interleave({'built': lambda: m(x), 'fold_bn': lambda: f(x)}, reps=reps)
        ref = WON_INFERENCE.get(name)
        print(f"{name:6s} forward, batch 16: as built {16 / med['built']:6.2f} clips/s, fold_bn {16 / med['fold_bn']:6.2f} clips/s "
              f"({med['built'] / med['fold_bn']:.2f}x; max |dp| {err:.1e})  | Won et al. {ref if ref else '-'} clips/s"
              + (f" -> as built {16 / med['built'] / ref:.2f}x" if ref else '')
              + f"  runs {[round(t, 2) for t in runs['built']]} vs {[round(t, 2) for t in runs['fold_bn']]} s", flush=True)
        del m, f

def sweep(model, L, args, rng, np, Tagger):
    import time
    from _common import set_malloc, faults_sys
    waves = [(0.1 * rng.standard_normal(int(29.1 * 16000))).astype(np.float32) for _ in range(args.clips)]
    for hold in (False, True):
        for mc in (1, 4, 8, 16, 64):
            t = Tagger(model, [f't{i}' for i in range(50)], dict(input_length=L, n_crops=16, multilabel=True), max_crops=mc)
            set_malloc(hold)  # (Tagger() leaves malloc alone; the jetatag commands hold freed memory)
            t.predict(waves[:1])
            f0, s0 = faults_sys(); t0 = time.perf_counter(); t.predict(waves); dt = time.perf_counter() - t0; f1, s1 = faults_sys()
            print(f"{'hold_freed_memory' if hold else 'default malloc   '} max_crops={mc:2d}: {len(waves) / dt:.2f} clips/s, "
                  f"sys {s1 - s0:.2f} s, {(f1 - f0) / 1e3:.0f} k minor faults", flush=True)
    footer()

def main():
    global torch_threads
    p = parser(__doc__)
    p.add_argument('--model', default='SC', help='HC, SC, SC-se or MS (paper size)')
    p.add_argument('--clips', type=int, default=4, help='29 s clips per predict call')
    p.add_argument('--short-clips', type=int, default=32, help='1 s clips per predict call')
    p.add_argument('--skip-memory', action='store_true')
    p.add_argument('--skip-encoders', action='store_true', help='skip the forward throughput of every paper-size model')
    p.add_argument('--sweep-max-crops', action='store_true',
                   help="instead: 29 s clips through Tagger.predict for max_crops 1..64, glibc default malloc vs hold_freed_memory()")
    args = p.parse_args()
    torch = setup(args)
    torch_threads = torch.get_num_threads()
    import numpy as np
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, Tagger
    header('bench/inference.py')
    enc, block = MODELS[args.model]
    model = JEModel(get_encoder(enc, block), 50, with_je=False).eval()
    L = model.encoder.input_length
    tagger = Tagger(model, [f't{i}' for i in range(50)], dict(input_length=L, n_crops=16, multilabel=True))
    rng = np.random.default_rng(0)
    if args.sweep_max_crops: return sweep(model, L, args, rng, np, Tagger)
    for label, n, secs in (('29 s clips (16 crops)', args.clips, 29.1), ('1 s clips (1 crop)', args.short_clips, 1.0)):
        waves = [(0.1 * rng.standard_normal(int(secs * 16000))).astype(np.float32) for _ in range(n)]
        a, b = tagger.predict(waves), naive(model, waves, L, 16, torch)
        assert np.allclose(a, b, atol=1e-4), np.abs(a - b).max()
        med, runs = interleave({'predict': lambda: tagger.predict(waves), 'naive': lambda: naive(model, waves, L, 16, torch)},
                               reps=args.reps, warmup=False)
        print(f"{args.model} {label}, {n} per call: Tagger.predict {n / med['predict']:.2f} clips/s, "
              f"one crop at a time {n / med['naive']:.2f} clips/s -> {med['naive'] / med['predict']:.2f}x  "
              f"runs {[round(t, 2) for t in runs['predict']]} vs {[round(t, 2) for t in runs['naive']]} s", flush=True)
    if not args.skip_encoders: encoders_section(torch, np, args.reps)
    if not args.skip_memory:
        for e in (1, 3, 6):
            r = train_memory(e)
            print(f"training SMALL_CONFIGS['SC'] (both stages, one_cycle) {e} epoch(s) per stage: peak RSS {r['peak']:.0f} MB; "
                  f"RSS after each epoch {[round(x) for x in r['rss']]} MB", flush=True)
    footer()

if __name__ == '__main__': main()
