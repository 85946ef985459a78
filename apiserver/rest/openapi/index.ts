/** The OpenAPI documents the apiserver serves (`/openapi/v3`, `/openapi/v2`). */
import type { RestNonResourceRoute } from '../types.js';

export const openApiRoutes: readonly RestNonResourceRoute[] = [];
