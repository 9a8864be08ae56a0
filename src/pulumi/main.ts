/**
 * The entry `Pulumi.yaml` names (compiled: dist/pulumi/main.js). Pulumi's Node.js runtime imports it and,
 * for a default-exported function, awaits it and exports what it returns as the stack's outputs.
 */
import { declareManifests, type ProgramOutputs } from "./program.ts";

export default async function main(): Promise<ProgramOutputs> {
  const { outputs } = await declareManifests();
  return outputs;
}
