// An onnxruntime-node session for a single-input, single-output YOLO detector. Element types and
// shapes are read from the session, never assumed: an FP16 export may take and give float16
// (fed as Node 24's Float16Array) or keep float32 I/O around float16 weights.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";

export type Provider = "cpu" | "cuda";

export class OnnxModelError extends Error {
  readonly code = "onnx_model_error";
}

export interface DetectorSession {
  readonly path: string;
  readonly provider: Provider;
  readonly inputType: "float32" | "float16";
  readonly outputType: "float32" | "float16";
  /** [1, 3, H, W] */
  readonly inputDims: readonly [number, number, number, number];
  /** Runs one CHW float image; returns the output as float32 values with its dims. */
  run(chw: Float32Array): Promise<{ data: Float32Array; dims: readonly number[] }>;
  release(): Promise<void>;
}

function floatType(t: string, where: string): "float32" | "float16" {
  if (t === "float32" || t === "float16") return t;
  throw new OnnxModelError(`${where} has element type ${t}; a YOLO detector takes float32 or float16`);
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed beside the binding. Installs made
 * with ONNXRUNTIME_NODE_INSTALL=skip have only the CPU provider; asking them for CUDA fails (and
 * the native library logs the failure), so the automatic choice looks first.
 */
export function cudaProviderInstalled(): boolean {
  const main = createRequire(import.meta.url).resolve("onnxruntime-node");
  const bin = join(dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
  return existsSync(join(bin, "libonnxruntime_providers_cuda.so"));
}

/**
 * Node 24's Float16Array does the FP32 → FP16 rounding. onnxruntime-common 1.30 then wraps
 * Uint16Array data of a float16 tensor as a Float16Array when the runtime has one, but the Node
 * binding of the same version only reads float16 data from a Uint16Array (it fails with "not
 * enough space: expected …, got 0"); so the tensor gets the bit pattern back as its data.
 */
function inputTensor(type: "float32" | "float16", chw: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === "float32") return new ort.Tensor("float32", chw, dims);
  const bits = new Uint16Array(Float16Array.from(chw).buffer);
  const tensor = new ort.Tensor("float16", bits, dims);
  (tensor as unknown as { cpuData: Uint16Array }).cpuData = bits;
  return tensor;
}

export async function openDetector(
  path: string,
  options: { provider: Provider; threads?: number; quiet?: boolean },
): Promise<DetectorSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: [options.provider],
      // A probe for CUDA that may fail logs nothing (fatal only); the caller reports the fallback.
      ...(options.quiet ? { logSeverityLevel: 4 as const } : {}),
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    });
  } catch (err) {
    throw new OnnxModelError(
      `cannot open ${path} with the ${options.provider} provider: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (!input?.isTensor || !output?.isTensor || session.inputNames.length !== 1) {
    throw new OnnxModelError(`${path}: expected one tensor input and a tensor output`);
  }
  const inputType = floatType(input.type, `${path} input ${input.name}`);
  const outputType = floatType(output.type, `${path} output ${output.name}`);
  const shape = input.shape;
  const dims = shape.map((d) => (typeof d === "number" ? d : Number.NaN));
  if (dims.length !== 4 || dims[1] !== 3 || !Number.isFinite(dims[2]) || !Number.isFinite(dims[3])) {
    throw new OnnxModelError(
      `${path}: input ${input.name} has shape [${shape.join(", ")}]; a fixed [N, 3, H, W] is needed (export with dynamic=False)`,
    );
  }
  const inputDims = [1, 3, dims[2]!, dims[3]!] as const;
  return {
    path,
    provider: options.provider,
    inputType,
    outputType,
    inputDims,
    async run(chw) {
      const feeds = { [input.name]: inputTensor(inputType, chw, inputDims) };
      const result = await session.run(feeds);
      const out = result[output.name]!;
      const values = out.data as Float32Array | Float16Array;
      return { data: values instanceof Float32Array ? values : Float32Array.from(values), dims: out.dims };
    },
    release: () => session.release(),
  };
}
