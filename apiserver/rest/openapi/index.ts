/**
 * The OpenAPI documents the apiserver serves (`/openapi/v3`, `/openapi/v2`), generated
 * from the Protobuf descriptors of the kinds on first request and then kept.
 */
import type { RestNonResourceRoute } from '../types.js';
import { createOpenApiRoutes } from './routes.js';

export const openApiRoutes: readonly RestNonResourceRoute[] = createOpenApiRoutes();
