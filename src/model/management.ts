/**
 * The built-in management API (`/v1/` on the token service). Its audience is
 * `Settings.managementAudience`; an Api in the manifests that takes that audience declares it, so that
 * applications are authorized for it like for any Api. Its scopes are the permissions the product
 * documents (docs/architecture.md#rules-from-the-product); the views check `read:apis` and `read:users`,
 * the writes the permissions docs/management-api.md lists.
 */
export const MANAGEMENT_PERMISSIONS = [
  "read:apis",
  "read:users",
  "create:api_scopes",
  "update:api_scopes",
  "update:apis",
  "delete:api_scopes",
] as const;
export type ManagementPermission = (typeof MANAGEMENT_PERMISSIONS)[number];

export function isManagementPermission(scope: string): scope is ManagementPermission {
  return (MANAGEMENT_PERMISSIONS as readonly string[]).includes(scope);
}
