/** Token counts as the model reports them; stored with each reply and summed into budgets and stats. */
import { Type } from '@sinclair/typebox';
import { t } from 'elysia';

export const TokenUsageSchema = t.Object(
  // TypeBox's own Integer: a number only (Elysia's `t.Integer` would document `string | integer`).
  { promptTokens: Type.Integer(), completionTokens: Type.Integer(), totalTokens: Type.Integer() },
  { title: 'TokenUsage' },
);
export type TokenUsage = typeof TokenUsageSchema.static;
