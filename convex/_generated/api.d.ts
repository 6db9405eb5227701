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
import type * as health from "../health.js";
import type * as knowledge from "../knowledge.js";
import type * as lib_guard from "../lib/guard.js";
import type * as lib_knowledge_schema from "../lib/knowledge-schema.js";
import type * as lib_knowledge from "../lib/knowledge.js";
import type * as lib_listing from "../lib/listing.js";
import type * as lib_model from "../lib/model.js";
import type * as lib_stats from "../lib/stats.js";

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
  health: typeof health;
  knowledge: typeof knowledge;
  "lib/guard": typeof lib_guard;
  "lib/knowledge-schema": typeof lib_knowledge_schema;
  "lib/knowledge": typeof lib_knowledge;
  "lib/listing": typeof lib_listing;
  "lib/model": typeof lib_model;
  "lib/stats": typeof lib_stats;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
