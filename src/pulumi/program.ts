/**
 * The scopectl Pulumi program: the manifests of a folder → one dynamic resource per store row, the same
 * rows `scopectl plan` computes (loadDesiredState + desiredResources), with dependencies between them.
 * main.ts runs it under `pulumi up`; tests run it under `pulumi.runtime.setMocks`.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadDesiredState } from "../manifest/index.ts";
import { type Resource, resourceKey } from "../model/resources.ts";
import { desiredResources } from "../plan/desired-resources.ts";
import { dependencyKeys } from "./dependencies.ts";
import { CONFIG_NAMESPACE, DEFAULT_MANIFESTS } from "./inputs.ts";
import { type ApiKey, type Application, RESOURCE_CLASSES, type ScopectlResource } from "./resources.ts";

export interface ProgramOptions {
  /** The manifest folder, relative to the working directory. Default: config `scopectl:manifests`, else `config`. */
  manifests?: string;
  /** Overrides config `scopectl:store` and `scopectl:takeOver` when given. */
  store?: string;
  takeOver?: boolean;
  /** Where `fromEnv` client secrets are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ProgramOutputs {
  /** Client id per application. */
  clientIds: Record<string, pulumi.Output<string>>;
  /** Generated client secrets per application (Pulumi secrets). */
  clientSecrets: pulumi.Output<Record<string, string | undefined>>;
  /** Generated API keys per ApiKey (Pulumi secrets). */
  apiKeys: pulumi.Output<Record<string, string>>;
}

export interface Declared {
  /** Every declared resource, by store key (`<kind>:<id>`). */
  resources: Map<string, ScopectlResource<Resource["kind"]>>;
  outputs: ProgramOutputs;
}

/** Declares the resources; parents are declared first (desiredResources is sorted that way). */
export async function declareManifests(options: ProgramOptions = {}): Promise<Declared> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const folder = options.manifests ?? config.get("manifests") ?? DEFAULT_MANIFESTS;
  const state = await loadDesiredState(path.resolve(folder));
  const desired = desiredResources(state, options.env ?? process.env);

  const resources = new Map<string, ScopectlResource<Resource["kind"]>>();
  for (const resource of desired) {
    const dependsOn = dependencyKeys(resource)
      .map((key) => resources.get(key))
      .filter((r) => r !== undefined);
    const Class = RESOURCE_CLASSES[resource.kind];
    // The store id is the Pulumi name: the type already says the kind, and the id is stable.
    const declared = new Class(
      resource.id,
      {
        resourceId: resource.id,
        props: resource.props as never,
        ...(options.store !== undefined ? { store: options.store } : {}),
        ...(options.takeOver !== undefined ? { takeOver: options.takeOver } : {}),
      },
      dependsOn.length > 0 ? { dependsOn } : {},
    );
    resources.set(resourceKey(resource.kind, resource.id), declared);
  }

  const clientIds: Record<string, pulumi.Output<string>> = {};
  const clientSecrets: Record<string, pulumi.Output<string | undefined>> = {};
  const apiKeys: Record<string, pulumi.Output<string>> = {};
  for (const resource of desired) {
    const declared = resources.get(resourceKey(resource.kind, resource.id));
    if (resource.kind === "Application") {
      const app = declared as Application;
      clientIds[resource.id] = app.props.apply((props) => props.clientId);
      if (resource.props.secret.kind === "generated") clientSecrets[resource.id] = app.clientSecret;
    }
    if (resource.kind === "ApiKey") apiKeys[resource.id] = (declared as ApiKey).apiKey;
  }
  return {
    resources,
    outputs: {
      clientIds,
      clientSecrets: pulumi.secret(pulumi.output(clientSecrets)),
      apiKeys: pulumi.secret(pulumi.output(apiKeys)),
    },
  };
}
