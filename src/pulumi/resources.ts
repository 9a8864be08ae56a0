/**
 * Typed Pulumi resources, one class per kind, for the scopectl program (program.ts) and for a user's own
 * Pulumi program (`import { Api, Application } from "scopectl/pulumi"`). Each is a dynamic resource whose
 * provider is the shim (shim.ts): what lands in the Pulumi state is a few hundred bytes of text that
 * load the installed scopectl at run time.
 *
 * Types: `pulumi-nodejs:dynamic/scopectl:<Kind>` (module `scopectl`, type `<Kind>`).
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  ApiKeyProps,
  ApiProps,
  ApplicationProps,
  OpenApiSourceProps,
  PropsByKind,
  ResourceKind,
  RoleProps,
  ScopeProps,
  SettingsProps,
  UserProps,
} from "../model/resources.ts";
import { CONFIG_NAMESPACE, SECRET_OUTPUTS } from "./inputs.ts";
import { shimProvider } from "./shim.ts";
import { storeInput } from "./store-input.ts";

export { CONFIG_NAMESPACE, DEFAULT_STORE } from "./inputs.ts";
export type {
  ApiKeyProps,
  ApiProps,
  ApplicationProps,
  OpenApiSourceProps,
  RoleProps,
  ScopeProps,
  SettingsProps,
  UserProps,
};

/** The Pulumi module of every scopectl resource type. */
export const PULUMI_MODULE = "scopectl";

export interface ScopectlResourceArgs<K extends ResourceKind> {
  /** The store id; defaults to the resource's name. A scope's id is `<api>/<name>`. */
  resourceId?: pulumi.Input<string>;
  props: pulumi.Input<PropsByKind[K]>;
  /**
   * The store: an SQLite file relative to the project root, or a postgres:// URL without a password
   * (PGPASSWORD holds it). Default: config `scopectl:store`, else the store SCOPECTL_STORE names where
   * the provider runs, else `.scopectl/store.db` (store-input.ts).
   */
  store?: pulumi.Input<string>;
  /** Take over rows another manager holds. Default: config `scopectl:takeOver`, else false. */
  takeOver?: pulumi.Input<boolean>;
}

// One shim per kind: the dynamic Resource caches the serialized text per provider object, so every
// resource of a kind shares one serialization (the first costs about half a second, docs/architecture.md#pulumis-shim).
const shims = new Map<ResourceKind, ReturnType<typeof shimProvider>>();
function shimFor(kind: ResourceKind): ReturnType<typeof shimProvider> {
  let shim = shims.get(kind);
  if (!shim) {
    shim = shimProvider(kind);
    shims.set(kind, shim);
  }
  return shim;
}

export abstract class ScopectlResource<K extends ResourceKind> extends pulumi.dynamic.Resource {
  // `declare`: with ES2022 class fields a plain field would overwrite the outputs after super().
  declare readonly resourceId: pulumi.Output<string>;
  declare readonly props: pulumi.Output<PropsByKind[K]>;
  declare readonly store: pulumi.Output<string>;
  declare readonly stack: pulumi.Output<string>;

  constructor(kind: K, name: string, args: ScopectlResourceArgs<K>, opts?: pulumi.CustomResourceOptions) {
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const secretOutputs = [...SECRET_OUTPUTS[kind]];
    const inputs: Record<string, unknown> = {
      resourceId: args.resourceId ?? name,
      props: args.props,
      store:
        args.store === undefined || typeof args.store === "string"
          ? storeInput(args.store, config.get("store"))
          : pulumi.output(args.store).apply((store) => storeInput(store, undefined)),
      stack: pulumi.getStack(),
      takeOver: args.takeOver ?? config.getBoolean("takeOver") ?? false,
    };
    // Outputs a create makes are registered as undefined inputs so that they appear on the resource.
    for (const output of secretOutputs) inputs[output] = undefined;
    super(
      shimFor(kind),
      name,
      inputs,
      { ...opts, additionalSecretOutputs: secretOutputs },
      PULUMI_MODULE,
      kind,
    );
  }
}

export type SettingsArgs = ScopectlResourceArgs<"Settings">;
export class Settings extends ScopectlResource<"Settings"> {
  constructor(name: string, args: SettingsArgs, opts?: pulumi.CustomResourceOptions) {
    super("Settings", name, args, opts);
  }
}

export type ApiArgs = ScopectlResourceArgs<"Api">;
export class Api extends ScopectlResource<"Api"> {
  constructor(name: string, args: ApiArgs, opts?: pulumi.CustomResourceOptions) {
    super("Api", name, args, opts);
  }
}

export type OpenApiSourceArgs = ScopectlResourceArgs<"OpenApiSource">;
export class OpenApiSource extends ScopectlResource<"OpenApiSource"> {
  constructor(name: string, args: OpenApiSourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("OpenApiSource", name, args, opts);
  }
}

export type ScopeArgs = ScopectlResourceArgs<"Scope">;
export class Scope extends ScopectlResource<"Scope"> {
  constructor(name: string, args: ScopeArgs, opts?: pulumi.CustomResourceOptions) {
    super("Scope", name, args, opts);
  }
}

export type RoleArgs = ScopectlResourceArgs<"Role">;
export class Role extends ScopectlResource<"Role"> {
  constructor(name: string, args: RoleArgs, opts?: pulumi.CustomResourceOptions) {
    super("Role", name, args, opts);
  }
}

export type UserArgs = ScopectlResourceArgs<"User">;
export class User extends ScopectlResource<"User"> {
  constructor(name: string, args: UserArgs, opts?: pulumi.CustomResourceOptions) {
    super("User", name, args, opts);
  }
}

export type ApplicationArgs = ScopectlResourceArgs<"Application">;
export class Application extends ScopectlResource<"Application"> {
  /** The generated client secret (a Pulumi secret); undefined unless the secret is `generated`. */
  declare readonly clientSecret: pulumi.Output<string | undefined>;
  constructor(name: string, args: ApplicationArgs, opts?: pulumi.CustomResourceOptions) {
    super("Application", name, args, opts);
  }
}

export type ApiKeyArgs = ScopectlResourceArgs<"ApiKey">;
export class ApiKey extends ScopectlResource<"ApiKey"> {
  /** The key (a Pulumi secret): the store keeps only its prefix and SHA-256. */
  declare readonly apiKey: pulumi.Output<string>;
  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super("ApiKey", name, args, opts);
  }
}

export const RESOURCE_CLASSES = {
  Settings,
  Api,
  OpenApiSource,
  Scope,
  Role,
  User,
  Application,
  ApiKey,
} as const;
