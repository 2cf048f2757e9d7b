#!/usr/bin/env python
"""Generate three realistic evaluation sets that jetatag was never tuned on (two from Debian packages, one synthesised).

- `keyword`: isolated words spoken by many espeak-ng voices (voice x variant x pitch x speed = one "speaker"),
  placed at a random offset in 1 s of background noise, in Speech Commands v0.02 layout
  (`keyword/raw/<word>/<speaker>_nohash_<n>.wav`, `validation_list.txt`, `testing_list.txt`) with speaker-disjoint splits.
- `music`: multi-label music clips rendered by fluidsynth from the FluidR3 General MIDI soundfont (sampled real
  instruments) in MagnaTagATune layout (`mtat/annotations_final.csv`, `mtat/mp3/<0-f>/*.wav`): a genre draws its
  instrumentation, tempo, key, drums and dynamics, so tags co-occur the way genre tags and instrument tags do in MTAT.
- `dcase`: 10 s, 44.1 kHz street recordings with one or two sound events of the 17 DCASE 2017 task 4 classes (sirens,
  horns, alarms, beeps, engines, trains, bicycles, skateboards, screams; synthesised with numpy, no packages needed) at
  random times, lengths (0.5-5 s) and SNRs (0-20 dB) over street noise, in the official task 4 layout
  (`dcase/groundtruth_weak_label_{training,testing,evaluation}_set.csv`, tab-separated `<id>_<start>_<end>.wav`, start,
  end, class, one row per clip and class; audio `dcase/raw/<official folder>/Y<id>_<start>_<end>.wav`), weak labels
  for training, plus `groundtruth_strong_label_{testing,evaluation}_set.csv` (event onsets/offsets) as released.

    apt-get install espeak-ng fluidsynth fluid-soundfont-gm
    python tools/make_sets.py keyword /tmp/sets --seed 0
    python tools/make_sets.py music /tmp/sets --seed 0
    python tools/make_sets.py dcase /tmp/sets --seed 0     # 360 training / 60 testing / 60 evaluation clips (--n 360)
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

# --- DCASE 2017 task 4 set ------------------------------------------------------------------------------------------
DSR, CLIP = 44100, 10.0
DCASE_CLASSES = ('Train horn', 'Air horn, truck horn', 'Car alarm', 'Reversing beeps', 'Ambulance (siren)',
                 'Police car (siren)', 'Fire engine, fire truck (siren)', 'Civil defense siren', 'Screaming',
                 'Bicycle', 'Skateboard', 'Car', 'Car passing by', 'Bus', 'Truck', 'Motorcycle', 'Train')  # = jetatag.datasets.DCASE_CLASSES
DCASE_DIRS = {'training': 'unbalanced_train_segments_training_set_audio_formatted_and_segmented_downloads',
              'testing': 'unbalanced_train_segments_testing_set_audio_formatted_and_segmented_downloads',
              'evaluation': 'evaluation_set_formatted_audio_segments'}  # the official audio folders, under dcase/raw/
YT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'  # YouTube id alphabet

def _bp(lo=0., hi=np.inf, order=2):
    "Smooth band-pass magnitude (Butterworth-shaped) as a function of frequency; lo=0: low-pass, hi=inf: high-pass"
    return lambda f: 1 / np.sqrt(1 + (lo / np.maximum(f, 1e-3)) ** (2 * order)) / np.sqrt(1 + (f / hi) ** (2 * order))

def _filt(x, gain):
    "Zero-phase FFT filter: `gain(freqs)` is the magnitude response"
    return np.fft.irfft(np.fft.rfft(x) * gain(np.fft.rfftfreq(len(x), 1 / DSR)), len(x))

def _cnoise(rng, n, gain): return _filt(rng.standard_normal(n), gain)  # coloured noise
def _unit(x): return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)
def _slow(rng, n, rate):
    "Smooth random control signal (about `rate` changes per second), unit-ish scale"
    m = max(4, int(n / DSR * rate) + 2)
    return np.interp(np.linspace(0, m - 1, n), np.arange(m), rng.standard_normal(m))
def _env(n, att, rel):
    "Linear attack/release envelope of n samples (att, rel in s)"
    i = np.arange(n)
    return np.clip(np.minimum(i / max(1, att * DSR), (n - 1 - i) / max(1, rel * DSR)), 0, 1)

def _harm(rng, f, amps):
    "Sum of harmonics k*f (f: instantaneous fundamental per sample) with amplitudes amps[k-1] (scalars or arrays); none above 19 kHz"
    ph = 2 * np.pi * np.cumsum(f) / DSR
    y = np.zeros(len(f))
    for k, a in enumerate(amps, 1):
        ok = k * f < 19000
        if not ok.any(): break
        y += a * np.sin(k * ph + rng.uniform(0, 2 * np.pi)) * ok
    return y

def _tone(rng, f, alpha, odd=False, kmax=40):
    "Harmonic tone with amplitudes k^-alpha (jittered), odd harmonics only for a square-like timbre"
    K = int(min(kmax, 19000 / max(f.min(), 20)))
    return _harm(rng, f, [(0 if odd and k % 2 == 0 else k ** -alpha * rng.uniform(0.7, 1.3)) for k in range(1, K + 1)])

def _gates(rng, n, k, att=0.02, rel=0.05, gap=(0.08, 0.35)):
    "Envelope of k blasts filling n samples, separated by gaps"
    T = n / DSR; gaps = rng.uniform(*gap, max(k - 1, 0))
    if T - gaps.sum() < 0.25 * k: k, gaps = 1, gaps[:0]
    lens = rng.dirichlet(np.full(k, 3.)) * (T - gaps.sum())
    env, t = np.zeros(n), 0.
    for i, L in enumerate(lens):
        a, b = int(t * DSR), min(n, int((t + L) * DSR)); env[a:b] = _env(b - a, att, rel); t += L + (gaps[i] if i < k - 1 else 0)
    return env

def _pulses(n, times, dur, f=None):
    "Train of decaying bursts (decay time `dur` s) at `times`: returns the envelope"
    env, m = np.zeros(n), int(5 * dur * DSR)
    d = np.exp(-np.arange(m) / (dur * DSR))
    for t in times:
        a = int(t * DSR)
        if 0 <= a < n: b = min(n, a + m); env[a:b] = np.maximum(env[a:b], d[:b - a])
    return env

def _reverb(rng, x, rt60, wet):
    "Exponentially decaying noise reverb (RT60 rt60 s); wet: reverberant/dry RMS ratio; adds the tail"
    m = int(rt60 * DSR); t = np.arange(m) / DSR
    ir = _filt(rng.standard_normal(m) * np.exp(-6.9 * t / rt60), _bp(0, rng.uniform(2500, 9000), 1))
    N = 1 << (len(x) + m - 1).bit_length()
    w = np.fft.irfft(np.fft.rfft(x, N) * np.fft.rfft(ir, N), N)[:len(x) + m]
    return np.pad(x, (0, m)) + wet * np.sqrt(np.mean(x ** 2)) * _unit(w)

# sirens, horns, alarms -----------------------------------------------------------------------------------------
def _train_horn(rng, n):
    chords = [[1, 1.19, 1.5], [1, 1.26, 1.5], [1, 1.19, 1.41, 1.68], [1, 1.26, 1.5, 1.89, 2.24], [1, 1.33]]
    base = rng.uniform(170, 340); f = base * (1 + 0.003 * _slow(rng, n, 4))
    if rng.random() < 0.35: f = f * np.linspace(1.03, 0.97, n)  # Doppler of a passing train
    y = sum(_tone(rng, f * r * rng.uniform(0.99, 1.01), rng.uniform(0.8, 1.4)) for r in chords[rng.integers(len(chords))])
    return y * _gates(rng, n, int(rng.integers(1, 3)), att=0.06, rel=0.15)

def _air_horn(rng, n):
    base = rng.uniform(230, 480)
    f = base * (1 + 0.004 * _slow(rng, n, 6)) * (1 - 0.06 * np.exp(-np.arange(n) / (0.04 * DSR)))  # pressure droop at onset
    ratios = [1] if rng.random() < 0.5 else [1, rng.uniform(1.18, 1.34)]
    y = sum(_tone(rng, f * r, rng.uniform(0.45, 0.8)) for r in ratios)
    y += 0.1 * _unit(_cnoise(rng, n, _bp(1000, 6000)))  # air
    return y * _gates(rng, n, int(rng.integers(1, 4)), att=0.01, rel=0.04, gap=(0.1, 0.4))

def _car_alarm(rng, n):
    f1, t, fs, env = rng.uniform(1200, 2800), 0, np.zeros(n), np.ones(n)
    while t < n:
        seg = min(n - t, int(rng.uniform(0.8, 2.2) * DSR)); tt = np.arange(seg) / DSR
        kind = rng.choice(['warble', 'whoop', 'chirp', 'wail'])
        if kind == 'warble': fs[t:t + seg] = f1 * np.where(np.sin(2 * np.pi * rng.uniform(5, 12) * tt) > 0, rng.uniform(1.2, 1.5), 1)
        elif kind == 'whoop': p = rng.uniform(0.3, 0.7); fs[t:t + seg] = f1 * (1 + (tt % p) / p)
        elif kind == 'wail': fs[t:t + seg] = f1 * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(2, 4) * tt))
        else: fs[t:t + seg] = f1; r = rng.uniform(4, 8); env[t:t + seg] = (tt * r) % 1 < rng.uniform(0.3, 0.6)
        t += seg
    return _tone(rng, fs, 1.0, odd=True) * _filt(env.astype(float), _bp(0, 300, 1))

def _reversing_beeps(rng, n):
    per, duty = rng.uniform(0.8, 1.3), rng.uniform(0.35, 0.6)
    tt = np.arange(n) / DSR; ph0 = rng.uniform(0, per * (1 - duty))
    env = _filt((((tt + ph0) % per) < duty * per).astype(float), _bp(0, 200, 1))
    if rng.random() < 0.25: return _unit(_cnoise(rng, n, _bp(400, 4000))) * env  # broadband "white sound" alarm
    f = np.full(n, rng.uniform(900, 1500))
    return _harm(rng, f, [1, 0, rng.uniform(0.1, 0.35), 0, rng.uniform(0, 0.15)]) * env

def _sweep(kind, tt, lo, hi, rate):
    "Siren pitch contours: hilo (two-tone), yelp (fast rising saw), wail (slow rise/fall), phaser (very fast)"
    x = (tt * rate) % 1
    if kind == 'hilo': return np.where(x < 0.5, lo, hi)
    if kind in ('yelp', 'phaser'): return lo + (hi - lo) * np.sqrt(x)
    return lo + (hi - lo) * 0.5 * (1 - np.cos(2 * np.pi * x))

def _siren(rng, n, modes, lo, span, rates):
    tt = np.arange(n) / DSR; kind = rng.choice(list(modes), p=list(modes.values()))
    f0 = rng.uniform(*lo); f1 = f0 * (rng.uniform(1.25, 1.42) if kind == 'hilo' else rng.uniform(*span))
    f = _filt(_sweep(kind, tt + rng.uniform(0, 5), f0, f1, rng.uniform(*rates[kind])), _bp(0, 40, 1))
    if rng.random() < 0.5: f = f * np.linspace(*rng.choice([[1.03, 0.97], [0.99, 1.02]]), n)  # Doppler drift
    return _tone(rng, f, rng.uniform(0.9, 1.6), odd=rng.random() < 0.5) * _env(n, 0.05, 0.1)

def _ambulance(rng, n):
    return _siren(rng, n, {'hilo': .6, 'yelp': .2, 'wail': .2}, (420, 720), (1.6, 2.1),
                  {'hilo': (0.6, 1.2), 'yelp': (2, 3), 'wail': (0.3, 0.6)})
def _police(rng, n):
    return _siren(rng, n, {'yelp': .5, 'wail': .3, 'phaser': .2}, (550, 800), (1.8, 2.4),
                  {'yelp': (3, 5), 'wail': (0.2, 0.4), 'phaser': (9, 14)})

def _fire_engine(rng, n):
    tt = np.arange(n) / DSR
    if rng.random() < 0.6:  # mechanical (rotor) siren: winds up, coasts down, growls
        top, tau = rng.uniform(650, 1050), rng.uniform(0.4, 1.4); T = n / DSR; off = rng.uniform(0.5, 0.9) * T
        f = np.where(tt < off, 150 + (top - 150) * (1 - np.exp(-tt / tau)), 0)
        f = np.where(tt >= off, (150 + (top - 150) * (1 - np.exp(-off / tau))) * np.exp(-(tt - off) / rng.uniform(0.8, 2)), f)
        f = np.maximum(f, 60) * (1 + 0.01 * _slow(rng, n, 30))
        y = _tone(rng, f, rng.uniform(0.7, 1.1)) * (0.3 + f / f.max()) + 0.15 * _unit(_cnoise(rng, n, _bp(300, 3000)))
    else:  # electronic wail with a low "rumbler"
        f = _filt(_sweep('wail', tt + rng.uniform(0, 5), rng.uniform(300, 450), rng.uniform(800, 1100), rng.uniform(0.2, 0.4)), _bp(0, 40, 1))
        y = _tone(rng, f, 1.0) + 0.6 * _tone(rng, f / 4, 1.2)
    y = _unit(y) * _env(n, 0.05, 0.2)
    if rng.random() < 0.35: y += 0.8 * _unit(_air_horn(rng, n))  # fire trucks blow their air horn too
    return y

def _civil_defense(rng, n):
    tt, T = np.arange(n) / DSR, n / DSR; base = rng.uniform(300, 560)
    rise = rng.uniform(0.8, 2.0)
    f = base * (0.35 + 0.65 * np.minimum(1, tt / rise) ** 0.7) * (1 - 0.25 * np.clip((tt - 0.8 * T) / (0.2 * T), 0, 1))
    ratios = [1, rng.choice([1.2, 1.26])] if rng.random() < 0.5 else [1]
    y = sum(_tone(rng, f * r, rng.uniform(1.6, 2.4), kmax=8) for r in ratios)
    y *= 1 - rng.uniform(0.3, 0.6) * (0.5 + 0.5 * np.cos(2 * np.pi * rng.uniform(0.15, 0.5) * tt))  # rotating horn
    return _reverb(rng, y * _env(n, 0.3, 0.5), rng.uniform(1.5, 2.5), rng.uniform(0.6, 1.0))[:n]

# people, bicycles, skateboards ----------------------------------------------------------------------------------
def _scream(rng, n):
    y = np.zeros(n); t = 0
    for _ in range(int(rng.integers(1, 3))):
        m = min(n - t, int(rng.uniform(0.4, 1.8) * DSR))
        if m < 0.2 * DSR: break
        tt = np.arange(m) / DSR; peak = rng.uniform(500, 1200)
        s0 = rng.uniform(0.6, 0.85)  # starts below the peak, rises and falls
        f0 = peak * (s0 + (1 - s0) * np.sqrt(np.clip(np.sin(np.pi * tt / tt[-1]), 0, 1)))
        f0 *= 1 + rng.uniform(0.01, 0.03) * np.sin(2 * np.pi * rng.uniform(5, 8) * tt) + 0.01 * _slow(rng, m, 40)
        F = [(rng.uniform(750, 1100), rng.uniform(90, 200)), (rng.uniform(1150, 1800), rng.uniform(100, 220)),
             (rng.uniform(2400, 3200), rng.uniform(150, 300))]
        K = int(9000 / f0.min())
        amps = [sum(g / np.sqrt(1 + ((k * f0 - Fc) / bw) ** 2) for g, (Fc, bw) in zip((1, .7, .4), F)) * k ** -0.3 for k in range(1, K + 1)]
        s = _harm(rng, f0, amps) + 0.08 * _unit(_cnoise(rng, m, _bp(1000, 6000)))
        if rng.random() < 0.3: s *= 1 + 0.4 * np.sin(np.pi * np.cumsum(f0) / DSR)  # roughness (subharmonic)
        y[t:t + m] += _unit(s) * _env(m, 0.05, 0.15); t += m + int(rng.uniform(0.1, 0.5) * DSR)
        if t >= n: break
    return y

def _bell(rng, n, times):
    f = rng.uniform(2000, 4200); y = np.zeros(n); tt = np.arange(n) / DSR
    for r, a, d in ((1, 1, rng.uniform(0.3, 1.0)), (rng.uniform(2.2, 2.5), 0.5, 0.3), (rng.uniform(3.9, 4.4), 0.3, 0.15)):
        if f * r < 19000: y += a * np.sin(2 * np.pi * f * r * tt) * _pulses(n, times, d * rng.uniform(0.8, 1.2))
    return y

def _bicycle(rng, n):
    T = n / DSR; mode = rng.choice(['bell', 'ticks', 'both'], p=[.55, .25, .2]); y = np.zeros(n)
    if mode != 'ticks':
        t0 = rng.uniform(0, max(0.01, T - 0.6))
        times = (t0 + np.arange(0, rng.uniform(0.3, 0.8), 1 / rng.uniform(12, 20))) if rng.random() < 0.35 else \
                t0 + np.cumsum(np.r_[0, rng.uniform(0.12, 0.3, int(rng.integers(0, 3)))])  # rotary trill or ding(-ding)
        y += _unit(_bell(rng, n, times))
    if mode != 'bell':  # freewheel ticking slowing down, chain whirr
        rate = rng.uniform(12, 30) * np.linspace(1, rng.uniform(0.4, 0.9), n)
        ph = np.cumsum(rate) / DSR; times = np.flatnonzero(np.diff(np.floor(ph)) > 0) / DSR
        y += 0.7 * _unit(_cnoise(rng, n, _bp(2500, 9000)) * _pulses(n, times, 0.002))
        y += 0.1 * _unit(_cnoise(rng, n, _bp(200, 2000)))
    return y * _env(n, 0.01, 0.05)

def _skateboard(rng, n):
    tt, T = np.arange(n) / DSR, n / DSR
    roll = _cnoise(rng, n, _bp(rng.uniform(60, 150), rng.uniform(800, 2000))) * (1 + 0.3 * _slow(rng, n, 8))
    per, gapw = rng.uniform(0.4, 1.0), rng.uniform(0.05, 0.1)  # sidewalk joints, front and back wheels
    times = [t + d for t in np.arange(rng.uniform(0, per), T, per) for d in (0, gapw)]
    clack = _cnoise(rng, n, _bp(300, 3000)) * _pulses(n, times, rng.uniform(0.008, 0.02))
    y = _unit(roll) + 1.5 * _unit(clack) if len(times) else _unit(roll)
    if rng.random() < 0.4 and T > 1.2:  # ollie: pop, airborne silence, landing
        a = rng.uniform(0.1, T - 1.0); air = rng.uniform(0.3, 0.6)
        y *= np.where((tt > a) & (tt < a + air), 0.05, 1)
        y += 3 * _unit(_cnoise(rng, n, _bp(200, 2500))) * _pulses(n, [a, a + air], 0.03)
    return y * _env(n, 0.1, 0.2)

# engines and vehicles ---------------------------------------------------------------------------------------------
def _engine(rng, n, ff, alpha, half, rough, bright):
    "Engine-order harmonics of the firing frequency ff (half orders at `half`), each with random slow AM (`rough`), plus pulsed combustion noise"
    K = int(min(80, 2 * bright / max(ff.min(), 10)))
    amps = [((m / 2) ** -alpha * (1 if m % 2 == 0 else half)) * np.clip(1 + rough * _slow(rng, n, 25), 0, None) for m in range(1, K + 1)]
    y = _harm(rng, ff / 2, amps)
    pulse = (0.5 + 0.5 * np.cos(2 * np.pi * np.cumsum(ff) / DSR)) ** 4
    y = _unit(y) + 0.3 * _unit(_cnoise(rng, n, _bp(150, bright)) * pulse)
    return _filt(y, _bp(20, bright, 1))

def _rpm(rng, n, lo, hi, mode):
    "rpm contour: steady, ramp (accelerating through a gear change), or revs (throttle blips)"
    r = rng.uniform(lo, hi)
    if mode == 'steady': return r * (1 + 0.03 * _slow(rng, n, 2))
    if mode == 'ramp':
        x = np.linspace(0, rng.uniform(1, 2.5), n); return lo + (hi - lo) * (0.2 + 0.8 * (x % 1)) * rng.uniform(0.6, 1)
    tt = np.arange(n) / DSR; out = np.full(n, lo * 1.1)
    for t0 in np.arange(rng.uniform(0, 0.5), n / DSR, rng.uniform(0.6, 1.2)):
        out += (hi - lo) * rng.uniform(0.4, 1) * np.exp(-np.clip(tt - t0, 0, None) / rng.uniform(0.15, 0.4)) * (tt >= t0)
    return _filt(np.minimum(out, hi), _bp(0, 8, 1))

def _car(rng, n, tyres=0.5):
    rpm = _rpm(rng, n, 800, 3500, rng.choice(['steady', 'ramp']))
    y = _engine(rng, n, rpm / 60 * 2, rng.uniform(1.1, 1.6), 0.15, 0.15, rng.uniform(1500, 3000))
    y += tyres * _unit(_cnoise(rng, n, _bp(300, rng.uniform(1500, 3000))))
    if rng.random() < 0.2:  # a short toot of the car horn
        t0 = rng.uniform(0, n / DSR - 0.6); m = int(rng.uniform(0.15, 0.4) * DSR); a = int(t0 * DSR)
        h = _tone(rng, np.full(m, rng.uniform(380, 520)), 0.9) + _tone(rng, np.full(m, rng.uniform(460, 650)), 0.9)
        y[a:a + m] += 2 * _unit(h) * _env(m, 0.01, 0.03)
    return y * _env(n, 0.2, 0.3)

def _car_passing(rng, n):
    tt, T = np.arange(n) / DSR, n / DSR
    v, d, tc = rng.uniform(8, 25), rng.uniform(2, 8), rng.uniform(0.35, 0.65) * T
    x = v * (tt - tc); r = np.sqrt(x ** 2 + d ** 2); dop = 343 / (343 + v * x / r)
    rpm = _rpm(rng, n, 1200, 3500, 'steady') * dop
    eng = _engine(rng, n, rpm / 60 * 2, rng.uniform(1.1, 1.6), 0.15, 0.15, rng.uniform(1500, 3000))
    tyre = _cnoise(rng, n, _bp(300, 3000)); whoosh = _cnoise(rng, n, _bp(1500, 8000))
    y = (_unit(eng) + rng.uniform(0.6, 1.5) * _unit(tyre)) * (d / r) + 0.7 * _unit(whoosh) * (d / r) ** 3
    return y * _env(n, 0.3, 0.3)

def _bus(rng, n):
    rpm = _rpm(rng, n, 600, 1900, rng.choice(['steady', 'ramp']))
    ff = rpm / 60 * 3
    y = _engine(rng, n, ff, rng.uniform(0.9, 1.2), 0.35, 0.35, rng.uniform(1000, 2200))
    knock = _cnoise(rng, n, _bp(1000, 4000)) * (0.5 + 0.5 * np.cos(2 * np.pi * np.cumsum(ff) / DSR)) ** 8
    y += rng.uniform(0.2, 0.5) * _unit(knock)
    if rng.random() < 0.4:  # air brake / door hiss
        m = int(rng.uniform(0.3, 1.0) * DSR); a = int(rng.uniform(0, max(1, n - m)))
        y[a:a + m] += rng.uniform(1, 2) * _unit(_cnoise(rng, m, _bp(2500, 12000))) * np.exp(-np.arange(m) / (0.4 * m))
    if rng.random() < 0.3: y += 0.1 * _unit(np.sin(2 * np.pi * np.cumsum(ff * rng.uniform(8, 12)) / DSR))  # gear whine
    return y * _env(n, 0.3, 0.4)

def _truck(rng, n):
    rpm = _rpm(rng, n, 500, 1700, rng.choice(['steady', 'ramp', 'revs'], p=[.4, .4, .2]))
    ff = rpm / 60 * 3
    y = _engine(rng, n, ff, rng.uniform(0.7, 1.0), 0.5, 0.5, rng.uniform(700, 1600))
    if rng.random() < 0.3: y *= 1 + 0.8 * (np.sin(np.pi * np.cumsum(ff) / DSR) > 0.3)  # engine brake staccato
    if rng.random() < 0.4:  # body rattle
        times = np.cumsum(rng.exponential(0.12, int(n / DSR / 0.12) + 1))
        y += 0.4 * _unit(_cnoise(rng, n, _bp(800, 5000)) * _pulses(n, times, 0.01))
    return y * _env(n, 0.3, 0.4)

def _motorcycle(rng, n):
    twin = rng.random() < 0.6
    rpm = _rpm(rng, n, 1500, 8000 if twin else 11000, rng.choice(['revs', 'ramp', 'steady'], p=[.45, .4, .15]))
    ff = rpm / 60 if twin else rpm / 30
    y = _engine(rng, n, ff, rng.uniform(0.6, 0.9), 0.8 if twin else 0.2, 0.3, rng.uniform(2500, 5000))
    return y * _env(n, 0.1, 0.3)

def _train(rng, n):
    tt, T = np.arange(n) / DSR, n / DSR
    v, L = rng.uniform(8, 30), rng.uniform(15, 25)  # m/s, car length
    per, a = L / v, 2.5 / v; c = rng.uniform(0.2, 0.35) * per
    times = [t + o for t in np.arange(rng.uniform(0, per), T, per) for o in (0, a, c, c + a)]
    clack = _cnoise(rng, n, _bp(150, 2000)) * _pulses(n, times, rng.uniform(0.015, 0.04))
    y = _unit(_cnoise(rng, n, lambda f: (np.maximum(f, 20) / 20) ** -1 * _bp(20, rng.uniform(150, 400))(f)))
    y += rng.uniform(0.4, 0.9) * _unit(_cnoise(rng, n, _bp(300, 2000))) + rng.uniform(1, 2) * _unit(clack)
    if rng.random() < 0.25:  # wheel squeal
        f = rng.uniform(2000, 6000) * (1 + 0.02 * _slow(rng, n, 1))
        y += rng.uniform(0.3, 0.8) * _unit(_tone(rng, f, 1.5, kmax=4)) * np.clip(0.5 + _slow(rng, n, 2), 0, 1)
    if rng.random() < 0.4: y += 0.6 * _unit(_engine(rng, n, rng.uniform(15, 35) * (1 + 0.02 * _slow(rng, n, 1)), 1.0, 0.4, 0.3, 600))  # locomotive
    return y * np.minimum(1, np.minimum(tt, T - tt) / (0.3 * T))  # approaches and leaves

# class -> (generator, event length range in s)
DCASE_GEN = {'Train horn': (_train_horn, (0.7, 4)), 'Air horn, truck horn': (_air_horn, (0.5, 2.5)),
             'Car alarm': (_car_alarm, (1.5, 5)), 'Reversing beeps': (_reversing_beeps, (1.5, 5)),
             'Ambulance (siren)': (_ambulance, (1.5, 5)), 'Police car (siren)': (_police, (1.5, 5)),
             'Fire engine, fire truck (siren)': (_fire_engine, (2, 5)), 'Civil defense siren': (_civil_defense, (3, 5)),
             'Screaming': (_scream, (0.5, 3)), 'Bicycle': (_bicycle, (0.5, 3)), 'Skateboard': (_skateboard, (1.5, 5)),
             'Car': (_car, (1.5, 5)), 'Car passing by': (_car_passing, (2, 5)), 'Bus': (_bus, (2, 5)),
             'Truck': (_truck, (2, 5)), 'Motorcycle': (_motorcycle, (1, 5)), 'Train': (_train, (2.5, 5))}
assert tuple(DCASE_GEN) == DCASE_CLASSES

def _street(rng, n):
    "Street background, unit RMS: pink-to-brown noise with a traffic-flow swell, sometimes distant traffic rumble, birds or wind"
    slope, hi = rng.uniform(0.5, 1.0), rng.uniform(2000, 9000)
    y = _unit(_cnoise(rng, n, lambda f: (np.maximum(f, 20) / 20) ** -slope * _bp(20, hi, 1)(f)))
    y *= np.clip(1 + rng.uniform(0.1, 0.4) * _slow(rng, n, rng.uniform(0.1, 0.5)), 0.2, None)
    if rng.random() < 0.5:  # distant traffic: engine rumble, low-passed
        rum = _engine(rng, n, rng.uniform(25, 60) * (1 + 0.1 * _slow(rng, n, 0.3)), 1.0, 0.5, 0.5, 250)
        y += rng.uniform(0.15, 0.4) * _unit(rum)
    if rng.random() < 0.3:  # birds
        tt = np.arange(n) / DSR; f = np.zeros(n); env = np.zeros(n)
        for t0 in rng.uniform(0, CLIP, int(rng.integers(2, 12))):
            m = int(rng.uniform(0.05, 0.2) * DSR); a = int(t0 * DSR); b = min(n, a + m)
            f[a:b] = np.linspace(rng.uniform(3000, 6000), rng.uniform(2000, 4000), m)[:b - a]; env[a:b] = _env(m, 0.01, 0.02)[:b - a]
        y += rng.uniform(0.1, 0.3) * np.sin(2 * np.pi * np.cumsum(f) / DSR) * env / max(np.sqrt(np.mean(env ** 2)), 1e-3) * 0.3
    if rng.random() < 0.2:  # wind gusts
        y += rng.uniform(0.3, 0.8) * _unit(_cnoise(rng, n, _bp(20, 200))) * np.clip(_slow(rng, n, 0.5), 0, None)
    return _unit(y)

def _active_rms(x):
    "RMS of the louder half of 50 ms frames: the level of an intermittent sound while it sounds"
    m = int(0.05 * DSR); fr = (x[:len(x) // m * m] ** 2).reshape(-1, m).mean(1) if len(x) >= m else np.array([np.mean(x ** 2)])
    return np.sqrt(np.mean(fr[fr >= np.median(fr)]) + 1e-20)

def _dcase_clip(task):
    "Render one 10 s clip: street background plus its events at random times, SNR 0-20 dB; returns the strong labels"
    dst, classes, seed = task
    rng = np.random.default_rng(seed)
    n = int(CLIP * DSR)
    y, ev = _street(rng, n), []
    for c in classes:
        gen, (lo, hi) = DCASE_GEN[c]
        m = int(rng.uniform(lo, hi) * DSR)
        x = gen(rng, m)[:m]
        if rng.random() < 0.5: x = _filt(x, _bp(0, rng.uniform(3000, 12000), 1))  # distance: air absorption
        if c != 'Civil defense siren': x = _reverb(rng, x, rng.uniform(0.2, 1.2), rng.uniform(0.05, 0.5))
        a = int(rng.integers(0, n - m + 1)); x = x[:n - a]
        snr = rng.uniform(0, 20)
        y[a:a + len(x)] += x * 10 ** (snr / 20) / _active_rms(x[:m])
        ev.append((a / DSR, (a + m) / DSR, c, snr))
    y *= rng.uniform(0.2, 0.9) / (np.abs(y).max() + 1e-9)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    sf.write(dst, y.astype(np.float32), DSR, subtype='PCM_16')
    return ev

def _yt_id(rng, seen):
    while True:
        v = ''.join(YT[i] for i in rng.integers(0, 64, 11))
        if v not in seen: seen.add(v); return v

def make_dcase(out:Path, seed=0, n_train=360, n_test=60, n_eval=60, p_two=0.3, workers=2):
    rng = np.random.default_rng(seed)
    root = out/'dcase'; seen, tasks, rows = set(), [], []
    for s, k in (('training', n_train), ('testing', n_test), ('evaluation', n_eval)):
        deck = np.concatenate([rng.permutation(len(DCASE_CLASSES)) for _ in range(k // len(DCASE_CLASSES) + 1)])[:k]
        for i in range(k):  # every class leads about equally often; a second, different class in p_two of the clips
            cl = [DCASE_CLASSES[deck[i]]]
            if rng.random() < p_two: cl.append(rng.choice([c for c in DCASE_CLASSES if c != cl[0]]))
            t0 = float(rng.integers(0, 300)); name = f"{_yt_id(rng, seen)}_{t0:.3f}_{t0 + CLIP:.3f}.wav"
            tasks.append((str(root/'raw'/DCASE_DIRS[s]/('Y' + name)), cl, int(rng.integers(1 << 31)))); rows.append((s, name, t0))
    with ProcessPoolExecutor(workers) if workers > 1 else _Serial() as ex:
        evs = list(ex.map(_dcase_clip, tasks, chunksize=4))
    weak = {s: [] for s in DCASE_DIRS}; strong = {s: [] for s in DCASE_DIRS}
    for (s, name, t0), ev in zip(rows, evs):
        for c in sorted({e[2] for e in ev}, key=DCASE_CLASSES.index): weak[s].append(f"{name}\t{t0:.3f}\t{t0 + CLIP:.3f}\t{c}\n")
        for a, b, c, _ in ev: strong[s].append(f"{name}\t{a:.3f}\t{b:.3f}\t{c}\n")
    for s in DCASE_DIRS:
        (root/f'groundtruth_weak_label_{s}_set.csv').write_text(''.join(weak[s]))
        if s != 'training': (root/f'groundtruth_strong_label_{s}_set.csv').write_text(''.join(strong[s]))  # as released: no strong labels for training
    cnt = {s: {c: 0 for c in DCASE_CLASSES} for s in DCASE_DIRS}
    for (s, _, _), ev in zip(rows, evs):
        for c in {e[2] for e in ev}: cnt[s][c] += 1
    n_ev = [len(ev) for ev in evs]
    print(f"dcase: {len(tasks)} clips of {CLIP:g} s at {DSR} Hz ({n_train} training / {n_test} testing / {n_eval} evaluation), "
          f"{len(DCASE_CLASSES)} classes, {np.mean(n_ev):.2f} events per clip, SNR 0-20 dB, in {root}")
    w = max(len(c) for c in DCASE_CLASSES)
    print(f"  {'class':{w}}  training  testing  evaluation")
    for c in DCASE_CLASSES: print(f"  {c:{w}}  {cnt['training'][c]:8d}  {cnt['testing'][c]:7d}  {cnt['evaluation'][c]:10d}")

def set_digest(folder:Path) -> str:
    "SHA-1 over the relative paths and contents of every file of a generated set (its `cache/` left out): equal digests, equal data"
    h = hashlib.sha1()
    for f in sorted(q for q in Path(folder).rglob('*') if q.is_file() and 'cache' not in q.relative_to(folder).parts):
        h.update(str(f.relative_to(folder)).encode() + b'\0'); h.update(f.read_bytes())
    return h.hexdigest()

class _Serial:
    "Stand-in for a process pool with one worker (no fork)"
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def map(self, f, it, chunksize=1): return map(f, it)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('set', choices=['keyword', 'music', 'dcase'])
    p.add_argument('out', type=Path, help='data folder (keyword/, mtat/ or dcase/ is created in it)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    p.add_argument('--n', type=int, default=None, help='speakers (keyword, default 80), clips (music, default 640) or '
                                                       'training clips (dcase, default 360; testing and evaluation sets n/6 each)')
    a = p.parse_args()
    if a.set == 'keyword': make_keyword(a.out, a.seed, n_speakers=a.n or 80, workers=a.workers)
    elif a.set == 'music': make_music(a.out, a.seed, n_clips=a.n or 640, workers=a.workers)
    else: n = a.n or 360; make_dcase(a.out, a.seed, n_train=n, n_test=max(1, n // 6), n_eval=max(1, n // 6), workers=a.workers)
    sub = {'keyword': 'keyword', 'music': 'mtat', 'dcase': 'dcase'}[a.set]
    print(f"{a.out/sub}: set digest {set_digest(a.out/sub)} (equal digests, equal data: compare with another run's)")
