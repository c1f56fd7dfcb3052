# The MNIST training split (8,000 digits) split again 6,400 / 1,600 with a fixed seed, as IDX files:
# data for a recipe study that never reads the test split. Usage: split_train_idx.py SRC_DIR DST_DIR
import numpy as np, sys, os, struct
src, dst = sys.argv[1], sys.argv[2]
def read(p, off):
    return np.frombuffer(open(p,'rb').read(), np.uint8, offset=off)
X = read(f'{src}/train-images-idx3-ubyte', 16).reshape(-1, 28, 28)
y = read(f'{src}/train-labels-idx1-ubyte', 8)
rng = np.random.default_rng(2026)
p = rng.permutation(len(y))
tr, te = p[:6400], p[6400:]
os.makedirs(dst, exist_ok=True)
def wi(name, a):
    with open(f'{dst}/{name}', 'wb') as f:
        f.write(struct.pack('>IIII', 2051, len(a), 28, 28)); f.write(a.tobytes())
def wl(name, a):
    with open(f'{dst}/{name}', 'wb') as f:
        f.write(struct.pack('>II', 2049, len(a))); f.write(a.tobytes())
wi('train-images-idx3-ubyte', X[tr]); wl('train-labels-idx1-ubyte', y[tr])
wi('t10k-images-idx3-ubyte', X[te]); wl('t10k-labels-idx1-ubyte', y[te])
print(len(tr), len(te), np.bincount(y[te]))
