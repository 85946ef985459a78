/**
 * Who is calling and what they may do: the authentication and authorization
 * contracts of the request pipeline (authenticate → authorize → admit → store).
 */
export interface UserInfo {
  readonly name: string;
  readonly uid: string;
  /** Always includes `system:authenticated` for authenticated users. */
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  /** Who made the request, when it acts as this user by impersonation (the audit log names both). */
  readonly impersonator?: UserInfo;
}

/** What a request does, in RBAC's terms. */
export interface RequestAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb: string;
  readonly apiGroup: string;
  /** The resource (`pods`); empty for non-resource requests. */
  readonly resource: string;
  /** `status`, `binding`, `log`, `scale`, `token`, or ''. */
  readonly subresource: string;
  readonly namespace: string;
  /** The object's name; empty for list, watch and create. */
  readonly name: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

export interface Authorizer {
  authorize(attrs: RequestAttributes): Decision | Promise<Decision>;
}
