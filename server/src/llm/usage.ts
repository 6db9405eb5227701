/** Token counts as the model reports them; stored with each reply and summed into budgets and stats. */
import { t } from 'elysia';

export const TokenUsageSchema = t.Object(
  { promptTokens: t.Integer(), completionTokens: t.Integer(), totalTokens: t.Integer() },
  { title: 'TokenUsage' },
);
export type TokenUsage = typeof TokenUsageSchema.static;
