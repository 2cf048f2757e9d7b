"""Training-step throughput (clips/s) of each paper-size encoder, batch 16: the jetatag Learner (`je_learner` + `fit`,
stage 'classifier' baseline) against a bare PyTorch loop on the same module, interleaved; plus FLOPs per step
(FlopCounterMode) against the machine's measured sgemm and conv2d throughput (model FLOP utilisation).

    python bench/train_step.py --threads 1          # all models (~1-2 min on 2 idle cores, ~8 min on a busy one)
    python bench/train_step.py --models SC --reps 5
"""
import tempfile, time, statistics
from _common import parser, setup, header, footer, interleave, make_cache, gpu_note, timeit

# Won et al.'s PyTorch implementations on this kind of machine, 2 threads, batch 16
REFERENCE = {'HC': 4.74, 'SC': 6.56, 'SC-se': 2.67}
MODELS = {'HC': ('HC', 'basic'), 'SC': ('SC', 'basic'), 'SC-se': ('SC', 'se'), 'MS': ('MS', 'basic')}

def sgemm_gflops(torch, n=2048, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    return 2 * n**3 / min(timeit(lambda: a @ b) for _ in range(reps)) / 1e9

def _conv_gflops(torch, x_shape, w_shape, padding, reps=3):
    "Throughput of one channels-last conv2d of `x_shape` with weights `w_shape` (stride 1, output the size of the input)"
    F = torch.nn.functional
    x = torch.randn(*x_shape).contiguous(memory_format=torch.channels_last)
    w = torch.randn(*w_shape).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        F.conv2d(x, w, padding=padding)
        t = min(timeit(lambda: F.conv2d(x, w, padding=padding)) for _ in range(reps))
    (B, _, H, W), (co, ci, kh, kw) = x_shape, w_shape
    return 2 * B * H * W * co * ci * kh * kw / t / 1e9

def conv_gflops(torch, reps=3):
    "3x3 conv 128->128 on 16 x 64 x 80 channels-last maps (a HarmonicCNN layer-2 shape)"
    return _conv_gflops(torch, (16, 128, 64, 80), (128, 128, 3, 3), 1, reps)

def conv1d_gflops(torch, reps=3):
    "SampleCNN block-2 conv (128->128, (1,3)) on 16 x 6561 steps, channels-last (B, C, 1, T)"
    return _conv_gflops(torch, (16, 128, 1, 6561), (128, 128, 1, 3), (0, 1), reps)

def step_flops(torch, model, loss_func, x, y):
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        loss_func(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()

def compare_malloc(name, run, n, reps):
    from _common import set_malloc, faults_sys
    res = {True: [], False: []}
    for hold in (False, True): set_malloc(hold); run()  # warm-up
    for _ in range(reps):
        for hold in (False, True):
            set_malloc(hold); f0, s0 = faults_sys(); t = timeit(run); f1, s1 = faults_sys()
            res[hold].append((t, s1 - s0, f1 - f0))
    med = {h: [statistics.median(r[i] for r in v) for i in range(3)] for h, v in res.items()}
    (td, sd, fd), (th, sh, fh) = med[False], med[True]
    print(f"{name:6s} bare loop, glibc default malloc: {n / td:.2f} clips/s, sys {sd:.2f} s, {fd / 1e3:.0f} k minor faults per {n} clips | "
          f"hold_freed_memory(): {n / th:.2f} clips/s, sys {sh:.2f} s, {fh / 1e3:.0f} k faults -> {td / th:.2f}x  "
          f"runs {[round(r[0], 2) for r in res[False]]} vs {[round(r[0], 2) for r in res[True]]} s", flush=True)

def main():
    global mm
    p = parser(__doc__)
    p.add_argument('--models', default='HC,SC,SC-se,MS')
    p.add_argument('--batches', type=int, default=1, help='training batches per timed run')
    p.add_argument('--bs', type=int, default=16)
    p.add_argument('--hold-freed-memory', action='store_true', help='(the default; kept for old command lines)')
    p.add_argument('--no-hold', action='store_true',
                   help="glibc's default malloc: do not call hold_freed_memory() (what a Python user of je_learner gets unless they call it)")
    p.add_argument('--compare-malloc', action='store_true',
                   help="instead: bare loop with glibc's default malloc vs hold_freed_memory(), interleaved (time, sys time, page faults)")
    args = p.parse_args()
    torch = setup(args)
    from fastai.callback.core import Callback, CancelValidException
    from jetatag.data import je_dataloaders
    from jetatag.learner import je_learner
    from jetatag.core import hold_freed_memory
    header('bench/train_step.py')
    print('glibc malloc:', "default (--no-hold)" if args.no_hold else "hold_freed_memory(), as the jetatag commands set it")
    if not args.no_hold: print('hold_freed_memory():', hold_freed_memory())
    mm, cv, c1 = sgemm_gflops(torch), conv_gflops(torch), conv1d_gflops(torch)
    print(f"measured float32 throughput: sgemm 2048^3 {mm:.0f} GFLOP/s, conv2d 3x3 128->128 16x64x80 NHWC {cv:.0f} GFLOP/s, "
          f"conv (1,3) 128->128 16x6561 NHWC {c1:.0f} GFLOP/s  (sgemm ~350 GFLOP/s on 2 idle threads of this machine, measured earlier)")
    bs, nb = args.bs, args.batches
    root = make_cache(tempfile.mkdtemp(prefix='jetatag_bench_'), n_train=bs * nb, n_valid=1)

    class TrainTimer(Callback):
        "Wall time of the training phase (data loading, callbacks, optimiser included); skips validation"
        order = 99
        def before_train(self): self.t0 = time.perf_counter()
        def after_train(self): self.elapsed = time.perf_counter() - self.t0
        def before_validate(self): raise CancelValidException()

    rows = []
    for name in args.models.split(','):
        enc, block = MODELS[name]
        L = 80000 if enc == 'HC' else 59049
        dls = je_dataloaders(root, input_length=L, bs=bs, seed=0)
        timer = TrainTimer()
        learn = je_learner(dls, enc, block, with_je=False, cbs=[timer])
        model, lf = learn.model, learn.loss_func
        batches = []
        for i, (x, y) in enumerate(dls.train):
            batches.append((x.as_subclass(torch.Tensor).clone(), y.as_subclass(torch.Tensor).clone()))
        opt = torch.optim.Adam([q for q in model.parameters() if q.requires_grad], lr=1e-3, eps=1e-7)
        def fastai_run():
            with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
            fastai_run.train_s = timer.elapsed
        def bare_run():
            model.train()
            for x, y in batches:
                opt.zero_grad(set_to_none=True)
                loss = lf(model(x), y); loss.backward(); opt.step()
        if args.compare_malloc:
            compare_malloc(name, bare_run, bs * len(batches), args.reps); continue
        fastai_t, bare_t = [], []
        fastai_run(); bare_run()  # warm-up
        for _ in range(args.reps):
            fastai_run(); fastai_t.append(fastai_run.train_s)
            bare_t.append(timeit(bare_run))
        fa, ba = statistics.median(fastai_t), statistics.median(bare_t)
        n = bs * len(batches)
        flops = step_flops(torch, model, lf, *batches[0])
        mm = max(mm, sgemm_gflops(torch))  # re-measured after each model: on a shared machine the best sgemm is the peak
        r = dict(model=name, fastai=n / fa, bare=n / ba, overhead=fa / ba - 1, gflop_step=flops / 1e9,
                 mfu=flops * len(batches) / ba / 1e9 / mm)
        rows.append(r)
        ref = REFERENCE.get(name)
        print(f"{name:6s} [sgemm peak so far {mm:.0f} GFLOP/s] Learner {r['fastai']:.2f} clips/s  bare loop {r['bare']:.2f} clips/s  Learner overhead {100*r['overhead']:+.1f}%  "
              f"| {r['gflop_step']:.0f} GFLOP/step ({r['gflop_step']/bs:.1f}/clip), bare loop reaches {100*r['mfu']:.0f}% of measured sgemm, "
              f"{100*r['mfu']*mm/cv:.0f}% of conv2d | Won et al. {ref if ref else '-'} clips/s "
              f"({'%.2fx' % (r['bare']/ref) if ref else 'no reference'}, their figure: 2 threads, other load)"
              f"\n       runs (s, {n} clips): Learner {[round(t, 2) for t in fastai_t]}  bare {[round(t, 2) for t in bare_t]}"
              f"  (best runs: Learner {n / min(fastai_t):.2f}, bare {n / min(bare_t):.2f} clips/s, overhead {100 * (min(fastai_t) / min(bare_t) - 1):+.1f}%)", flush=True)
        del learn, model, opt, batches, dls
    if not rows: footer(); return
    ok = all(r['overhead'] <= 0.10 for r in rows)
    print(f"goal Learner overhead <= 10%: {'holds' if ok else 'FAILS'} (max {100*max(r['overhead'] for r in rows):+.1f}%)")
    footer()
    gpu(torch, args)

def gpu(torch, args):
    if not torch.cuda.is_available(): return gpu_note()
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, JELoss
    print("GPU section:", torch.cuda.get_device_name(0))
    for name, (enc, block) in MODELS.items():
        L = 80000 if enc == 'HC' else 59049
        x, y = torch.randn(args.bs, L, device='cuda'), (torch.rand(args.bs, 50, device='cuda') < 0.1).float()
        for mode in ('fp32', 'bf16', 'fp16', 'compile'):
            m = JEModel(get_encoder(enc, block), 50, with_je=False).cuda()
            lf, opt = JELoss(), torch.optim.Adam(m.parameters(), 1e-3)
            scaler = torch.amp.GradScaler(enabled=mode == 'fp16')
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
            print(f"  {name:6s} {mode:8s} {10 * args.bs / (time.perf_counter() - t0):8.1f} train clips/s (channels-last as built)")

if __name__ == '__main__': main()
