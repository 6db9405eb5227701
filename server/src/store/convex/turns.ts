/**
 * The two calls of a chat turn on Convex, carrying what several replicas must share: the turn limits (admitted and
 * reserved inside startTurn, settled inside finishTurn — no extra round trip) and this replica's lease on the reply.
 */
import type { FunctionReturnType } from 'convex/server';
import { api } from '../../../../convex/_generated/api.js';
import { evictOldest } from '../../security/bounded-map.ts';
import type { BudgetLimits } from '../../security/budget.ts';
import { clientKey } from '../../security/client-ip.ts';
import { budgetExhausted, rateLimited } from '../../security/turn-limits.ts';
import type { FinishTurnInput, Message, StartTurnInput, StartTurnResult } from '../chat-store.ts';
import type { CallArgs, ConvexCalls } from './calls.ts';
import type { ReplicaLease } from './lease.ts';

/** The server's limits, as the deployment enforces them for every replica. */
export interface SharedTurnLimitsConfig {
  chatPerSessionPerMinute: number;
  budgets: BudgetLimits;
  /** What the server's history trimming needs, so the reservation is the real prompt. */
  systemPromptChars: number;
  maxHistoryChars: number;
}

export interface ConvexTurnsOptions {
  limits?: SharedTurnLimitsConfig;
  lease?: ReplicaLease;
  /** The longest a reply may stream before the deployment's sweep counts it abandoned (model timeout + margin). */
  streamLimitMs?: number;
}

type StartTurnArgs = CallArgs<typeof api.chat.startTurn>;
type DeploymentTurnLimits = NonNullable<StartTurnArgs['limits']>;
type TurnRefusal = NonNullable<FunctionReturnType<typeof api.chat.startTurn>['refused']>;

/** Reservations waiting for their turn's end; far more than turns run at once, so only a leak is ever dropped. */
const MAX_OPEN_RESERVATIONS = 100_000;

function refusalError(refused: TurnRefusal) {
  const seconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  return refused.code === 'rate_limited' ? rateLimited(seconds) : budgetExhausted(refused.scope, seconds);
}

export function createConvexTurns(calls: ConvexCalls, options: ConvexTurnsOptions) {
  const open = new Map<string, { limits: DeploymentTurnLimits; deploymentShard: number; reservedTokens: number }>();

  function limitsFor(input: StartTurnInput): DeploymentTurnLimits | undefined {
    const config = options.limits;
    if (!config || !input.admission) return undefined;
    return {
      ipKey: clientKey(input.admission.clientIp),
      sessionPerMinute: config.chatPerSessionPerMinute,
      tokensPerSessionPerDay: config.budgets.tokensPerSessionPerDay,
      tokensPerIpPerDay: config.budgets.tokensPerIpPerDay,
      tokensPerDay: config.budgets.tokensPerDay,
      minTokens: input.admission.minTokens,
      maxOutputTokens: input.admission.maxOutputTokens,
      systemPromptChars: config.systemPromptChars,
      maxHistoryChars: config.maxHistoryChars,
    };
  }

  async function startTurn(input: StartTurnInput): Promise<StartTurnResult> {
    const { admission: _admission, ...turn } = input;
    const limits = limitsFor(input);
    if (options.lease) await options.lease.ready;
    const args: StartTurnArgs = {
      ...turn,
      model: turn.model ?? null,
      ...(limits ? { limits } : {}),
      ...(options.lease ? { replicaId: options.lease.replicaId } : {}),
      ...(options.streamLimitMs ? { streamLimitMs: options.streamLimitMs } : {}),
    };
    const result = await calls.mutation(api.chat.startTurn, args);
    if (result.refused) throw refusalError(result.refused);
    const { refused: _refused, reservedTokens, deploymentShard, ...started } = result;
    if (limits && reservedTokens > 0) {
      // Settled on the same budget shard it was reserved from (convex/lib/limits.ts).
      open.set(started.assistantMessage.id, { limits, deploymentShard, reservedTokens });
      evictOldest(open, MAX_OPEN_RESERVATIONS);
    }
    return started;
  }

  async function finishTurn(input: FinishTurnInput): Promise<Message> {
    const { spentTokens, ...end } = input;
    const reservation = open.get(input.assistantMessageId);
    open.delete(input.assistantMessageId);
    const args: CallArgs<typeof api.chat.finishTurn> = {
      ...end,
      ...(reservation ? { settle: { ...reservation, spentTokens: spentTokens ?? reservation.reservedTokens } } : {}),
    };
    return await calls.mutation(api.chat.finishTurn, args);
  }

  return { startTurn, finishTurn };
}
