/**
 * One ResourceProvider per kind, all writing through the Store of a ProviderSession. They hold no
 * state of their own, so the reconciler and the Pulumi host can create them per call.
 */
import { isDeepStrictEqual } from "node:util";
import { generateApiKey, generateClientSecret, sha256Hex } from "../core/secrets.ts";
import type { ApiKeyProps, ApplicationProps, PropsByKind, ResourceKind } from "../model/resources.ts";
import { OUTPUT_FIELDS, replacementFields } from "./immutable.ts";
import type { DiffResult, ProviderSession, ResourceProvider } from "./types.ts";
import { uriFailures } from "./uri-checks.ts";

type Props = Record<string, unknown>;

const fields = (props: unknown): Props => props as Props;

/** Copies the outputs a create made (hashes, prefixes) onto new desired props that lack them. */
function keepOutputs<K extends ResourceKind>(
  kind: K,
  olds: PropsByKind[K],
  news: PropsByKind[K],
): PropsByKind[K] {
  const merged: Props = { ...fields(news) };
  for (const field of OUTPUT_FIELDS[kind]) {
    if (merged[field] === undefined && fields(olds)[field] !== undefined) merged[field] = fields(olds)[field];
  }
  if (kind === "Application") {
    const oldSecret = (olds as ApplicationProps).secret;
    const newSecret = (news as ApplicationProps).secret;
    if (newSecret.kind === "generated" && oldSecret.kind === "generated" && newSecret.sha256 === undefined) {
      merged.secret = { ...newSecret, sha256: oldSecret.sha256 };
    }
  }
  return merged as unknown as PropsByKind[K];
}

/** The fields whose values differ, comparing only fields the desired side states. */
export function changedFields<K extends ResourceKind>(
  kind: K,
  olds: PropsByKind[K],
  news: PropsByKind[K],
): string[] {
  const before = fields(olds);
  const after = fields(keepOutputs(kind, olds, news));
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !isDeepStrictEqual(before[key], after[key])).sort();
}

export function diffProps<K extends ResourceKind>(
  kind: K,
  olds: PropsByKind[K],
  news: PropsByKind[K],
): DiffResult {
  const changed = changedFields(kind, olds, news);
  const replaces = replacementFields(kind, olds, news);
  return {
    changes: changed.length > 0,
    replaces,
    // The store keys rows by kind and id: the old row must go before the new one can be written.
    deleteBeforeReplace: replaces.length > 0,
  };
}

/** Makes the secret material of a create: a client secret or an API key, announced once. */
function withGeneratedSecrets<K extends ResourceKind>(
  kind: K,
  id: string,
  props: PropsByKind[K],
  session: ProviderSession,
): PropsByKind[K] {
  if (kind === "Application") {
    const app = props as ApplicationProps;
    if (app.secret.kind === "generated" && app.secret.sha256 === undefined) {
      const value = generateClientSecret();
      session.onSecret({ kind, id, field: "clientSecret", value });
      return { ...app, secret: { kind: "generated", sha256: sha256Hex(value) } } as PropsByKind[K];
    }
  }
  if (kind === "ApiKey") {
    const key = props as ApiKeyProps;
    if (key.sha256 === undefined) {
      const made = generateApiKey();
      session.onSecret({ kind, id, field: "apiKey", value: made.key });
      return { ...key, prefix: made.prefix, sha256: sha256Hex(made.key) } as PropsByKind[K];
    }
  }
  return props;
}

/**
 * What a provider takes and gives: the resource's id and its props. Pulumi's `create(inputs)` must
 * derive the id from the inputs, so the id travels with them.
 */
export interface ResourceState<K extends ResourceKind = ResourceKind> {
  resourceId: string;
  props: PropsByKind[K];
}

export function createProvider<K extends ResourceKind>(
  kind: K,
  session: ProviderSession,
): ResourceProvider<ResourceState<K>, ResourceState<K>> {
  const { tx, ctx } = session;
  return {
    async check(_olds, news) {
      if (typeof news?.resourceId !== "string" || typeof news.props !== "object" || news.props === null) {
        return { failures: [{ property: "props", reason: `${kind} needs a resourceId and props` }] };
      }
      const failures = uriFailures(kind, news.props);
      return failures.length > 0 ? { failures } : { inputs: news };
    },

    async diff(id, olds, news) {
      if (olds.resourceId !== news.resourceId)
        return { changes: true, replaces: ["resourceId"], deleteBeforeReplace: true };
      void id;
      return diffProps(kind, olds.props, news.props);
    },

    async create(inputs) {
      const id = inputs.resourceId;
      const props = withGeneratedSecrets(kind, id, inputs.props, session);
      await tx.insert(kind, id, props, ctx); // ResourceExistsError when it is already there
      return { id, outs: { resourceId: id, props } };
    },

    async read(id) {
      const row = await tx.get(kind, id);
      return row ? { id, props: { resourceId: id, props: row.props as PropsByKind[K] } } : {};
    },

    async update(id, olds, news) {
      const props = keepOutputs(kind, olds.props, news.props);
      await tx.put(kind, id, props, ctx);
      return { outs: { resourceId: id, props } };
    },

    async delete(id) {
      await tx.remove(kind, id, ctx);
    },
  };
}
