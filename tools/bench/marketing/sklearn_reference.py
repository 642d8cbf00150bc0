#!/usr/bin/env python3
"""scikit-learn side of marketing_bench: K-means and TF-IDF on the files the
C++ benchmark wrote, with the same settings; prints one JSON object."""
import json
import statistics
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer


def main():
    workdir, k, restarts, runs, min_df = sys.argv[1], int(sys.argv[2]), int(
        sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    header = np.fromfile(workdir + "/points.f32", dtype=np.int64, count=2)
    n, d = int(header[0]), int(header[1])
    x = np.fromfile(workdir + "/points.f32", dtype=np.float32,
                    offset=16).reshape(n, d)
    km_times, inertias = [], []
    for r in range(runs):
        t = time.perf_counter()
        model = KMeans(n_clusters=k, n_init=restarts, init="k-means++",
                       algorithm="lloyd", max_iter=300, tol=1e-4,
                       random_state=r).fit(x)
        km_times.append(time.perf_counter() - t)
        inertias.append(float(model.inertia_))
        print("sklearn k-means run %d: %.3f s, inertia %.1f, %d iterations"
              % (r, km_times[-1], inertias[-1], model.n_iter_), file=sys.stderr)
    with open(workdir + "/texts.txt", encoding="utf-8") as f:
        texts = f.read().split("\n")[:-1]
    with open(workdir + "/stop_words.txt", encoding="utf-8") as f:
        stop = f.read().split()
    tf_times = []
    for _ in range(runs):
        t = time.perf_counter()
        vec = TfidfVectorizer(lowercase=True, token_pattern=r"(?u)\b\w\w+\b",
                              stop_words=stop, min_df=min_df, norm="l2",
                              smooth_idf=True, sublinear_tf=False)
        m = vec.fit_transform(texts)
        tf_times.append(time.perf_counter() - t)
    m.sort_indices()
    terms = vec.get_feature_names_out()
    # Tailor's matrix: int64 rows, cols, nnz, then indptr, indices, values.
    raw = np.fromfile(workdir + "/tailor_tfidf.bin", dtype=np.uint8)
    rows, cols, nnz = np.frombuffer(raw[:24], dtype=np.int64)
    off = 24
    indptr = np.frombuffer(raw[off:off + 8 * (rows + 1)], dtype=np.int64)
    off += 8 * (rows + 1)
    indices = np.frombuffer(raw[off:off + 4 * nnz], dtype=np.uint32)
    off += 4 * nnz
    values = np.frombuffer(raw[off:off + 4 * nnz], dtype=np.float32)
    with open(workdir + "/tailor_terms.txt", encoding="utf-8") as f:
        tailor_terms = f.read().split("\n")[:-1]
    same_vocab = list(terms) == tailor_terms
    max_diff = float("inf")
    if same_vocab and rows == m.shape[0] and cols == m.shape[1]:
        from scipy.sparse import csr_matrix
        ours = csr_matrix((values.astype(np.float64), indices, indptr),
                          shape=(rows, cols))
        diff = abs(ours - m)
        max_diff = float(diff.max()) if diff.nnz else 0.0
    print(json.dumps({
        "kmeans_seconds": statistics.median(km_times),
        "kmeans_inertia": statistics.median(inertias),
        "kmeans_inertias": inertias,
        "tfidf_seconds": statistics.median(tf_times),
        "tfidf_terms": len(terms),
        "tfidf_same_vocabulary": same_vocab,
        "tfidf_max_abs_diff": max_diff,
    }))


if __name__ == "__main__":
    main()
