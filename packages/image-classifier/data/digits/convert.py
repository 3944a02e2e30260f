"""Convert scikit-learn's copy of the UCI handwritten digits into the uint8 .npy files sodate ships.

Run once (Debian: apt-get install python3-sklearn):
    /usr/bin/python3 data/digits/convert.py /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz

Each CSV row holds 64 pixel counts (0..16) then the label. Pixels are scaled to 0..255
(round(v * 255 / 16)) and stored as x.npy, uint8 [1797, 8, 8, 1]; labels as y.npy, uint8 [1797].
"""
import gzip
import sys
from pathlib import Path

import numpy as np

source = Path(sys.argv[1])
rows = np.loadtxt(gzip.open(source, "rt"), delimiter=",")
pixels = rows[:, :64].reshape(-1, 8, 8, 1)
labels = rows[:, 64].astype(np.uint8)
images = np.rint(pixels * 255.0 / 16.0).astype(np.uint8)
here = Path(__file__).parent
np.save(here / "x.npy", images)
np.save(here / "y.npy", labels)
print(images.shape, labels.shape, np.bincount(labels))
