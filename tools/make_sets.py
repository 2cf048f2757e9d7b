#!/usr/bin/env python
"""Generate two realistic evaluation sets that jetatag was never tuned on, from Debian packages.

- `keyword`: isolated words spoken by many espeak-ng voices (voice x variant x pitch x speed = one "speaker"),
  placed at a random offset in 1 s of background noise, in Speech Commands v0.02 layout
  (`keyword/raw/<word>/<speaker>_nohash_<n>.wav`, `validation_list.txt`, `testing_list.txt`) with speaker-disjoint splits.
- `music`: multi-label music clips rendered by fluidsynth from the FluidR3 General MIDI soundfont (sampled real
  instruments) in MagnaTagATune layout (`mtat/annotations_final.csv`, `mtat/mp3/<0-f>/*.wav`): a genre draws its
  instrumentation, tempo, key, drums and dynamics, so tags co-occur the way genre tags and instrument tags do in MTAT.

    apt-get install espeak-ng fluidsynth fluid-soundfont-gm
    python tools/make_sets.py keyword /tmp/sets --seed 0
    python tools/make_sets.py music /tmp/sets --seed 0
    jetatag-train --dataset keyword --data_path /tmp/sets --size small --compare --seeds 0,1,2
"""
import argparse, hashlib, os, shutil, struct, subprocess, sys, tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, soundfile as sf, soxr

SR = 16000
WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go', 'zero', 'one']
VOICES = ['en', 'en-us', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc']  # English accents
VARIANTS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5', 'croak', 'klatt', 'klatt2',
            'klatt3', 'whisper', 'Alvin', 'Andy', 'Denis', 'Gene', 'Jacky', 'Lee', 'Mario', 'Michael', 'Mr serious',
            'Tweaky', 'anika', 'belinda', 'edward', 'iven', 'john', 'kaukovalta', 'linda', 'max', 'norbert', 'quincy',
            'rob', 'steph', 'victor']
SF2 = '/usr/share/sounds/sf2/FluidR3_GM.sf2'

def need(cmd):
    if shutil.which(cmd) is None: sys.exit(f"error: {cmd} not found (apt-get install espeak-ng fluidsynth fluid-soundfont-gm)")

def noise(rng, n, kind):
    "Background noise: pink-ish (cumulated white) or white, unit RMS"
    w = rng.standard_normal(n)
    if kind == 'pink':
        f = np.fft.rfft(w); f /= np.sqrt(np.arange(1, len(f) + 1)); w = np.fft.irfft(f, n)
    elif kind == 'hum':
        t = np.arange(n) / SR; f0 = rng.choice([50, 60])
        w = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 6)) + 0.3 * w
    return w / (np.sqrt(np.mean(w ** 2)) + 1e-9)

# --- keyword set ----------------------------------------------------------------------------------------------------
def _speak(task):
    word, spk, voice, variant, pitch, speed, seed, dst = task
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d)/'w.wav'
        r = subprocess.run(['espeak-ng', '-v', f'{voice}+{variant}', '-p', str(pitch), '-s', str(speed), '-w', str(wav), word],
                           capture_output=True)
        if r.returncode or not wav.exists(): return f"espeak-ng failed for {voice}+{variant}: {r.stderr.decode()[:200]}"
        x, sr = sf.read(wav, dtype='float32')
    if x.ndim > 1: x = x.mean(1)
    x = soxr.resample(x, sr, SR)
    nz = np.flatnonzero(np.abs(x) > 0.01 * np.abs(x).max())
    x = x[nz[0]:nz[-1] + 1] if len(nz) else x
    x = x[:int(0.95 * SR)].copy()
    f = min(160, len(x)); x[-f:] *= np.linspace(1, 0, f)  # 10 ms fade-out where a long word was cut
    out = np.zeros(SR, np.float32)
    at = rng.integers(0, SR - len(x) + 1)
    out[at:at + len(x)] = x / (np.abs(x).max() + 1e-9)
    snr = rng.uniform(10, 30)  # dB
    sig_rms = np.sqrt(np.mean(out[at:at + len(x)] ** 2))
    out += noise(rng, SR, rng.choice(['white', 'pink', 'hum'])) * sig_rms * 10 ** (-snr / 20)
    out *= rng.uniform(0.1, 0.9) / (np.abs(out).max() + 1e-9)
    dst = Path(dst); dst.parent.mkdir(parents=True, exist_ok=True)
    sf.write(dst, out, SR, subtype='PCM_16')
    return None

def make_keyword(out:Path, seed=0, n_speakers=80, valid=10, test=10, workers=2):
    need('espeak-ng')
    rng = np.random.default_rng(seed)
    root = out/'keyword'/'raw'
    speakers = []
    while len(speakers) < n_speakers:
        v, var = rng.choice(VOICES), rng.choice(VARIANTS)
        pitch, speed = int(rng.integers(20, 80)), int(rng.integers(120, 200))
        h = hashlib.sha1(f"{seed}-{v}-{var}-{pitch}-{speed}".encode()).hexdigest()[:8]
        if h not in [s[0] for s in speakers]: speakers.append((h, v, var, pitch, speed))
    order = rng.permutation(n_speakers)
    split = {speakers[i][0]: ('valid' if k < valid else 'test' if k < valid + test else 'train') for k, i in enumerate(order)}
    tasks, lists = [], {'valid': [], 'test': []}
    for w in WORDS:
        for s, (h, v, var, p, sp) in enumerate(speakers):
            rel = f"{w}/{h}_nohash_0.wav"
            tasks.append((w, h, v, var, p, sp, int(rng.integers(1 << 31)), str(root/rel)))
            if split[h] in lists: lists[split[h]].append(rel)
    with ProcessPoolExecutor(workers) as ex:
        errs = [e for e in ex.map(_speak, tasks, chunksize=8) if e]
    if errs: sys.exit(f"error: {len(errs)} clips failed, first: {errs[0]}")
    (root/'validation_list.txt').write_text('\n'.join(lists['valid']) + '\n')
    (root/'testing_list.txt').write_text('\n'.join(lists['test']) + '\n')
    print(f"keyword: {len(tasks)} clips, {len(WORDS)} words, {n_speakers} speakers "
          f"({n_speakers - valid - test} train / {valid} valid / {test} test) in {root}")

# --- music set ------------------------------------------------------------------------------------------------------
INSTR = {  # tag -> (GM program, register low, high)
    'piano': (0, 48, 84), 'electric piano': (4, 48, 79), 'harpsichord': (6, 48, 84), 'organ': (19, 43, 79),
    'acoustic guitar': (25, 43, 76), 'electric guitar': (27, 45, 79), 'distortion guitar': (30, 40, 72),
    'violin': (40, 62, 93), 'cello': (42, 36, 64), 'strings': (48, 48, 84), 'choir': (52, 53, 77),
    'trumpet': (56, 55, 82), 'sax': (65, 49, 76), 'flute': (73, 64, 93), 'synth lead': (81, 55, 84),
    'synth pad': (89, 48, 76),
}
BASS = {'acoustic bass': 32, 'electric bass': 33, 'synth bass': 38}
GENRES = {  # instrument pool with inclusion probabilities, bass, drum style, tempo range, scale, velocity
    'classical': dict(pool={'piano': .5, 'violin': .5, 'cello': .5, 'strings': .6, 'flute': .4, 'harpsichord': .25},
                      bass=None, drums=0.0, tempo=(60, 110), minor=.4, vel=(45, 90)),
    'rock': dict(pool={'distortion guitar': .9, 'electric guitar': .5, 'organ': .2, 'piano': .2},
                 bass='electric bass', drums=1.0, tempo=(100, 160), minor=.5, vel=(90, 127)),
    'jazz': dict(pool={'piano': .7, 'sax': .7, 'trumpet': .5, 'electric guitar': .3},
                 bass='acoustic bass', drums=.8, tempo=(80, 180), minor=.5, vel=(60, 100)),
    'electronic': dict(pool={'synth lead': .8, 'synth pad': .7, 'electric piano': .3},
                       bass='synth bass', drums=.95, tempo=(118, 140), minor=.6, vel=(80, 120)),
    'ambient': dict(pool={'synth pad': .8, 'strings': .6, 'choir': .6, 'piano': .3, 'flute': .2},
                    bass=None, drums=0.05, tempo=(50, 80), minor=.5, vel=(35, 75)),
    'folk': dict(pool={'acoustic guitar': .9, 'violin': .5, 'flute': .4},
                 bass='acoustic bass', drums=.3, tempo=(80, 140), minor=.3, vel=(55, 95)),
    'pop': dict(pool={'piano': .5, 'electric piano': .3, 'electric guitar': .5, 'strings': .3, 'choir': .3, 'synth pad': .3},
                bass='electric bass', drums=.9, tempo=(90, 130), minor=.3, vel=(70, 110)),
}
MAJOR, MINOR = [0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10]
TAGS = list(GENRES) + list(INSTR) + ['bass', 'drums', 'no drums', 'fast', 'slow', 'loud', 'quiet']

def draw_clip(rng, dur):
    "One clip: (tags, events) with events (time s, channel, kind, a, b); kind 'prog', 'on', 'off'"
    g = rng.choice(list(GENRES)); G = GENRES[g]
    inst = [i for i, p in G['pool'].items() if i in INSTR and rng.random() < p]
    while len(inst) < 1: inst = [i for i, p in G['pool'].items() if i in INSTR and rng.random() < p]
    tempo = rng.uniform(*G['tempo']); beat = 60 / tempo
    scale = MINOR if rng.random() < G['minor'] else MAJOR
    root = int(rng.integers(0, 12)); vlo, vhi = G['vel']
    loud = rng.random() < 0.5
    vel = lambda: int(np.clip(rng.integers(vlo, vhi + 1) + (15 if loud else -15), 20, 127))
    drums = rng.random() < G['drums']
    ev, tags = [], {g, *inst}
    prog = [(0., 1 + k, 'prog', INSTR[i][0], 0) for k, i in enumerate(inst)]
    ev += prog
    chords = [rng.choice([0, 3, 4, 5]) for _ in range(8)]
    bar = 4 * beat
    roles = list(rng.permutation(len(inst)))
    for k, ch_i in enumerate(roles):
        name = inst[ch_i]; ch = 1 + ch_i; _, lo, hi = INSTR[name]
        mode = 'melody' if k == 0 else 'chords'
        t = 0.
        if mode == 'melody':
            deg = int(rng.integers(0, 7)); step = rng.choice([0.5, 1, 1, 2]) * beat
            while t < dur:
                deg = int(np.clip(deg + rng.integers(-2, 3), -3, 12))
                n = root + 12 * (deg // 7) + scale[deg % 7] + 12 * ((lo + hi) // 24)
                n = int(np.clip(n, lo, hi)); d = step * rng.choice([1, 1, 2])
                ev += [(t, ch, 'on', n, vel()), (t + d * 0.9, ch, 'off', n, 0)]; t += d
        else:
            while t < dur:
                c = chords[int(t / bar) % 8]; base = 12 * ((lo + 12) // 12)
                notes = [int(np.clip(base + root + scale[(c + s) % 7] + 12 * ((c + s) // 7), lo, hi)) for s in (0, 2, 4)]
                d = bar if name in ('synth pad', 'strings', 'choir', 'organ') else beat * rng.choice([1, 2])
                for n in notes: ev += [(t, ch, 'on', n, vel()), (t + d * 0.95, ch, 'off', n, 0)]
                t += d
    if G['bass']:
        tags.add('bass'); ev.append((0., 10, 'prog', BASS[G['bass']], 0)); t = 0.
        while t < dur:
            c = chords[int(t / bar) % 8]; n = 36 + root % 12 + scale[c % 7]
            d = beat * (1 if tempo < 120 else 2)
            ev += [(t, 10, 'on', n, vel()), (t + d * 0.9, 10, 'off', n, 0)]; t += d
    if drums:
        tags.add('drums'); t, k = 0., 0
        hat = 51 if g == 'jazz' else 42
        while t < dur:
            hits = [hat] + ([36] if k % 4 in ((0, 2) if g != 'electronic' else (0, 1, 2, 3)) else []) + ([38] if k % 4 in (1, 3) else [])
            for n in hits: ev += [(t, 9, 'on', n, vel()), (t + 0.1, 9, 'off', n, 0)]
            t += beat; k += 1
    else: tags.add('no drums')
    tags.add('fast' if tempo >= 115 else 'slow' if tempo < 90 else '')
    tags.add('loud' if loud else 'quiet')
    tags.discard('')
    # MTAT's annotators miss tags: drop each instrument tag with probability 0.1
    tags = {t for t in tags if not (t in INSTR and rng.random() < 0.1)}
    return sorted(tags), loud, ev

def _vlq(n):
    b = [n & 0x7f]; n >>= 7
    while n: b.append(0x80 | (n & 0x7f)); n >>= 7
    return bytes(reversed(b))

def write_midi(path, events):
    "Standard MIDI file (format 0) at 120 bpm, 480 ticks per quarter; events (time s, channel, kind, a, b)"
    tick = lambda s: int(round(s * 960))
    order = {'off': 0, 'prog': 1, 'on': 2}
    evs = sorted(events, key=lambda e: (tick(e[0]), order[e[2]]))
    trk, last = bytearray(_vlq(0) + b'\xff\x51\x03' + (500000).to_bytes(3, 'big')), 0
    for t, ch, kind, a, b in evs:
        tt = tick(t); trk += _vlq(tt - last); last = tt
        if kind == 'prog': trk += bytes([0xc0 | ch, a])
        elif kind == 'on': trk += bytes([0x90 | ch, a, b])
        else: trk += bytes([0x80 | ch, a, 0])
    trk += _vlq(0) + b'\xff\x2f\x00'
    Path(path).write_bytes(b'MThd' + struct.pack('>IHHH', 6, 0, 1, 480) + b'MTrk' + struct.pack('>I', len(trk)) + bytes(trk))

def _render(task):
    "Render a batch of clips in one fluidsynth call (the soundfont loads once), then cut, level and save them"
    clips, dur, gap, seed = task
    rng = np.random.default_rng(seed)
    evs = []
    for k, (_, _, _, ev) in enumerate(clips):
        t0 = k * (dur + gap)
        evs += [(t0 + t, ch, kind, a, b) for t, ch, kind, a, b in ev if t < dur]
        evs += [(t0 + dur, ch, 'off', n, 0) for ch in range(16) for n in set(e[3] for e in ev if e[1] == ch and e[2] == 'on')]
    with tempfile.TemporaryDirectory() as d:
        mid, wav = Path(d)/'b.mid', Path(d)/'b.wav'
        write_midi(mid, evs)
        r = subprocess.run(['fluidsynth', '-ni', '-q', '-R', '0', '-C', '0', '-g', '0.4', '-r', str(SR), '-F', str(wav), SF2, str(mid)],
                           capture_output=True)
        if r.returncode or not wav.exists(): return f"fluidsynth failed: {r.stderr.decode()[:300]}"
        x, sr = sf.read(wav, dtype='float32')
    if x.ndim > 1: x = x.mean(1)
    if sr != SR: x = soxr.resample(x, sr, SR)
    n = int(dur * SR)
    for k, (dst, loud, _, _) in enumerate(clips):
        a = int(k * (dur + gap) * SR); y = x[a:a + n]
        y = np.pad(y, (0, n - len(y)))
        y = y + noise(rng, n, 'pink') * 0.003  # a little tape/room noise
        y *= (rng.uniform(0.6, 0.95) if loud else rng.uniform(0.08, 0.25)) / (np.abs(y).max() + 1e-9)
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        sf.write(dst, y.astype(np.float32), SR, subtype='PCM_16')
    return None

def _q(fields): return '\t'.join('"' + f.replace('"', '""') + '"' for f in fields) + '\n'

def make_music(out:Path, seed=0, n_clips=640, dur=6.0, workers=2, batch=40):
    need('fluidsynth')
    if not Path(SF2).is_file(): sys.exit(f"error: {SF2} not found (apt-get install fluid-soundfont-gm)")
    rng = np.random.default_rng(seed)
    root = out/'mtat'
    clips, rows = [], []
    for i in range(n_clips):
        tags, loud, ev = draw_clip(rng, dur)
        rel = f"{'0123456789abcdef'[i % 16]}/gm_s{seed}-{i:05d}-0-{int(dur)}.wav"
        clips.append((str(root/'mp3'/rel), loud, tags, ev)); rows.append((str(i), tags, rel))
    tasks = [(clips[j:j + batch], dur, 1.5, seed * 1000 + j) for j in range(0, n_clips, batch)]
    with ProcessPoolExecutor(workers) as ex:
        errs = [e for e in ex.map(_render, tasks) if e]
    if errs: sys.exit(f"error: {len(errs)} batches failed, first: {errs[0]}")
    used = [t for t in TAGS if any(t in r[1] for r in rows)]
    lines = [_q(['clip_id', *used, 'mp3_path'])] + [_q([cid, *('1' if t in tags else '0' for t in used), rel]) for cid, tags, rel in rows]
    (root/'annotations_final.csv').write_text(''.join(lines))
    freq = {t: sum(t in r[1] for r in rows) for t in used}
    print(f"music: {n_clips} clips of {dur:g} s, {len(used)} tags, {np.mean([len(r[1]) for r in rows]):.1f} tags per clip, in {root}")
    print('  ' + ', '.join(f"{t} {n}" for t, n in sorted(freq.items(), key=lambda kv: -kv[1])))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('set', choices=['keyword', 'music'])
    p.add_argument('out', type=Path, help='data folder (keyword/ or mtat/ is created in it)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    p.add_argument('--n', type=int, default=None, help='speakers (keyword, default 80) or clips (music, default 640)')
    a = p.parse_args()
    if a.set == 'keyword': make_keyword(a.out, a.seed, n_speakers=a.n or 80, workers=a.workers)
    else: make_music(a.out, a.seed, n_clips=a.n or 640, workers=a.workers)
