/** What a management API write refuses, one class per HTTP answer the routes give (server/routes/). */
import { ScopectlError } from "../../core/errors.ts";

/** 403: the token lacks `missing` (RFC 6750 §3.1 insufficient_scope names them). */
export class InsufficientPermissionError extends ScopectlError {
  static readonly code = "management.insufficient-scope";
  declare readonly code: typeof InsufficientPermissionError.code;

  constructor(readonly missing: readonly string[]) {
    super(
      InsufficientPermissionError.code,
      `this call needs the ${missing.join(", ")} permission${missing.length === 1 ? "" : "s"}`,
    );
    this.name = "InsufficientPermissionError";
  }
}

/** A row that holds a scope (a reference the manifests or a stack wrote). */
export interface ScopeHolder {
  kind: "Role" | "User" | "Application" | "ApiKey";
  id: string;
  managedBy: string;
  scopes: string[];
}

/** 409: the write would break ownership or leave a scope's holders dangling. */
export class ManagementConflictError extends ScopectlError {
  static readonly code = "management.conflict";
  declare readonly code: typeof ManagementConflictError.code;

  constructor(
    message: string,
    readonly holders: readonly ScopeHolder[] = [],
  ) {
    super(ManagementConflictError.code, message);
    this.name = "ManagementConflictError";
  }
}

/** 404. */
export class ManagementNotFoundError extends ScopectlError {
  static readonly code = "management.not-found";
  declare readonly code: typeof ManagementNotFoundError.code;

  constructor(message: string) {
    super(ManagementNotFoundError.code, message);
    this.name = "ManagementNotFoundError";
  }
}

/** 400: a field of the request, named. */
export class ManagementRequestError extends ScopectlError {
  static readonly code = "management.invalid-request";
  declare readonly code: typeof ManagementRequestError.code;

  constructor(message: string) {
    super(ManagementRequestError.code, message);
    this.name = "ManagementRequestError";
  }
}
