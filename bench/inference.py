"""Inference throughput (clips/s of 29.1 s clips, 16 evaluation crops each, the mean of their probabilities) of the
paper-size HarmonicCNN and SampleCNN in ONE interleaved run, every ratio from this run:

  jetatag fp32    `Tagger(model, ...).predict(waves)` (all crops of a call's clips in forward passes of `max_crops`,
                  through a BatchNorm-folded copy)
  jetatag bf16    `Tagger(model, ..., mixed_precision='bf16').predict(waves)` (bfloat16 autocast where the CPU has it)
  reference fp32  bench/reference.py's model carrying the same weights: each clip's 16 crops in one batch, eval mode,
                  no gradient, the mean of the sigmoids (Won et al.'s evaluation); its probabilities are checked
                  against jetatag fp32's

under both glibc malloc settings (`--malloc both`: glibc's defaults and `hold_freed_memory()`, alternating within each
round; median of `--reps` rounds after a warm-up round per setting), with model FLOP utilisation against the float32
and bfloat16 2048^3 matmul peaks measured in this process.

Other sections, each only when asked: `--batching` (Tagger.predict against one crop at a time, 29 s and 1 s clips),
`--fold-bn` (forward passes at batch 16 of every paper-size model, as built and with `fold_bn`), `--memory` (peak
resident memory of training a small configuration for 1, 3 and 6 epochs, each in a fresh process),
`--sweep-max-crops` (Tagger.predict for max_crops 1..64 under both malloc settings, instead of everything else).

    python bench/inference.py                                   # HC and SC, both malloc settings (~2 min on 2 idle cores)
    python bench/inference.py --models SC --clips 8 --reps 5
    python bench/inference.py --models SC --clips 1 --reps 1 --malloc hold   # smoke test: does it run (no timing)
"""
import json, statistics, subprocess, sys, tempfile, shutil
from pathlib import Path
from _common import parser, setup, header, footer, interleave, make_cache, peak_rss_mb, interleave_malloc, MALLOC, MNAME

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
from jetatag.data import AudioDataLoaders
from jetatag.learner import je_learner
from jetatag.encoders import SMALL_CONFIGS
root = c.make_cache(tempfile.mkdtemp(), n_train=64, n_valid=8, seconds=3.0)
kw = SMALL_CONFIGS['SC']
dls = AudioDataLoaders.from_cache(root, input_length=kw['input_length'], bs=16, seed=0)
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

MODELS = {'HC': ('HC', 'basic'), 'SC': ('SC', 'basic'), 'SC-se': ('SC', 'se'), 'MS': ('MS', 'basic')}

def encoders_section(torch, np, reps):
    "forward clips/s of each paper-size model (batch 16, eval, no_grad): as built vs fold_bn"
    from jetatag.encoders import get_encoder, fold_bn
    from jetatag.learner import JEModel
    for name, (enc, block) in MODELS.items():
        m = JEModel(get_encoder(enc, block), 50, with_je=False).eval()
        f = JEModel(fold_bn(m.encoder), 50, with_je=False).eval(); f.classifier.load_state_dict(m.classifier.state_dict())
        x = torch.randn(16, m.encoder.input_length)
        with torch.no_grad():
            err = (torch.sigmoid(m(x)) - torch.sigmoid(f(x))).abs().max().item()
            med, runs = interleave({'built': lambda: m(x), 'fold_bn': lambda: f(x)}, reps=reps)
        print(f"{name:6s} forward, batch 16: as built {16 / med['built']:6.2f} clips/s, fold_bn {16 / med['fold_bn']:6.2f} clips/s "
              f"({med['built'] / med['fold_bn']:.2f}x; max |dp| {err:.1e})"
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

def versus_reference(torch, np, args):
    "jetatag fp32, jetatag bf16 (Tagger) and the reference fp32 on the same weights and clips, interleaved, both malloc settings"
    from torch.utils.flop_counter import FlopCounterMode
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, Tagger, cpu_has_bf16
    from train_step import matmul_gflops
    import reference
    print(f"native bfloat16 on this CPU (cpu_has_bf16): {cpu_has_bf16()}; malloc settings: {', '.join(MNAME[h] for h in MALLOC[args.malloc])}")
    peak = {'fp32': matmul_gflops(torch), 'bf16': matmul_gflops(torch, torch.bfloat16)}
    print(f"measured at start: matmul 2048^3 float32 {peak['fp32']:.0f} GFLOP/s, bfloat16 {peak['bf16']:.0f} GFLOP/s", flush=True)
    rng, vocab, summary = np.random.default_rng(0), [f't{i}' for i in range(50)], []
    for name in args.models.split(','):
        torch.manual_seed(0)
        model = JEModel(get_encoder(name, 'basic'), 50, with_je=False).eval()
        L = model.encoder.input_length
        ref = reference.load_from_jetatag(reference.REFERENCES[name](), model).eval()
        cfg = dict(input_length=L, n_crops=16, multilabel=True)
        t32, t16 = Tagger(model, vocab, cfg), Tagger(model, vocab, cfg, mixed_precision='bf16')
        waves = [(0.1 * rng.standard_normal(int(29.1 * 16000))).astype(np.float32) for _ in range(args.clips)]
        p32, p16, pr = t32.predict(waves), t16.predict(waves), reference.predict(ref, waves, L).numpy()
        d_ref, d_16 = np.abs(p32 - pr).max(), np.abs(p32 - p16).max()
        assert d_ref < 1e-4, f"{name}: reference and jetatag fp32 probabilities differ by {d_ref:.1e}"
        with torch.no_grad(), FlopCounterMode(display=False) as fc: ref(reference.eval_crops(waves[0], L))
        flops = fc.get_total_flops() * len(waves)  # forward FLOPs of a call (the folded copy does the same convolutions)
        print(f"\n{name} ({L} samples, 16 crops per clip, {len(waves)} clips per call): {fc.get_total_flops() / 1e9:.0f} GFLOP per clip; "
              f"max |probability difference| against jetatag fp32: reference {d_ref:.1e}, jetatag bf16 {d_16:.1e}", flush=True)
        arms = {'jetatag fp32': lambda: t32.predict(waves), 'jetatag bf16': lambda: t16.predict(waves),
                'reference fp32': lambda: reference.predict(ref, waves, L)}
        settings = MALLOC[args.malloc]
        res = interleave_malloc(arms, settings, args.reps)
        peak['fp32'] = max(peak['fp32'], matmul_gflops(torch)); peak['bf16'] = max(peak['bf16'], matmul_gflops(torch, torch.bfloat16))
        print(f"  peaks so far: matmul float32 {peak['fp32']:.0f}, bfloat16 {peak['bf16']:.0f} GFLOP/s")
        n = len(waves)
        for h in settings:
            cps = {k: n / statistics.median([r[0] for r in res[h, k]]) for k in arms}
            print(f"  malloc: {MNAME[h]}")
            for k in arms:
                t, sy, f = (statistics.median([r[i] for r in res[h, k]]) for i in range(3))
                pk, g = peak['bf16' if 'bf16' in k else 'fp32'], flops / t / 1e9
                ratio = f"  {cps[k] / cps['reference fp32']:.2f}x reference" if k != 'reference fp32' else ''
                extra = f" ({100 * g / peak['fp32']:.0f}% of float32's)" if 'bf16' in k else ''
                print(f"    {k:15s} {cps[k]:7.2f} clips/s{ratio:18s} | {g:4.0f} GFLOP/s = {100 * g / pk:3.0f}% of the "
                      f"{'bfloat16' if 'bf16' in k else 'float32'} matmul peak{extra} | sys {sy:.2f} s, {f / 1e3:.0f} k minor faults per call"
                      f" | runs {[round(r[0], 2) for r in res[h, k]]} s", flush=True)
            summary.append((name, MNAME[h], cps))
        if len(settings) == 2:
            for k in arms:
                a, b = (n / statistics.median([r[0] for r in res[h, k]]) for h in settings)
                print(f"  {k:15s} hold_freed_memory / glibc default: {b / a:.2f}x")
        del model, ref, t32, t16, arms
    print("\nsummary (clips/s; ratios against the reference fp32 of the same run and malloc setting)")
    for name, m, cps in summary:
        ref = cps['reference fp32']
        print(f"  {name:5s} {m:18s} " + '  '.join(f"{k} {v:.2f}" + (f" ({v / ref:.2f}x)" if k != 'reference fp32' else '') for k, v in cps.items()))

def batching_section(torch, np, args):
    "Tagger.predict (all crops batched) against one crop at a time, 29 s and 1 s clips, fp32, one model"
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, Tagger
    enc, block = MODELS[args.model]
    model = JEModel(get_encoder(enc, block), 50, with_je=False).eval()
    L = model.encoder.input_length
    tagger = Tagger(model, [f't{i}' for i in range(50)], dict(input_length=L, n_crops=16, multilabel=True))
    rng = np.random.default_rng(0)
    for label, n, secs in (('29 s clips (16 crops)', args.clips, 29.1), ('1 s clips (1 crop)', args.short_clips, 1.0)):
        waves = [(0.1 * rng.standard_normal(int(secs * 16000))).astype(np.float32) for _ in range(n)]
        a, b = tagger.predict(waves), naive(model, waves, L, 16, torch)
        assert np.allclose(a, b, atol=1e-4), np.abs(a - b).max()
        med, runs = interleave({'predict': lambda: tagger.predict(waves), 'naive': lambda: naive(model, waves, L, 16, torch)},
                               reps=args.reps, warmup=False)
        print(f"{args.model} {label}, {n} per call: Tagger.predict {n / med['predict']:.2f} clips/s, "
              f"one crop at a time {n / med['naive']:.2f} clips/s -> {med['naive'] / med['predict']:.2f}x  "
              f"runs {[round(t, 2) for t in runs['predict']]} vs {[round(t, 2) for t in runs['naive']]} s", flush=True)

def main():
    global torch_threads
    p = parser(__doc__)
    p.add_argument('--models', default='HC,SC', help='comma-separated paper-size models against the reference: HC, SC')
    p.add_argument('--clips', type=int, default=4, help='29 s clips per predict call')
    p.add_argument('--malloc', default='both', choices=list(MALLOC),
                   help="glibc malloc: 'default' (glibc's), 'hold' (hold_freed_memory(), as the jetatag commands), 'both' (alternating)")
    p.add_argument('--no-reference', action='store_true', help='skip the comparison with the reference (run only the sections asked for)')
    p.add_argument('--batching', action='store_true', help='also: Tagger.predict against one crop at a time (--model, --clips, --short-clips)')
    p.add_argument('--model', default='SC', help='--batching and --sweep-max-crops: HC, SC, SC-se or MS (paper size)')
    p.add_argument('--short-clips', type=int, default=32, help='--batching: 1 s clips per predict call')
    p.add_argument('--fold-bn', action='store_true', help='also: forward throughput of every paper-size model, as built and with fold_bn')
    p.add_argument('--memory', action='store_true', help='also: peak resident memory of training a small configuration (fresh processes)')
    p.add_argument('--sweep-max-crops', action='store_true',
                   help="instead: 29 s clips through Tagger.predict for max_crops 1..64, glibc default malloc vs hold_freed_memory()")
    args = p.parse_args()
    torch = setup(args)
    torch_threads = torch.get_num_threads()
    import numpy as np
    header('bench/inference.py')
    if args.sweep_max_crops:
        from jetatag.encoders import get_encoder
        from jetatag.learner import JEModel, Tagger
        enc, block = MODELS[args.model]
        model = JEModel(get_encoder(enc, block), 50, with_je=False).eval()
        return sweep(model, model.encoder.input_length, args, np.random.default_rng(0), np, Tagger)
    if not args.no_reference: versus_reference(torch, np, args)
    if args.batching: batching_section(torch, np, args)
    if args.fold_bn: encoders_section(torch, np, args.reps)
    if args.memory:
        for e in (1, 3, 6):
            r = train_memory(e)
            print(f"training SMALL_CONFIGS['SC'] (both stages, one_cycle) {e} epoch(s) per stage: peak RSS {r['peak']:.0f} MB; "
                  f"RSS after each epoch {[round(x) for x in r['rss']]} MB", flush=True)
    footer()

if __name__ == '__main__': main()
