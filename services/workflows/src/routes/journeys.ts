import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, isGrpcDeadlineError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { onBehalfOfFrom } from '@kundval/contracts';
import type { Principal } from '@kundval/contracts';
import { AppError, ErrorBody, inScope, keyedOperationId, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import { journeyStateQuery, journeyWorkflowId, searchAttributes, type PersonRequest } from '../contracts.js';
import { askJourney } from '../person-requests.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
/** A request the journey took but has not carried out within the wait: repeat it with the same Idempotency-Key to read its outcome. */
const Pending = z.object({ requestId: z.string(), status: z.literal('pending') });

const Attention = z.object({
  attentionId: z.string(),
  command: z.string().describe('The command the journey could not carry out, e.g. placeOrder'),
  code: z.string().describe("The service's error code, UNEXPECTED_ANSWER, NETWORK or HTTP_<status>"),
  reason: z.string().describe("The service's reason"),
  failure: z.enum(['refused', 'unexpected-answer', 'retries-exhausted']),
  status: z.number().nullable(),
  since: z.string(),
  open: z.boolean(),
  resolution: z
    .object({ action: z.enum(['retry', 'skip', 'end']), by: z.object({ subject: z.string(), role: z.string() }), at: z.string(), reason: z.string().nullable() })
    .nullable(),
});

const JourneyState = z.object({
  applicationId: z.string(),
  customerId: z.string(),
  areaId: z.string(),
  stage: z.string(),
  decisionId: z.string().nullable(),
  providerId: z.string().nullable(),
  chosenBy: z.string().nullable(),
  orderId: z.string().nullable(),
  denialReason: z.string().nullable(),
  nextDeadline: z.string().nullable(),
  pendingMonths: z.array(z.string()),
  settledMonths: z.array(
    z.object({ month: z.string(), feeOre: z.number(), appliedCap: z.string(), ocrReference: z.string(), paymentOre: z.number(), unpricedMinutes: z.number() }),
  ),
  escalations: z
    .array(z.object({ kind: z.string(), key: z.string(), raisedAt: z.string(), to: z.string(), message: z.string(), open: z.boolean() }))
    .optional(),
  ended: z.object({ reason: z.string(), endDate: z.string() }).nullable().optional(),
  runs: z.number().optional(),
  orders: z
    .array(z.object({ orderId: z.string(), providerId: z.string(), validFrom: z.string(), endDate: z.string().nullable() }))
    .optional()
    .describe('Every order of the journey in the order placed; several in force at once where the area allows several providers'),
  attention: Attention.nullable().optional().describe('The command the journey waits on a person for: retry, skip or end it (POST …/attention/retry|skip|end)'),
  attentions: z.array(Attention).optional(),
});

const ResolveBody = z
  .object({
    attentionId: z.string().min(1).max(100).optional().describe('The attention acted on, as the caller saw it; refused (409) when another is open'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .nullish();

const JourneySummary = z.object({
  workflowId: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  area: z.string().nullable(),
  provider: z.string().nullable(),
  customer: z.string().nullable(),
  attention: z.string().nullable().describe("The kind of the journey's latest open escalation (KundvalAttention), or none"),
  startTime: z.string(),
  temporalUiUrl: z.string(),
});

/** Visibility-query values are quoted; ids never contain quotes, but refuse them rather than trust it. */
const Keyword = z.string().regex(/^[\w-]{1,100}$/, 'letters, digits, - and _');

/** The operators' view: find journeys by customer, area, provider and stage; read where one stands. */
export function journeyRoutes(deps: { client: Client; namespace: string; temporalUiUrl: string }): FastifyPluginAsyncZod {
  const uiLink = (workflowId: string) => `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${encodeURIComponent(workflowId)}`;
  return async (app) => {
    app.get(
      '/journeys/:applicationId',
      {
        config: { roles: ['operator', 'case-handler', 'citizen'] },
        schema: { summary: 'Where a journey stands, and its next deadline', tags: ['journeys'], params: z.object({ applicationId: z.uuid() }), response: { 200: JourneyState.extend({ temporalUiUrl: z.string() }), ...errors } },
      },
      async (req) => {
        const { state } = await journey(req.params.applicationId, req.principal);
        return { ...state, temporalUiUrl: uiLink(journeyWorkflowId(req.params.applicationId)) };
      },
    );

    app.get(
      '/journeys',
      {
        config: { roles: ['operator', 'case-handler'] },
        schema: {
          summary: 'Find journeys by customer, area, provider and stage',
          tags: ['journeys'],
          querystring: z.object({
            customer: Keyword.optional(),
            area: Keyword.optional(),
            provider: Keyword.optional(),
            stage: Keyword.optional(),
            attention: Keyword.optional().describe('journeys whose latest open escalation is of this kind, e.g. approval-overdue or command-failed; each has an open task of that kind in GET decisions /tasks'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
          response: { 200: z.array(JourneySummary), ...errors },
        },
      },
      async (req) => {
        const q = req.query;
        const clauses = [`WorkflowType IN ('customerJourneyWorkflow', 'voucherJourneyWorkflow')`];
        if (q.customer) clauses.push(`KundvalCustomer = '${q.customer}'`);
        if (q.area) clauses.push(`KundvalArea = '${q.area}'`);
        if (q.provider) clauses.push(`KundvalProvider = '${q.provider}'`);
        if (q.stage) clauses.push(`KundvalStage = '${q.stage}'`);
        if (q.attention) clauses.push(`KundvalAttention = '${q.attention}'`);
        // The caller's municipality is part of the visibility query (issue 12): another's journeys are not listed.
        const municipality = req.principal.municipality;
        if (municipality !== undefined) {
          if (!Keyword.safeParse(municipality).success) return [];
          clauses.push(`KundvalMunicipality = '${municipality}'`);
        }
        const out: z.infer<typeof JourneySummary>[] = [];
        for await (const wf of deps.client.workflow.list({ query: clauses.join(' AND ') })) {
          const sa = wf.searchAttributes;
          const first = (k: string) => {
            const v = sa[k];
            return Array.isArray(v) && v.length > 0 ? String(v[0]) : null;
          };
          out.push({
            workflowId: wf.workflowId,
            status: wf.status.name,
            stage: first('KundvalStage'),
            area: first('KundvalArea'),
            provider: first('KundvalProvider'),
            customer: first('KundvalCustomer'),
            attention: first('KundvalAttention'),
            startTime: wf.startTime.toISOString(),
            temporalUiUrl: uiLink(wf.workflowId),
          });
          if (out.length >= q.limit) break;
        }
        return out;
      },
    );

    app.post(
      '/journeys/:applicationId/choice',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: 'The customer chooses a provider, and waits for the journey to take it',
          description:
            "A request to the journey (ADR 0033), answered once it has recorded the choice at orders: 409 when there is no decision to choose for or a choice exists, or with orders' own code when orders refuses. " +
            '202 when the journey took the request but has not finished it within the wait (a worker being restarted): repeat it with the same Idempotency-Key to read its outcome.',
          tags: ['journeys'],
          params: z.object({ applicationId: z.uuid() }),
          body: z.object({ providerId: z.string().regex(/^[a-z0-9-]{2,50}$/) }),
          response: { 200: z.object({ providerId: z.string(), chosenBy: z.string() }), 202: Pending, ...errors },
        },
      },
      async (req, reply) => {
        const handle = await ownJourney(req.params.applicationId, req.principal);
        // The verified caller, never the body: the worker records the choice on their behalf (ADR 0022).
        const onBehalfOf = onBehalfOfFrom(req.principal);
        const outcome = await ask(handle, { requestId: requestIdOf(req), kind: 'chooseProvider', providerId: req.body.providerId, onBehalfOf });
        if (outcome.status === 'pending') return reply.code(202).send(outcome);
        return outcome.answer as { providerId: string; chosenBy: string };
      },
    );

    app.post(
      '/journeys/:applicationId/months/:month/approval',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: "The customer approves a month's deliveries of an order, and waits for the journey to take it",
          tags: ['journeys'],
          params: z.object({ applicationId: z.uuid(), month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM') }),
          body: z.object({ orderId: z.uuid(), disputedVisitIds: z.array(z.uuid()).default([]) }),
          description:
            "A request to the journey (ADR 0033), answered once billing has approved the month: 409 when the journey has no such month or it is approved, or with billing's own code when billing refuses. 202 as for the choice.",
          response: { 200: z.object({ orderId: z.string(), month: z.string(), approvedVisits: z.number() }), 202: Pending, ...errors },
        },
      },
      async (req, reply) => {
        const handle = await ownJourney(req.params.applicationId, req.principal);
        const onBehalfOf = onBehalfOfFrom(req.principal);
        const { orderId, disputedVisitIds } = req.body;
        const outcome = await ask(handle, { requestId: requestIdOf(req), kind: 'approveMonth', orderId, month: req.params.month, disputedVisitIds, onBehalfOf });
        if (outcome.status === 'pending') return reply.code(202).send(outcome);
        return outcome.answer as { orderId: string; month: string; approvedVisits: number };
      },
    );

    for (const action of ['retry', 'skip', 'end'] as const) {
      app.post(
        `/journeys/:applicationId/attention/${action}`,
        {
          config: { roles: ['operator', 'case-handler'] },
          schema: {
            summary: {
              retry: 'Retry the command the journey waits on, after its cause was fixed',
              skip: "Go on without the command the journey waits on (the journey's rule per command: ADR 0017)",
              end: 'End the journey at its attention, issuing no further command',
            }[action],
            description:
              "A request to the journey (ADR 0033) with the caller as `by`, recorded in the journey's history and in an audit log line. " +
              (action === 'retry' ? '' : 'A reason is required. ') +
              '409 when the journey waits on no attention (or on another than `attentionId`).',
            tags: ['journeys'],
            params: z.object({ applicationId: z.uuid() }),
            body: action === 'retry' ? ResolveBody : z.object({ attentionId: z.string().min(1).max(100).optional(), reason: z.string().trim().min(1).max(500) }),
            response: { 200: Attention, 202: Pending, ...errors },
          },
        },
        async (req, reply) => {
          const { applicationId } = req.params;
          const { handle, state } = await journey(applicationId, req.principal);
          const role = req.principal.role === 'operator' ? 'operator' : 'case-handler';
          const by = { subject: req.principal.sub, role } as const;
          const request: PersonRequest = {
            requestId: requestIdOf(req),
            kind: action,
            ...(state.attention?.open ? { command: state.attention.command } : {}),
            ...(req.body?.attentionId ? { attentionId: req.body.attentionId } : {}),
            by,
            ...(req.body?.reason ? { reason: req.body.reason } : {}),
          };
          const outcome = await ask(handle, request);
          if (outcome.status === 'pending') return reply.code(202).send(outcome);
          const attention = outcome.answer as z.infer<typeof Attention>;
          // The workflows service keeps no tables: its audit record is this structured log line (and the update in the journey's history).
          req.log.info(
            {
              audit: {
                action: `journey.attention.${action}`,
                actor: req.principal.sub,
                actorRole: req.principal.role,
                at: new Date().toISOString(),
                entity: 'journey',
                entityId: journeyWorkflowId(applicationId),
                onBehalfOf: { applicationId, customerId: state.customerId },
                attentionId: attention.attentionId,
                command: attention.command,
                code: attention.code,
                reason: attention.resolution?.reason ?? null,
                correlationId: req.correlationId ?? null,
              },
            },
            'audit',
          );
          return attention;
        },
      );
    }
  };

  /**
   * The journey's handle, if the caller may see it, from its search attributes (no worker needs to
   * answer, so a request reaches the journey while one is restarting): a citizen only their own, a
   * municipality claim only its municipality's (`inScope`). Another's journey is not found (404),
   * the same answer as an unknown application.
   */
  async function ownJourney(applicationId: string, principal: Principal) {
    const handle = deps.client.workflow.getHandle(journeyWorkflowId(applicationId));
    const described = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
      throw unavailable(err);
    });
    const customerId = described.typedSearchAttributes.get(searchAttributes.customer);
    const municipality = described.typedSearchAttributes.get(searchAttributes.municipality);
    if (customerId === undefined || !inScope(principal, { customerId, municipality: municipality ?? null })) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
    return handle;
  }

  /** The journey's handle and where it stands, if the caller may see it ({@link ownJourney}). */
  async function journey(applicationId: string, principal: Principal) {
    const handle = await ownJourney(applicationId, principal);
    try {
      const state = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(journeyStateQuery));
      return { handle, state };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
      throw unavailable(err);
    }
  }
}

/** How long a read of a journey's state waits for a worker to answer it. */
const QUERY_DEADLINE_MS = 15_000;

/**
 * No worker answered in time, or Temporal was not reached: a 503 the caller may retry, not a 500. Any
 * other error (a journey whose history no longer replays, say) goes on as it is.
 */
function unavailable(err: unknown): unknown {
  const cause = err instanceof ServiceError ? err.cause : err;
  // gRPC 4 DEADLINE_EXCEEDED (no worker took the query in time), 14 UNAVAILABLE (Temporal not reached).
  const transient = isGrpcDeadlineError(err) || isGrpcDeadlineError(cause) || (isGrpcServiceError(cause) && (cause.code === 4 || cause.code === 14));
  return transient ? new AppError('unavailable', 'WORKFLOWS.JOURNEY_UNAVAILABLE', 'The journey cannot be reached right now (no worker answered in time); try again shortly.') : err;
}

/**
 * A person's request to the journey, through the `personRequest` signal (ADR 0033): refused by the
 * journey's checks (409 with the request's code and the reason), refused by the service the request's
 * command went to (409 with the service's own code and reason), done (its answer), or still running
 * when the wait ends (`pending`, for a 202).
 */
async function ask(handle: WorkflowHandle, request: PersonRequest): Promise<{ status: 'done'; answer: unknown } | { status: 'pending'; requestId: string }> {
  const outcome = await askJourney(handle, request);
  if (outcome?.status === 'refused') throw new AppError('conflict', outcome.code ?? 'WORKFLOWS.UPDATE_REFUSED', outcome.reason ?? 'The journey refused the request.');
  if (outcome?.status === 'done') return { status: 'done', answer: outcome.answer };
  return { status: 'pending', requestId: request.requestId };
}

/**
 * The request's id: from the Idempotency-Key, so a retried request is the same request and reads the
 * first outcome (the journey takes an id once); otherwise a new one.
 */
function requestIdOf(req: Parameters<typeof keyedOperationId>[0]): string {
  return keyedOperationId(req) ?? `request-${randomUUID()}`;
}
