// The Worker's entry point: the workers-rs shim (built by
// scripts/build-worker.sh), with failures answered as problems.
import Shim from "../build/worker/shim.mjs";
import { recovering } from "./recover.mjs";

export * from "../build/worker/shim.mjs";
export default recovering(Shim);
