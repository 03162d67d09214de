import { z } from 'zod';
import { createHash, randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, isGrpcDeadlineError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Attention, JourneyStateView, JourneySummary, RecordChoiceRequest, onBehalfOfFrom, type JourneyState, type Principal } from '@kundval/contracts';
import { AppError, ErrorBody, inScope, keyedOperationId, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import { journeyStateQuery, journeyWorkflowId, searchAttributes, type JourneyState as JourneyQueryState, type PersonRequest } from '../contracts.js';
import { askJourney } from '../person-requests.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
/** A request the journey took but has not carried out within the wait: repeat it with the same Idempotency-Key to read its outcome. */
const Pending = z.object({ requestId: z.string(), status: z.literal('pending') });

const ProviderId = z.string().regex(/^[a-z0-9-]{2,50}$/, 'a provider id: 2 to 50 of a-z, 0-9 and -');
/** What a person can say with a choice: orders' choice body (`RecordChoiceRequest`), the provider's id as the journey checks it. */
const ChoiceBody = RecordChoiceRequest.extend({ providerId: ProviderId, stayInQueueFor: ProviderId.optional() });
/** The choice recorded, or the customer queued at a nursing home without a free place. */
const ChoiceOutcome = z.union([
  z.object({ providerId: z.string(), chosenBy: z.string() }),
  z.object({ providerId: z.string(), queueEntryId: z.string(), position: z.number().int().nullable() }),
]);

const ResolveBody = z
  .object({
    attentionId: z.string().min(1).max(100).optional().describe('The attention acted on, as the caller saw it; refused (409) when another is open'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .nullish();

/**
 * The journey's query answers its own type (the workflow sandbox's, `contracts.ts`); the route answers
 * it through the shared schema the console parses. A drift between the two fails the type check here.
 */
const queryFitsSchema = (state: JourneyQueryState): z.input<typeof JourneyState> => state;
void queryFitsSchema;

/** Visibility-query values are quoted; ids never contain quotes, but refuse them rather than trust it. */
const Keyword = z.string().regex(/^[\w-]{1,100}$/, 'letters, digits, - and _');

/** The header that carries the next page's token of `GET /journeys`, absent on the last page. */
export const NEXT_PAGE_TOKEN_HEADER = 'kundval-next-page-token';

/** A Temporal visibility page token, carried between pages as base64url with a check of its bytes. */
const PageToken = z.string().regex(/^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{16}$/, 'the token a previous page answered in kundval-next-page-token');

/**
 * Visibility's token with a checksum of it: a token this route did not hand out (a typo, a fuzzer) is
 * refused with 400 at once, instead of reaching Temporal, which answers a malformed token with an
 * internal error after its retries. Not a secret: the token only pages through what the caller may list.
 */
function encodePageToken(raw: Uint8Array): string {
  return `${Buffer.from(raw).toString('base64url')}.${pageTokenCheck(raw)}`;
}
function decodePageToken(token: string): Buffer | null {
  const [data = '', check] = token.split('.');
  const raw = Buffer.from(data, 'base64url');
  return raw.length > 0 && check === pageTokenCheck(raw) ? raw : null;
}
function pageTokenCheck(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('base64url').slice(0, 16);
}

const STATUS_PREFIX = 'WORKFLOW_EXECUTION_STATUS_';
/** The `status` filter's values and visibility's names for them. */
const EXECUTION_STATUS = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  terminated: 'Terminated',
  'continued-as-new': 'ContinuedAsNew',
  'timed-out': 'TimedOut',
} as const;

/** One search attribute's value from visibility's raw payloads (a keyword is a JSON string; a list, its first). */
function keywordOf(fields: Record<string, proto.temporal.api.common.v1.IPayload> | null | undefined, key: string): string | null {
  const payload = fields?.[key];
  if (!payload) return null;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : null;
}

function timestampOf(ts: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined): string {
  const ms = Number(String(ts?.seconds ?? 0)) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/** The operators' view: find journeys by customer, area, provider and stage; read where one stands. */
export function journeyRoutes(deps: { client: Client; namespace: string; temporalUiUrl: string }): FastifyPluginAsyncZod {
  const uiLink = (workflowId: string) => `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${encodeURIComponent(workflowId)}`;
  return async (app) => {
    app.get(
      '/journeys/:applicationId',
      {
        config: { roles: ['operator', 'case-handler', 'citizen'] },
        schema: { summary: 'Where a journey stands, and its next deadline', tags: ['journeys'], params: z.object({ applicationId: z.uuid() }), response: { 200: JourneyStateView, ...errors } },
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
          summary: 'Find journeys by customer, area, provider, stage, municipality and attention, a page at a time',
          description:
            `Newest first, \`limit\` a page. When there are more, the answer's \`${NEXT_PAGE_TOKEN_HEADER}\` header carries the token of the next page: ` +
            'send it back as `pageToken` with the same filters. The pages are Temporal visibility\'s own, so no page reads more than it answers; after a full last page the next one may be empty (and has no token).',
          tags: ['journeys'],
          querystring: z.object({
            customer: Keyword.optional(),
            area: Keyword.optional(),
            provider: Keyword.optional(),
            stage: Keyword.optional(),
            municipality: Keyword.optional().describe('journeys of decisions by this municipality'),
            status: z.enum(Object.keys(EXECUTION_STATUS) as [keyof typeof EXECUTION_STATUS, ...Array<keyof typeof EXECUTION_STATUS>]).optional().describe("the workflow's status in Temporal, e.g. running"),
            attention: Keyword.optional().describe('journeys whose latest open escalation is of this kind, e.g. approval-overdue or command-failed; each has an open task of that kind in GET decisions /tasks'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            pageToken: PageToken.optional(),
          }),
          response: { 200: z.array(JourneySummary), ...errors },
        },
      },
      async (req, reply) => {
        const q = req.query;
        // The caller's municipality is part of the visibility query (issue 12): another's journeys are not listed.
        const municipality = req.principal.municipality ?? q.municipality;
        if (req.principal.municipality !== undefined && ((q.municipality !== undefined && q.municipality !== municipality) || !Keyword.safeParse(municipality).success)) return [];
        // One page of visibility per request, its token handed to the caller: never everything read to answer a page.
        const nextPageToken = q.pageToken ? decodePageToken(q.pageToken) : undefined;
        const badToken = () =>
          new AppError('invalid', 'JOURNEYS.BAD_PAGE_TOKEN', 'The page token is not one this list answered; start again without it.', { issues: [{ field: 'querystring.pageToken', reason: 'not a page token of this list' }] });
        if (nextPageToken === null) throw badToken();
        let page: proto.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
        try {
          page = await deps.client.workflowService.listWorkflowExecutions({ namespace: deps.namespace, query: visibilityQuery({ ...q, municipality }), pageSize: q.limit, ...(nextPageToken ? { nextPageToken } : {}) });
        } catch (err) {
          // A token of another filter's list: visibility refuses it as an invalid argument.
          if (nextPageToken && isGrpcServiceError(err) && err.code === 3) throw badToken();
          throw err;
        }
        const out = page.executions.map((wf) => journeySummary(wf, uiLink));
        if (page.nextPageToken && page.nextPageToken.length > 0) void reply.header(NEXT_PAGE_TOKEN_HEADER, encodePageToken(page.nextPageToken));
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
            'Beside the provider a person may say what they can say to orders: their `district` or postcode (a provider serving only some districts refuses others), ' +
            '`stayInQueueFor`, a nursing home whose queue the customer stays in while moving in here, and `effectiveFrom`, the first day of a provider added beside others where the area allows several ' +
            "(today at the earliest; earlier only for a case handler recording an arrangement already agreed, not before the decision starts). " +
            'A nursing home without a free place queues the customer instead: the answer then names the queue entry (`queueEntryId`, `position`) and has no `chosenBy`. ' +
            '202 when the journey took the request but has not finished it within the wait (a worker being restarted): repeat it with the same Idempotency-Key to read its outcome.',
          tags: ['journeys'],
          params: z.object({ applicationId: z.uuid() }),
          body: ChoiceBody,
          response: { 200: ChoiceOutcome, 202: Pending, ...errors },
        },
      },
      async (req, reply) => {
        const handle = await ownJourney(req.params.applicationId, req.principal);
        // The verified caller, never the body: the worker records the choice on their behalf (ADR 0022).
        const onBehalfOf = onBehalfOfFrom(req.principal);
        const outcome = await ask(handle, { requestId: requestIdOf(req), kind: 'chooseProvider', ...req.body, onBehalfOf });
        if (outcome.status === 'pending') return reply.code(202).send(outcome);
        return outcome.answer as z.infer<typeof ChoiceOutcome>;
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
    return (await describedJourney(applicationId, principal)).handle;
  }

  /** The journey's handle and its description (status, search attributes), if the caller may see it. */
  async function describedJourney(applicationId: string, principal: Principal) {
    const handle = deps.client.workflow.getHandle(journeyWorkflowId(applicationId));
    const described = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
      throw unavailable(err);
    });
    const customerId = described.typedSearchAttributes.get(searchAttributes.customer);
    const municipality = described.typedSearchAttributes.get(searchAttributes.municipality);
    if (customerId === undefined || !inScope(principal, { customerId, municipality: municipality ?? null })) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
    return { handle, described };
  }

  /**
   * The journey's handle and where it stands, if the caller may see it ({@link ownJourney}). A
   * completed journey answers with the state it returned, read from its last event; only a journey
   * still running (or closed otherwise) is queried, which makes a worker replay its whole history
   * (no sticky cache, ADR 0035) — so a client polling until a journey completes costs no replay once
   * it has (ADR 0051).
   */
  async function journey(applicationId: string, principal: Principal) {
    const { handle, described } = await describedJourney(applicationId, principal);
    try {
      const read = described.status.name === 'COMPLETED' ? () => handle.result() as Promise<JourneyQueryState> : () => handle.query(journeyStateQuery);
      const state = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, read);
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

/** The visibility query of a Find: journeys of both workflow types, narrowed by each filter given (each a checked keyword). */
function visibilityQuery(q: { customer?: string; area?: string; provider?: string; stage?: string; municipality?: string; attention?: string; status?: keyof typeof EXECUTION_STATUS }): string {
  const clauses = [`WorkflowType IN ('customerJourneyWorkflow', 'voucherJourneyWorkflow')`];
  if (q.customer) clauses.push(`KundvalCustomer = '${q.customer}'`);
  if (q.area) clauses.push(`KundvalArea = '${q.area}'`);
  if (q.provider) clauses.push(`KundvalProvider = '${q.provider}'`);
  if (q.stage) clauses.push(`KundvalStage = '${q.stage}'`);
  if (q.municipality) clauses.push(`KundvalMunicipality = '${q.municipality}'`);
  if (q.attention) clauses.push(`KundvalAttention = '${q.attention}'`);
  if (q.status) clauses.push(`ExecutionStatus = '${EXECUTION_STATUS[q.status]}'`);
  return clauses.join(' AND ');
}

/** One journey of a visibility page, as Find lists it. */
function journeySummary(wf: proto.temporal.api.workflow.v1.IWorkflowExecutionInfo, uiLink: (workflowId: string) => string): z.infer<typeof JourneySummary> {
  const fields = wf.searchAttributes?.indexedFields;
  const workflowId = wf.execution?.workflowId ?? '';
  const status = proto.temporal.api.enums.v1.WorkflowExecutionStatus[wf.status ?? 0] ?? 'UNSPECIFIED';
  return {
    workflowId,
    status: status.replace(STATUS_PREFIX, ''),
    stage: keywordOf(fields, 'KundvalStage'),
    area: keywordOf(fields, 'KundvalArea'),
    provider: keywordOf(fields, 'KundvalProvider'),
    customer: keywordOf(fields, 'KundvalCustomer'),
    municipality: keywordOf(fields, 'KundvalMunicipality'),
    attention: keywordOf(fields, 'KundvalAttention'),
    startTime: timestampOf(wf.startTime),
    temporalUiUrl: uiLink(workflowId),
  };
}
