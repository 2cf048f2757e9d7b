"""DataLoader throughput (items/s) from a preprocessed cache (~200 random 29.1 s clips written with
`write_cache_meta`): the training loader (random crops, batch 16) and the validation loader (16 evaluation crops
per clip), against the training step of a paper-size model (bare loop, clips/s), interleaved. Goal: >= 10x.

    python bench/dataloader.py --threads 1
    python bench/dataloader.py --model HC --workers 0
"""
import shutil, tempfile, statistics
from _common import parser, setup, header, footer, interleave, make_cache, timeit

def main():
    p = parser(__doc__)
    p.add_argument('--clips', type=int, default=200)
    p.add_argument('--model', default='SC', help="model whose training step is the baseline: HC, SC, SC-se or MS")
    p.add_argument('--workers', type=int, default=None, help='DataLoader workers (default: AudioDataLoaders.from_cache default, 0)')
    args = p.parse_args()
    torch = setup(args)
    from jetatag.data import AudioDataLoaders
    from jetatag.encoders import get_encoder
    from jetatag.learner import JEModel, JELoss
    header('bench/dataloader.py')
    tmp = tempfile.mkdtemp(prefix='jetatag_bench_')
    try:
        n_valid = max(16, args.clips // 10)
        root = make_cache(tmp, n_train=args.clips - n_valid, n_valid=n_valid)
        enc, block = {'HC': ('HC', 'basic'), 'SC': ('SC', 'basic'), 'SC-se': ('SC', 'se'), 'MS': ('MS', 'basic')}[args.model]
        L = 80000 if enc == 'HC' else 59049
        dls = AudioDataLoaders.from_cache(root, input_length=L, bs=16, seed=0, num_workers=args.workers)
        n_tr, n_va = len(dls.train) * dls.train.bs, len(dls.valid_ds)  # the training loader drops the last partial batch
        def train_epoch():
            for x, y in dls.train: pass
        def valid_epoch():
            for x, y in dls.valid: pass
        model, lf = JEModel(get_encoder(enc, block), 50, with_je=False), JELoss()
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        xb, yb = torch.randn(16, L), (torch.rand(16, 50) < 0.1).float()
        def step():
            opt.zero_grad(); lf(model(xb), yb).backward(); opt.step()
        cold = timeit(train_epoch)
        med, runs = interleave({'train': train_epoch, 'valid': valid_epoch, 'step': step}, reps=args.reps)
        tr, va, st = n_tr / med['train'], n_va / med['valid'], 16 / med['step']
        print(f"cache: {args.clips} clips of 29.1 s float32 ({len(dls.train_ds)} train, {n_tr} per training epoch, {n_va} valid), crop {L}, batch 16, "
              f"num_workers {dls.train.fake_l.num_workers}")
        print(f"training loader   {tr:8.1f} items/s (first pass {n_tr / cold:.1f} items/s)  runs {[round(t, 3) for t in runs['train']]} s")
        print(f"validation loader {va:8.1f} items/s (clips of 16 crops = {16 * va:.0f} crops/s)  runs {[round(t, 3) for t in runs['valid']]} s")
        print(f"{args.model} training step (bare loop, batch 16): {st:.2f} clips/s  runs {[round(t, 2) for t in runs['step']]} s")
        print(f"ratio training loader / training step: {tr / st:.0f}x; validation loader (crops) / training step: {16 * va / st:.0f}x")
        print(f"goal >= 10x: {'holds' if tr / st >= 10 else 'FAILS'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    footer()

if __name__ == '__main__': main()
