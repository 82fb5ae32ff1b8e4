"""Times Python onnxruntime on the same letterboxed inputs as bench/abcheck/onnxruntime.ts.

Args: model, raw float32 inputs file, threads, repeats. Prints {"seconds", "images"} (best of repeats).
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

model, inputs, threads, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
opts = ort.SessionOptions()
opts.intra_op_num_threads = threads
opts.inter_op_num_threads = 1
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
inp = sess.get_inputs()[0]
_, _, h, w = inp.shape
dtype = np.float16 if inp.type == "tensor(float16)" else np.float32
xs = [x[None].astype(dtype) for x in np.fromfile(inputs, dtype=np.float32).reshape(-1, 3, h, w)]
sess.run(None, {inp.name: xs[0]})  # warm-up
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    for x in xs:
        sess.run(None, {inp.name: x})
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "images": len(xs)}))
