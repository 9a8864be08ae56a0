// A Pulumi program of your own: the orders service's infrastructure, with its API authorization
// (an Api, its scopes and a machine client) declared in code next to it. scopectl's resources write the
// store named by `scopectl:store` (relative to this folder); the token service serves from it.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Api, Application, Scope } from "scopectl/pulumi";

// Other infrastructure: anything Pulumi manages (a database, a queue, ...). Here a random suffix.
const suffix = new random.RandomId("orders-suffix", { byteLength: 4 });

const orders = new Api("orders", {
  props: { audience: "https://api.example.com/orders", displayName: "Orders" },
});

const scopes = ["read:orders", "write:orders"].map(
  (name) =>
    new Scope(
      `orders/${name}`,
      { props: { api: "orders", name, description: `${name} on the orders API`, origin: "manual" } },
      { dependsOn: [orders] },
    ),
);

const exporter = new Application(
  "orders-exporter",
  {
    props: suffix.hex.apply((hex) => ({
      type: "m2m" as const,
      clientId: `orders-exporter-${hex}`,
      secret: { kind: "generated" as const },
      redirectUris: [],
      apis: { orders: { all: false, scopes: ["read:orders"] } },
      tokens: { lifetimeSeconds: 3600, includeApiScopesInPermissions: false },
    })),
  },
  { dependsOn: scopes },
);

export const clientId = exporter.props.apply((props) => props.clientId);
// Made on create, a Pulumi secret: `pulumi stack output --show-secrets clientSecret`.
export const clientSecret = pulumi.secret(exporter.clientSecret);
