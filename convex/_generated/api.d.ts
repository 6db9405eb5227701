/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as admin from "../admin.js";
import type * as chat from "../chat.js";
import type * as crons from "../crons.js";
import type * as health from "../health.js";
import type * as knowledge from "../knowledge.js";
import type * as lib_guard from "../lib/guard.js";
import type * as lib_knowledge_schema from "../lib/knowledge-schema.js";
import type * as lib_knowledge from "../lib/knowledge.js";
import type * as lib_limits from "../lib/limits.js";
import type * as lib_listing from "../lib/listing.js";
import type * as lib_model from "../lib/model.js";
import type * as lib_recovery from "../lib/recovery.js";
import type * as lib_stats from "../lib/stats.js";
import type * as recovery from "../recovery.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  admin: typeof admin;
  chat: typeof chat;
  crons: typeof crons;
  health: typeof health;
  knowledge: typeof knowledge;
  "lib/guard": typeof lib_guard;
  "lib/knowledge-schema": typeof lib_knowledge_schema;
  "lib/knowledge": typeof lib_knowledge;
  "lib/limits": typeof lib_limits;
  "lib/listing": typeof lib_listing;
  "lib/model": typeof lib_model;
  "lib/recovery": typeof lib_recovery;
  "lib/stats": typeof lib_stats;
  recovery: typeof recovery;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
};
