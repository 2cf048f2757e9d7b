"""Accuracy parity of bfloat16 training: the same recipe trained with float32 and with `--mixed_precision bf16`, seed by
seed (`jetatag.cli.train_run`, each precision on the same cache and seed, float32 first), then the test metrics of each
precision (mean ± std over the seeds) and the paired difference bf16 - float32 (mean ± std, and on how many seeds bf16
was higher). The headline line is macro ROC-AUC (and accuracy on single-label sets such as keyword); the full table
(every metric, `jetatag.cli.compare_table`) follows. The difference is within the seed-to-seed spread when |mean
difference| is below the std of either precision.

On a CPU without native bfloat16 `to_bf16()` falls back to float32 (it says so): the script then stops, as both
columns would be float32.

    python bench/bf16_parity.py                                       # synth, small HC recipe, seeds 0,1,2
    python bench/bf16_parity.py --dataset keyword --data_path DATA --encoder_type SC --seeds 0,1,2
    python bench/bf16_parity.py --dataset folder --data_path my_audio --seeds 0,1,2 --epochs 10
    python bench/bf16_parity.py --isTest --seeds 0,1                  # smoke test: one short epoch per phase (no result)
"""
import argparse, contextlib, io, json, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='synth', help='mtat, dcase, keyword, synth or folder (as jetatag-train)')
    p.add_argument('--data_path', default=None, help='data folder (as jetatag-train; synth default ~/.jetatag/data)')
    p.add_argument('--csv', default=None, help='--dataset folder: the CSV of tags (default DATA_PATH/tags.csv)')
    p.add_argument('--encoder_type', default=None, help='HC, SC, MS or SCR (default HC)')
    p.add_argument('--block', default='basic', help='SampleCNN block: basic, se, res or rese')
    p.add_argument('--size', default=None, help='small or paper encoder (default: small on synth and folder, else paper)')
    p.add_argument('--withJE', default='true', choices=['true', 'false'], help='two stages with the joint embedding (default) or the baseline')
    p.add_argument('--epochs', type=float, default=None, help="epochs (one_cycle: per stage; paper: scale), default the recipe's")
    p.add_argument('--batch_size', type=int, default=16)
    p.add_argument('--seeds', default='0,1,2', help='comma-separated seeds (each trained once per precision)')
    p.add_argument('--isTest', action='store_true', help='one short epoch per phase: checks that it runs, measures nothing')
    p.add_argument('--workers', type=int, default=None, help='preprocessing processes')
    p.add_argument('--out', default=None, help='folder of the runs (OUT/<precision>-seed<k>/) and results.json; default a temporary folder')
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's default)")
    a = p.parse_args()
    seeds = [int(s) for s in a.seeds.split(',') if s.strip()]
    if not seeds or len(set(seeds)) != len(seeds): p.error(f"--seeds must list distinct integers; got {a.seeds!r}")
    import numpy as np, torch
    if a.threads: torch.set_num_threads(a.threads)
    from jetatag.cli import train_run, prepare_cache, compare_table, eval_split
    from jetatag.learner import cpu_has_bf16
    if not torch.cuda.is_available() and not cpu_has_bf16():
        sys.exit("bf16_parity: this CPU has no native bfloat16 (avx512_bf16 / amx_bf16) and there is no CUDA: bf16 would train in float32")
    out = Path(a.out or tempfile.mkdtemp(prefix='jetatag_bf16_parity_'))
    cache = prepare_cache(a.dataset, a.data_path, a.workers, csv=a.csv, seed=0)  # one cache (and split) for every run
    print(f"bf16 parity: {a.dataset} ({eval_split(cache)} split), encoder {a.encoder_type or 'HC'} {a.block}, size {a.size or 'default'}, "
          f"withJE {a.withJE}, seeds {seeds}{', isTest (measures nothing)' if a.isTest else ''}; torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, runs in {out}", flush=True)
    runs = {'bf16': [], 'fp32': []}
    for s in seeds:
        for prec, mp in (('fp32', None), ('bf16', 'bf16')):
            with contextlib.redirect_stdout(io.StringIO()):  # (quiet=True; whatever else a run prints stays out of the table)
                m, _ = train_run(dataset=a.dataset, data_path=a.data_path, encoder_type=a.encoder_type, block=a.block, size=a.size,
                                 withJE=a.withJE == 'true', epochs=a.epochs, batch_size=a.batch_size, isTest=a.isTest, seed=s,
                                 mixed_precision=mp, cache=cache, quiet=True, out=str(out/f'{prec}-seed{s}'))
            runs[prec].append(m)
            print(f"  seed {s} {prec}: " + ', '.join(f"{k} {m[k]:.4f}" for k in ('roc_auc_macro', 'accuracy') if k in m)
, flush=True)
    print("\nmean ± std over seeds; difference = bf16 - fp32, paired by seed:")
    for k in ('roc_auc_macro', 'accuracy'):
        if k not in runs['fp32'][0]: continue
        b, f = (np.array([r[k] for r in runs[c]]) for c in ('bf16', 'fp32'))
        sd = lambda x: x.std(ddof=1) if len(x) > 1 else 0.
        d = b - f
        within = abs(d.mean()) <= max(sd(b), sd(f))
        print(f"  {k}: fp32 {f.mean():.4f} ± {sd(f):.4f}, bf16 {b.mean():.4f} ± {sd(b):.4f}, difference {d.mean():+.4f} ± {sd(d):.4f} "
              f"(bf16 higher on {int((d > 0).sum())}/{len(d)} seeds; {'within' if within else 'OUTSIDE'} the seed-to-seed spread)")
    skip = ('train_seconds', 'n_tags', 'n_tags_skipped')  # (a training time here is no measurement: see bench/train_step.py)
    print('\n' + compare_table({c: [{k: v for k, v in r.items() if k not in skip} for r in runs[c]] for c in ('bf16', 'fp32')}))
    (out/'results.json').write_text(json.dumps({'args': vars(a), 'seeds': seeds, 'runs': runs}, indent=2, default=float))
    print(f"\nper-run metrics: {out/'results.json'}")

if __name__ == '__main__': main()
