import { z } from 'zod';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ErrorBody, assertCustomerScope, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import { journeyStateQuery, journeyWorkflowId } from '../contracts.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

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
});

const JourneySummary = z.object({
  workflowId: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  area: z.string().nullable(),
  provider: z.string().nullable(),
  customer: z.string().nullable(),
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
        const workflowId = journeyWorkflowId(req.params.applicationId);
        try {
          const state = await deps.client.workflow.getHandle(workflowId).query(journeyStateQuery);
          assertCustomerScope(req.principal, state.customerId);
          return { ...state, temporalUiUrl: uiLink(workflowId) };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw notFound('WORKFLOWS.JOURNEY_NOT_FOUND', 'No journey for this application.');
          throw err;
        }
      },
    );

    app.get(
      '/journeys',
      {
        config: { roles: ['operator', 'case-handler'] },
        schema: {
          summary: 'Find journeys by customer, area, provider and stage',
          tags: ['journeys'],
          querystring: z.object({ customer: Keyword.optional(), area: Keyword.optional(), provider: Keyword.optional(), stage: Keyword.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.array(JourneySummary), ...errors },
        },
      },
      async (req) => {
        const q = req.query;
        const clauses = [`WorkflowType = 'customerJourneyWorkflow'`];
        if (q.customer) clauses.push(`KundvalCustomer = '${q.customer}'`);
        if (q.area) clauses.push(`KundvalArea = '${q.area}'`);
        if (q.provider) clauses.push(`KundvalProvider = '${q.provider}'`);
        if (q.stage) clauses.push(`KundvalStage = '${q.stage}'`);
        const out: z.infer<typeof JourneySummary>[] = [];
        for await (const wf of deps.client.workflow.list({ query: clauses.join(' AND ') })) {
          const sa = wf.searchAttributes;
          const first = (k: string) => (Array.isArray(sa[k]) && sa[k]!.length > 0 ? String(sa[k]![0]) : null);
          out.push({
            workflowId: wf.workflowId,
            status: wf.status.name,
            stage: first('KundvalStage'),
            area: first('KundvalArea'),
            provider: first('KundvalProvider'),
            customer: first('KundvalCustomer'),
            startTime: wf.startTime.toISOString(),
            temporalUiUrl: uiLink(wf.workflowId),
          });
          if (out.length >= q.limit) break;
        }
        return out;
      },
    );
  };
}
