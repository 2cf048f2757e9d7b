"""Tag-to-audio retrieval of each ranking option (`joint`, `cosine`, `classifier`) on labelled test splits.

Every tag of the vocabulary is a query; the test clips are ranked by each score and scored with P@5, P@10 and mAP
(`jetatag.retrieval.evaluate_retrieval`). Give one `NAME:CACHE=MODEL[,MODEL...]` argument per data set; the script prints one
row per set and score with the mean and the sample standard deviation over the models (seeds), and writes a CSV.

    python bench/retrieval_scores.py \\
        keyword:SETS/keyword/cache=KW/je/seed0/model.safetensors,KW/je/seed1/model.safetensors \\
        synth:~/.jetatag/data/synth/cache=SYNTH/je/seed0/model.safetensors --out retrieval_scores.csv

The table in nbs/tutorials/retrieval.ipynb ("Which score ranks best") was made with it.
"""
import argparse, os, sys
import numpy as np, pandas as pd

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('sets', nargs='+', help='NAME:CACHE=MODEL[,MODEL...] (one per data set)')
    p.add_argument('--split', default='test')
    p.add_argument('--out', default=None, help='CSV of every (set, model, score) row')
    a = p.parse_args(argv)
    from jetatag.retrieval import AudioIndex, evaluate_retrieval
    rows = []
    for spec in a.sets:
        name, rest = spec.split(':', 1)
        cache, models = rest.split('=', 1)
        cache = os.path.expanduser(cache)
        for m in models.split(','):
            ix = AudioIndex.from_cache(os.path.expanduser(m), cache, split=a.split, progress=False)
            ev = evaluate_retrieval(ix, ks=(5, 10))
            for score, r in ev['summary'].iterrows():
                rows.append({'set': name, 'model': m, 'score': score, 'P@5': r['P@5'], 'P@10': r['P@10'], 'mAP': r['mAP'],
                             'n_clips': ev['n_clips'], 'n_tags': int(r['n_tags']), 'chance_mAP': ev['chance_mAP']})
            print(f"{name} {m}: " + ', '.join(f"{s} mAP {r['mAP']:.3f}" for s, r in ev['summary'].iterrows()), file=sys.stderr)
    df = pd.DataFrame(rows)
    if a.out: df.to_csv(a.out, index=False)
    g = df.groupby(['set', 'score'], sort=False)
    summ = g[['P@5', 'P@10', 'mAP']].agg(['mean', 'std'])
    summ[('n_models', '')] = g.size()
    summ[('n_clips', '')] = g['n_clips'].first()
    summ[('chance_mAP', '')] = g['chance_mAP'].first()
    pd.set_option('display.width', 200)
    print(summ.round(3).to_string())
    return df

if __name__ == '__main__': main()
