"""Training-step throughput (clips/s, fwd + bwd + Adam, batch 16) of the paper-size HarmonicCNN and SampleCNN in ONE
interleaved run, every ratio from this run:

  jetatag fp32    the jetatag Learner (`je_learner(..., with_je=False)` + `fit`, the end-to-end baseline), float32
  jetatag bf16    the same Learner with `learn.to_bf16()` (`AudioMixedPrecision`: bfloat16 autocast on a CPU that has
                  it natively, else float32, said once)
  reference fp32  bench/reference.py's model (the same architecture and parameter count, plain PyTorch), a bare loop
                  with Adam and BCEWithLogitsLoss on the same batches

under both glibc malloc settings (`--malloc both`): glibc's defaults, and `hold_freed_memory()` (freed memory kept
mapped, as the jetatag commands set it); the settings alternate within each round. Each round runs every arm once
(A, B, C, A, B, C, ...; median of `--reps` rounds after one warm-up round per setting). Also: FLOPs per step
(FlopCounterMode) and model FLOP utilisation against the float32 and bfloat16 2048^3 matmul peaks measured in this
process (before and after each model; the best is the peak). The CUDA section runs only where CUDA is available.

    python bench/train_step.py                          # HC and SC, both malloc settings (~3 min on 2 idle cores)
    python bench/train_step.py --models SC --reps 5 --malloc hold
    python bench/train_step.py --models SC --reps 1 --bs 2 --malloc hold   # smoke test: does it run (no timing)
    python bench/train_step.py --size small --malloc hold --threads 1    # the small recipe's models (what jetatag-train --size small trains)
"""
import tempfile, time, statistics
from _common import parser, setup, header, footer, make_cache, gpu_note, timeit, interleave_malloc, MALLOC, MNAME

MODELS = {'HC': ('HC', 'basic'), 'SC': ('SC', 'basic'), 'SC-se': ('SC', 'se'), 'MS': ('MS', 'basic')}  # SC-se, MS: no reference

def matmul_gflops(torch, dtype=None, n=2048, reps=5):
    "Best throughput (GFLOP/s) of an n^3 matmul in `dtype` (float32 default)"
    dtype = dtype or torch.float32
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    return 2 * n**3 / min(timeit(lambda: a @ b) for _ in range(reps)) / 1e9

def conv_gflops(torch, dtype=None, reps=3):
    "3x3 conv 128->128 on 16 x 64 x 80 channels-last maps (a HarmonicCNN layer-2 shape), in `dtype`"
    F, dtype = torch.nn.functional, dtype or torch.float32
    x = torch.randn(16, 128, 64, 80, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(128, 128, 3, 3, dtype=dtype).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        F.conv2d(x, w, padding=1)
        t = min(timeit(lambda: F.conv2d(x, w, padding=1)) for _ in range(reps))
    return 2 * 16 * 64 * 80 * 128 * 128 * 9 / t / 1e9

def step_flops(torch, model, loss_func, x, y):
    "FLOPs of one forward + backward (FlopCounterMode: matmuls and convolutions)"
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        loss_func(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()

def med(xs): return statistics.median(xs)

def main():
    p = parser(__doc__)
    p.add_argument('--models', default='HC,SC', help='comma-separated: HC, SC (with a reference); SC-se, MS (jetatag only)')
    p.add_argument('--batches', type=int, default=1, help='training batches per timed run')
    p.add_argument('--bs', type=int, default=16, help='batch size (at least 2: BatchNorm needs two clips in training)')
    p.add_argument('--malloc', default='both', choices=list(MALLOC),
                   help="glibc malloc: 'default' (glibc's), 'hold' (hold_freed_memory(), as the jetatag commands), 'both' (alternating)")
    p.add_argument('--bare', action='store_true', help='also a bare PyTorch loop on the jetatag fp32 model (the Learner overhead)')
    p.add_argument('--no-gpu', action='store_true', help='skip the CUDA section')
    p.add_argument('--size', default='paper', choices=['paper', 'small'], help="paper-size models (beside the reference), or the small "
                   "recipe's (`jetatag-train --size small`: jetatag fp32 against bf16, no reference of that size)")
    args = p.parse_args()
    if args.bs < 2: p.error(f"--bs must be at least 2 (BatchNorm in training); got {args.bs}")
    torch = setup(args)
    from fastai.callback.core import Callback, CancelValidException
    from jetatag.data import AudioDataLoaders
    from jetatag.learner import je_learner, cpu_has_bf16
    from jetatag.cli import small_encoder_kwargs
    import reference
    header('bench/train_step.py')
    print(f"native bfloat16 on this CPU (cpu_has_bf16): {cpu_has_bf16()}; malloc settings: {', '.join(MNAME[h] for h in MALLOC[args.malloc])}")
    peak = {'fp32': matmul_gflops(torch), 'bf16': matmul_gflops(torch, torch.bfloat16)}
    print(f"measured at start: matmul 2048^3 float32 {peak['fp32']:.0f} GFLOP/s, bfloat16 {peak['bf16']:.0f} GFLOP/s; "
          f"conv2d 3x3 128->128 16x64x80 NHWC float32 {conv_gflops(torch):.0f}, bfloat16 {conv_gflops(torch, torch.bfloat16):.0f} GFLOP/s", flush=True)
    bs, nb = args.bs, args.batches
    root = make_cache(tempfile.mkdtemp(prefix='jetatag_bench_'), n_train=bs * nb, n_valid=1)

    class TrainTimer(Callback):
        "Wall time of the training phase (data loading, callbacks, optimiser included); skips validation"
        order = 99
        def before_train(self): self.t0 = time.perf_counter()
        def after_train(self): self.elapsed = time.perf_counter() - self.t0
        def before_validate(self): raise CancelValidException()

    summary = []
    for name in args.models.split(','):
        enc, block = MODELS[name]
        ekw = small_encoder_kwargs(enc) if args.size == 'small' else {}
        L = ekw.get('input_length') or (80000 if enc == 'HC' else 59049)
        dls = AudioDataLoaders.from_cache(root, input_length=L, bs=bs, seed=0)
        batches = [(x.as_subclass(torch.Tensor).clone(), y.as_subclass(torch.Tensor).clone()) for x, y in dls.train]
        n = bs * len(batches)
        arms, flops = {}, {}

        def learner_arm(bf16):
            timer = TrainTimer()
            learn = je_learner(dls, enc, block, with_je=False, cbs=[timer], encoder_kwargs=ekw)
            if bf16: learn.to_bf16()
            def run():
                with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
                return timer.elapsed
            return learn, run
        def bare_arm(model, lf):
            opt = torch.optim.Adam([q for q in model.parameters() if q.requires_grad], lr=1e-3, eps=1e-7)
            def run():
                model.train(); t0 = time.perf_counter()
                for x, y in batches:
                    opt.zero_grad(set_to_none=True)
                    loss = lf(model(x), y); loss.backward(); opt.step()
                return time.perf_counter() - t0
            return run

        learn32, arms['jetatag fp32'] = learner_arm(False)
        learn16, arms['jetatag bf16'] = learner_arm(True)
        flops['jetatag fp32'] = flops['jetatag bf16'] = step_flops(torch, learn32.model, learn32.loss_func, *batches[0]) * len(batches)
        if args.bare: arms['jetatag fp32 bare'] = bare_arm(learn32.model, learn32.loss_func); flops['jetatag fp32 bare'] = flops['jetatag fp32']
        ref_cls = reference.REFERENCES.get(name) if block == 'basic' and args.size == 'paper' else None
        if ref_cls is not None:
            torch.manual_seed(0)
            ref = ref_cls()
            assert reference.n_params(ref) == reference.n_params(learn32.model), "reference and jetatag parameter counts differ"
            rlf = torch.nn.BCEWithLogitsLoss()
            arms['reference fp32'] = bare_arm(ref, rlf)
            flops['reference fp32'] = step_flops(torch, ref, rlf, *batches[0]) * len(batches)
        print(f"\n{name}{' (small recipe)' * (args.size == 'small')} ({L} samples, batch {bs}, {n} clips per timed run): "
              + ', '.join(f"{k} {v / len(batches) / 1e9:.0f} GFLOP/step" for k, v in flops.items() if k != 'jetatag bf16'), flush=True)

        settings = MALLOC[args.malloc]
        res = interleave_malloc(arms, settings, args.reps)
        peak['fp32'] = max(peak['fp32'], matmul_gflops(torch)); peak['bf16'] = max(peak['bf16'], matmul_gflops(torch, torch.bfloat16))
        print(f"  peaks so far: matmul float32 {peak['fp32']:.0f}, bfloat16 {peak['bf16']:.0f} GFLOP/s")
        for h in settings:
            cps = {k: n / med([r[0] for r in res[h, k]]) for k in arms}
            print(f"  malloc: {MNAME[h]}")
            for k in arms:
                t, s, f = (med([r[i] for r in res[h, k]]) for i in range(3))
                pk = peak['bf16' if 'bf16' in k else 'fp32']
                mfu = flops[k] / t / 1e9
                extra = f" ({100 * mfu / peak['fp32']:.0f}% of float32's)" if 'bf16' in k else ''
                ratio = f"  {cps[k] / cps['reference fp32']:.2f}x reference" if 'reference fp32' in cps and k != 'reference fp32' else ''
                print(f"    {k:18s} {cps[k]:7.2f} clips/s{ratio:18s} | {mfu:4.0f} GFLOP/s = {100 * mfu / pk:3.0f}% of the "
                      f"{'bfloat16' if 'bf16' in k else 'float32'} matmul peak{extra} | "
                      f"sys {s:.2f} s, {f / 1e3:.0f} k minor faults per run | runs {[round(r[0], 2) for r in res[h, k]]} s", flush=True)
            if 'jetatag fp32 bare' in cps:
                print(f"    Learner overhead against the bare loop (fp32): {100 * (cps['jetatag fp32 bare'] / cps['jetatag fp32'] - 1):+.1f} %")
            summary.append((name, MNAME[h], cps))
        if len(settings) == 2:
            for k in arms:
                a, b = (n / med([r[0] for r in res[h, k]]) for h in settings)
                print(f"  {k:18s} hold_freed_memory / glibc default: {b / a:.2f}x")
        del learn32, learn16, arms, batches, dls
    if summary:
        print("\nsummary (clips/s; ratios against the reference fp32 of the same run and malloc setting)")
        for name, m, cps in summary:
            ref = cps.get('reference fp32')
            print(f"  {name:5s} {m:18s} " + '  '.join(f"{k} {v:.2f}" + (f" ({v / ref:.2f}x)" if ref and k != 'reference fp32' else '')
                                                 for k, v in cps.items()))
    footer()
    if not args.no_gpu: gpu(torch, args)

def gpu(torch, args):
    "CUDA: jetatag fp32 / bf16 / fp16 autocast / torch.compile and the reference fp32, one model at a time (channels-last as built)"
    if not torch.cuda.is_available(): return gpu_note()
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, JELoss
    import reference
    print("GPU section:", torch.cuda.get_device_name(0))
    for name in args.models.split(','):
        enc, block = MODELS[name]
        L = 80000 if enc == 'HC' else 59049
        x, y = torch.randn(args.bs, L, device='cuda'), (torch.rand(args.bs, 50, device='cuda') < 0.1).float()
        modes = ['fp32', 'bf16', 'fp16', 'compile'] + (['reference fp32'] if name in reference.REFERENCES and block == 'basic' else [])
        for mode in modes:
            try:
                if mode == 'reference fp32': m, lf = reference.REFERENCES[name]().cuda(), torch.nn.BCEWithLogitsLoss()
                else: m, lf = JEModel(get_encoder(enc, block), 50, with_je=False).cuda(), JELoss()
                opt = torch.optim.Adam(m.parameters(), 1e-3)
                scaler = torch.amp.GradScaler('cuda', enabled=mode == 'fp16')
                f = torch.compile(m) if mode == 'compile' else m
                dt = {'bf16': torch.bfloat16, 'fp16': torch.float16}.get(mode)
                def step():
                    with torch.autocast('cuda', dtype=dt or torch.float32, enabled=dt is not None):
                        loss = lf(f(x), y)
                    opt.zero_grad(); scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
                for _ in range(3): step()
                torch.cuda.synchronize(); t0 = time.perf_counter()
                for _ in range(10): step()
                torch.cuda.synchronize()
                print(f"  {name:6s} {mode:15s} {10 * args.bs / (time.perf_counter() - t0):8.1f} train clips/s", flush=True)
            except Exception as e: print(f"  {name:6s} {mode:15s} failed: {type(e).__name__}: {str(e)[:200]}", flush=True)

if __name__ == '__main__': main()
